//! The words of the party page that are not in a template: the safety questions as a person
//! reads them, and the few places where the core's messages name CLI commands.

use crate::forms::FormState;

/// One safety question as the page asks it.
pub struct Question {
    /// The name in `rules::SAFETY_QUESTIONS` (and the form field).
    pub code: &'static str,
    /// A few words for histories and the timeline.
    pub short: &'static str,
    /// The question itself.
    pub ask: &'static str,
}

/// The questions, in the order of `rules::SAFETY_QUESTIONS`.
pub const QUESTIONS: [Question; 12] = [
    Question {
        code: "court-order",
        short: "a court order",
        ask: "Is there a protective, restraining or no-contact order between you?",
    },
    Question {
        code: "asked-no-contact",
        short: "they asked for no contact",
        ask: "Have they asked you not to contact them?",
    },
    Question {
        code: "abused-them",
        short: "you abused them",
        ask: "Did you abuse them, so that hearing from you could hurt them again?",
    },
    Question {
        code: "harmed-me",
        short: "they harmed you",
        ask: "Did they harm or abuse you?",
    },
    Question {
        code: "legal-risk",
        short: "legal risk",
        ask: "Could this amends carry legal risk: a crime, money taken from an employer, a debt with legal consequences?",
    },
    Question {
        code: "affair",
        short: "an affair",
        ask: "Does this involve an affair?",
    },
    Question {
        code: "third-parties",
        short: "someone else involved",
        ask: "Would making this amends implicate someone else?",
    },
    Question {
        code: "my-safety",
        short: "your own safety",
        ask: "Could contact put you at risk, of harm or of relapse?",
    },
    Question {
        code: "deceased",
        short: "they have died",
        ask: "Have they died?",
    },
    Question {
        code: "unreachable",
        short: "they cannot be found",
        ask: "Is it impossible to find them?",
    },
    Question {
        code: "child",
        short: "a child",
        ask: "Are they a child?",
    },
    Question {
        code: "family",
        short: "close family",
        ask: "Are they close family?",
    },
];

/// The short words for a question, by its code.
pub fn short(code: &str) -> &'static str {
    QUESTIONS
        .iter()
        .find(|q| q.code == code)
        .map(|q| q.short)
        .unwrap_or("another question")
}

