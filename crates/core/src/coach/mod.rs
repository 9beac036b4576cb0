//! The script coach: reads a draft amends script or letter and points, gently and precisely, at
//! what would undermine it (a conditional apology, blame, excuses, minimising, the passive,
//! pressing for forgiveness, criticism, preaching, making it about me, a go-between, a vague
//! admission, bargaining, an empty promise, naming a third party) and at what is missing (a
//! specific act, plain responsibility, asking about other harm, asking what would set it right, a
//! concrete commitment). It never rewrites the person's words; it points and explains, in the
//! language of the script.
//!
//! What it asks for fits the amends (`Fit`, from the plan's method and what is known about the
//! party): an unsent letter or a letter to someone who has died has no question to ask and no
//! reply to wait for, an indirect or living amends does not reach them, a child needs few and
//! simple words and nothing that weighs on them, close family and an organisation are spoken to
//! in their own way. Examples that name money name it in the vault's currency and language.
//!
//! The rules are data, one file per language (`en.json`, `es.json`): phrases written as
//! lowercased word sequences, matched on word boundaries after folding case and Spanish accents,
//! each word by its Snowball stem (`stem`) so that one pattern covers every form of it, or
//! exactly when written `=word`. A phrase may use `(a|b c)` for alternatives (each one or more
//! words), `(a|b)?` for a group that may be left out, `~` for a gap of up to two words and `#`
//! for a number. No regular expressions: every finding can be explained by the phrase that
//! matched. An act is also found by its grammar (`acts`: a past verb with "I" as its subject, a
//! Spanish preterite or perfect, an apology for a verb). Quoted speech ("…", “…”, «…») is not the
//! writer's own voice and is not read for patterns; a negation a few words before a phrase in the
//! same clause ("I won't make excuses") turns it off.
//!
//! It reads at most what a script can hold (`READ_MAX`, the limit of a saved script), and every
//! step is linear in the length of what it reads. Deterministic and without IO.

// The coach looks words up many times per reading, so with a fast hash. Its keys are the
// patterns' words and the person's own script, read on their own machine.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::RefCell;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::codes::coded_enum;
use crate::model::{Language, Method, PartyKind, PartyRecord};
use crate::money::{Currency, Money};

mod stem;

/// The most the coach reads, in characters: what a saved script can hold.
pub const READ_MAX: usize = crate::text::SCRIPT_MAX;

coded_enum! {
    /// What a finding is about.
    FindingKind, "finding kind" {
        Conditional = "conditional", "conditional or hedged apology";
        Blame = "blame", "shifting the blame";
        Excuse = "excuse", "excuse or justification";
        Minimising = "minimising", "minimising";
        Passive = "passive", "agency hidden in the passive";
        PressingForgiveness = "pressing-forgiveness", "pressing for forgiveness";
        Criticism = "criticism", "criticising them";
        Preaching = "preaching", "preaching or programme talk";
        AboutMe = "about-me", "making it about me";
        Vague = "vague", "a vague admission in place of the act";
        Bargaining = "bargaining", "bargaining: a condition on them";
        EmptyPromise = "empty-promise", "a promise with no behaviour behind it";
        ThirdParty = "third-party", "naming a third party";
        GoBetween = "go-between", "passing the amends through someone else";
        Unanswerable = "unanswerable", "a question they cannot answer";
        Burden = "burden", "a weight on a child";
        LongSentence = "long-sentence", "a long sentence for a child";
        MissingAct = "missing-act", "missing: a specific act in the first person";
        MissingResponsibility = "missing-responsibility", "missing: taking responsibility plainly";
        MissingOtherHarm = "missing-other-harm", "missing: asking about other harm";
        MissingSetRight = "missing-set-right", "missing: asking what would set it right";
        MissingCommitment = "missing-commitment", "missing: a concrete commitment";
    }
}

impl FindingKind {
    /// Whether this finding is about something absent (it then has no span).
    pub fn is_missing(self) -> bool {
        matches!(
            self,
            FindingKind::MissingAct
                | FindingKind::MissingResponsibility
                | FindingKind::MissingOtherHarm
                | FindingKind::MissingSetRight
                | FindingKind::MissingCommitment
        )
    }

    /// Whether the coach finds this itself rather than by a rule's phrases (names, questions
    /// that cannot be answered, long sentences).
    fn is_derived(self) -> bool {
        matches!(
            self,
            FindingKind::ThirdParty | FindingKind::Unanswerable | FindingKind::LongSentence
        )
    }
}

coded_enum! {
    /// The kind of amends a script is for, which decides what the coach asks of it.
    Fit, "fit" {
        Direct = "direct", "an amends made to them directly";
        Family = "family", "an amends to close family";
        Organisation = "organisation", "an amends to an organisation";
        Child = "child", "an amends to a child";
        Indirect = "indirect", "an indirect amends";
        Living = "living", "a living amends";
        Unsent = "unsent", "an unsent letter";
        Deceased = "deceased", "a letter to someone who has died";
    }
}

/// What is known about the party a script is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Addressee {
    /// The party's kind; `None` when not known (a draft read on its own).
    pub kind: Option<PartyKind>,
    /// They have died (the party's kind, or the safety answers).
    pub deceased: bool,
    /// They are a child (the safety answers).
    pub child: bool,
    /// They are close family (the safety answers).
    pub family: bool,
}

impl Addressee {
    /// What a party's record says about them.
    pub fn of(record: &PartyRecord) -> Addressee {
        let answers = record.safety.as_ref().map(|s| &s.answers);
        Addressee {
            kind: Some(record.party.kind),
            deceased: record.party.kind == PartyKind::Deceased
                || answers.is_some_and(|a| a.deceased),
            child: answers.is_some_and(|a| a.child),
            family: answers.is_some_and(|a| a.family),
        }
    }
}

/// What the caller knows: names the vault supplies (leave out the person the script is
/// addressed to), the method, the party, and the vault's currency.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    /// Third parties involved in a harm where R1 (third parties) applies.
    pub involved: Vec<String>,
    /// Other names on the person's list.
    pub listed: Vec<String>,
    /// How the amends is to be made; `None` when not known.
    pub method: Option<Method>,
    /// What is known about the party.
    pub party: Addressee,
    /// The vault's currency, for examples that name money; `None`: the figures alone.
    pub currency: Option<Currency>,
}

impl Context {
    /// Everything the vault knows for a script to `record`: the names in its harms, the other
    /// names on the list, the method of its plan (or `method`, the one being chosen), the
    /// party, and the currency.
    pub fn for_party(
        record: &PartyRecord,
        all: &[PartyRecord],
        method: Option<Method>,
        currency: Currency,
    ) -> Context {
        Context {
            involved: record.third_party_names(),
            listed: all
                .iter()
                .filter(|r| r.party.id != record.party.id)
                .map(|r| r.party.name.clone())
                .collect(),
            method: method.or(record.plan.as_ref().map(|p| p.method)),
            party: Addressee::of(record),
            currency: Some(currency),
        }
    }

    /// The kind of amends this is. Someone who has died comes first (whatever the method, no
    /// reply can come), then a method that does not reach them, then who they are.
    pub fn fit(&self) -> Fit {
        if self.party.deceased || self.party.kind == Some(PartyKind::Deceased) {
            return Fit::Deceased;
        }
        match self.method {
            Some(Method::UnsentLetter) => Fit::Unsent,
            Some(Method::Indirect) => Fit::Indirect,
            Some(Method::Living) => Fit::Living,
            _ if self.party.child => Fit::Child,
            _ if matches!(
                self.party.kind,
                Some(PartyKind::Organisation | PartyKind::Group)
            ) =>
            {
                Fit::Organisation
            }
            _ if self.party.family => Fit::Family,
            _ => Fit::Direct,
        }
    }
}

