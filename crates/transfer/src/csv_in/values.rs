//! Reading one cell as a value of core's model: the code words people write in English and
//! Spanish, amounts as spreadsheets write them, yes and no. Messages say what is wrong and
//! what to write instead; they never repeat the cell.

use amends_core::model::{HarmKind, HarmSource, Language, PartyKind, Willingness};
use amends_core::money::Unread;
use amends_core::{Currency, Money};

use super::names::fold;

fn codes<T: Copy>(all: &[T], code: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|v| code(*v)).collect::<Vec<_>>().join(", ")
}

/// A party's kind; empty is a person.
pub(crate) fn kind(cell: &str) -> Result<Option<PartyKind>, String> {
    let w = fold(cell);
    let k = match w.as_str() {
        "" => return Ok(None),
        "persona" | "individual" => PartyKind::Person,
        "company" | "employer" | "institution" | "business" | "empresa" | "organizacion"
        | "institucion" | "negocio" | "trabajo" => PartyKind::Organisation,
        "died" | "passed away" | "fallecido" | "fallecida" | "difunto" | "difunta" | "muerto"
        | "muerta" => PartyKind::Deceased,
        "missing" | "lost" | "cannot be found" | "ilocalizable" | "no localizable"
        | "desaparecido" | "desaparecida" => PartyKind::Unreachable,
        "grupo" | "colectivo" => PartyKind::Group,
        "me" | "yo" | "yo mismo" | "yo misma" | "mi mismo" | "mi misma" => PartyKind::Myself,
        _ => PartyKind::parse(&w).map_err(|_| {
            format!(
                "is not a kind of party Amends knows; write one of {} (or leave it empty for a person)",
                codes(PartyKind::ALL, PartyKind::code)
            )
        })?,
    };
    Ok(Some(k))
}

fn one_harm_kind(word: &str) -> Option<HarmKind> {
    let k = match word {
        "fisico" | "fisica" | "body" | "violence" | "violencia" => HarmKind::Physical,
        "emocional" | "emotionally" | "psicologico" | "psychological" => HarmKind::Emotional,
        "espiritual" => HarmKind::Spiritual,
        "money" | "economic" | "economico" | "economica" | "financiero" | "financiera"
        | "dinero" => HarmKind::Financial,
        "propiedad" | "bienes" | "things" => HarmKind::Property,
        "tiempo" => HarmKind::Time,
        "lies" | "lying" | "honesty" | "confianza" | "deshonestidad" | "mentira" | "mentiras"
        | "enganos" => HarmKind::Trust,
        "descuido" | "abandono" | "negligencia" | "abandonment" => HarmKind::Neglect,
        _ => return HarmKind::parse(word).ok(),
    };
    Some(k)
}

/// Kinds of harm, separated by commas, semicolons, slashes, "and" or "y".
pub(crate) fn harm_kinds(cell: &str) -> Result<Vec<HarmKind>, String> {
    let mut out: Vec<HarmKind> = Vec::new();
    for part in cell.split([',', ';', '/', '|', '+', '&', '\n']) {
        let part = fold(part);
        if part.is_empty() {
            continue;
        }
        let words: Vec<&str> = part.split(' ').collect();
        // "physical and emotional", "fisico y emocional": split on the joining word.
        if words.len() > 1 && words.iter().any(|w| *w == "and" || *w == "y") {
            for w in words.into_iter().filter(|w| *w != "and" && *w != "y") {
                push_kind(&mut out, w)?;
            }
            continue;
        }
        push_kind(&mut out, &part)?;
    }
    Ok(out)
}

fn push_kind(out: &mut Vec<HarmKind>, word: &str) -> Result<(), String> {
    let k = one_harm_kind(word).ok_or_else(|| {
        format!(
            "names a kind of harm Amends does not know; use {}, separated by commas",
            codes(HarmKind::ALL, HarmKind::code)
        )
    })?;
    if !out.contains(&k) {
        out.push(k);
    }
    Ok(())
}

