//! Sharing with a sponsor or adviser, and being one: the identity, contacts, sealing a share
//! after a preview, opening what arrives, reviews and stopping.
//!
//! Nothing here logs: names, codes, fingerprints and what people wrote are printed only to the
//! person at the terminal, as the rest of the CLI does.

use std::fmt::Write as _;
use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;

use amends_core::Now;
use amends_core::model::{Adviser, Method, Outcome, PartyKind, Willingness};
use amends_share::document::{Part, ShareBody, SharedParty, SharedSafety};
use amends_share::{
    NoteInput, Received, Selection, ShareError, Supported, add_contact, add_note, contact_keys,
    identity, note_on_current_safety, prepare_review, prepare_share, receive, relay_for,
    remove_contact, remove_contact_for_relay, seal_review, seal_review_for_relay, seal_share,
    seal_share_for_relay, stage_label, supported, supported_from,
};
use amends_vault::{Contact, ContactRef, PartyRef, Vault, VaultError, Verdict};
use anyhow::{Context, Result, anyhow};
use secrecy::ExposeSecret;
use serde::Serialize;
use tempfile::NamedTempFile;

use crate::args::*;
use crate::run::{emit, invalid, open, print_json};

/// The largest file `receive` reads: far beyond any real list, small enough to refuse junk.
const MAX_BUNDLE: u64 = 64 * 1024 * 1024;

/// A sharing result as the binary reports it: a vault error stays a vault error (so its exit
/// code and wording are the vault's), anything else is the sharing error as it is.
pub(crate) fn sh<T>(r: std::result::Result<T, ShareError>) -> Result<T> {
    r.map_err(|e| match e {
        ShareError::Vault(v) => anyhow::Error::from(v),
        other => anyhow::Error::from(other),
    })
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn role_label(role: &str) -> &'static str {
    match Adviser::parse(role) {
        Ok(a) => a.label(),
        Err(_) => "someone you support",
    }
}

/// "your sponsor", "someone you support": who a contact is, after "as".
fn as_role(role: &str) -> String {
    match Adviser::parse(role) {
        Ok(a) => format!("your {}", a.label()),
        Err(_) => "someone you support".to_string(),
    }
}

pub(crate) fn when(now: &Now, at: jiff::Timestamp) -> String {
    let z = at.to_zoned(now.tz.clone());
    format!(
        "{} at {}",
        amends_core::dates::words(z.date()),
        z.strftime("%H:%M")
    )
}

/// A date a share carries (ISO 8601), as people read it.
fn day(iso: &str) -> String {
    iso.parse::<jiff::civil::Date>()
        .map(amends_core::dates::words)
        .unwrap_or_else(|_| iso.to_string())
}

/// Asks on the terminal (or whatever standard input is) and returns whether the answer was yes.
pub(crate) fn confirm(question: &str) -> Result<bool> {
    eprint!("{question}: ");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("the answer could not be read")?;
    if !std::io::stdin().is_terminal() {
        // The answer came from a pipe and was not echoed: end the question's line.
        eprintln!();
    }
    Ok(line.trim().eq_ignore_ascii_case("yes"))
}

pub(crate) fn not_confirmed(what: &str) -> anyhow::Error {
    anyhow!("{what}: you did not type yes. Nothing was changed.")
}

fn refuse_existing(path: &Path) -> Result<()> {
    if path.symlink_metadata().is_ok() {
        return Err(invalid(
            "out",
            format!(
                "{} already exists; choose a new file name (Amends never overwrites a file)",
                path.display()
            ),
        ));
    }
    Ok(())
}

/// Claims a place for a new file beside `path` before anything is sealed, so that a file that
/// exists or a folder that cannot be written to is found before the vault changes.
pub(crate) fn prepare_out(path: &Path) -> Result<NamedTempFile> {
    refuse_existing(path)?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".amends-bundle-")
        .tempfile_in(dir)
        .map_err(|e| {
            anyhow!(
                "a file could not be created in {}: {}. Nothing was changed",
                dir.display(),
                e.kind()
            )
        })
}

/// Writes `bytes` into the place `prepare_out` claimed, and gives it its name (never over a
/// file that appeared meanwhile).
pub(crate) fn persist_out(mut tmp: NamedTempFile, path: &Path, bytes: &[u8]) -> Result<()> {
    let written = tmp.write_all(bytes).and_then(|()| tmp.as_file().sync_all());
    written
        .map_err(|e| anyhow!("{} could not be written: {}", path.display(), e.kind()))
        .and_then(|()| {
            tmp.persist_noclobber(path).map(drop).map_err(|e| {
                anyhow!(
                    "{} could not be written: {}",
                    path.display(),
                    e.error.kind()
                )
            })
        })
}

fn finish_out(tmp: NamedTempFile, path: &Path, bytes: &[u8]) -> Result<()> {
    persist_out(tmp, path, bytes)
        .context("it was sealed and logged, but the file is missing; make a new one")
}

