//! What the sharing pages have in common: a shared party in words (the preview of what will be
//! sent and the list someone shared are rendered from the same records), the contact roles,
//! the QR code of a contact code, and turning a sharing refusal into words for the page.

use amends_core::model::{Adviser, Closure, HarmKind, Method, Outcome, PartyKind, Willingness};
use amends_share::ShareError;
use amends_share::document::{Part, ShareBody, SharedParty};
use amends_vault::{Vault, VaultError};
use jiff::civil::Date;

use crate::forms::web_words;
use crate::state::App;
use crate::view::day;

/// The roles a contact can have, as codes and words: advisers first, then "someone I support".
pub const ROLES: &[(&str, &str)] = &[
    ("sponsor", "sponsor"),
    ("spiritual-adviser", "spiritual adviser"),
    ("therapist", "therapist or counsellor"),
    ("lawyer", "lawyer"),
    ("supported", "someone I support"),
];

/// A role code in words.
pub fn role_label(code: &str) -> &'static str {
    ROLES
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, l)| *l)
        .or_else(|| Adviser::parse(code).ok().map(Adviser::label))
        .unwrap_or("contact")
}

/// Runs a sharing step against the open vault. `None` when locked.
pub fn write_share<T>(
    app: &App,
    f: impl FnOnce(&mut Vault, &amends_core::Now) -> Result<T, ShareError>,
) -> Option<Result<T, ShareError>> {
    app.write(|v, now| Ok(f(v, now)))
        .map(|r| r.unwrap_or_else(|e| Err(ShareError::Vault(e))))
}

/// Reads for the sharing pages. `None` when locked.
pub fn read_share<T>(
    app: &App,
    f: impl FnOnce(&Vault) -> Result<T, ShareError>,
) -> Option<Result<T, ShareError>> {
    app.read(|v| Ok(f(v)))
        .map(|r| r.unwrap_or_else(|e| Err(ShareError::Vault(e))))
}

/// A sharing refusal in words for a browser (the vault's own words name CLI commands).
pub fn share_words(e: &ShareError) -> String {
    match e {
        ShareError::Vault(VaultError::NoSuchContact) => {
            "That contact is no longer on your list. Go back to Sharing and choose again.".into()
        }
        ShareError::Vault(VaultError::Replayed) => {
            "This bundle is not newer than one you already opened from this person, so it was not opened again. Nothing was changed. If they meant to send something new, ask them to share again.".into()
        }
        ShareError::Vault(v) => web_words(v),
        ShareError::NoSuchParty => {
            "One of the people you chose is no longer on your list. Choose again.".into()
        }
        other => other.to_string(),
    }
}

/// The QR code of a contact code as inline SVG: one path of dark squares on a white square,
/// with the quiet zone scanners need. No style attributes, so the page's CSP has nothing to refuse.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::M).ok()?;
    let width = code.width();
    let quiet = 4;
    let size = width + 2 * quiet;
    let colors = code.to_colors();
    let mut path = String::new();
    for y in 0..width {
        for x in 0..width {
            if colors[y * width + x] == qrcode::Color::Dark {
                path.push_str(&format!("M{} {}h1v1h-1z", x + quiet, y + quiet));
            }
        }
    }
    Some(format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 {size} {size}" role="img" aria-label="Your contact code as a QR code" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#ffffff"/><path fill="#000000" d="{path}"/></svg>"##
    ))
}

fn date_words(s: &str) -> String {
    s.parse::<Date>().map(day).unwrap_or_else(|_| s.to_string())
}

fn coded<T>(
    code: &str,
    parse: impl Fn(&str) -> Result<T, amends_core::Invalid>,
    label: impl Fn(T) -> &'static str,
) -> String {
    parse(code)
        .map(|v| label(v).to_string())
        .unwrap_or_else(|_| code.to_string())
}

pub struct HarmShown {
    pub did: String,
    pub should: String,
    pub effect: String,
    pub kinds: String,
    pub when: String,
    pub owed: Option<String>,
}

pub struct PlanShown {
    pub method: String,
    pub on: Option<String>,
    pub place: String,
    /// `None` when scripts were not shared.
    pub script: Option<String>,
    pub approved: bool,
}