/// One thing the coach points at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    /// What the kind is called, in the language read.
    pub label: &'static str,
    /// Byte range into the script; `None` for a missing element.
    pub span: Option<Range<usize>>,
    /// One line on why it matters.
    pub explanation: &'static str,
    /// A better direction (for a missing element, a short example of its shape).
    pub direction: String,
}

/// How much of the script is about the other person versus the writer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Balance {
    /// Words about the other person ("you", "your", ...).
    pub about_them: usize,
    /// Words about the writer ("I", "me", "my", ...).
    pub about_writer: usize,
    /// A one-line reading of the two counts.
    pub reading: &'static str,
}

/// What the coach makes of a script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reading {
    /// In order of where they are in the script; missing elements last.
    pub findings: Vec<Finding>,
    pub balance: Balance,
    /// The kind of amends the script was read as.
    pub fit: Fit,
    /// What that kind of amends is called, in the language read.
    pub fit_label: &'static str,
    /// What this kind of amends asks for, in a few lines; `None` for a direct amends.
    pub note: Option<String>,
    /// Characters read, and characters in the script (more when it is over `READ_MAX`).
    pub read: usize,
    pub total: usize,
    /// Said when the script is longer than a script can hold and only its start was read.
    pub over: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// The data files.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPatterns {
    negations: Vec<String>,
    negation_window: usize,
    first_person: Vec<String>,
    second_person: Vec<String>,
    but: RawBut,
    /// How an act done by the writer shows in the language's grammar (see `Acts`).
    acts: RawActs,
    kinds: HashMap<String, RawKind>,
    rules: Vec<RawRule>,
    missing: Vec<RawRule>,
    balance: RawBalance,
    /// Phrases that describe reaching the person directly; `@party` stands for a word of
    /// their name. Not a finding of the coach: the rules read them (see `reaches`).
    contact: RawContact,
    /// What each kind of amends other than a direct one changes, by `Fit` code.
    fits: HashMap<String, RawFit>,
    /// What each kind of amends is called, by `Fit` code.
    fit_labels: HashMap<String, String>,
    /// Said when only the start of a script was read: `{read}` and `{max}` characters.
    over: String,
    /// Added when the script's length is known: `{total}` characters.
    over_total: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFit {
    /// A few lines on what this kind of amends asks for.
    note: String,
    /// Missing elements not asked for here (a question for someone who cannot answer).
    #[serde(default)]
    drop: Vec<String>,
    /// No reply can come: a question to them (about other harm, about setting it right) is
    /// pointed at as one they cannot answer.
    #[serde(default)]
    no_reply: bool,
    /// Explanations and directions that replace the general ones.
    #[serde(default)]
    texts: HashMap<String, RawKind>,
    /// Rules read only for this kind of amends.
    #[serde(default)]
    rules: Vec<RawRule>,
    /// Sentences of more words than this are pointed at (`long-sentence`).
    #[serde(default)]
    long_sentence: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    phrases: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    /// Phrases that make a whole sentence something other than reaching them: paid through a
    /// court, asked about with a sponsor, thought about, never sent.
    #[serde(default)]
    cancel: Vec<String>,
}

/// How a script names something the writer did, beyond the verbs a rule can list: a verb in the
/// past with the writer as its subject ("I ghosted you", "te robé", "le he mentido").
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawActs {
    /// Words for "I"; a past verb must follow one within `within` words of the same clause.
    /// Empty for a language that leaves the subject out (the verb's ending says who).
    subjects: Vec<String>,
    within: usize,
    /// Endings of a verb in the past (as written, lowercased, accents kept), and the fewest
    /// letters such a word has.
    endings: Vec<String>,
    min_letters: usize,
    /// Past forms without such an ending.
    irregular: Vec<String>,
    /// Words with such an ending that do not name an act (feelings, wishes, thoughts).
    not: Vec<String>,
    /// Words that make the next one a state rather than an act ("I was ashamed").
    states: Vec<String>,
    /// Auxiliaries of a perfect ("he", "había") and the endings of the participle after them.
    auxiliaries: Vec<String>,
    participles: Vec<String>,
    /// An apology for a verb names its act: "sorry for benching you", "perdón por gritarte".
    /// The apology's words, the word before the verb, and the verb's endings.
    apologies: Vec<String>,
    apology_links: Vec<String>,
    apology_verbs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBut {
    words: Vec<String>,
    admissions: Vec<String>,
    skip_before: Vec<String>,
    skip_after: Vec<String>,
    skip_sentence: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    /// What the kind is called (required for the general texts, not for a fit's).
    #[serde(default)]
    label: Option<String>,
    explanation: String,
    direction: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    kind: String,
    phrases: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    #[serde(default)]
    opening_only: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBalance {
    empty: String,
    about_them: String,
    about_you: String,
    even: String,
}

/// Every word the patterns of a language name, as a number: a script's words are looked up once
/// each and then compared as numbers.
#[derive(Debug, Default)]
struct Vocab {
    ids: HashMap<String, u32>,
}

/// The number of a word no pattern names.
const UNNAMED: u32 = u32::MAX;

impl Vocab {
    fn intern(&mut self, word: String) -> u32 {
        let next = u32::try_from(self.ids.len()).expect("fewer than 4 billion pattern words");
        *self.ids.entry(word).or_insert(next)
    }

    fn get(&self, word: &str) -> u32 {
        self.ids.get(word).copied().unwrap_or(UNNAMED)
    }
}

/// One word of a phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Word {
    /// Any word with this stem: "forgive" stands for "forgiving" and "forgiveness" too.
    Stem(u32),
    /// Exactly this word, folded: written `=word` (and `@party`) in a phrase.
    Exact(u32),
    /// A number ("50", "5th", "1.800"): written `#`.
    Number,
}

impl Word {
    fn matches(&self, t: &Token) -> bool {
        match *self {
            Word::Stem(s) => t.stem == s || t.alt == s,
            Word::Exact(w) => t.norm_id == w,
            Word::Number => t.is_number(),
        }
    }
}

/// Alternatives of a phrase: one of these word sequences (an empty one when the group may be
/// left out).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Group {
    alts: Vec<Vec<Word>>,
    /// For a long list, the numbers of the words its sequences start with, so that a word none
    /// starts with is passed over in one or three lookups rather than a hundred comparisons.
    firsts: Option<HashSet<u32>>,
    numbers: bool,
}

/// Lists shorter than this are compared one by one.
const LOOKED_UP: usize = 6;

impl Group {
    fn new(alts: Vec<Vec<Word>>) -> Group {
        let numbers = alts.iter().any(|a| a.first() == Some(&Word::Number));
        let firsts = (alts.len() >= LOOKED_UP).then(|| {
            alts.iter()
                .filter_map(|a| match a.first() {
                    Some(Word::Stem(w) | Word::Exact(w)) => Some(*w),
                    _ => None,
                })
                .collect()
        });
        Group {
            alts,
            firsts,
            numbers,
        }
    }

    /// Whether some sequence may start at `t` (always, for a short list).
    fn may_start(&self, t: &Token) -> bool {
        match &self.firsts {
            None => true,
            Some(f) => t.named_in(f) || (self.numbers && t.is_number()),
        }
    }
}

/// One element of a phrase.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Elem {
    /// One of these word sequences.
    Alt(Group),
    /// Up to two words of anything (not a negation).
    Gap,
}

type Phrase = Vec<Elem>;

#[derive(Debug)]
struct Rule {
    kind: FindingKind,
    phrases: Vec<Phrase>,
    except: Vec<Phrase>,
    opening_only: bool,
    /// Which phrases can start at a word, so that at each word only those are tried.
    firsts: Starts,
}