/// How willing: now, later, maybe, never, and the words lists use for them.
pub(crate) fn willingness(cell: &str) -> Result<Option<Willingness>, String> {
    let w = fold(cell);
    let level = match w.as_str() {
        "" => return Ok(None),
        "yes" | "y" | "willing" | "ready" | "now" | "si" | "ahora" | "dispuesto" | "dispuesta"
        | "listo" | "lista" | "ya" => Willingness::Now,
        "later" | "soon" | "not yet" | "eventually" | "luego" | "mas tarde" | "despues"
        | "pronto" | "todavia no" | "aun no" | "mas adelante" => Willingness::Later,
        "maybe" | "perhaps" | "unsure" | "not sure" | "partly" | "quizas" | "quiza"
        | "tal vez" | "a lo mejor" | "no se" | "puede ser" => Willingness::Maybe,
        "no" | "n" | "never" | "not willing" | "nunca" | "jamas" | "no dispuesto"
        | "no dispuesta" => Willingness::Never,
        _ => Willingness::parse(&w).map_err(|_| {
            "is not a willingness Amends knows; write now, later, maybe or never (yes and no, in English or Spanish, work too), or leave it empty".to_string()
        })?,
    };
    Ok(Some(level))
}

/// Yes or no; empty is "not asked yet".
pub(crate) fn yes_no(cell: &str) -> Result<Option<bool>, String> {
    match fold(cell).as_str() {
        // "not asked" is how Amends' own CSV export writes an empty answer.
        "" | "not asked" => Ok(None),
        "yes" | "y" | "true" | "agrees" | "agreed" | "si" | "x" => Ok(Some(true)),
        "no" | "n" | "false" | "disagrees" => Ok(Some(false)),
        _ => Err("is not yes or no; write yes or no (si or no), or leave it empty".into()),
    }
}

/// Where a harm came to light; empty takes the layout's.
pub(crate) fn source(cell: &str) -> Result<Option<HarmSource>, String> {
    let w = fold(cell);
    let s = match w.as_str() {
        "" => return Ok(None),
        "step 4" | "paso 4" | "inventario" | "fourth step" | "cuarto paso" => HarmSource::Inventory,
        "memoria" | "recuerdo" | "remembered" => HarmSource::Memory,
        "me dijeron" | "me lo dijeron" | "they told me" | "dicho" => HarmSource::Told,
        "step 10" | "paso 10" | "decimo paso" | "tenth step" => HarmSource::Step10,
        "revelado" | "revelada" => HarmSource::Revealed,
        // The words Amends' own CSV export writes ("from memory", "someone told me", ...).
        _ if let Some(s) = HarmSource::ALL.iter().find(|s| fold(s.label()) == w) => *s,
        _ => HarmSource::parse(&w).map_err(|_| {
            format!(
                "is not a source Amends knows; write one of {}, or leave it empty",
                codes(HarmSource::ALL, HarmSource::code)
            )
        })?,
    };
    Ok(Some(s))
}

/// Cells that mean "nothing" in an amount column.
fn nothing(t: &str) -> bool {
    matches!(
        fold(t).as_str(),
        "" | "0" | "00" | "0 00" | "0 0" | "none" | "nothing" | "n a" | "na" | "nada" | "ninguno"
    ) || t
        .chars()
        .all(|c| matches!(c, '-' | '\u{2013}' | '\u{2014}' | ' '))
}

/// An amount owed, in the list's currency; "0", "-" or empty mean nothing owed.
///
/// Spreadsheets write amounts in the reader's own way: a currency sign or code before or
/// after, spaces or dots between thousands, a decimal comma. A sign or code of another
/// currency is refused here; the figures are read by the core's amount reader
/// (`Money::read`), the same as every form, which asks about an entry two conventions read
/// differently (`1,250`) instead of guessing.
pub(crate) fn owed(
    cell: &str,
    currency: Currency,
    language: Language,
) -> Result<Option<Money>, String> {
    let t = cell.trim();
    if nothing(t) {
        return Ok(None);
    }
    let mut s = t.to_string();
    // A sign of another currency is not converted.
    for (sign, code) in [('€', "EUR"), ('£', "GBP"), ('¥', "JPY")] {
        if s.contains(sign) {
            if currency.code() != code && !(sign == '¥' && currency.code() == "CNY") {
                return Err(other_currency(currency));
            }
            s = s.replace(sign, "");
        }
    }
    s = s.replace('$', "");
    let letters: String = s.chars().filter(|c| c.is_alphabetic()).collect();
    if !letters.is_empty() {
        if letters.eq_ignore_ascii_case(currency.code()) {
            s.retain(|c| !c.is_alphabetic());
        } else if letters.chars().count() == 3 && Currency::parse(&letters).is_ok() {
            return Err(other_currency(currency));
        }
    }
    let money = match Money::read(&s, currency, language) {
        Ok(m) => m,
        // The cell is never quoted back, so neither are its two readings.
        Err(Unread::Ambiguous(_)) => {
            return Err(format!(
                "could be read two ways (a thousands mark or a decimal mark); write it without thousands marks, like {}",
                amends_core::money::example(currency, language)
            ));
        }
        Err(Unread::Invalid(e)) => return Err(e.message),
    };
    if money.minor == 0 {
        return Ok(None);
    }
    Ok(Some(money))
}

