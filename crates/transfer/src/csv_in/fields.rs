//! What each column holds: the fields of a party and a harm, the layouts recognised by their
//! headings, and mappings given by hand.

use std::fmt;

use super::names::fold;

/// A field of core's model that a column can fill.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Name,
    Kind,
    Relationship,
    Notes,
    Did,
    Should,
    Effect,
    Kinds,
    When,
    Owed,
    Property,
    ThirdParties,
    Willingness,
    Sponsor,
    Source,
}

impl Field {
    /// Every field, in the order forms list them.
    pub const ALL: &'static [Field] = &[
        Field::Name,
        Field::Kind,
        Field::Relationship,
        Field::Notes,
        Field::Did,
        Field::Should,
        Field::Effect,
        Field::Kinds,
        Field::When,
        Field::Owed,
        Field::Property,
        Field::ThirdParties,
        Field::Willingness,
        Field::Sponsor,
        Field::Source,
    ];

    /// The code used in `--map` and in forms.
    pub fn code(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Kind => "kind",
            Field::Relationship => "relationship",
            Field::Notes => "notes",
            Field::Did => "did",
            Field::Should => "should",
            Field::Effect => "effect",
            Field::Kinds => "kinds",
            Field::When => "when",
            Field::Owed => "owed",
            Field::Property => "property",
            Field::ThirdParties => "third-parties",
            Field::Willingness => "willingness",
            Field::Sponsor => "sponsor",
            Field::Source => "source",
        }
    }

    /// Plain words for a person.
    pub fn label(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::Kind => "kind of party (person, organisation...)",
            Field::Relationship => "relationship",
            Field::Notes => "notes about the party",
            Field::Did => "what I did",
            Field::Should => "what I should have done",
            Field::Effect => "how it affected them",
            Field::Kinds => "kinds of harm",
            Field::When => "when",
            Field::Owed => "money owed",
            Field::Property => "property owed",
            Field::ThirdParties => "others involved",
            Field::Willingness => "willingness",
            Field::Sponsor => "sponsor agrees it is a harm",
            Field::Source => "where the harm came from",
        }
    }

    /// Reads a code (or a spelling close to one: `harm-kinds`, `willing`, `others`...).
    pub fn parse(text: &str) -> Option<Field> {
        let t = fold(text).replace(' ', "-");
        let f = match t.as_str() {
            "name" => Field::Name,
            "kind" | "party-kind" => Field::Kind,
            "relationship" | "relation" => Field::Relationship,
            "notes" | "note" => Field::Notes,
            "did" | "what-i-did" | "harm" => Field::Did,
            "should" | "instead" => Field::Should,
            "effect" => Field::Effect,
            "kinds" | "harm-kinds" | "harm-kind" => Field::Kinds,
            "when" => Field::When,
            "owed" | "money" | "amount" => Field::Owed,
            "property" => Field::Property,
            "third-parties" | "third-party" | "others" => Field::ThirdParties,
            "willingness" | "willing" => Field::Willingness,
            "sponsor" | "sponsor-agrees" => Field::Sponsor,
            "source" => Field::Source,
            _ => return None,
        };
        Some(f)
    }

    /// Whether several columns may fill it (notes gather every column mapped to them).
    pub fn many(self) -> bool {
        self == Field::Notes
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The kinds of list recognised by their headings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// An 8th-step list: name, relationship, what I did, effect, willing...
    EighthStep,
    /// A Step 4 inventory of harms done (the "sex" or "harms" inventory).
    HarmsDone,
    /// The Big Book's resentment list: resented, the cause, affects my, my part.
    Resentment,
    /// Headings Amends does not know: mapped by hand.
    Custom,
}

impl Layout {
    pub fn code(self) -> &'static str {
        match self {
            Layout::EighthStep => "eighth-step",
            Layout::HarmsDone => "harms-done",
            Layout::Resentment => "resentment",
            Layout::Custom => "custom",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Layout::EighthStep => "an 8th-step list",
            Layout::HarmsDone => "a Step 4 inventory of harms done",
            Layout::Resentment => "a Step 4 resentment list",
            Layout::Custom => "a list with headings of its own (mapped by hand)",
        }
    }

    /// Whether the list is a Step 4 inventory (its harms come from the inventory).
    pub fn is_inventory(self) -> bool {
        matches!(self, Layout::HarmsDone | Layout::Resentment)
    }
}