/// The phrases of a rule by the stem of a word they can start with, in the rule's order, and
/// those that start with a number.
#[derive(Debug, Default)]
struct Starts {
    /// By the number of a stem (for a word matched by its stem) or of a word (matched exactly).
    by_word: HashMap<u32, Vec<usize>>,
    numbers: Vec<usize>,
    /// Per phrase, the words its second word can be, where every way of starting it is one word
    /// and its second element is a word that must be there: most tries end with a lookup.
    seconds: Vec<Option<HashSet<u32>>>,
}

impl Starts {
    /// The phrases that can start at `t`, in the rule's order (see `starting_at`).
    fn at<'a>(&'a self, t: &Token) -> [&'a [usize]; 4] {
        starting_at(&self.by_word, &self.numbers, t)
    }

    /// Whether phrase `i` could go on at `next` (the word after its first).
    fn second_fits(&self, i: usize, next: Option<&Token>, sentence: usize) -> bool {
        match self.seconds.get(i).and_then(Option::as_ref) {
            None => true,
            Some(words) => next.is_some_and(|t| t.sentence == sentence && t.named_in(words)),
        }
    }
}

/// Every phrase of the general rules and of the missing elements (in that order, numbered
/// together) by the words it can start with, so that one pass over a script tries each word once
/// against all of them (see `matches_all`).
#[derive(Debug, Default)]
struct Index {
    by_word: HashMap<u32, Vec<(u32, u32)>>,
    numbers: Vec<(u32, u32)>,
}

impl Index {
    fn new(rules: &[&Rule]) -> Index {
        let mut out = Index::default();
        for (r, rule) in rules.iter().enumerate() {
            let r = u32::try_from(r).expect("few rules");
            for (w, list) in &rule.firsts.by_word {
                out.by_word
                    .entry(*w)
                    .or_default()
                    .extend(list.iter().map(|&i| (r, i as u32)));
            }
            out.numbers
                .extend(rule.firsts.numbers.iter().map(|&i| (r, i as u32)));
        }
        for list in out.by_word.values_mut() {
            list.sort_unstable();
        }
        out
    }

    /// The (rule, phrase) pairs that can start at `t` (see `starting_at`).
    fn at<'a>(&'a self, t: &Token) -> [&'a [(u32, u32)]; 4] {
        starting_at(&self.by_word, &self.numbers, t)
    }
}

/// Indexes phrases by the words they can start with (see `Rule::firsts`). Every phrase starts
/// with words (`parse_phrase` sees to it).
fn first_words(phrases: &[Phrase]) -> Starts {
    let mut out = Starts::default();
    for (i, phrase) in phrases.iter().enumerate() {
        let Some(Elem::Alt(group)) = phrase.first() else {
            out.seconds.push(None);
            continue;
        };
        let one_word = group.alts.iter().all(|a| a.len() == 1);
        let second = match phrase.get(1) {
            Some(Elem::Alt(next)) if one_word => next
                .alts
                .iter()
                .map(|a| match a.first() {
                    Some(Word::Stem(w) | Word::Exact(w)) => Some(*w),
                    // A number, or a group that may be left out: no pruning.
                    _ => None,
                })
                .collect::<Option<HashSet<u32>>>(),
            _ => None,
        };
        out.seconds.push(second);
        for alt in &group.alts {
            let list = match alt.first() {
                Some(Word::Number) => &mut out.numbers,
                Some(Word::Stem(w) | Word::Exact(w)) => out.by_word.entry(*w).or_default(),
                None => continue,
            };
            if list.last() != Some(&i) {
                list.push(i);
            }
        }
    }
    out
}

/// A kind of amends' changes to the reading (see `RawFit`).
#[derive(Debug)]
struct FitData {
    note: String,
    drop: HashSet<FindingKind>,
    no_reply: bool,
    texts: HashMap<FindingKind, (String, String)>,
    rules: Vec<Rule>,
    long_sentence: Option<usize>,
}

#[derive(Debug)]
struct Patterns {
    negations: HashSet<String>,
    negation_window: usize,
    first_person: HashSet<String>,
    second_person: HashSet<String>,
    but_words: HashSet<String>,
    admissions: HashSet<String>,
    but_skip_before: HashSet<String>,
    but_skip_after: HashSet<String>,
    but_skip_sentence: Vec<Phrase>,
    acts: Acts,
    texts: HashMap<FindingKind, (String, String)>,
    labels: HashMap<FindingKind, String>,
    fit_labels: HashMap<Fit, String>,
    rules: Vec<Rule>,
    missing: Vec<Rule>,
    balance: RawBalance,
    contact: Rule,
    contact_cancel: Rule,
    fits: HashMap<Fit, FitData>,
    over: String,
    over_total: String,
    /// The number of every word the phrases name (see `Vocab`).
    vocab: Vocab,
    /// The general rules' and missing elements' phrases by their first words.
    index: Index,
}

/// Lowercases and folds the accents Spanish writers often leave out; `’` becomes `'`.
fn fold(word: &str) -> String {
    word.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' => 'a',
            'é' | 'è' => 'e',
            'í' | 'ì' => 'i',
            'ó' | 'ò' => 'o',
            'ú' | 'ù' | 'ü' => 'u',
            '’' => '\'',
            other => other,
        })
        .collect()
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace().map(fold).collect()
}

/// A phrase's word as it is matched: by its stem, or exactly when written `=word` or `@name`.
/// How a phrase's words are matched: by their stems, or each exactly as written (the readers the
/// rules use, whose phrases list every form they mean; see `go_between` and `reaches`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Forms {
    Stems,
    Exact,
}

fn phrase_word(word: &str, language: Language, forms: Forms, vocab: &mut Vocab) -> Word {
    if word == "#" {
        Word::Number
    } else if let Some(exact) = word.strip_prefix('=') {
        Word::Exact(vocab.intern(fold(exact)))
    } else if word.starts_with('@') || forms == Forms::Exact {
        Word::Exact(vocab.intern(fold(word)))
    } else {
        Word::Stem(vocab.intern(stem::stems(word, language).0))
    }
}

fn phrase_words(text: &str, language: Language, forms: Forms, vocab: &mut Vocab) -> Vec<Word> {
    text.split_whitespace()
        .map(|w| phrase_word(w, language, forms, vocab))
        .collect()
}

#[cfg(test)]
fn parse_phrase(text: &str, language: Language) -> Result<Phrase, String> {
    parse_phrase_as(text, language, Forms::Stems, &mut Vocab::default())
}

fn parse_phrase_as(
    text: &str,
    language: Language,
    forms: Forms,
    vocab: &mut Vocab,
) -> Result<Phrase, String> {
    let mut out = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('(') {
            let close = after
                .find(')')
                .ok_or_else(|| format!("unclosed '(' in {text:?}"))?;
            let mut alts: Vec<Vec<Word>> = after[..close]
                .split('|')
                .map(|a| phrase_words(a, language, forms, vocab))
                .collect();
            if alts.iter().any(Vec::is_empty) {
                return Err(format!("empty alternative in {text:?}"));
            }
            // `(a|b)?`: the group may also be left out.
            let mut next = &after[close + 1..];
            if let Some(optional) = next.strip_prefix('?') {
                alts.push(Vec::new());
                next = optional;
            }
            out.push(Elem::Alt(Group::new(alts)));
            rest = next.trim_start();
        } else {
            let end = rest.find([' ', '(']).unwrap_or(rest.len());
            let word = &rest[..end];
            if word.contains([')', '|', '?', '¿', '*']) {
                return Err(format!("stray symbol in {text:?}"));
            }
            if word == "~" {
                out.push(Elem::Gap);
            } else {
                out.push(Elem::Alt(Group::new(vec![vec![phrase_word(
                    word, language, forms, vocab,
                )]])));
            }
            rest = rest[end..].trim_start();
        }
    }
    // A phrase starts and ends with words it must find, so a match always has a first and a
    // last word (the span) and the rule's first words can be looked up.
    let required =
        |e: Option<&Elem>| matches!(e, Some(Elem::Alt(g)) if g.alts.iter().all(|a| !a.is_empty()));
    if required(out.first()) && required(out.last()) {
        Ok(out)
    } else {
        Err(format!("a phrase must start and end with words: {text:?}"))
    }
}