/// Phrases of the core and the vault that point at the command line, and what the page says
/// instead. Longest first, so a phrase is replaced before a shorter one inside it.
const CLI_PHRASES: &[(&str, &str)] = &[
    (
        " (amends safety PARTY with the flags that are yes; the others are recorded as no)",
        " under \"Safety\" on this page",
    ),
    (
        " (amends party edit PARTY --kind person)",
        " (change the kind under Details on this page)",
    ),
    (
        " (amends party edit PARTY --kind ...)",
        " (change the kind under Details on this page)",
    ),
    (
        " (amends consult PARTY --with sponsor --approve --advice \"...\")",
        " under \"Talking it over\" on this page",
    ),
    (
        "See who is still to be asked with `amends show PARTY`, record their consent (amends consent PARTY --who NAME --given)",
        "See who is still to be asked under \"Someone else involved\" on this page, record their consent there",
    ),
    (
        "See who with `amends show PARTY`;",
        "See who under \"Someone else involved\" on this page;",
    ),
    (
        "answer the safety questions with --third-parties (or --affair) first",
        "answer yes to the safety question about someone else (or about an affair) first",
    ),
    (
        "answer --third-parties (R1)",
        "answer yes to the safety question about someone else (R1)",
    ),
    (
        "turn it on with `amends settings --amends-to-self on`",
        "turn on amends to yourself in Settings",
    ),
    (
        " (amends plan PARTY --script ...)",
        " under \"The plan\" on this page",
    ),
    (
        "capture it (amends capture NAME --did ...)",
        "add it as a harm on this page",
    ),
    (
        " (amends party restore PARTY)",
        " (the button is on this page)",
    ),
    (" (amends party edit ID --kind person)", ""),
    (" (amends commit living)", " under \"Following through\""),
    (
        "Answer them now (amends safety PARTY ...)",
        "Answer them now on this page",
    ),
    (
        "note it with --requests",
        "note it under \"What they asked for\"",
    ),
    (
        "; this will come up again in `amends due`",
        "; it will come up again on the home page",
    ),
    (" (see `amends commitments`)", ""),
    ("; see them with `amends commitments`", ""),
    (" See them with `amends commitments`.", ""),
    (" See the harms with `amends show PARTY`.", ""),
    (" See the list with `amends party list`.", ""),
    (
        "--none means no question applies, so it cannot go with other answers or --clear",
        "\"none apply\" cannot go with other answers",
    ),
    // Safety first, harm first, R3 (core rules).
    (
        "Answer them first (amends safety PARTY with the answers that apply, or `amends safety PARTY --none` when none apply)",
        "Answer them first under \"Safety\" on this page (\"no\" to each one that does not apply)",
    ),
    (
        " (amends harm add PARTY --did \"...\")",
        " (add it under \"Harms\" on this page)",
    ),
    (
        "Talk to a lawyer first and record it (amends consult PARTY --with lawyer --advice \"...\"), or record your own decision once you have taken advice (amends safety PARTY --legal-decision \"...\").",
        "Talk to a lawyer first and record it under \"Talking it over\", or record your own decision, once you have taken advice, under \"Safety\" on this page.",
    ),
    // Words that reach them where no contact is allowed (R4, R5).
    (" (see it with `amends show PARTY`)", ""),
    (
        "record it as such: --via court, agency, charity or anonymous.",
        "record it as such: through the court, through an agency, as a donation to a charity, or anonymously.",
    ),
    (
        " (--via no-contact)",
        " (choose \"without any contact with them\" under \"How it is kept\")",
    ),
    // Payments and check-ins dated before their commitment.
    (
        "record a new commitment with --starting)",
        "record a new commitment with the day it truly began)",
    ),
    // Lifting an answer that keeps them from being reached.
    (
        " (--reason \"...\"; for a court order, when it ended)",
        " (for a court order, when it ended)",
    ),
    (" (--confirm)", " (tick \"This truly no longer holds\")"),
    ("lifting court-order", "lifting the court order"),
    (
        "lifting asked-no-contact",
        "lifting \"they asked for no contact\"",
    ),
    ("lifting abused-them", "lifting \"you abused them\""),
    // The same person twice: the page asks its own question instead.
    (
        "If it is the same person, add to that entry (amends show ID, amends harm add ID ...), so that what is known about them, and the safety answers, stay in one place; if it is someone else, add them with --another.",
        "If it is the same person, add to that entry, so that what is known about them, and the safety answers, stay in one place.",
    ),
    (
        "If it is the same person, keep one entry (see it with `amends show ID`); if it is someone else, rename again with --another.",
        "If it is the same person, keep one entry.",
    ),
];

/// The core's and the vault's words with their command-line hints turned into words for this page.
pub fn web_text(text: &str) -> String {
    let mut out = text.to_string();
    for (cli, web) in CLI_PHRASES {
        if out.contains(cli) {
            out = out.replace(cli, web);
        }
    }
    out = method_words(&out);
    out = reach_words(&out);
    // "to lift one, use --clear court-order": on this page, that is answering "no".
    if let Some(at) = out.find("; to lift one, use --clear ") {
        out.truncate(at);
        out.push_str("; to lift one, answer it \"no\"");
    }
    out
}

/// Replaces the list of codes after the first `lead` in `out` ("one of: them, court") with
/// their labels, when every item is a code `label_of` knows. `None` when `lead` is not there;
/// otherwise whether the list was replaced.
fn code_list_words(
    out: &mut String,
    lead: &str,
    label_of: impl Fn(&str) -> Option<&'static str>,
) -> Option<bool> {
    let start = out.find(lead)? + lead.len();
    let end = out[start..]
        .find(['.', ';', ')'])
        .map(|i| start + i)
        .unwrap_or(out.len());
    let labels: Option<Vec<&str>> = out[start..end]
        .split(", ")
        .map(|w| label_of(w.trim_end_matches(['.', ')'])))
        .collect();
    match labels.filter(|l| !l.is_empty()) {
        Some(labels) => {
            out.replace_range(start..end, &labels.join("; "));
            Some(true)
        }
        None => Some(false),
    }
}

/// Lists of method codes ("choose one of: living, indirect, unsent-letter") in the words the
/// page's method choices use.
fn method_words(text: &str) -> String {
    use amends_core::model::Method;
    let label_of = |code: &str| {
        Method::ALL
            .iter()
            .find(|m| m.code() == code.trim_end_matches(['.', ')']))
            .map(|m| m.label())
    };
    let mut out = text.to_string();
    // Only the first list found is read.
    for lead in ["one of: ", "one of "] {
        if code_list_words(&mut out, lead, label_of).is_some() {
            break;
        }
    }
    if let Some(at) = out.find("the planned method (") {
        let start = at + "the planned method (".len();
        if let Some(len) = out[start..].find(')')
            && let Some(label) = label_of(&out[start..start + len])
        {
            out.replace_range(start..start + len, label);
        }
    }
    out
}