/// What a heading was recognised as: a field, or a column of a Step 4 inventory whose place
/// in a Step 8 list depends on the other columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tag {
    Field(Field),
    /// "My part", "where was I at fault": what I did, unless a "what I did" column exists,
    /// in which case it is kept in the notes.
    MyPart,
    /// The resentment list's "the cause": what they did to me. Never a harm I did (R6): kept
    /// in the notes.
    Cause,
    /// The resentment list's "affects my": about me, not them. Kept in the notes.
    AffectsMy,
    /// A count ("number of harms", "how many"): not the things themselves, so not imported
    /// unless mapped by hand.
    Count,
}

/// Which layout a heading points to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hint {
    None,
    Resentment,
    HarmsDone,
}

struct Rule {
    tag: Tag,
    hint: Hint,
    /// Whole headings (folded).
    exact: &'static [&'static str],
    /// Word sequences found anywhere in a heading (folded).
    contains: &'static [&'static str],
}

/// Headings, in English and Spanish, folded (lower case, no accents, no punctuation). The
/// order matters: the first rule whose words a heading contains wins, so the more specific
/// come first ("affects my" before "affect", "kind of harm" before "kind").
const RULES: &[Rule] = &[
    Rule {
        tag: Tag::Count,
        hint: Hint::None,
        exact: &[],
        contains: &[
            "number of",
            "how many",
            "count",
            "numero de",
            "cuantos",
            "cuantas",
        ],
    },
    Rule {
        tag: Tag::Field(Field::ThirdParties),
        hint: Hint::None,
        exact: &["others", "otros"],
        contains: &[
            "third part",
            "third parties",
            "others involved",
            "other people",
            "people involved",
            "terceros",
            "terceras personas",
            "otras personas",
            "involucrados",
            "implicados",
        ],
    },
    Rule {
        tag: Tag::AffectsMy,
        hint: Hint::Resentment,
        exact: &[],
        contains: &[
            "affects my",
            "affected my",
            "affects me",
            "threatened",
            "self esteem",
            "afecta mi",
            "afecta a mi",
            "me afecta",
            "afecto mi",
            "autoestima",
        ],
    },
    Rule {
        tag: Tag::Cause,
        hint: Hint::Resentment,
        exact: &[
            "cause",
            "the cause",
            "causa",
            "la causa",
            "why",
            "por que",
            "motivo",
        ],
        contains: &[
            "the cause",
            "la causa",
            "what they did",
            "what he did",
            "what she did",
            "lo que hizo",
            "lo que hicieron",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Name),
        hint: Hint::Resentment,
        exact: &[],
        contains: &[
            "resent",
            "resentful",
            "resentment",
            "resentido",
            "resentida",
            "resentimiento",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Name),
        hint: Hint::HarmsDone,
        exact: &["whom"],
        contains: &[
            "who did i harm",
            "who did i hurt",
            "whom did i harm",
            "whom did i hurt",
            "who i harmed",
            "who i hurt",
            "whom i harmed",
            "whom i hurt",
            "a quien dane",
            "a quien herí",
            "a quien heri",
            "a quien lastime",
            "a quienes dane",
            "a quienes lastime",
        ],
    },
    Rule {
        tag: Tag::MyPart,
        hint: Hint::HarmsDone,
        exact: &[],
        contains: &[
            "my part",
            "mi parte",
            "at fault",
            "my fault",
            "to blame",
            "selfish",
            "dishonest",
            "self seeking",
            "inconsiderate",
            "frightened",
            "mi culpa",
            "mis defectos",
            "egoista",
            "deshonesto",
            "desconsiderado",
            "en que falle",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Effect),
        hint: Hint::HarmsDone,
        exact: &[],
        contains: &[
            "jealousy",
            "suspicion",
            "bitterness",
            "celos",
            "sospecha",
            "amargura",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Kinds),
        hint: Hint::None,
        exact: &[
            "kinds",
            "harm kinds",
            "categories",
            "category",
            "categoria",
            "tipos",
        ],
        contains: &[
            "kind of harm",
            "kinds of harm",
            "type of harm",
            "types of harm",
            "harm type",
            "harm kind",
            "tipo de dano",
            "tipos de dano",
            "clase de dano",
            "naturaleza del dano",
            "categoria",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Kind),
        hint: Hint::None,
        exact: &[
            "kind",
            "type",
            "tipo",
            "clase",
            "person or organisation",
            "person or organization",
        ],
        contains: &[
            "kind of party",
            "party kind",
            "party type",
            "type of party",
            "tipo de parte",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Should),
        hint: Hint::None,
        exact: &[],
        contains: &[
            "should", "instead", "ought", "debi", "deberia", "debiera", "en lugar", "en vez",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Did),
        hint: Hint::None,
        exact: &[
            "harm", "harms", "dano", "danos", "el dano", "conduct", "conducta",
        ],
        contains: &[
            "what i did",
            "what did i do",
            "i did",
            "harm done",
            "harms done",
            "the harm",
            "my conduct",
            "what happened",
            "lo que hice",
            "que hice",
            "el dano",
            "mi conducta",
            "que paso",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Effect),
        hint: Hint::None,
        exact: &[
            "effect",
            "effects",
            "impact",
            "efecto",
            "efectos",
            "impacto",
            "consecuencias",
        ],
        contains: &[
            "affect",
            "effect",
            "impact",
            "afecto",
            "efecto",
            "consecuencia",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Relationship),
        hint: Hint::None,
        exact: &[
            "relationship",
            "relation",
            "relacion",
            "parentesco",
            "vinculo",
        ],
        contains: &[
            "relationship",
            "relacion",
            "parentesco",
            "who they are to me",
        ],
    },
    Rule {
        tag: Tag::Field(Field::Willingness),
        hint: Hint::None,
        exact: &["ready", "listo", "lista"],
        contains: &[
            "willing",
            "ready to",
            "dispuest",
            "disposicion",
            "voluntad",
            "listo para",
            "lista para",
        ],
    },
    // Before money owed: "Property owed" is property.
    Rule {
        tag: Tag::Field(Field::Property),
        hint: Hint::None,
        exact: &[
            "property",
            "propiedad",
            "bienes",
            "objects",
            "objetos",
            "cosas",
        ],
        contains: &["property", "propiedad", "bienes"],
    },
    Rule {
        tag: Tag::Field(Field::Owed),
        hint: Hint::None,
        exact: &[
            "amount", "money", "debt", "deuda", "cantidad", "importe", "dinero", "monto",
        ],
        contains: &[
            "owed", "owe", "money", "amount", "debt", "debo", "deuda", "dinero",
        ],
    },
    Rule {
        tag: Tag::Field(Field::When),
        hint: Hint::None,
        exact: &["when", "date", "year", "cuando", "fecha", "ano", "epoca"],
        contains: &["when", "cuando"],
    },
    Rule {
        tag: Tag::Field(Field::Sponsor),
        hint: Hint::None,
        exact: &["sponsor", "padrino", "madrina"],
        contains: &["sponsor", "padrino", "madrina"],
    },
    Rule {
        tag: Tag::Field(Field::Source),
        hint: Hint::None,
        exact: &["source", "from", "origen", "fuente"],
        contains: &["came from", "where from", "de donde"],
    },
    Rule {
        tag: Tag::Field(Field::Notes),
        hint: Hint::None,
        exact: &[
            "notes",
            "note",
            "comments",
            "comment",
            "remarks",
            "notas",
            "nota",
            "comentarios",
            "observaciones",
        ],
        contains: &["notes", "comments", "notas", "comentarios"],
    },
    Rule {
        tag: Tag::Field(Field::Name),
        hint: Hint::None,
        exact: &[
            "name",
            "names",
            "full name",
            "nombre",
            "nombres",
            "person",
            "persona",
            "people",
            "personas",
            "who",
            "quien",
            "a quien",
            "party",
        ],
        contains: &["name", "nombre", "person harmed", "persona danada"],
    },
];