fn parse_kind(code: &str) -> Result<FindingKind, String> {
    FindingKind::ALL
        .iter()
        .copied()
        .find(|k| k.code() == code)
        .ok_or_else(|| format!("unknown kind {code:?}"))
}

fn set(list: &[String]) -> HashSet<String> {
    list.iter().map(|w| fold(w)).collect()
}

fn parse_texts(
    raw: &HashMap<String, RawKind>,
) -> Result<HashMap<FindingKind, (String, String)>, String> {
    let mut texts = HashMap::default();
    for (code, k) in raw {
        check_money(&k.direction)?;
        texts.insert(
            parse_kind(code)?,
            (k.explanation.clone(), k.direction.clone()),
        );
    }
    Ok(texts)
}

/// Every `{money:N}` in a text must be a whole number.
fn check_money(text: &str) -> Result<(), String> {
    let mut rest = text;
    while let Some(at) = rest.find("{money:") {
        let after = &rest[at + 7..];
        let close = after
            .find('}')
            .ok_or_else(|| format!("unclosed {{money: in {text:?}"))?;
        after[..close]
            .parse::<u32>()
            .map_err(|_| format!("{{money:N}} needs a whole number in {text:?}"))?;
        rest = &after[close..];
    }
    Ok(())
}

fn build(source: &str, language: Language) -> Result<Patterns, String> {
    let raw: RawPatterns = serde_json::from_str(source).map_err(|e| e.to_string())?;
    let texts = parse_texts(&raw.kinds)?;
    let mut labels = HashMap::default();
    for k in FindingKind::ALL {
        if !texts.contains_key(k) {
            return Err(format!("no explanation for {}", k.code()));
        }
        let label = raw.kinds[k.code()]
            .label
            .clone()
            .ok_or_else(|| format!("no label for {}", k.code()))?;
        labels.insert(*k, label);
    }
    let mut fit_labels = HashMap::default();
    for fit in Fit::ALL {
        let label = raw
            .fit_labels
            .get(fit.code())
            .ok_or_else(|| format!("no label for the fit {}", fit.code()))?;
        fit_labels.insert(*fit, label.clone());
    }
    // Every phrase word gets its number here; the script's words are looked up in it.
    let vocab = RefCell::new(Vocab::default());
    let phrase = |text: &String, forms: Forms| {
        parse_phrase_as(text, language, forms, &mut vocab.borrow_mut())
    };
    let rules = |list: &[RawRule], missing: bool| -> Result<Vec<Rule>, String> {
        list.iter()
            .map(|r| {
                let kind = parse_kind(&r.kind)?;
                if kind.is_missing() != missing || kind.is_derived() {
                    return Err(format!("{} is not allowed here", r.kind));
                }
                // The rules read go-betweens too (`go_between`), from phrases that list every
                // form they mean.
                let forms = if kind == FindingKind::GoBetween {
                    Forms::Exact
                } else {
                    Forms::Stems
                };
                let phrases: Vec<Phrase> = r
                    .phrases
                    .iter()
                    .map(|p| phrase(p, forms))
                    .collect::<Result<_, _>>()?;
                Ok(Rule {
                    kind,
                    firsts: first_words(&phrases),
                    phrases,
                    except: r
                        .except
                        .iter()
                        .map(|p| phrase(p, forms))
                        .collect::<Result<_, _>>()?,
                    opening_only: r.opening_only,
                })
            })
            .collect()
    };
    let mut fits = HashMap::default();
    for (code, f) in &raw.fits {
        let fit = Fit::parse(code).map_err(|_| format!("unknown fit {code:?}"))?;
        check_money(&f.note)?;
        fits.insert(
            fit,
            FitData {
                note: f.note.clone(),
                drop: f
                    .drop
                    .iter()
                    .map(|k| parse_kind(k))
                    .collect::<Result<_, _>>()?,
                no_reply: f.no_reply,
                texts: parse_texts(&f.texts)?,
                rules: rules(&f.rules, false)?,
                long_sentence: f.long_sentence,
            },
        );
    }
    for fit in Fit::ALL {
        if *fit != Fit::Direct && !fits.contains_key(fit) {
            return Err(format!("nothing said for the fit {}", fit.code()));
        }
    }
    Ok(Patterns {
        fits,
        labels,
        fit_labels,
        over: raw.over,
        over_total: raw.over_total,
        negations: set(&raw.negations),
        negation_window: raw.negation_window,
        first_person: set(&raw.first_person),
        second_person: set(&raw.second_person),
        but_words: set(&raw.but.words),
        admissions: set(&raw.but.admissions),
        but_skip_before: set(&raw.but.skip_before),
        but_skip_after: set(&raw.but.skip_after),
        acts: Acts {
            subjects: set(&raw.acts.subjects),
            within: raw.acts.within,
            endings: raw.acts.endings.clone(),
            min_letters: raw.acts.min_letters,
            irregular: raw
                .acts
                .irregular
                .iter()
                .map(|w| w.to_lowercase())
                .collect(),
            not: raw.acts.not.iter().map(|w| w.to_lowercase()).collect(),
            states: set(&raw.acts.states),
            auxiliaries: set(&raw.acts.auxiliaries),
            participles: raw.acts.participles.clone(),
            apologies: set(&raw.acts.apologies),
            apology_links: set(&raw.acts.apology_links),
            apology_verbs: raw.acts.apology_verbs.clone(),
        },
        but_skip_sentence: raw
            .but
            .skip_sentence
            .iter()
            .map(|p| phrase(p, Forms::Stems))
            .collect::<Result<_, _>>()?,
        texts,
        rules: rules(&raw.rules, false)?,
        missing: rules(&raw.missing, true)?,
        balance: raw.balance,
        contact: {
            let phrases: Vec<Phrase> = raw
                .contact
                .phrases
                .iter()
                .map(|p| phrase(p, Forms::Exact))
                .collect::<Result<_, _>>()?;
            Rule {
                kind: FindingKind::GoBetween,
                firsts: first_words(&phrases),
                phrases,
                except: raw
                    .contact
                    .except
                    .iter()
                    .map(|p| phrase(p, Forms::Exact))
                    .collect::<Result<_, _>>()?,
                opening_only: false,
            }
        },
        contact_cancel: {
            let phrases: Vec<Phrase> = raw
                .contact
                .cancel
                .iter()
                .map(|p| phrase(p, Forms::Exact))
                .collect::<Result<_, _>>()?;
            Rule {
                kind: FindingKind::GoBetween,
                firsts: first_words(&phrases),
                phrases,
                except: Vec::new(),
                opening_only: false,
            }
        },
        vocab: vocab.into_inner(),
        index: Index::default(),
    })
    .map(|mut p| {
        let all: Vec<&Rule> = p.rules.iter().chain(&p.missing).collect();
        p.index = Index::new(&all);
        p
    })
}

fn source(language: Language) -> &'static str {
    match language {
        Language::En => include_str!("en.json"),
        Language::Es => include_str!("es.json"),
    }
}

