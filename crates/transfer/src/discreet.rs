//! The discreet option, shared by every export and print. Its rules live here and nowhere else:
//! the formats read a [`crate::sheet::Sheet`], which is built only through [`Discreet`].
//!
//! With discreet on:
//! - every name becomes initials: a party's name ("Mary Jones" becomes "M. J."), the third
//!   parties of a harm, the people whose consent was asked, and a sponsor's or adviser's name;
//! - the details of a harm are left out (what I did, how it affected them, what I should have
//!   done, when, and property owed in words) unless the person chooses to keep them
//!   ([`Options::harm_details`]);
//! - every other text the person typed, which may carry names, is left out too (the
//!   relationship, notes, a plan's script and place, a deferral's reason, commitments in words,
//!   an adviser's advice)
//!   unless the person chooses to keep it ([`Options::notes`]);
//! - whatever text is kept, and the app's own sentences that quote names (a stage's reason,
//!   what a plan still needs), has every name known to the workbook replaced by its initials:
//!   the whole name in any case ("mary jones"), or a part of it of three letters or more written
//!   as a capitalised word ("Mary"). A name the workbook does not know cannot be found: that is
//!   why free text is left out unless chosen.
//!
//! - which rules apply and why are left out: the verdict keeps its outcome (the contact allowed),
//!   and what a plan still needs is said without rule numbers or the words that tell why ("talk
//!   to a lawyer first" becomes "take the advice the rules ask for first"), since a rule's title
//!   ("legal risk", "one's own abuser") can tell the story.
//!
//! What is never hidden: the entry's number, its kind, its stage, willingness, the kinds of harm,
//! amounts owed and paid, methods and dates, whether a plan was approved, and the contact the
//! rules allow. These are the facts a sponsor meeting is about, and none of them is a name or a
//! story.

/// What a person chose for one export or print.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Options {
    /// Initials instead of names; harm details and other typed words left out unless chosen.
    pub discreet: bool,
    /// With `discreet`: keep the harm details (what I did, how it affected them, what I should
    /// have done, when, property in words), names in them still as initials.
    pub harm_details: bool,
    /// With `discreet`: keep the other words typed (relationship, notes, scripts, places,
    /// reasons, commitments), names in them still as initials.
    pub notes: bool,
}

impl Options {
    /// Everything as written.
    pub const OPEN: Options = Options {
        discreet: false,
        harm_details: false,
        notes: false,
    };

    /// Discreet, with nothing extra kept: the default for print.
    pub const DISCREET: Options = Options {
        discreet: true,
        harm_details: false,
        notes: false,
    };

    /// Whether harm details are in the output.
    pub fn shows_harm_details(self) -> bool {
        !self.discreet || self.harm_details
    }

    /// Whether the other typed words are in the output.
    pub fn shows_notes(self) -> bool {
        !self.discreet || self.notes
    }

    /// One sentence for the top of a worksheet saying what discreet left out; `None` when off.
    pub fn describe(self) -> Option<String> {
        if !self.discreet {
            return None;
        }
        let mut s = String::from("Discreet: names are shown as initials");
        match (self.harm_details, self.notes) {
            (false, false) => s.push_str(
                "; what you did, how it affected them and what you should have done are left out, \
                 and so are your notes, scripts and other words you wrote.",
            ),
            (true, false) => s.push_str(
                ", in the harms too; your notes, scripts and other words you wrote are left out.",
            ),
            (false, true) => s.push_str(
                ", in your notes and scripts too; what you did, how it affected them and what you \
                 should have done are left out.",
            ),
            (true, true) => s.push_str(", in everything you wrote."),
        }
        s.push_str(
            " The verdict shows the contact allowed; which rules apply and why are left out.",
        );
        Some(s)
    }
}

/// The words of a name: runs of letters and digits.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

/// The initial of one word, with its full stop: "Mary" gives "M.". `None` without a letter.
fn initial(word: &str) -> Option<String> {
    let c = word.chars().find(|c| c.is_alphabetic())?;
    let mut s: String = c.to_uppercase().collect();
    s.push('.');
    Some(s)
}

/// Most initials shown for one name ("customers I cheated at the old shop" is a long name).
const MAX_INITIALS: usize = 4;