fn other_currency(currency: Currency) -> String {
    format!(
        "is in another currency than your list's ({currency}); write the amount in {currency}, or leave it empty and describe it under property"
    )
}

/// Names of others involved, separated by commas, semicolons or line breaks.
pub(crate) fn names(cell: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in cell.split([',', ';', '\n']) {
        let n = n.trim();
        if !n.is_empty() && !out.iter().any(|m| m.eq_ignore_ascii_case(n)) {
            out.push(n.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::parse("USD").unwrap()
    }

    #[test]
    fn willingness_in_both_languages() {
        for (w, want) in [
            ("Yes", Willingness::Now),
            ("sí", Willingness::Now),
            ("Ahora", Willingness::Now),
            ("later", Willingness::Later),
            ("Más tarde", Willingness::Later),
            ("todavía no", Willingness::Later),
            ("Maybe", Willingness::Maybe),
            ("quizás", Willingness::Maybe),
            ("No", Willingness::Never),
            ("NUNCA", Willingness::Never),
            ("never", Willingness::Never),
        ] {
            assert_eq!(willingness(w), Ok(Some(want)), "{w}");
        }
        assert_eq!(willingness("  "), Ok(None));
        let e = willingness("someday-zq").unwrap_err();
        assert!(e.contains("now, later, maybe or never") && !e.contains("zq"));
    }

    #[test]
    fn kinds_of_party_and_harm() {
        assert_eq!(kind("Empresa"), Ok(Some(PartyKind::Organisation)));
        assert_eq!(kind("fallecida"), Ok(Some(PartyKind::Deceased)));
        assert_eq!(kind("org"), Ok(Some(PartyKind::Organisation)));
        assert_eq!(kind(""), Ok(None));
        assert!(kind("cat").is_err());
        assert_eq!(
            harm_kinds("Emotional, trust / físico y económico"),
            Ok(vec![
                HarmKind::Emotional,
                HarmKind::Trust,
                HarmKind::Physical,
                HarmKind::Financial
            ])
        );
        assert_eq!(harm_kinds("dishonesty"), Ok(vec![HarmKind::Trust]));
        assert!(harm_kinds("emotional, sadness").is_err());
    }

    #[test]
    fn amounts_as_spreadsheets_write_them() {
        let m = |t: &str| owed(t, usd(), Language::En).map(|o| o.map(|m| m.minor));
        assert_eq!(m("120"), Ok(Some(12000)));
        assert_eq!(m("$1,200.50"), Ok(Some(120050)));
        assert_eq!(m("1.200,50"), Ok(Some(120050)));
        assert_eq!(m("12,5"), Ok(Some(1250)));
        assert_eq!(m("120 USD"), Ok(Some(12000)));
        assert_eq!(m("1 200"), Ok(Some(120000)));
        assert_eq!(m("0"), Ok(None));
        assert_eq!(m("-"), Ok(None));
        assert_eq!(m(""), Ok(None));
        assert!(m("€50").unwrap_err().contains("another currency"));
        assert!(m("50 EUR").unwrap_err().contains("another currency"));
        assert!(m("-5").unwrap_err().contains("negative"));
        assert!(m("a lot").is_err());
        assert!(m("12.3456").is_err(), "four decimals in dollars");
        assert!(
            m("1,250").unwrap_err().contains("two ways"),
            "asked, not guessed"
        );
        let eur = Currency::parse("EUR").unwrap();
        assert_eq!(
            owed("50 €", eur, Language::Es).map(|o| o.map(|m| m.minor)),
            Ok(Some(5000))
        );
    }

    #[test]
    fn yes_no_and_sources() {
        assert_eq!(yes_no("Sí"), Ok(Some(true)));
        assert_eq!(yes_no("no"), Ok(Some(false)));
        assert_eq!(yes_no(""), Ok(None));
        assert!(yes_no("perhaps").is_err());
        assert_eq!(source("Inventario"), Ok(Some(HarmSource::Inventory)));
        assert_eq!(source("told"), Ok(Some(HarmSource::Told)));
        assert_eq!(
            names("Ana; Luis,ana\nPat"),
            vec!["Ana".to_string(), "Luis".into(), "Pat".into()]
        );
    }
}