fn patterns(language: Language) -> &'static Patterns {
    static EN: OnceLock<Patterns> = OnceLock::new();
    static ES: OnceLock<Patterns> = OnceLock::new();
    let cell = match language {
        Language::En => &EN,
        Language::Es => &ES,
    };
    cell.get_or_init(|| {
        build(source(language), language)
            .expect("the coach's patterns are checked by the unit tests")
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the script.

#[derive(Debug)]
struct Token<'a> {
    /// As written.
    raw: &'a str,
    /// Folded.
    norm: String,
    /// The numbers (see `Vocab`) of the word itself, of its stem in the language read (see
    /// `stem`), and of a second stem for a Spanish verb with a pronoun joined to it; `UNNAMED`
    /// where no pattern names it.
    norm_id: u32,
    stem: u32,
    alt: u32,
    start: usize,
    end: usize,
    /// Sentences also break at the edges of quotations.
    sentence: usize,
    clause: usize,
    quoted: bool,
    /// The sentence ends with a question mark.
    question: bool,
}

impl Token<'_> {
    /// A number ("50", "5th", "1.800"): what `#` in a phrase matches.
    fn is_number(&self) -> bool {
        self.raw.starts_with(|c: char| c.is_ascii_digit())
    }

    /// Whether any of the token's numbers (word, stem, second stem) is in `words`.
    fn named_in(&self, words: &HashSet<u32>) -> bool {
        words.contains(&self.stem) || words.contains(&self.alt) || words.contains(&self.norm_id)
    }
}

/// The phrases (or rules' phrases) that can start at `t`: those listed under its stem, its
/// second stem and the word itself, and those that start with a number when it is one. Up to
/// four lists, each in order; an entry may be in more than one.
fn starting_at<'a, T>(
    by_word: &'a HashMap<u32, Vec<T>>,
    numbers: &'a [T],
    t: &Token,
) -> [&'a [T]; 4] {
    let of = |w: u32| {
        if w == UNNAMED {
            &[][..]
        } else {
            by_word.get(&w).map_or(&[][..], Vec::as_slice)
        }
    };
    [
        of(t.stem),
        of(t.alt),
        of(t.norm_id),
        if t.is_number() { numbers } else { &[] },
    ]
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

fn tokenize(script: &str, language: Language) -> Vec<Token<'_>> {
    let vocab = &patterns(language).vocab;
    // A script says the same words again and again: each is stemmed and looked up once.
    let mut seen: HashMap<&str, (u32, u32)> = HashMap::default();
    let mut tokens = Vec::new();
    let mut sentence = 0;
    let mut clause = 0;
    let mut quoted = false;
    let chars: Vec<(usize, char)> = script.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if is_word_char(c) {
            let start = at;
            let mut j = i + 1;
            while j < chars.len() {
                let (_, d) = chars[j];
                let joiner = matches!(d, '\'' | '’' | '-')
                    && j + 1 < chars.len()
                    && is_word_char(chars[j + 1].1);
                if is_word_char(d) || joiner {
                    j += 1;
                } else {
                    break;
                }
            }
            let end = chars.get(j).map_or(script.len(), |&(b, _)| b);
            let raw = &script[start..end];
            let (stem, alt) = *seen.entry(raw).or_insert_with(|| {
                let (stem, alt) = stem::stems(raw, language);
                (vocab.get(&stem), alt.map_or(UNNAMED, |a| vocab.get(&a)))
            });
            let norm = fold(raw);
            tokens.push(Token {
                raw,
                norm_id: vocab.get(&norm),
                norm,
                stem,
                alt,
                start,
                end,
                sentence,
                clause,
                quoted,
                question: false,
            });
            i = j;
            continue;
        }
        match c {
            '"' => {
                quoted = !quoted;
                sentence += 1;
                clause += 1;
            }
            '“' | '«' => {
                quoted = true;
                sentence += 1;
                clause += 1;
            }
            '”' | '»' => {
                quoted = false;
                sentence += 1;
                clause += 1;
            }
            '?' => {
                // Each token is marked at most once, so this stays linear.
                for t in tokens.iter_mut().rev() {
                    if t.sentence != sentence {
                        break;
                    }
                    t.question = true;
                }
                sentence += 1;
                clause += 1;
            }
            '.' | '!' | '\n' | '¿' | '¡' | '…' => {
                sentence += 1;
                clause += 1;
            }
            ',' | ';' | ':' | '—' | '–' | '(' | ')' => clause += 1,
            _ => {}
        }
        i += 1;
    }
    tokens
}

/// Tries to match `phrase` at `tokens[at..]` within one sentence. Returns the index after the
/// last matched token, or `None`. A gap never swallows a negation word.
fn match_at(
    tokens: &[&Token],
    at: usize,
    phrase: &[Elem],
    negations: &HashSet<String>,
) -> Option<usize> {
    let sentence = tokens.get(at)?.sentence;
    match_in(tokens, at, phrase, negations, sentence)
}

fn match_in(
    tokens: &[&Token],
    at: usize,
    phrase: &[Elem],
    negations: &HashSet<String>,
    sentence: usize,
) -> Option<usize> {
    let Some((first, rest)) = phrase.split_first() else {
        return Some(at);
    };
    match first {
        Elem::Alt(group) => {
            // A word no sequence starts with leaves only the empty one, if the group has it.
            let possible = tokens.get(at).is_some_and(|t| group.may_start(t));
            group.alts.iter().find_map(|alt| {
                if !possible && !alt.is_empty() {
                    return None;
                }
                let end = at + alt.len();
                let here = end <= tokens.len()
                    && tokens[at..end]
                        .iter()
                        .zip(alt)
                        .all(|(t, w)| w.matches(t) && t.sentence == sentence);
                if here {
                    match_in(tokens, end, rest, negations, sentence)
                } else {
                    None
                }
            })
        }
        Elem::Gap => {
            for skip in 0..=2 {
                let end = at + skip;
                if end > tokens.len() {
                    break;
                }
                if skip > 0 {
                    let t = tokens[end - 1];
                    if t.sentence != sentence || negations.contains(&t.norm) {
                        break;
                    }
                }
                if let Some(done) = match_in(tokens, end, rest, negations, sentence) {
                    return Some(done);
                }
            }
            None
        }
    }
}

fn negated(tokens: &[&Token], at: usize, p: &Patterns) -> bool {
    let here = tokens[at];
    tokens[at.saturating_sub(p.negation_window)..at]
        .iter()
        .any(|t| {
            t.sentence == here.sentence && t.clause == here.clause && p.negations.contains(&t.norm)
        })
}

/// Every place a rule's phrases match (not negated, not excepted), as token ranges.
fn matches(tokens: &[&Token], rule: &Rule, p: &Patterns) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::new();
    let opening = if rule.opening_only {
        opening_end(tokens)
    } else {
        usize::MAX
    };
    for at in 0..tokens.len() {
        if tokens[at].sentence >= opening {
            break;
        }
        if out.last().is_some_and(|r| r.end > at) {
            continue;
        }
        // The first phrase in the rule's order that matches here.
        let mut best: Option<(usize, usize)> = None;
        for list in rule.firsts.at(tokens[at]) {
            for &i in list {
                if best.is_some_and(|(b, _)| b <= i) {
                    break;
                }
                let next = tokens.get(at + 1).copied();
                if !rule.firsts.second_fits(i, next, tokens[at].sentence) {
                    continue;
                }
                if let Some(end) = match_at(tokens, at, &rule.phrases[i], &p.negations) {
                    best = Some((i, end));
                    break;
                }
            }
        }
        let Some((_, end)) = best else {
            continue;
        };
        if negated(tokens, at, p)
            || rule
                .except
                .iter()
                .any(|ph| match_at(tokens, at, ph, &p.negations).is_some())
        {
            continue;
        }
        out.push(at..end);
    }
    out
}