fn contains_words(heading: &str, words: &str) -> bool {
    let h = format!(" {heading} ");
    h.contains(&format!(" {words} "))
        || (words.ends_with(char::is_alphabetic)
            && !words.contains(' ')
            && h.split(' ')
                .any(|w| w.starts_with(words) && words.len() >= 5))
}

fn recognise_one(heading: &str) -> Option<&'static Rule> {
    let h = fold(heading);
    if h.is_empty() {
        return None;
    }
    RULES
        .iter()
        .find(|r| r.exact.contains(&h.as_str()))
        .or_else(|| {
            RULES
                .iter()
                .find(|r| r.contains.iter().any(|w| contains_words(&h, w)))
        })
}

/// Whether a heading says "notes" itself (such a column goes into the notes as it is; any
/// other column mapped to the notes is labelled with its heading there).
pub(crate) fn is_notes_heading(heading: &str) -> bool {
    recognise_one(heading).is_some_and(|r| r.tag == Tag::Field(Field::Notes))
}

/// The layout and the field of each column, recognised from the headings.
pub fn recognise(headings: &[String]) -> (Layout, Vec<Option<Field>>) {
    let rules: Vec<Option<&Rule>> = headings.iter().map(|h| recognise_one(h)).collect();
    let has = |t: Tag| rules.iter().flatten().any(|r| r.tag == t);
    let hint = |x: Hint| rules.iter().flatten().any(|r| r.hint == x);
    let did_column = has(Tag::Field(Field::Did));
    let mut columns: Vec<Option<Field>> = Vec::with_capacity(rules.len());
    for r in &rules {
        let field = r.and_then(|r| match r.tag {
            Tag::Field(f) => Some(f),
            Tag::MyPart if did_column => Some(Field::Notes),
            Tag::MyPart => Some(Field::Did),
            Tag::Cause | Tag::AffectsMy => Some(Field::Notes),
            Tag::Count => None,
        });
        // The first column for a field takes it; a later one is left for the person to map.
        let field = field.filter(|f| f.many() || !columns.contains(&Some(*f)));
        columns.push(field);
    }
    let layout = if !columns.contains(&Some(Field::Name)) {
        Layout::Custom
    } else if hint(Hint::Resentment) {
        Layout::Resentment
    } else if hint(Hint::HarmsDone) {
        Layout::HarmsDone
    } else {
        Layout::EighthStep
    };
    (layout, columns)
}