/// `text` without markup tags: "<b>Bold</b>" gives "Bold". A `<` with no `>` after it stays.
fn without_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        match rest[open..].find('>') {
            Some(close) if !rest[open + 1..open + close].contains('<') => {
                // A tag between words still parts them.
                out.push(' ');
                rest = &rest[open + close + 1..];
            }
            _ => {
                out.push('<');
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The words of a name for its initials: parted by spaces, dashes, commas and semicolons only,
/// so that an apostrophe ("O'Connor") or other marks inside a word do not split it.
fn name_words(name: &str) -> Vec<String> {
    without_tags(name)
        .split(|c: char| c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '–' | '—' | ',' | ';'))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// The initials of a name: "Mary Jones" gives "M. J.", "*Mom*" gives "M.", "Jean-Luc Picard"
/// gives "J. L. P.", "Sarah O'Connor" gives "S. O.", "<b>Bold</b>" gives "B.": the first letter
/// of each word, markup tags left out. `None` when the name has no letter at all.
pub fn initials(name: &str) -> Option<String> {
    let all: Vec<String> = name_words(name).iter().filter_map(|w| initial(w)).collect();
    if all.is_empty() {
        return None;
    }
    let mut out = all
        .iter()
        .take(MAX_INITIALS)
        .cloned()
        .collect::<Vec<_>>()
        .join(" ");
    if all.len() > MAX_INITIALS {
        out.push('…');
    }
    Some(out)
}

/// The names a workbook knows, to find them in text.
#[derive(Clone, Debug, Default)]
pub struct Names {
    /// Names of two words or more: their words in lower case, longest first, with initials.
    phrases: Vec<(Vec<String>, String)>,
    /// Single words to replace wherever they are written as a capitalised word: a one-word
    /// name, and each part of a longer name, of three letters or more.
    capitalised: Vec<(String, String)>,
}

impl Names {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Names {
        let mut n = Names::default();
        for name in names {
            let ws: Vec<&str> = words(name).collect();
            let Some(init) = initials(name) else {
                continue;
            };
            if ws.len() >= 2 {
                let lower: Vec<String> = ws.iter().map(|w| w.to_lowercase()).collect();
                if !n.phrases.iter().any(|(p, _)| *p == lower) {
                    n.phrases.push((lower, init));
                }
            }
            for w in &ws {
                let long = w.chars().count() >= 3 || ws.len() == 1;
                if !long {
                    continue;
                }
                // As written and capitalised: "Mom", and "mom" written as "Mom".
                let mut cap: String = w.chars().take(1).flat_map(char::to_uppercase).collect();
                cap.extend(w.chars().skip(1));
                let Some(i) = initial(w) else { continue };
                for form in [w.to_string(), cap] {
                    if form.chars().next().is_some_and(char::is_uppercase)
                        && !n.capitalised.iter().any(|(c, _)| *c == form)
                    {
                        n.capitalised.push((form, i.clone()));
                    }
                }
            }
        }
        n.phrases.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        n
    }

    /// `text` with every known name replaced by its initials.
    pub fn mask(&self, text: &str) -> String {
        // The text as words (letters and digits) and what lies between them.
        let mut tokens: Vec<(bool, &str)> = Vec::new();
        let mut start = 0;
        let mut in_word = None;
        for (i, c) in text.char_indices() {
            let w = c.is_alphanumeric();
            match in_word {
                Some(prev) if prev == w => {}
                Some(prev) => {
                    tokens.push((prev, &text[start..i]));
                    start = i;
                }
                None => {}
            }
            in_word = Some(w);
        }
        if let Some(prev) = in_word {
            tokens.push((prev, &text[start..]));
        }
        let joins = |sep: &str| {
            sep.chars().count() <= 3
                && sep
                    .chars()
                    .all(|c| c == ' ' || c == '-' || c == '\'' || c == '’' || c == '.')
        };
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        'token: while i < tokens.len() {
            let (is_word, t) = tokens[i];
            if !is_word {
                out.push_str(t);
                i += 1;
                continue;
            }
            for (phrase, init) in &self.phrases {
                // The phrase's words at tokens i, i+2, i+4..., joined by short separators.
                let mut j = i;
                let mut ok = true;
                for (k, pw) in phrase.iter().enumerate() {
                    if k > 0 {
                        if j + 1 >= tokens.len() || !joins(tokens[j + 1].1) {
                            ok = false;
                            break;
                        }
                        j += 2;
                    }
                    if j >= tokens.len() || !tokens[j].0 || tokens[j].1.to_lowercase() != *pw {
                        ok = false;
                        break;
                    }
                }
                if ok {
                    out.push_str(init);
                    i = j + 1;
                    continue 'token;
                }
            }
            match self.capitalised.iter().find(|(c, _)| c == t) {
                Some((_, init)) => out.push_str(init),
                None => out.push_str(t),
            }
            i += 1;
        }
        out
    }
}

/// The discreet rules applied to one workbook: every format asks this what to show.
#[derive(Clone, Debug)]
pub struct Discreet {
    pub options: Options,
    names: Names,
}

impl Discreet {
    /// `known` is every name the workbook holds: parties, third parties, the people asked for
    /// consent, sponsors and advisers.
    pub fn new<'a>(options: Options, known: impl IntoIterator<Item = &'a str>) -> Discreet {
        Discreet {
            options,
            names: if options.discreet {
                Names::new(known)
            } else {
                Names::default()
            },
        }
    }

    /// A name as shown: as written, or its initials (`fallback` when it has no letter).
    pub fn name(&self, name: &str, fallback: &str) -> String {
        if self.options.discreet {
            initials(name).unwrap_or_else(|| fallback.to_string())
        } else {
            name.to_string()
        }
    }

    /// A harm detail as shown, or `None` when it is left out.
    pub fn harm_detail(&self, text: &str) -> Option<String> {
        self.options
            .shows_harm_details()
            .then(|| self.derived(text))
    }

    /// Other typed words as shown, or `None` when they are left out.
    pub fn words(&self, text: &str) -> Option<String> {
        self.options.shows_notes().then(|| self.derived(text))
    }

    /// The app's own words that may quote a name (a stage's reason, what is still needed).
    pub fn derived(&self, text: &str) -> String {
        if self.options.discreet {
            self.names.mask(text)
        } else {
            text.to_string()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_of_names() {
        assert_eq!(initials("Mary Jones").as_deref(), Some("M. J."));
        assert_eq!(initials("*Mom*").as_deref(), Some("M."));
        assert_eq!(initials("| x |").as_deref(), Some("X."));
        assert_eq!(initials("Jean-Luc Picard").as_deref(), Some("J. L. P."));
        assert_eq!(initials("élodie durand").as_deref(), Some("É. D."));
        assert_eq!(initials("=HYPERLINK(\"x\")").as_deref(), Some("H."));
        assert_eq!(initials("Sarah O'Connor").as_deref(), Some("S. O."));
        assert_eq!(initials("Sarah O’Connor").as_deref(), Some("S. O."));
        assert_eq!(initials("<b>Bold</b>").as_deref(), Some("B."));
        assert_eq!(
            initials("<i>Mary</i> <b>Jones</b>").as_deref(),
            Some("M. J.")
        );
        assert_eq!(initials("a < b").as_deref(), Some("A. B."));
        assert_eq!(initials("<b></b>"), None);
        assert_eq!(
            initials("customers I cheated at the old shop").as_deref(),
            Some("C. I. C. A.…")
        );
        assert_eq!(initials("42 ???"), None);
        assert_eq!(initials(""), None);
    }

    #[test]
    fn known_names_in_text_become_initials() {
        let n = Names::new(["Mary Jones", "Dave", "Acme Bank", "Al"]);
        assert_eq!(
            n.mask("I told mary jones that Dave's car was mine."),
            "I told M. J. that D.'s car was mine."
        );
        assert_eq!(
            n.mask("Mary and Jones, then Acme  Bank"),
            "M. and J., then A. B."
        );
        // Parts are matched as capitalised words only, and whole words only.
        assert_eq!(
            n.mask("marybeth will save Maryland"),
            "marybeth will save Maryland"
        );
        // A short one-word name is a name when capitalised.
        assert_eq!(n.mask("Al said: al dente"), "A. said: al dente");
        assert_eq!(n.mask(""), "");
        assert_eq!(n.mask("Mary-Jones"), "M. J.");
        assert_eq!(
            n.mask("Mary\nJones"),
            "M.\nJ.",
            "a line break does not join a name"
        );
    }

    #[test]
    fn what_each_option_shows() {
        let open = Discreet::new(Options::OPEN, ["Mary Jones"]);
        assert_eq!(open.name("Mary Jones", "?"), "Mary Jones");
        assert_eq!(
            open.harm_detail("Mary cried").as_deref(),
            Some("Mary cried")
        );
        assert_eq!(open.words("Mary").as_deref(), Some("Mary"));

        let d = Discreet::new(Options::DISCREET, ["Mary Jones"]);
        assert_eq!(d.name("Mary Jones", "?"), "M. J.");
        assert_eq!(d.name("123", "entry 4"), "entry 4");
        assert_eq!(d.harm_detail("Mary cried"), None);
        assert_eq!(d.words("call Mary"), None);
        assert_eq!(d.derived("consent of Mary Jones"), "consent of M. J.");

        let more = Discreet::new(
            Options {
                discreet: true,
                harm_details: true,
                notes: true,
            },
            ["Mary Jones"],
        );
        assert_eq!(more.harm_detail("Mary cried").as_deref(), Some("M. cried"));
        assert_eq!(more.words("call Mary").as_deref(), Some("call M."));
        assert!(Options::OPEN.describe().is_none());
        assert!(Options::DISCREET.describe().unwrap().contains("left out"));
    }
}