/// Every place each general rule and each missing element matches (as `matches` finds them,
/// rule by rule), in one pass: the rules' results first, then the missing elements'.
fn matches_all(tokens: &[&Token], p: &Patterns) -> Vec<Vec<Range<usize>>> {
    let rules: Vec<&Rule> = p.rules.iter().chain(&p.missing).collect();
    let mut out: Vec<Vec<Range<usize>>> = vec![Vec::new(); rules.len()];
    let opening = opening_end(tokens);
    // Per rule, the first phrase in its order that matches at this word, and where it ends.
    let mut best: Vec<Option<(usize, usize)>> = vec![None; rules.len()];
    let mut touched: Vec<usize> = Vec::new();
    for at in 0..tokens.len() {
        let t = tokens[at];
        let next = tokens.get(at + 1).copied();
        for list in p.index.at(t) {
            for &(r, i) in list {
                let (r, i) = (r as usize, i as usize);
                let rule = rules[r];
                if (rule.opening_only && t.sentence >= opening)
                    || out[r].last().is_some_and(|m| m.end > at)
                    || best[r].is_some_and(|(b, _)| b <= i)
                    || !rule.firsts.second_fits(i, next, t.sentence)
                {
                    continue;
                }
                if let Some(end) = match_at(tokens, at, &rule.phrases[i], &p.negations) {
                    if best[r].is_none() {
                        touched.push(r);
                    }
                    best[r] = Some((i, end));
                }
            }
        }
        for r in touched.drain(..) {
            let Some((_, end)) = best[r].take() else {
                continue;
            };
            let excepted = rules[r]
                .except
                .iter()
                .any(|ph| match_at(tokens, at, ph, &p.negations).is_some());
            if !negated(tokens, at, p) && !excepted {
                out[r].push(at..end);
            }
        }
    }
    out
}

/// The sentence number where the opening (the first two sentences of the writer's own words) ends.
fn opening_end(tokens: &[&Token]) -> usize {
    let mut seen = Vec::new();
    for t in tokens {
        if !seen.contains(&t.sentence) {
            seen.push(t.sentence);
            if seen.len() == 3 {
                return t.sentence;
            }
        }
    }
    usize::MAX
}

/// See `RawActs`. Words compared as written, lowercased, accents kept.
#[derive(Debug)]
struct Acts {
    subjects: HashSet<String>,
    within: usize,
    endings: Vec<String>,
    min_letters: usize,
    irregular: HashSet<String>,
    not: HashSet<String>,
    states: HashSet<String>,
    auxiliaries: HashSet<String>,
    participles: Vec<String>,
    apologies: HashSet<String>,
    apology_links: HashSet<String>,
    apology_verbs: Vec<String>,
}

impl Acts {
    fn past(&self, lower: &str, endings: &[String]) -> bool {
        !self.not.contains(lower)
            && (self.irregular.contains(lower)
                || (lower.chars().count() >= self.min_letters
                    && endings.iter().any(|e| lower.ends_with(e.as_str()))))
    }

    /// Where the writer names something they did: token ranges from the subject (or the verb)
    /// to the verb. A question names nothing done ("what else did I break?").
    fn find(&self, tokens: &[&Token]) -> Vec<Range<usize>> {
        let mut out = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            if t.question {
                continue;
            }
            // As written, lowercased (most words already are).
            let lower: std::borrow::Cow<str> =
                if t.raw.chars().any(|c| c.is_uppercase() || c == '’') {
                    t.raw.to_lowercase().replace('’', "'").into()
                } else {
                    t.raw.into()
                };
            let same = |k: usize| tokens[k].clause == t.clause && tokens[k].sentence == t.sentence;
            let apology = i >= 2
                && same(i - 1)
                && self.apology_links.contains(&tokens[i - 1].norm)
                && (2..=4).any(|back| {
                    i >= back && same(i - back) && self.apologies.contains(&tokens[i - back].norm)
                })
                && self.past(&lower, &self.apology_verbs);
            if apology {
                out.push(i - 1..i + 1);
                continue;
            }
            if i > 0 && same(i - 1) && self.states.contains(&tokens[i - 1].norm) {
                continue;
            }
            let perfect = (1..=2).any(|back| {
                i >= back && same(i - back) && self.auxiliaries.contains(&tokens[i - back].norm)
            }) && self.past(&lower, &self.participles);
            if !perfect && !self.past(&lower, &self.endings) {
                continue;
            }
            if self.subjects.is_empty() {
                out.push(i..i + 1);
                continue;
            }
            let from = i.saturating_sub(self.within);
            if let Some(s) = (from..i)
                .rev()
                .find(|&k| same(k) && self.subjects.contains(&tokens[k].norm))
            {
                out.push(s..i + 1);
            }
        }
        out
    }
}

/// "But" after an admission in the same sentence: the rest of the sentence takes it back. One
/// pass: what a sentence has shown so far (an admission, a phrase such as "not only" that makes
/// its "but" something else) is carried along rather than looked for again at each "but".
fn but_findings(tokens: &[&Token], p: &Patterns) -> Vec<Range<usize>> {
    let n = tokens.len();
    // The last token of each token's sentence.
    let mut last = vec![0; n];
    for k in (0..n).rev() {
        last[k] = if k + 1 < n && tokens[k + 1].sentence == tokens[k].sentence {
            last[k + 1]
        } else {
            k
        };
    }
    let mut out = Vec::new();
    let mut admitted = false;
    // The earliest end of a phrase that turns this sentence's "but" into something else.
    let mut skip_end = usize::MAX;
    for (i, t) in tokens.iter().enumerate() {
        if i == 0 || tokens[i - 1].sentence != t.sentence {
            admitted = false;
            skip_end = usize::MAX;
        }
        if p.but_words.contains(&t.norm) {
            let same = |k: usize| tokens.get(k).filter(|b| b.sentence == t.sentence);
            // What follows may be one word ("also") or two ("I wanted", "no excuse").
            let two = same(i + 1)
                .zip(same(i + 2))
                .is_some_and(|(a, b)| p.but_skip_after.contains(&format!("{} {}", a.norm, b.norm)));
            let skipped = (i > 0
                && same(i - 1).is_some_and(|b| p.but_skip_before.contains(&b.norm)))
                || same(i + 1).is_some_and(|a| p.but_skip_after.contains(&a.norm))
                || two
                || skip_end <= i;
            if admitted && !skipped {
                out.push(i..last[i] + 1);
            }
        }
        if p.admissions.contains(&t.norm) {
            admitted = true;
        }
        for ph in &p.but_skip_sentence {
            if let Some(end) = match_at(tokens, i, ph, &p.negations) {
                skip_end = skip_end.min(end);
            }
        }
    }
    out
}

fn name_findings(all: &[Token], names: &[String]) -> Vec<Range<usize>> {
    // Where each capitalised word is, so each name costs a lookup rather than a pass.
    let mut capitalised: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, t) in all.iter().enumerate() {
        if t.raw.chars().next().is_some_and(char::is_uppercase) {
            // "Derek's car" names Derek.
            let word = t.norm.strip_suffix("'s").unwrap_or(&t.norm);
            capitalised.entry(word).or_default().push(i);
        }
    }
    let mut out = Vec::new();
    for name in names {
        let want = words(&name.replace(['.', ',', '\'', '’'], " "));
        let Some(first) = want.first() else {
            continue;
        };
        for &at in capitalised.get(first.as_str()).into_iter().flatten() {
            let end = at + want.len();
            let same = |t: &Token, w: &String| t.norm == *w || t.norm.strip_suffix("'s") == Some(w);
            if end <= all.len() && all[at..end].iter().zip(&want).all(|(t, w)| same(t, w)) {
                out.push(all[at].start..all[end - 1].end);
            }
        }
    }
    out
}