/// Which column a mapping names: a 1-based number, or a heading as written (compared
/// without case, accents or punctuation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ColumnRef {
    Number(usize),
    Heading(String),
    /// `-`: the field is not imported at all.
    Nothing,
}

/// A mapping given by hand: field -> column, applied over what the headings gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HandMap(pub Vec<(Field, ColumnRef)>);

/// Why a mapping given by hand cannot be read. Never repeats what was typed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MapError {
    #[error(
        "each part of a mapping is FIELD=COLUMN, such as did=3 or \"did=What I did\"; part {0} has no ="
    )]
    NoEquals(usize),
    #[error(
        "part {0} of the mapping names a field Amends does not know; the fields are: {fields}",
        fields = field_codes()
    )]
    UnknownField(usize),
    #[error("part {0} of the mapping gives no column; write a column number or its heading")]
    NoColumn(usize),
}

fn field_codes() -> String {
    Field::ALL
        .iter()
        .map(|f| f.code())
        .collect::<Vec<_>>()
        .join(", ")
}

impl HandMap {
    /// Reads `FIELD=COLUMN,FIELD=COLUMN`. A heading may hold commas: a part without `=` is
    /// read as the rest of the heading before it. `FIELD=-` leaves the field out.
    pub fn parse(text: &str) -> Result<HandMap, MapError> {
        let mut parts: Vec<String> = Vec::new();
        for piece in text.split(',') {
            match parts.last_mut() {
                Some(last) if !piece.contains('=') => {
                    last.push(',');
                    last.push_str(piece);
                }
                _ => parts.push(piece.to_string()),
            }
        }
        let mut out = Vec::new();
        for (i, part) in parts.iter().enumerate() {
            let n = i + 1;
            if part.trim().is_empty() {
                continue;
            }
            let (f, c) = part.split_once('=').ok_or(MapError::NoEquals(n))?;
            let field = Field::parse(f).ok_or(MapError::UnknownField(n))?;
            let c = c.trim();
            let col = if c == "-" {
                ColumnRef::Nothing
            } else if c.is_empty() {
                return Err(MapError::NoColumn(n));
            } else if let Ok(k) = c.parse::<usize>() {
                ColumnRef::Number(k)
            } else {
                ColumnRef::Heading(c.to_string())
            };
            out.push((field, col));
        }
        Ok(HandMap(out))
    }

    /// Adds the parts of another mapping after these.
    pub fn extend(&mut self, other: HandMap) {
        self.0.extend(other.0);
    }
}