pub(crate) fn size(bytes: usize) -> String {
    if bytes < 10 * 1024 {
        format!("{bytes} bytes")
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

// ---------------------------------------------------------------------------------------------
// Identity

pub fn identity_cmd(cli: &Cli, a: &IdentityArgs, now: &Now) -> Result<()> {
    let mut vault = open(cli)?;
    let me = sh(identity(&mut vault, now))?;
    let public = me.public();
    if a.age_key {
        let created = vault
            .identity()?
            .map(|s| s.created.to_string())
            .unwrap_or_default();
        eprintln!(
            "This is your secret key. Anyone who has it can open every file sent to you. \
             Keep it private, and delete any copy you save once you are done with it."
        );
        let secret = me.age_secret();
        return emit(&format!(
            "# created: {created}\n# public key: {}\n{}\n",
            public.age_recipient(),
            secret.expose_secret()
        ));
    }
    let code = public.contact_code();
    let fingerprint = public.fingerprint();
    if a.json {
        return print_json(&serde_json::json!({
            "contact_code": code,
            "fingerprint": fingerprint,
            "age_recipient": public.age_recipient(),
        }));
    }
    emit(&format!(
        "Your contact code (it is not secret; give it to the person you want to share with):\n\n    {code}\n\n\
         Your fingerprint: {fingerprint}\n\n\
         When you add each other, read your fingerprints out loud to each other, in person or on the phone, \
         and check that they match.\n"
    ))
}

// ---------------------------------------------------------------------------------------------
// Contacts

#[derive(Serialize)]
struct ContactView {
    id: i64,
    name: String,
    role: String,
    verified: bool,
    verified_at: Option<String>,
    added: String,
    fingerprint: String,
    /// Bundles sent to them so far.
    sent: u64,
    /// Whether they have a share with you now.
    shares_with_you: bool,
}

pub fn contact_cmd(cli: &Cli, c: &ContactCmd, now: &Now) -> Result<()> {
    match c {
        ContactCmd::Add(a) => {
            let mut vault = open(cli)?;
            let (id, theirs) = sh(add_contact(&mut vault, &a.code, &a.name, &a.role, now))?;
            let contact = vault.contact(&ContactRef::Id(id))?;
            let mine = sh(identity(&mut vault, now))?.public().fingerprint();
            emit(&format!(
                "Added {} as {} (contact #{id}). Not verified yet.\n\n\
                 Their fingerprint: {theirs}\n\
                 Your fingerprint:  {mine}\n\n\
                 To verify, read both fingerprints out loud to each other, in person or on the phone. \
                 They should see the same two on their side. If both match, run:\n\n    amends contact verify {id}\n\n\
                 If they do not match, do not verify: remove the contact and ask for the code again.\n",
                contact.label,
                as_role(&contact.role),
            ))
        }
        ContactCmd::Verify(a) => {
            let mut vault = open(cli)?;
            let contact = vault.contact(&ContactRef::parse(&a.contact))?;
            if let Some(at) = contact.verified {
                println!(
                    "{} was already verified on {}. Nothing was changed.",
                    contact.label,
                    when(now, at)
                );
                return Ok(());
            }
            let theirs = sh(contact_keys(&contact))?.fingerprint();
            let mine = sh(identity(&mut vault, now))?.public().fingerprint();
            emit(&format!(
                "Their fingerprint ({}): {theirs}\nYour fingerprint:  {mine}\n",
                contact.label
            ))?;
            if !a.yes && !confirm("Did both match when you read them out loud? Type yes")? {
                return Err(not_confirmed("Not verified"));
            }
            vault.verify_contact(contact.id, now)?;
            println!(
                "{} is verified. You can now share with them, and open what they send you.",
                contact.label
            );
            Ok(())
        }
        ContactCmd::List(a) => {
            let vault = open(cli)?;
            let contacts = vault.contacts()?;
            let sharing = vault.sharing_contact_ids()?;
            let views = contacts
                .iter()
                .map(|c| {
                    Ok(ContactView {
                        id: c.id,
                        name: c.label.clone(),
                        role: c.role.clone(),
                        verified: c.verified.is_some(),
                        verified_at: c.verified.map(|t| t.to_string()),
                        added: c.added.to_string(),
                        fingerprint: sh(contact_keys(c))?.fingerprint(),
                        sent: c.sent_seq,
                        shares_with_you: sharing.contains(&c.id),
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            if a.json {
                return print_json(&views);
            }
            if contacts.is_empty() {
                return emit(
                    "No contacts yet. Add one with `amends contact add CODE --name NAME`; \
                     show your own code with `amends identity`.\n",
                );
            }
            let mut out = String::new();
            for (c, v) in contacts.iter().zip(&views) {
                let verified = match c.verified {
                    Some(at) => format!("verified {}", amends_core::dates::words(now.date_of(at))),
                    None => "not verified yet".to_string(),
                };
                let _ = writeln!(
                    out,
                    "#{} {} — {}; {verified}; added {}{}",
                    c.id,
                    c.label,
                    role_label(&c.role),
                    amends_core::dates::words(now.date_of(c.added)),
                    if v.shares_with_you {
                        "; shares with you"
                    } else {
                        ""
                    }
                );
            }
            emit(&out)
        }
        ContactCmd::Remove(a) => {
            let mut vault = open(cli)?;
            let who = ContactRef::parse(&a.contact);
            let contact = vault.contact(&who)?;
            let relay = a
                .via
                .as_deref()
                .map(|via| sh(relay_for(&vault, Some(via))))
                .transpose()?;
            let held = vault.supported_from(contact.id)?.is_some();
            if contact.sent_seq == 0 {
                let stop = sh(remove_contact(&mut vault, &ContactRef::Id(contact.id), now))?;
                debug_assert!(stop.is_none());
                let mut out = format!("Removed {} from your contacts.", contact.label);
                out.push_str(" You had not sent them anything, so there is nothing to ask their app to delete.");
                if held {
                    out.push_str(" What they had shared with you is deleted from this vault.");
                }
                if a.out.is_some() {
                    out.push_str(" No file was written.");
                }
                if relay.is_some() {
                    out.push_str(" Nothing was sent.");
                }
                return emit(&(out + "\n"));
            }
            if a.out.is_none() && relay.is_none() {
                return Err(invalid(
                    "out",
                    "you have shared with this contact, so removing them makes a last bundle that asks their app \
                     to delete what it holds; give --out FILE to say where to write it, --via to send it through \
                     the relay, or both",
                ));
            }
            let tmp = a.out.as_deref().map(prepare_out).transpose()?;
            let sealed = if relay.is_some() {
                sh(remove_contact_for_relay(
                    &mut vault,
                    &ContactRef::Id(contact.id),
                    now,
                ))?
            } else {
                sh(remove_contact(&mut vault, &ContactRef::Id(contact.id), now))?
            }
            .ok_or_else(|| anyhow!("the last bundle could not be made"))?;
            let mut out = format!("Removed {} from your contacts.\n\n", contact.label);
            if let (Some(tmp), Some(path)) = (tmp, &a.out) {
                finish_out(tmp, path, &sealed.bytes)?;
                let _ = writeln!(
                    out,
                    "{} asks their app to delete everything you shared with them. Give it to them the way you gave \
                     them the others; their Amends deletes what it holds from you when they open it.\n",
                    path.display()
                );
            }
            if relay.is_some() {
                let _ = writeln!(
                    out,
                    "A last bundle asks their app to delete everything you shared with them; it goes through the \
                     relay, and their Amends deletes what it holds from you when it arrives. Anything for them \
                     that was still waiting to be sent is dropped.\n"
                );
            }
            out.push_str(
                "What it cannot do: a copy they made (a screenshot, a printout, a saved file) cannot be recalled, \
                 and the files you sent them before still exist wherever they were kept. The list of what you sent \
                 stays in `amends shared`.\n",
            );
            if held {
                out.push_str("What they had shared with you is deleted from this vault.\n");
            }
            emit(&out)?;
            match &relay {
                Some(relay) => {
                    crate::inbox::deliver(&mut vault, relay, &sealed, a.out.is_some(), now)
                }
                None => Ok(()),
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The shared list, as a preview and as a supporter reads it

fn kind_label(code: &str) -> String {
    PartyKind::parse(code).map_or_else(|_| code.to_string(), |k| k.label().to_string())
}

fn method_label(code: &str) -> String {
    Method::parse(code).map_or_else(|_| code.to_string(), |m| m.label().to_string())
}

fn outcome_label(code: &str) -> String {
    Outcome::parse(code).map_or_else(|_| code.to_string(), |o| o.label().to_string())
}

fn willingness_label(code: Option<&str>) -> String {
    match code {
        None => "not yet asked".into(),
        Some(c) => Willingness::parse(c).map_or_else(|_| c.to_string(), |w| w.label().to_string()),
    }
}

/// The words of a shared safety verdict's contact.
fn contact_words(s: &SharedSafety) -> String {
    if s.contact_label.is_empty() {
        s.contact.clone()
    } else {
        s.contact_label.clone()
    }
}

/// The rules of a shared verdict in short: "R4 court order, R2 review first".
fn rules_short(s: &SharedSafety) -> String {
    if s.rules.is_empty() {
        return "no rule applies".into();
    }
    s.rules
        .iter()
        .map(|r| {
            if r.title.is_empty() {
                r.code.clone()
            } else {
                format!("{} {}", r.code, r.title)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A party's safety verdict, as it is shared: the contact allowed, each rule with its reason,
/// what it requires and the ways open. It comes first for each party, before the plan.
fn safety_text(out: &mut String, p: &SharedParty, preview: bool) {
    let Some(s) = &p.safety else {
        if preview {
            let _ = writeln!(
                out,
                "    safety verdict: left out (--without-verdict); it will not be shared"
            );
        } else {
            let _ = writeln!(
                out,
                "    safety verdict: The safety verdict was not shared."
            );
        }
        return;
    };
    let _ = writeln!(out, "    safety verdict: {}", contact_words(s));
    if !s.answered {
        let _ = writeln!(out, "      the safety questions are not answered yet");
    }
    for r in &s.rules {
        let _ = writeln!(out, "      {} {}: {}", r.code, r.title, r.reason);
    }
    let mut needs = Vec::new();
    if s.review_required {
        needs.push("a sponsor's or adviser's approval of the plan (R2)");
    }
    if s.consent_required {
        needs.push("the consent of anyone it would implicate (R1)");
    }
    if s.lawyer_first {
        needs.push("a lawyer first (R3)");
    }
    if !needs.is_empty() {
        let _ = writeln!(out, "      requires: {}", needs.join("; "));
    }
    if !s.methods.is_empty() {
        let _ = writeln!(
            out,
            "      ways open: {}",
            s.methods
                .iter()
                .map(|m| method_label(m))
                .collect::<Vec<_>>()
                .join("; ")
        );
    }
}

fn party_text(out: &mut String, p: &SharedParty, body: &ShareBody, preview: bool) {
    let rel = if p.relationship.is_empty() {
        String::new()
    } else {
        format!(", {}", p.relationship)
    };
    let _ = writeln!(out, "#{} {} ({}{rel})", p.id, p.name, kind_label(&p.kind));
    safety_text(out, p, preview);
    let stage = if p.stage_reason.is_empty() {
        stage_label(&p.stage)
    } else {
        p.stage_reason.clone()
    };
    let _ = writeln!(out, "    stage: {stage}");
    let _ = writeln!(
        out,
        "    willingness: {}",
        willingness_label(p.willingness.as_deref())
    );
    if let Some(harms) = &p.harms {
        if harms.is_empty() {
            let _ = writeln!(out, "    harms: none recorded");
        } else {
            let _ = writeln!(out, "    harms:");
        }
        for h in harms {
            let _ = writeln!(out, "      - {}", h.did);
            for (label, v) in [
                ("effect", &h.effect),
                ("should have", &h.should),
                ("when", &h.when),
            ] {
                if !v.is_empty() {
                    let _ = writeln!(out, "        {label}: {v}");
                }
            }
            if !h.kinds.is_empty() {
                let _ = writeln!(out, "        kinds: {}", h.kinds.join(", "));
            }
            if let Some(owed) = &h.owed {
                let _ = writeln!(out, "        owed: {owed}");
            }
        }
    }
    match &p.plan {
        Some(plan) => {
            let _ = writeln!(
                out,
                "    plan: {}{}{} ({})",
                method_label(&plan.method),
                plan.on
                    .as_deref()
                    .map(|d| format!(" on {}", day(d)))
                    .unwrap_or_default(),
                if plan.place.is_empty() {
                    String::new()
                } else {
                    format!(" at {}", plan.place)
                },
                if plan.approved {
                    "approved as it stands"
                } else {
                    "no approval for it yet"
                }
            );
            match &plan.script {
                Some(s) if s.trim().is_empty() => {
                    let _ = writeln!(out, "      (no script written)");
                }
                Some(s) => {
                    for line in s.lines() {
                        let _ = writeln!(out, "      | {line}");
                    }
                }
                None => {}
            }
        }
        None if body.has(Part::Plans) || body.has(Part::Scripts) => {
            let _ = writeln!(out, "    plan: none yet");
        }
        None => {}
    }
    if let Some(attempts) = &p.attempts {
        if attempts.is_empty() {
            let _ = writeln!(out, "    attempts: none yet");
        } else {
            let _ = writeln!(out, "    attempts:");
        }
        for a in attempts {
            let _ = writeln!(
                out,
                "      {} {}: {}",
                day(&a.on),
                method_label(&a.method),
                outcome_label(&a.outcome)
            );
            if !a.requests.is_empty() {
                let _ = writeln!(out, "        they asked: {}", a.requests);
            }
            if !a.notes.is_empty() {
                let _ = writeln!(out, "        notes: {}", a.notes);
            }
        }
    }
    if let Some(commitments) = &p.commitments {
        if commitments.is_empty() {
            let _ = writeln!(out, "    commitments: none");
        } else {
            let _ = writeln!(out, "    commitments:");
        }
        for c in commitments {
            let mut line = format!("      {}: {}", c.kind, c.what);
            if let Some(paid) = &c.paid {
                let _ = write!(line, "; paid {paid}");
            }
            if let Some(balance) = &c.balance {
                let _ = write!(line, "; still to pay {balance}");
            }
            if c.kind == "living" {
                let _ = write!(line, "; check-ins kept {}, missed {}", c.kept, c.missed);
            }
            if let Some(closed) = &c.closed {
                let _ = write!(line, "; closed ({closed})");
            }
            let _ = writeln!(out, "{line}");
        }
    }
}

fn parts_text(body: &ShareBody, preview: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Always included: each party's name, kind, relationship, stage and willingness."
    );
    let without = body.parties.iter().filter(|p| p.safety.is_none()).count();
    if preview {
        let _ = writeln!(
            out,
            "Each party's safety verdict is included too: the contact allowed and the rules that apply, \
             with their reasons (never your own notes or your decision on legal risk){}.",
            if without == 0 {
                "; leave one out with --without-verdict PARTY".to_string()
            } else {
                format!(
                    ", except for {} you chose to leave it out for",
                    plural(without, "party", "parties")
                )
            }
        );
    } else if without == 0 {
        let _ = writeln!(
            out,
            "Each party's safety verdict is included: the contact allowed and the rules that apply, with their reasons."
        );
    } else if without == body.parties.len() {
        let _ = writeln!(out, "The safety verdict was not shared.");
    } else {
        let _ = writeln!(
            out,
            "The safety verdict was not shared for {}; the others carry theirs.",
            plural(without, "party", "parties")
        );
    }
    let (with, without): (Vec<Part>, Vec<Part>) = Part::ALL.into_iter().partition(|p| body.has(*p));
    if with.is_empty() {
        let _ = writeln!(
            out,
            "Nothing else: no harms, plans, scripts, attempts or commitments (choose them with --parts)."
        );
    } else {
        let _ = writeln!(
            out,
            "Also included: {}.",
            with.iter()
                .map(|p| p.label())
                .collect::<Vec<_>>()
                .join("; ")
        );
        if !without.is_empty() {
            let _ = writeln!(
                out,
                "Not included: {}.",
                without
                    .iter()
                    .map(|p| p.label())
                    .collect::<Vec<_>>()
                    .join("; ")
            );
        }
    }
    out
}

fn list_text(body: &ShareBody, preview: bool) -> String {
    let mut out = String::new();
    if body.parties.is_empty() {
        let _ = writeln!(out, "(no parties)");
    }
    for p in &body.parties {
        out.push('\n');
        party_text(&mut out, p, body, preview);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Sharing

pub fn share_cmd(cli: &Cli, a: &ShareArgs, now: &Now) -> Result<()> {
    let parts = if a.all_parts {
        Part::ALL.to_vec()
    } else {
        a.parts
            .iter()
            .filter(|p| !p.trim().is_empty())
            .map(|p| {
                Part::parse(p).ok_or_else(|| {
                    invalid(
                        "parts",
                        "must be among: harms, plans, scripts, attempts, commitments",
                    )
                })
            })
            .collect::<Result<Vec<_>>>()?
    };
    if let Some(out) = &a.out {
        refuse_existing(out)?;
    }
    let mut vault = open(cli)?;
    // Which relay, checked before anything is shown or sealed.
    let relay = a
        .via
        .as_deref()
        .map(|via| sh(relay_for(&vault, Some(via))))
        .transpose()?;
    let to = ContactRef::parse(&a.to);
    let parties = if a.parties.is_empty() {
        None
    } else {
        Some(
            a.parties
                .iter()
                .map(|p| vault.resolve(&PartyRef::parse(p)))
                .collect::<std::result::Result<Vec<_>, VaultError>>()?,
        )
    };
    let without = a
        .without_verdict
        .iter()
        .map(|p| vault.resolve(&PartyRef::parse(p)))
        .collect::<std::result::Result<Vec<_>, VaultError>>()?;
    let mut prepared = sh(prepare_share(
        &mut vault,
        &to,
        &Selection { parties, parts },
        now,
    ))?;
    prepared.leave_out_safety(&without).map_err(|_| {
        invalid(
            "without-verdict",
            "names a party you are not sharing; give a party that is in the share (see --party)",
        )
    })?;
    let body = &prepared.body;
    let name = &prepared.contact.label;
    let n = body.parties.len();
    let scope = if body.whole_list {
        format!("your whole list ({})", plural(n, "party", "parties"))
    } else {
        plural(n, "chosen party", "chosen parties")
    };
    let mut preview = format!(
        "This is exactly what will be sealed for {name} ({}): {scope}.\n",
        role_label(&prepared.contact.role)
    );
    preview.push_str(&parts_text(body, true));
    preview.push_str(&list_text(body, true));
    preview.push('\n');
    emit(&preview)?;
    if !a.yes && !confirm(&format!("Type yes to seal it for {name}"))? {
        return Err(not_confirmed("Nothing was sealed or written"));
    }
    let tmp = a.out.as_deref().map(prepare_out).transpose()?;
    let sealed = if relay.is_some() {
        sh(seal_share_for_relay(&mut vault, &prepared, now))?
    } else {
        sh(seal_share(&mut vault, &prepared, now))?
    };
    let mut said = format!(
        "Sealed for {name} ({}; number {} of what you have sent them). Only their Amends can open it.\n",
        size(sealed.bytes.len()),
        sealed.sequence
    );
    if let (Some(tmp), Some(out)) = (tmp, &a.out) {
        finish_out(tmp, out, &sealed.bytes)?;
        let _ = writeln!(
            said,
            "Written to {}. Give them the file however suits you both.",
            out.display()
        );
    }
    said.push_str("`amends shared` lists what you have sent.\n");
    emit(&said)?;
    match &relay {
        Some(relay) => crate::inbox::deliver(&mut vault, relay, &sealed, a.out.is_some(), now),
        None => Ok(()),
    }
}

#[derive(Serialize)]
struct SentView {
    id: i64,
    to: String,
    contact_id: Option<i64>,
    kind: &'static str,
    sequence: u64,
    what: String,
    bytes: u64,
    at: String,
    /// Set while the bundle waits in this vault to be sent through the relay.
    waiting: Option<WaitingView>,
}

#[derive(Serialize)]
struct WaitingView {
    /// Its number in the outbox (`amends outbox`).
    outbox_id: i64,
    /// Tries that did not succeed so far.
    attempts: u64,
    /// Why the last one did not: a short code such as `unreachable` or `mailbox_full`.
    last_error: Option<String>,
    last_attempt: Option<String>,
}

pub fn shared_cmd(cli: &Cli, a: &JsonFlag, now: &Now) -> Result<()> {
    let vault = open(cli)?;
    let log = vault.sent_log()?;
    let outbox = vault.outbox()?;
    let waiting = |id: i64| outbox.iter().find(|o| o.sent_id == Some(id));
    if a.json {
        let views: Vec<SentView> = log
            .iter()
            .map(|e| SentView {
                id: e.id,
                to: e.contact_label.clone(),
                contact_id: e.contact_id,
                kind: e.kind.code(),
                sequence: e.sequence,
                what: e.what.clone(),
                bytes: e.bytes,
                at: e.at.to_string(),
                waiting: waiting(e.id).map(|o| WaitingView {
                    outbox_id: o.id,
                    attempts: o.attempts,
                    last_error: o.last_error.clone(),
                    last_attempt: o.last_attempt.map(|t| t.to_string()),
                }),
            })
            .collect();
        return print_json(&views);
    }
    if log.is_empty() {
        return emit("You have not shared anything yet.\n");
    }
    let mut out = String::new();
    for e in &log {
        let removed = if e.contact_id.is_none() {
            " (no longer a contact)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{}  to {}{removed}: {} [{} #{}]",
            when(now, e.at),
            e.contact_label,
            e.what,
            e.kind,
            e.sequence
        );
        if let Some(o) = waiting(e.id) {
            let why = match &o.last_error {
                Some(code) => format!(
                    "; tried {}, {}",
                    plural(o.attempts as usize, "time", "times"),
                    amends_share::relay::problem_words(code)
                ),
                None => String::new(),
            };
            let lasting = o
                .last_error
                .as_deref()
                .is_some_and(|c| !amends_share::relay::passing_code(c));
            if lasting {
                let _ = writeln!(
                    out,
                    "    waiting in this vault to be sent through the relay{why}. This relay will keep refusing it. {}",
                    crate::inbox::lasting_words(o.id)
                );
            } else {
                let _ = writeln!(
                    out,
                    "    waiting in this vault to be sent through the relay{why}; `amends inbox` sends it (`amends outbox` lists what waits)"
                );
            }
        }
    }
    emit(&out)
}

// ---------------------------------------------------------------------------------------------
// Receiving

pub fn receive_cmd(cli: &Cli, a: &ReceiveArgs, now: &Now) -> Result<()> {
    let len = std::fs::metadata(&a.file)
        .with_context(|| format!("the file {} could not be read", a.file.display()))?
        .len();
    if len > MAX_BUNDLE {
        return Err(ShareError::NotABundle.into());
    }
    let bytes = std::fs::read(&a.file)
        .with_context(|| format!("the file {} could not be read", a.file.display()))?;
    let mut vault = open(cli)?;
    let received = sh(receive(&mut vault, &bytes, now))?;
    emit(&received_text(&received))
}

/// What opening a bundle did, in words: the same for a file and for the relay.
pub(crate) fn received_text(received: &Received) -> String {
    let name = &received.contact().label;
    let mut out = String::new();
    match received {
        Received::Share {
            parties,
            changes,
            first,
            ..
        } => {
            let n = plural(*parties, "party", "parties");
            if *first {
                let _ = writeln!(
                    out,
                    "Opened a share from {name}: {n}. It is the first they sent you."
                );
            } else {
                let _ = writeln!(
                    out,
                    "Opened a new share from {name}: {n}. It replaces the one before."
                );
                if changes.is_empty() {
                    let _ = writeln!(out, "Nothing changed since the one before.");
                } else {
                    let _ = writeln!(out, "What changed:");
                    for d in changes {
                        difference_line(&mut out, &d.party, &d.change);
                    }
                }
            }
            let _ = writeln!(
                out,
                "It is kept apart from your own list, read-only. See it with `amends supported {}`.",
                received.contact().id
            );
        }
        Received::Review { applied, .. } => {
            let _ = writeln!(out, "Opened a review from {name}.");
            if applied.comments > 0 {
                let _ = writeln!(
                    out,
                    "{} added to your parties.",
                    plural(applied.comments, "comment", "comments")
                );
            }
            if applied.approvals_counted > 0 {
                let _ = writeln!(
                    out,
                    "{} on your plans as they are now, recorded as talking it over with your {} (rule R2).",
                    plural(applied.approvals_counted, "view", "views"),
                    role_label(&received.contact().role)
                );
            }
            if applied.stale_verdicts > 0 {
                let _ = writeln!(
                    out,
                    "{} about a plan you have changed since they saw it: kept, but not counted. \
                     Share the plan again to ask for a new view.",
                    plural(applied.stale_verdicts, "view was", "views were")
                );
            }
            if applied.safety_changed > 0 {
                let _ = writeln!(
                    out,
                    "{} not given on the safety verdict in force: kept, but not counted. \
                     Your safety answers changed after your {} reviewed, or the verdict was not \
                     shared while a rule applies; share again, with the verdict.",
                    plural(applied.safety_changed, "view was", "views were"),
                    role_label(&received.contact().role)
                );
            }
            if applied.unknown_parties > 0 {
                let _ = writeln!(
                    out,
                    "{} about a party no longer on your list, so skipped.",
                    plural(applied.unknown_parties, "note was", "notes were")
                );
            }
            if applied.comments
                + applied.approvals_counted
                + applied.stale_verdicts
                + applied.safety_changed
                == 0
            {
                let _ = writeln!(out, "There was nothing in it to add.");
            } else {
                let _ = writeln!(out, "See them on each party with `amends show PARTY`.");
            }
        }
        Received::Stop { contact } => {
            let _ = writeln!(
                out,
                "{name} has stopped sharing with you. Everything they had shared, and the notes you wrote \
                 for them, is deleted from this vault.\n\
                 They are still in your contacts; remove them with `amends contact remove {}` if you wish.",
                contact.id
            );
        }
    }
    out
}

fn difference_line(out: &mut String, party: &str, change: &str) {
    if party.is_empty() {
        let _ = writeln!(out, "  - {change}");
    } else {
        let _ = writeln!(out, "  - {party}: {change}");
    }
}

// ---------------------------------------------------------------------------------------------
// People I support

#[derive(Serialize)]
struct StageCount {
    stage: String,
    label: String,
    count: usize,
}

#[derive(Serialize)]
struct GlanceView {
    contact_id: i64,
    name: String,
    role: String,
    sequence: u64,
    sent_at: String,
    received_at: String,
    parties: usize,
    by_stage: Vec<StageCount>,
    plans_to_review: usize,
    made: usize,
    changes_since_previous: usize,
    unsent_notes: usize,
}

#[derive(Serialize)]
struct DifferenceView {
    party: String,
    change: String,
}

#[derive(Serialize)]
struct NoteView {
    id: i64,
    party: i64,
    party_name: Option<String>,
    about_plan: bool,
    verdict: Option<&'static str>,
    text: String,
    written: String,
    /// With a view on the plan: the fingerprint of the safety verdict it was given on.
    safety_seen: Option<String>,
    /// False for a view given on a safety verdict other than the one their latest share shows:
    /// it will not count for them.
    on_current_safety: bool,
    /// The safety verdict their latest share shows for this party, in short.
    safety_now: Option<String>,
}

#[derive(Serialize)]
struct SupportedView<'a> {
    contact_id: i64,
    name: String,
    role: String,
    sequence: u64,
    sent_at: String,
    received_at: String,
    first: bool,
    share: &'a ShareBody,
    /// The parties whose safety verdict this share left out.
    safety_not_shared: Vec<i64>,
    changes: Vec<DifferenceView>,
    unsent_notes: Vec<NoteView>,
}

fn by_stage(s: &Supported) -> Vec<StageCount> {
    s.glance
        .by_stage
        .iter()
        .map(|(code, n)| StageCount {
            stage: code.clone(),
            label: stage_label(code),
            count: *n,
        })
        .collect()
}

fn note_views(vault: &Vault, contact: &Contact, body: Option<&ShareBody>) -> Result<Vec<NoteView>> {
    Ok(vault
        .review_notes(contact.id, true)?
        .into_iter()
        .map(|n| {
            let party = body.and_then(|b| b.parties.iter().find(|p| p.id == n.party_ref));
            NoteView {
                id: n.id,
                party: n.party_ref,
                party_name: party.map(|p| p.name.clone()),
                about_plan: n.plan_version.is_some(),
                verdict: n.verdict.map(Verdict::code),
                on_current_safety: body.is_none_or(|b| note_on_current_safety(b, &n)),
                safety_now: party
                    .and_then(|p| p.safety.as_ref())
                    .map(|s| format!("{} ({})", contact_words(s), rules_short(s))),
                safety_seen: n.safety_seen,
                text: n.text,
                written: n.written.to_string(),
            }
        })
        .collect())
}

fn note_line(out: &mut String, n: &NoteView) {
    let party = match &n.party_name {
        Some(name) => format!("#{} {name}", n.party),
        None => format!("#{}", n.party),
    };
    let about = if n.about_plan { ", the plan" } else { "" };
    let verdict = n
        .verdict
        .and_then(|v| Verdict::parse(v).ok())
        .map(|v| format!(" [{}]", v.label()))
        .unwrap_or_default();
    let text = if n.text.is_empty() {
        String::new()
    } else {
        format!(": {}", n.text)
    };
    let _ = writeln!(out, "  note {} on {party}{about}{verdict}{text}", n.id);
    if n.verdict.is_some() {
        match (&n.safety_now, n.on_current_safety) {
            (Some(now), true) => {
                let _ = writeln!(out, "      given on their safety verdict: {now}");
            }
            (None, true) => {
                let _ = writeln!(
                    out,
                    "      given without a safety verdict: The safety verdict was not shared."
                );
            }
            (now, false) => {
                let _ = writeln!(
                    out,
                    "      their safety verdict changed after you gave this view{}; it will not count. \
                     Delete it and give your view again on what they share now.",
                    now.as_ref()
                        .map(|n| format!(" (now: {n})"))
                        .unwrap_or_default()
                );
            }
        }
    }
}

pub fn supported_cmd(cli: &Cli, a: &SupportedArgs, now: &Now) -> Result<()> {
    let vault = open(cli)?;
    let Some(who) = &a.contact else {
        let all = sh(supported(&vault))?;
        let views = all
            .iter()
            .map(|s| {
                Ok(GlanceView {
                    contact_id: s.contact.id,
                    name: s.contact.label.clone(),
                    role: s.contact.role.clone(),
                    sequence: s.sequence,
                    sent_at: s.sent_at.to_string(),
                    received_at: s.received_at.to_string(),
                    parties: s.glance.parties,
                    by_stage: by_stage(s),
                    plans_to_review: s.glance.plans_to_review,
                    made: s.glance.made,
                    changes_since_previous: s.changes.len(),
                    unsent_notes: vault.review_notes(s.contact.id, true)?.len(),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        if a.json {
            return print_json(&views);
        }
        if views.is_empty() {
            return emit(
                "No one shares their list with you yet. When someone sends you a file, open it with `amends receive FILE`.\n",
            );
        }
        let mut out = String::new();
        for v in &views {
            let _ = writeln!(
                out,
                "{} (#{}, {})",
                v.name,
                v.contact_id,
                role_label(&v.role)
            );
            let stages: Vec<String> = v
                .by_stage
                .iter()
                .map(|s| format!("{} {}", s.count, s.label))
                .collect();
            let received = v
                .received_at
                .parse::<jiff::Timestamp>()
                .map(|t| when(now, t))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}{}{}",
                plural(v.parties, "party", "parties"),
                if stages.is_empty() { "" } else { ": " },
                stages.join(", ")
            );
            let _ = writeln!(
                out,
                "  plans to review: {}; amends made: {}; last received {received}",
                v.plans_to_review, v.made
            );
            if v.changes_since_previous > 0 {
                let _ = writeln!(
                    out,
                    "  {} since the share before",
                    plural(v.changes_since_previous, "change", "changes")
                );
            }
            if v.unsent_notes > 0 {
                let _ = writeln!(
                    out,
                    "  {} not sent yet",
                    plural(v.unsent_notes, "note of yours", "notes of yours")
                );
            }
        }
        let _ = writeln!(
            out,
            "\nSee everything one person shared with `amends supported NAME`."
        );
        return emit(&out);
    };
    let cref = ContactRef::parse(who);
    let contact = vault.contact(&cref)?;
    let Some(s) = sh(supported_from(&vault, &ContactRef::Id(contact.id)))? else {
        if a.json {
            return print_json(&serde_json::Value::Null);
        }
        return emit(&format!(
            "{} has not shared anything with you, or asked you to delete what they shared.\n",
            contact.label
        ));
    };
    let first = s.first;
    let notes = note_views(&vault, &contact, Some(&s.body))?;
    let view = SupportedView {
        contact_id: contact.id,
        name: contact.label.clone(),
        role: contact.role.clone(),
        sequence: s.sequence,
        sent_at: s.sent_at.to_string(),
        received_at: s.received_at.to_string(),
        first,
        share: &s.body,
        safety_not_shared: s
            .body
            .parties
            .iter()
            .filter(|p| p.safety.is_none())
            .map(|p| p.id)
            .collect(),
        changes: s
            .changes
            .iter()
            .map(|d| DifferenceView {
                party: d.party.clone(),
                change: d.change.clone(),
            })
            .collect(),
        unsent_notes: notes,
    };
    if a.json {
        return print_json(&view);
    }
    let mut out = format!(
        "What {} shared with you (sent {}, received {}). It is theirs: read-only, kept apart from your own list.\n",
        contact.label,
        when(now, s.sent_at),
        when(now, s.received_at)
    );
    let n = s.body.parties.len();
    let _ = writeln!(
        out,
        "{}.",
        if s.body.whole_list {
            format!("Their whole list ({})", plural(n, "party", "parties"))
        } else {
            format!("Some of their list ({})", plural(n, "party", "parties"))
        }
    );
    out.push_str(&parts_text(&s.body, false).replace(" (choose them with --parts)", ""));
    out.push_str(&list_text(&s.body, false));
    out.push('\n');
    if first {
        let _ = writeln!(out, "This is the first share you received from them.");
    } else if view.changes.is_empty() {
        let _ = writeln!(out, "Nothing changed since the share before.");
    } else {
        let _ = writeln!(out, "Changed since the share before:");
        for d in &view.changes {
            difference_line(&mut out, &d.party, &d.change);
        }
    }
    if view.unsent_notes.is_empty() {
        let _ = writeln!(
            out,
            "\nWrite a note with `amends review {} --party N --comment TEXT` (add --approve or --talk-first for a plan).",
            contact.id
        );
    } else {
        let _ = writeln!(out, "\nYour notes not sent yet:");
        for note in &view.unsent_notes {
            note_line(&mut out, note);
        }
        let _ = writeln!(
            out,
            "Send them with `amends review {} --send --out FILE`, or `--via` to send them through a relay.",
            contact.id
        );
    }
    emit(&out)
}

// ---------------------------------------------------------------------------------------------
// Reviews

pub fn review_cmd(cli: &Cli, a: &ReviewArgs, now: &Now) -> Result<()> {
    if a.send {
        return review_send(cli, a, now);
    }
    let mut vault = open(cli)?;
    let cref = ContactRef::parse(&a.contact);
    let contact = vault.contact(&cref)?;
    let held = sh(supported_from(&vault, &ContactRef::Id(contact.id)))?
        .ok_or(ShareError::NothingShared)?;
    let wanted = a.party.as_deref().unwrap_or_default().trim();
    let party = match wanted.parse::<i64>() {
        Ok(id) => held.body.parties.iter().find(|p| p.id == id),
        Err(_) => {
            let mut named = held
                .body
                .parties
                .iter()
                .filter(|p| p.name.trim().eq_ignore_ascii_case(wanted));
            match (named.next(), named.next()) {
                (Some(p), None) => Some(p),
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        "party",
                        "more than one party in what they shared has that name; give its number instead",
                    ));
                }
                _ => None,
            }
        }
    }
    .ok_or(ShareError::NotInShare)?;
    let verdict = if a.approve {
        Some(Verdict::Approved)
    } else if a.talk_first {
        Some(Verdict::TalkFirst)
    } else {
        None
    };
    let id = sh(add_note(
        &mut vault,
        &ContactRef::Id(contact.id),
        &NoteInput {
            party: party.id,
            about_plan: a.plan,
            verdict,
            text: a.comment.clone().unwrap_or_default(),
        },
        now,
    ))?;
    let about = if a.plan || verdict.is_some() {
        "their plan for "
    } else {
        ""
    };
    let view = verdict
        .map(|v| format!(" ({})", v.label()))
        .unwrap_or_default();
    let mut out = String::new();
    if verdict.is_some() {
        // The verdict first: the view is tied to it as well as to the plan.
        match &party.safety {
            Some(s) => {
                let _ = writeln!(
                    out,
                    "Their safety verdict for {}: {} ({}).",
                    party.name,
                    contact_words(s),
                    rules_short(s)
                );
                for r in &s.rules {
                    let _ = writeln!(out, "  {} {}: {}", r.code, r.title, r.reason);
                }
                let _ = writeln!(
                    out,
                    "Your view is tied to this verdict and to the plan as shared: if either changes, they will need a new look from you."
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "The safety verdict was not shared for {}: your view is on the plan alone.",
                    party.name
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "Note {id} kept on {about}{}{view}. It goes to {} with your other unsent notes when you run \
         `amends review {} --send --out FILE` (or `--via` for a relay).",
        party.name, contact.label, contact.id
    );
    emit(&out)
}

fn review_send(cli: &Cli, a: &ReviewArgs, now: &Now) -> Result<()> {
    if a.out.is_none() && a.via.is_none() {
        return Err(invalid(
            "out",
            "give --out FILE to write the review in a file, --via to send it through the relay, or both",
        ));
    }
    if let Some(out) = &a.out {
        refuse_existing(out)?;
    }
    let mut vault = open(cli)?;
    let relay = a
        .via
        .as_deref()
        .map(|via| sh(relay_for(&vault, Some(via))))
        .transpose()?;
    let contact = vault.contact(&ContactRef::parse(&a.contact))?;
    let prepared = sh(prepare_review(&mut vault, &ContactRef::Id(contact.id)))?;
    let body = sh(supported_from(&vault, &ContactRef::Id(contact.id)))?.map(|s| s.body);
    let notes = note_views(&vault, &prepared.contact, body.as_ref())?;
    let name = &prepared.contact.label;
    let mut preview = format!(
        "This is exactly what will be sealed for {name}: {}, in reply to their share number {}.\n",
        plural(notes.len(), "note", "notes"),
        prepared.in_reply_to
    );
    for n in &notes {
        note_line(&mut preview, n);
    }
    preview.push('\n');
    emit(&preview)?;
    if !a.yes && !confirm(&format!("Type yes to seal it for {name}"))? {
        return Err(not_confirmed(
            "Nothing was sealed or written, and your notes are kept",
        ));
    }
    let tmp = a.out.as_deref().map(prepare_out).transpose()?;
    let sealed = if relay.is_some() {
        sh(seal_review_for_relay(&mut vault, &prepared, now))?
    } else {
        sh(seal_review(&mut vault, &prepared, now))?
    };
    let mut said = format!(
        "Sealed for {name} ({}). When they open it, your notes appear on their parties, and an approval \
         counts for the plan and the safety verdict as you saw them.\n",
        size(sealed.bytes.len())
    );
    if let (Some(tmp), Some(out)) = (tmp, &a.out) {
        finish_out(tmp, out, &sealed.bytes)?;
        let _ = writeln!(said, "Written to {}. Give them the file.", out.display());
    }
    emit(&said)?;
    match &relay {
        Some(relay) => crate::inbox::deliver(&mut vault, relay, &sealed, a.out.is_some(), now),
        None => Ok(()),
    }
}