/// Where `text` passes a message, an apology, money or a gift to them through someone else (a
/// go-between), read in both languages: the byte range of the first such place. The rules refuse
/// this where no contact is allowed, since a court order forbids contact "through anyone else".
///
/// Everything is read, quoted words and questions included: under a court order, words in
/// quotation marks or a question mark at the end still say what would be done.
pub fn go_between(text: &str) -> Option<Range<usize>> {
    Language::ALL.iter().find_map(|&lang| {
        let all = tokenize(text, lang);
        let own: Vec<&Token> = all.iter().collect();
        let p = patterns(lang);
        p.rules
            .iter()
            .filter(|r| r.kind == FindingKind::GoBetween)
            .find_map(|r| matches(&own, r, p).into_iter().next())
            .map(|r| own[r.start].start..own[r.end - 1].end)
    })
}

/// `text`'s words in `language`, a word of `name` (or one with "'s" after it) read as `@party`
/// (or `@party's`) and nothing taken as quoted.
fn with_party<'a>(text: &'a str, name: &[String], language: Language) -> Vec<Token<'a>> {
    let mut all = tokenize(text, language);
    for t in &mut all {
        let stand_in = if name.contains(&t.norm) {
            Some("@party")
        } else if t
            .norm
            .strip_suffix("'s")
            .is_some_and(|stem| name.iter().any(|n| n == stem))
        {
            Some("@party's")
        } else {
            None
        };
        if let Some(s) = stand_in {
            t.norm = s.to_string();
            let id = patterns(language).vocab.get(s);
            t.norm_id = id;
            t.stem = id;
            t.alt = UNNAMED;
        }
        t.quoted = false;
    }
    all
}

/// Where `text` describes the writer reaching `party` directly (visiting, calling, writing to,
/// meeting, handing them something), read in both languages: the byte range of the first such
/// place. A word of the party's name, or a pronoun, stands for them.
pub fn reaches(text: &str, party: &str) -> Option<Range<usize>> {
    let name: Vec<String> = words(&party.replace(['.', ',', '(', ')', '"'], " "))
        .into_iter()
        .filter(|w| w.chars().count() >= 2)
        .collect();
    let read: Vec<(Language, Vec<Token>)> = Language::ALL
        .iter()
        .map(|&lang| (lang, with_party(text, &name, lang)))
        .collect();
    // A sentence that passes something through someone else is read as that, not as contact
    // ("ask her sister to tell her" is a go-between, whoever "her" is). Both languages' words
    // break into the same sentences.
    let mut relayed: HashSet<usize> = HashSet::default();
    for (lang, tokens) in &read {
        let own: Vec<&Token> = tokens.iter().collect();
        let p = patterns(*lang);
        for rule in p.rules.iter().filter(|r| r.kind == FindingKind::GoBetween) {
            relayed.extend(matches(&own, rule, p).iter().map(|r| own[r.start].sentence));
        }
        relayed.extend(
            matches(&own, &p.contact_cancel, p)
                .iter()
                .map(|r| own[r.start].sentence),
        );
    }
    read.iter().find_map(|(lang, tokens)| {
        let own: Vec<&Token> = tokens.iter().collect();
        let p = patterns(*lang);
        matches(&own, &p.contact, p)
            .into_iter()
            .find(|r| !relayed.contains(&own[r.start].sentence))
            .map(|r| own[r.start].start..own[r.end - 1].end)
    })
}

/// A count of characters as the language writes it: `200,000`, `200.000`.
fn grouped(n: usize, language: Language) -> String {
    let mark = match language {
        Language::En => ',',
        Language::Es => '.',
    };
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(mark);
        }
        out.push(c);
    }
    out
}

/// What to say when a script of `total` characters (`None`: more than could be read, however
/// many) is over `READ_MAX` and only its start was read; `None` when it is not over.
pub fn over(language: Language, total: Option<usize>) -> Option<String> {
    if total.is_some_and(|t| t <= READ_MAX) {
        return None;
    }
    let p = patterns(language);
    let max = grouped(READ_MAX, language);
    let mut out = p.over.replace("{read}", &max).replace("{max}", &max);
    if let Some(total) = total {
        out.push(' ');
        out.push_str(&p.over_total.replace("{total}", &grouped(total, language)));
    }
    Some(out)
}