/// Applies a hand mapping over `columns`; each part that names no column of the file is a
/// problem (its position in the mapping, never its text).
pub(crate) fn apply(
    columns: &mut [Option<Field>],
    headings: &[String],
    map: &HandMap,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, (field, col)) in map.0.iter().enumerate() {
        let index = match col {
            ColumnRef::Nothing => None,
            ColumnRef::Number(k) if (1..=columns.len()).contains(k) => Some(k - 1),
            ColumnRef::Number(_) => {
                problems.push(format!(
                    "the mapping for {field} names a column number the file does not have; its columns are 1 to {}",
                    columns.len()
                ));
                continue;
            }
            ColumnRef::Heading(h) => {
                let want = fold(h);
                match headings.iter().position(|x| fold(x) == want) {
                    Some(k) => Some(k),
                    None => {
                        problems.push(format!(
                            "the mapping for {field} (part {}) names a heading that is not in the file's first line; use the heading as written there, or the column's number",
                            i + 1
                        ));
                        continue;
                    }
                }
            }
        };
        if !field.many() || index.is_none() {
            for c in columns.iter_mut() {
                if *c == Some(*field) {
                    *c = None;
                }
            }
        }
        if let Some(k) = index {
            columns[k] = Some(*field);
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_eighth_step_list_in_english() {
        let (layout, cols) = recognise(&h(&[
            "Name",
            "Relationship",
            "What I did",
            "Effect on them",
            "What I should have done",
            "Kind of harm",
            "When",
            "Owed",
            "Willing?",
        ]));
        assert_eq!(layout, Layout::EighthStep);
        assert_eq!(
            cols,
            vec![
                Some(Field::Name),
                Some(Field::Relationship),
                Some(Field::Did),
                Some(Field::Effect),
                Some(Field::Should),
                Some(Field::Kinds),
                Some(Field::When),
                Some(Field::Owed),
                Some(Field::Willingness),
            ]
        );
    }

    #[test]
    fn an_eighth_step_list_in_spanish() {
        let (layout, cols) = recognise(&h(&[
            "Nombre",
            "Relación",
            "Lo que hice",
            "Cómo les afectó",
            "Lo que debí haber hecho",
            "Tipo de daño",
            "Cuándo",
            "Deuda",
            "¿Dispuesto?",
        ]));
        assert_eq!(layout, Layout::EighthStep);
        assert_eq!(
            cols,
            vec![
                Some(Field::Name),
                Some(Field::Relationship),
                Some(Field::Did),
                Some(Field::Effect),
                Some(Field::Should),
                Some(Field::Kinds),
                Some(Field::When),
                Some(Field::Owed),
                Some(Field::Willingness),
            ]
        );
    }

    #[test]
    fn the_resentment_list_keeps_the_cause_out_of_the_harms() {
        let (layout, cols) = recognise(&h(&[
            "I'm resentful at",
            "The cause",
            "Affects my",
            "My part",
        ]));
        assert_eq!(layout, Layout::Resentment);
        assert_eq!(
            cols,
            vec![
                Some(Field::Name),
                Some(Field::Notes),
                Some(Field::Notes),
                Some(Field::Did)
            ]
        );
        let (layout, cols) = recognise(&h(&[
            "Estoy resentido con",
            "La causa",
            "Afecta mi",
            "Mi parte",
        ]));
        assert_eq!(layout, Layout::Resentment);
        assert_eq!(cols[3], Some(Field::Did));
    }

    #[test]
    fn the_harms_done_inventory() {
        let (layout, cols) = recognise(&h(&[
            "Who did I harm?",
            "What did I do?",
            "Did I arouse jealousy, suspicion or bitterness?",
            "Where was I at fault?",
            "What should I have done instead?",
        ]));
        assert_eq!(layout, Layout::HarmsDone);
        assert_eq!(
            cols,
            vec![
                Some(Field::Name),
                Some(Field::Did),
                Some(Field::Effect),
                Some(Field::Notes),
                Some(Field::Should)
            ]
        );
    }

    #[test]
    fn unknown_headings_are_custom_and_a_second_column_for_a_field_is_left_alone() {
        let (layout, cols) = recognise(&h(&["Col A", "Col B"]));
        assert_eq!(layout, Layout::Custom);
        assert_eq!(cols, vec![None, None]);
        let (_, cols) = recognise(&h(&["Name", "What I did", "What I did (2)"]));
        assert_eq!(cols, vec![Some(Field::Name), Some(Field::Did), None]);
    }

    #[test]
    fn hand_mappings_read_numbers_headings_and_dashes() {
        let m = HandMap::parse("name=2, did=What I did, mostly,effect=-").unwrap();
        assert_eq!(
            m.0,
            vec![
                (Field::Name, ColumnRef::Number(2)),
                (Field::Did, ColumnRef::Heading("What I did, mostly".into())),
                (Field::Effect, ColumnRef::Nothing),
            ]
        );
        assert_eq!(HandMap::parse("nme=2"), Err(MapError::UnknownField(1)));
        assert_eq!(HandMap::parse("name"), Err(MapError::NoEquals(1)));
        assert_eq!(HandMap::parse("name="), Err(MapError::NoColumn(1)));

        let heads = h(&["Who", "Col B", "Effect"]);
        let (_, mut cols) = recognise(&heads);
        let problems = apply(&mut cols, &heads, &m);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(cols, vec![None, Some(Field::Name), None]);
        let problems = apply(
            &mut cols,
            &heads,
            &HandMap::parse("did=col b,notes=1,notes=3").unwrap(),
        );
        assert!(problems.is_empty());
        assert_eq!(
            cols,
            vec![Some(Field::Notes), Some(Field::Did), Some(Field::Notes)]
        );
    }
}