/// Lists of the codes of the ways a commitment reaches them ("choose one of: them, court") in
/// the words the page's choices use.
fn reach_words(text: &str) -> String {
    use amends_core::model::Reach;
    let label_of = |code: &str| {
        Reach::ALL
            .iter()
            .find(|r| r.code() == code)
            .map(|r| r.label())
    };
    let mut out = text.to_string();
    // The first list that is all ways is read.
    for lead in ["one of: ", "one of these ways: "] {
        if code_list_words(&mut out, lead, label_of) == Some(true) {
            break;
        }
    }
    out
}

/// The reason for a stage without the stage's own name in front ("complete: amends made on
/// ..." beside the "complete" badge reads twice), starting as a sentence.
pub fn stage_reason(reason: &str, stage: amends_core::Stage) -> String {
    let text = web_text(reason);
    let rest = [stage.label(), stage.code()]
        .iter()
        .find_map(|name| text.strip_prefix(&format!("{name}: ")))
        .unwrap_or(&text);
    let mut c = rest.chars();
    match c.next() {
        Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// A message from the core ("cannot be empty") as a sentence beside its field.
pub fn sentence(message: &str) -> String {
    let m = web_text(message.trim());
    let starts_as_verb = ["is ", "cannot ", "must ", "has ", "contains "]
        .iter()
        .any(|p| m.starts_with(p));
    let mut s = if starts_as_verb {
        format!("This {m}")
    } else {
        let mut c = m.chars();
        match c.next() {
            Some(first) => first.to_uppercase().collect::<String>() + c.as_str(),
            None => m,
        }
    };
    if !s.ends_with(['.', '?']) {
        s.push('.');
    }
    s
}

/// Every message of a form in the page's words.
pub fn tidy(form: &mut FormState) {
    for message in form.errors.values_mut() {
        *message = sentence(message);
    }
    if let Some(r) = &mut form.refusal {
        r.reason = web_text(&r.reason);
        r.next = web_text(&r.next);
    }
    if let Some(p) = &mut form.problem {
        // "Harm first" is about the party, not a field of the form: said as a sentence.
        *p = match p.strip_prefix("harm: ") {
            Some(rest) => sentence(rest),
            None => web_text(p),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_questions_follow_the_core() {
        let codes: Vec<&str> = QUESTIONS.iter().map(|q| q.code).collect();
        assert_eq!(codes, amends_core::rules::SAFETY_QUESTIONS);
    }

    #[test]
    fn command_lines_become_words_for_the_page() {
        let r2 = "Go over the plan with your sponsor or an adviser and record their approval (amends consult PARTY --with sponsor --approve --advice \"...\").";
        assert_eq!(
            web_text(r2),
            "Go over the plan with your sponsor or an adviser and record their approval under \"Talking it over\" on this page."
        );
        let lift =
            "earlier answers still stand (court-order); to lift one, use --clear court-order";
        assert!(!web_text(lift).contains("--"));
        assert_eq!(sentence("cannot be empty"), "This cannot be empty.");
        assert_eq!(
            web_text("Choose one of: living, indirect, unsent-letter."),
            "Choose one of: living amends (a lasting change of behaviour); indirect amends \
             (service, donation, anonymous repayment); an unsent letter (read to a sponsor or at a grave)."
        );
        assert_eq!(
            web_text(
                "the planned method (face-to-face) is no longer open: choose one of living, unsent-letter"
            ),
            "the planned method (face to face) is no longer open: choose one of living amends \
             (a lasting change of behaviour); an unsent letter (read to a sponsor or at a grave)"
        );
        // Other lists are left as they are.
        assert_eq!(
            web_text("say how they received it: warm, with-request, cool"),
            "say how they received it: warm, with-request, cool"
        );
        assert_eq!(
            stage_reason(
                "following through: amends made on 3 May 2026; 20.00 USD still to repay",
                amends_core::Stage::FollowingThrough
            ),
            "Amends made on 3 May 2026; 20.00 USD still to repay"
        );
        assert_eq!(
            stage_reason("not yet willing", amends_core::Stage::Listed),
            "Not yet willing"
        );
        assert_eq!(
            sentence("a deferral needs a reason"),
            "A deferral needs a reason."
        );
    }
}