/// Puts each `{money:N}` of a text into the currency and the language: `50.00 EUR` in English,
/// `50,00 EUR` in Spanish; the figure alone where no currency is known.
fn with_money(text: &str, currency: Option<Currency>, language: Language) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("{money:") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 7..];
        let Some(close) = after.find('}') else {
            break;
        };
        let units: u32 = after[..close].parse().unwrap_or(0);
        match currency {
            Some(c) => {
                let minor = i64::from(units) * 10i64.pow(c.exponent());
                out.push_str(&Money::new(minor, c).show(language));
            }
            None => out.push_str(&units.to_string()),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Reads a script and says what would undermine it and what is missing, for the kind of
/// amends the context describes. Only the first `READ_MAX` characters are read.
pub fn coach(script: &str, language: Language, context: &Context) -> Reading {
    let p = patterns(language);
    let total = script.chars().count();
    let script = match script.char_indices().nth(READ_MAX) {
        Some((cut, _)) => &script[..cut],
        None => script,
    };
    let fit = context.fit();
    let fitted = p.fits.get(&fit);
    let all = tokenize(script, language);
    let own: Vec<&Token> = all.iter().filter(|t| !t.quoted).collect();
    let finding = |kind: FindingKind, span: Option<Range<usize>>| {
        let (explanation, direction) = fitted
            .and_then(|f| f.texts.get(&kind))
            .unwrap_or(&p.texts[&kind]);
        Finding {
            kind,
            label: p.labels[&kind].as_str(),
            span,
            explanation: explanation.as_str(),
            direction: with_money(direction, context.currency, language),
        }
    };
    let byte_span = |r: &Range<usize>| own[r.start].start..own[r.end - 1].end;

    let mut found: Vec<Finding> = Vec::new();
    // Words inside or just after a conditional apology: an act or responsibility named there is
    // hedged ("I may have said some things", "if I hurt you"), so it does not count as named.
    let mut hedged = HashSet::default();
    // Words of a vague admission ("I did a lot of things") or an empty promise ("I will be
    // better"): they do not name an act or a commitment.
    let mut blanket = HashSet::default();
    let mut hollow = HashSet::default();
    let fit_rules = fitted.map(|f| f.rules.as_slice()).unwrap_or(&[]);
    let mut rule_places = matches_all(&own, p);
    let missing_places = rule_places.split_off(p.rules.len());
    let places = p
        .rules
        .iter()
        .zip(rule_places)
        .chain(fit_rules.iter().map(|rule| (rule, matches(&own, rule, p))));
    for (rule, found_here) in places {
        for r in found_here {
            match rule.kind {
                FindingKind::Conditional => hedged.extend(r.start..r.end + 2),
                // The rest of the clause belongs to it ("sorry for everything I put you
                // through" names no act).
                FindingKind::Vague => {
                    let clause = own[r.start].clause;
                    let end = (r.end..own.len())
                        .find(|&k| own[k].clause != clause)
                        .unwrap_or(own.len());
                    blanket.extend(r.start..end);
                }
                // So do the words before it in its clause ("from today I will be better").
                FindingKind::EmptyPromise => {
                    let clause = own[r.start].clause;
                    let start = (0..r.start)
                        .rev()
                        .find(|&k| own[k].clause != clause)
                        .map_or(0, |k| k + 1);
                    hollow.extend(start..r.end);
                }
                _ => {}
            }
            found.push(finding(rule.kind, Some(byte_span(&r))));
        }
    }
    for r in but_findings(&own, p) {
        found.push(finding(FindingKind::Excuse, Some(byte_span(&r))));
    }
    let mut names = context.involved.clone();
    names.extend(context.listed.iter().cloned());
    for span in name_findings(&all, &names) {
        found.push(finding(FindingKind::ThirdParty, Some(span)));
    }
    if let Some(most) = fitted.and_then(|f| f.long_sentence) {
        let mut at = 0;
        while at < own.len() {
            let mut end = at;
            while end < own.len() && own[end].sentence == own[at].sentence {
                end += 1;
            }
            if end - at > most {
                found.push(finding(
                    FindingKind::LongSentence,
                    Some(byte_span(&(at..end))),
                ));
            }
            at = end;
        }
    }
    // Where each missing element is present; where no reply can come, a question to them is a
    // finding of its own.
    let no_reply = fitted.is_some_and(|f| f.no_reply);
    let mut present: HashSet<FindingKind> = HashSet::default();
    let asking: HashSet<usize> = p
        .missing
        .iter()
        .zip(&missing_places)
        .filter(|(r, _)| {
            matches!(
                r.kind,
                FindingKind::MissingOtherHarm | FindingKind::MissingSetRight
            )
        })
        .flat_map(|(_, places)| places.iter().cloned().flatten())
        .collect();
    // One such finding per question.
    let mut asked: HashSet<usize> = HashSet::default();
    for (rule, found_here) in p.missing.iter().zip(missing_places) {
        let hedge_matters = matches!(
            rule.kind,
            FindingKind::MissingAct | FindingKind::MissingResponsibility
        );
        let asks = matches!(
            rule.kind,
            FindingKind::MissingOtherHarm | FindingKind::MissingSetRight
        );
        let mut places = found_here;
        if rule.kind == FindingKind::MissingAct {
            // Words that ask about other harm or setting it right name no act ("is there other
            // harm I caused?").
            places.extend(
                p.acts
                    .find(&own)
                    .into_iter()
                    .filter(|r| !r.clone().any(|k| asking.contains(&k))),
            );
        }
        for r in places {
            let empty = match rule.kind {
                FindingKind::MissingAct => blanket.contains(&r.start),
                FindingKind::MissingCommitment => hollow.contains(&r.start),
                _ => false,
            };
            let hedged_here = hedge_matters && hedged.contains(&r.start);
            if !hedged_here && !empty {
                present.insert(rule.kind);
            }
            if no_reply && asks && own[r.start].question && asked.insert(own[r.start].sentence) {
                found.push(finding(FindingKind::Unanswerable, Some(byte_span(&r))));
            }
        }
    }
    // A vague admission or an empty promise is pointed at only where the script has nothing
    // better: no act named, no concrete commitment. Where it is, it says what is missing.
    found.retain(|f| match f.kind {
        FindingKind::Vague => !present.contains(&FindingKind::MissingAct),
        FindingKind::EmptyPromise => !present.contains(&FindingKind::MissingCommitment),
        _ => true,
    });
    let stands_for = |k: FindingKind| match k {
        FindingKind::MissingAct => Some(FindingKind::Vague),
        FindingKind::MissingCommitment => Some(FindingKind::EmptyPromise),
        _ => None,
    };
    found.sort_by_key(|f| {
        let s = f.span.clone().unwrap_or(0..0);
        (s.start, s.end, f.kind)
    });
    // One finding per place and kind: overlapping spans of the same kind are one finding. In
    // order of start, a span overlaps an earlier one of its kind when it starts before the
    // furthest end kept so far.
    let mut findings: Vec<Finding> = Vec::new();
    let mut reach: HashMap<FindingKind, usize> = HashMap::default();
    for f in found {
        let Some(span) = f.span.clone() else {
            continue;
        };
        let end = reach.entry(f.kind).or_insert(0);
        if *end > span.start {
            continue;
        }
        *end = span.end;
        findings.push(f);
    }
    let dropped = |k: FindingKind| fitted.is_some_and(|f| f.drop.contains(&k));
    for rule in &p.missing {
        if !present.contains(&rule.kind)
            && !dropped(rule.kind)
            && !findings
                .iter()
                .any(|f| f.kind == rule.kind || Some(f.kind) == stands_for(rule.kind))
        {
            findings.push(finding(rule.kind, None));
        }
    }

    let about_them = own
        .iter()
        .filter(|t| p.second_person.contains(&t.norm))
        .count();
    let about_writer = own
        .iter()
        .filter(|t| p.first_person.contains(&t.norm))
        .count();
    let reading = if about_them + about_writer == 0 {
        &p.balance.empty
    } else if about_them * 2 > about_writer * 3 {
        &p.balance.about_them
    } else if about_writer >= about_them {
        &p.balance.about_you
    } else {
        &p.balance.even
    };
    let read = script.chars().count();
    Reading {
        findings,
        balance: Balance {
            about_them,
            about_writer,
            reading: reading.as_str(),
        },
        fit,
        fit_label: p.fit_labels[&fit].as_str(),
        note: fitted.map(|f| with_money(&f.note, context.currency, language)),
        read,
        total,
        over: over(language, Some(total)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_language_has_valid_patterns() {
        for l in Language::ALL {
            if let Err(e) = build(source(*l), *l) {
                panic!("{}: {e}", l.code());
            }
        }
    }

    #[test]
    fn phrases_parse_alternatives_and_gaps() {
        let p = parse_phrase("i ~ (took|ran off with) money", Language::En).unwrap();
        assert_eq!(p.len(), 4);
        assert_eq!(p[1], Elem::Gap);
        assert!(parse_phrase("~ sorry", Language::En).is_err());
        assert!(parse_phrase("(sorry", Language::En).is_err());
        let p = parse_phrase("if (i|you)? did", Language::En).unwrap();
        assert_eq!(p.len(), 3);
        assert!(parse_phrase("(if)? sorry", Language::En).is_err());
        assert!(parse_phrase("sorry (if)?", Language::En).is_err());
    }

    fn kinds(script: &str) -> Vec<FindingKind> {
        coach(script, Language::En, &Context::default())
            .findings
            .into_iter()
            .map(|f| f.kind)
            .collect()
    }

    #[test]
    fn spans_point_at_the_words() {
        let script = "I'm sorry if you were hurt.";
        let r = coach(script, Language::En, &Context::default());
        let f = r
            .findings
            .iter()
            .find(|f| f.kind == FindingKind::Conditional)
            .unwrap();
        assert_eq!(&script[f.span.clone().unwrap()], "sorry if");
    }

    #[test]
    fn quoted_speech_and_negations_are_not_flagged() {
        assert!(!kinds("You said \"sorry if\" to me once.").contains(&FindingKind::Conditional));
        assert!(!kinds("I won't say it was the disease.").contains(&FindingKind::Excuse));
        assert!(
            !kinds("Not only did I lie, but I also stole from you.").contains(&FindingKind::Excuse)
        );
        assert!(kinds("I'm sorry I lied, but I was scared.").contains(&FindingKind::Excuse));
        assert!(
            !kinds("I am sorry. If you want, we can talk.").contains(&FindingKind::Conditional)
        );
    }

    #[test]
    fn names_are_found_only_when_capitalised() {
        let ctx = Context {
            involved: vec!["Will".into()],
            ..Context::default()
        };
        let r = coach("I will tell Will nothing.", Language::En, &ctx);
        let spans: Vec<_> = r
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::ThirdParty)
            .map(|f| f.span.clone().unwrap())
            .collect();
        assert_eq!(spans, vec![12..16]);
    }
}