pub struct AttemptShown {
    pub on: String,
    pub method: String,
    pub outcome: String,
    pub requests: String,
    pub notes: String,
}

pub struct CommitmentShown {
    pub kind: String,
    pub what: String,
    pub paid: Option<String>,
    pub balance: Option<String>,
    pub kept: u32,
    pub missed: u32,
    pub is_living: bool,
    pub closed: Option<String>,
}

/// One party of a share, every field in words.
pub struct PartyShown {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub relationship: String,
    pub stage_code: String,
    pub stage: String,
    pub stage_reason: String,
    pub willingness: Option<String>,
    pub harms: Option<Vec<HarmShown>>,
    pub plan: Option<PlanShown>,
    /// Whether plans were shared at all (a party with no plan then says so).
    pub plans_shared: bool,
    pub attempts: Option<Vec<AttemptShown>>,
    pub commitments: Option<Vec<CommitmentShown>>,
}

pub fn party_shown(body: &ShareBody, p: &SharedParty) -> PartyShown {
    PartyShown {
        id: p.id,
        name: p.name.clone(),
        kind: coded(&p.kind, PartyKind::parse, PartyKind::label),
        relationship: p.relationship.clone(),
        stage_code: p.stage.clone(),
        stage: amends_share::stage_label(&p.stage),
        stage_reason: p.stage_reason.clone(),
        willingness: p
            .willingness
            .as_deref()
            .map(|w| coded(w, Willingness::parse, Willingness::label)),
        harms: p.harms.as_ref().map(|hs| {
            hs.iter()
                .map(|h| HarmShown {
                    did: h.did.clone(),
                    should: h.should.clone(),
                    effect: h.effect.clone(),
                    kinds: h
                        .kinds
                        .iter()
                        .map(|k| coded(k, HarmKind::parse, HarmKind::label))
                        .collect::<Vec<_>>()
                        .join(", "),
                    when: h.when.clone(),
                    owed: h.owed.clone(),
                })
                .collect()
        }),
        plan: p.plan.as_ref().map(|pl| PlanShown {
            method: coded(&pl.method, Method::parse, Method::label),
            on: pl.on.as_deref().map(date_words),
            place: pl.place.clone(),
            script: pl.script.clone(),
            approved: pl.approved,
        }),
        plans_shared: body.has(Part::Plans) || body.has(Part::Scripts),
        attempts: p.attempts.as_ref().map(|a| {
            a.iter()
                .map(|a| AttemptShown {
                    on: date_words(&a.on),
                    method: coded(&a.method, Method::parse, Method::label),
                    outcome: coded(&a.outcome, Outcome::parse, Outcome::label),
                    requests: a.requests.clone(),
                    notes: a.notes.clone(),
                })
                .collect()
        }),
        commitments: p.commitments.as_ref().map(|cs| {
            cs.iter()
                .map(|c| CommitmentShown {
                    kind: match c.kind.as_str() {
                        "restitution" => "paying back".to_string(),
                        "living" => "living amends".to_string(),
                        "promise" => "a promise".to_string(),
                        other => other.to_string(),
                    },
                    what: c.what.clone(),
                    paid: c.paid.clone(),
                    balance: c.balance.clone(),
                    kept: c.kept,
                    missed: c.missed,
                    is_living: c.kind == "living",
                    closed: c
                        .closed
                        .as_deref()
                        .map(|x| coded(x, Closure::parse, Closure::label)),
                })
                .collect()
        }),
    }
}

/// Every party of a share, in words.
pub fn parties_shown(body: &ShareBody) -> Vec<PartyShown> {
    body.parties.iter().map(|p| party_shown(body, p)).collect()
}

/// The parts a share carries, in words ("names and stages only" when none).
pub fn parts_words(body: &ShareBody) -> String {
    if body.parts.is_empty() {
        "names, stages and willingness only".into()
    } else {
        let parts: Vec<&str> = body.parts.iter().map(|p| p.label()).collect();
        format!("names, stages and willingness, with {}", parts.join("; "))
    }
}
