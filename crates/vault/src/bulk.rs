//! Many parties and harms at once: a list brought in from a spreadsheet.
//!
//! Everything is written in one `BEGIN IMMEDIATE` transaction with statements prepared once,
//! and checked there as every other write is (text limits, money, amends to self, set-aside
//! parties). The names the caller matched against the list before asking are matched again
//! inside the transaction: if the list changed meanwhile, nothing is written. Nothing already
//! recorded is overwritten or deleted: a merged party gains harms (except those whose words it
//! has already, so the same file imported twice adds nothing twice) and a willingness entry
//! only if it had none (an answer given on the list stands over an older sheet);
//! where its relationship was empty it takes the file's, and the file's notes are added to
//! its notes, with the earlier wording kept in `edits`.

use std::collections::HashMap;

use amends_core::model::{HarmSource, Id, PartyKind, Willingness};
use amends_core::rules;
use amends_core::text::{self, NAME_MAX, TEXT_MAX};
use amends_core::{Now, Refusal};
use rusqlite::{OptionalExtension, params};

use crate::write::{HarmInput, check_harm, store_harm};
use crate::{Vault, VaultError};

/// What to do with an imported party.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// A new party; its name was not on the list when the caller looked.
    New,
    /// A new party although its name is on the list: the person chose to keep them apart.
    Apart,
    /// Add the harms and willingness to this party, whose name the imported one matches.
    Merge(Id),
}

/// One party to bring in.
#[derive(Clone, Debug)]
pub struct ImportParty {
    pub name: String,
    pub kind: PartyKind,
    pub relationship: String,
    pub notes: String,
    pub willingness: Option<Willingness>,
    /// Each with its source (inventory or memory, as the list was).
    pub harms: Vec<HarmInput>,
    pub target: Target,
}

/// What an import added.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    /// New parties.
    pub parties: usize,
    /// Parties on the list that took imported harms or willingness.
    pub merged: usize,
    pub harms: usize,
    /// Of those, the harms added to parties that were on the list.
    pub merged_harms: usize,
    /// Harms left out because the party they were merged into has the same words already
    /// (the same list imported twice adds nothing twice).
    pub skipped: usize,
    /// Willingness entries recorded (new parties, and merged ones that had none).
    pub willingness: usize,
    /// Merged parties whose willingness on the list was kept although the file said another.
    pub willingness_kept: usize,
    /// Merged parties to whom amends had been made, reopened by a new harm (R10).
    pub reopened: usize,
}

/// One party on the list, as a name to match imported names against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedName {
    pub id: Id,
    pub name: String,
    pub set_aside: bool,
    /// A name the party had before a rename (a person adding the old name again most likely
    /// means the same person, whose safety answers must follow).
    pub former: bool,
}

fn changed_meanwhile() -> VaultError {
    Refusal::new(
        None,
        "Your list changed since the preview (a name was added, renamed or set aside in another window)",
        "Look at the preview again and choose once more for each name that is already on your list.",
    )
    .into()
}

impl Vault {
    /// Every party on the list, set aside or not, as names to match an import against.
    pub fn listed_names(&self) -> Result<Vec<ListedName>, VaultError> {
        listed(&self.conn)
    }

    /// Brings in a list: every party and harm in one transaction, or nothing.
    ///
    /// `key` is the form of a name that is compared (the caller's matching rule): a party to
    /// merge into must still have the imported name, and a party to add as new must still
    /// have no namesake on the list, unless it is kept apart on purpose. `progress` is told
    /// (parties done, parties in all) as the work goes on.
    pub fn import_list(
        &mut self,
        parties: &[ImportParty],
        key: &dyn Fn(&str) -> String,
        now: &Now,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Imported, VaultError> {
        // Checks that need no vault come first, so a bad value fails before the lock is taken.
        let mut prepared = Vec::with_capacity(parties.len());
        for p in parties {
            let name = text::name(&p.name)?;
            let relationship = text::optional("relationship", &p.relationship, NAME_MAX)?;
            let notes = text::optional("notes", &p.notes, TEXT_MAX)?;
            let harms = p
                .harms
                .iter()
                .map(|h| Ok((check_harm(h)?, h.source.unwrap_or(HarmSource::Memory))))
                .collect::<Result<Vec<_>, VaultError>>()?;
            prepared.push((name, relationship, notes, harms));
        }
        let total = parties.len();
        let at = now.at.to_string();
        self.write(|tx| {
            let settings = crate::load::settings(tx)?;
            let mut by_key: HashMap<String, Vec<&ListedName>> = HashMap::new();
            let listed = listed(tx)?;
            for l in &listed {
                by_key.entry(key(&l.name)).or_default().push(l);
            }
            let mut new_party = tx.prepare(
                "INSERT INTO parties (name, kind, relationship, notes, created) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut new_willingness = tx.prepare(
                "INSERT INTO willingness (party_id, level, note, at) VALUES (?1, ?2, '', ?3)",
            )?;
            let mut out = Imported::default();
            for (i, (p, (name, relationship, notes, harms))) in
                parties.iter().zip(&prepared).enumerate()
            {
                let k = key(name);
                let namesakes = by_key.get(&k).map(Vec::as_slice).unwrap_or(&[]);
                let id = match p.target {
                    Target::New | Target::Apart => {
                        if p.target == Target::New && !namesakes.is_empty() {
                            return Err(changed_meanwhile());
                        }
                        rules::check_new_party(&settings, p.kind)?;
                        new_party.execute(params![name, p.kind.code(), relationship, notes, at])?;
                        out.parties += 1;
                        tx.last_insert_rowid()
                    }
                    Target::Merge(id) => {
                        let Some(target) = namesakes.iter().find(|l| l.id == id) else {
                            return Err(changed_meanwhile());
                        };
                        if target.set_aside {
                            return Err(Refusal::new(
                                None,
                                "A name you chose to merge is set aside on your list, so harms cannot be added to it",
                                "Restore that entry first if it belongs on the list again, or keep the imported name apart.",
                            )
                            .into());
                        }
                        merge_details(tx, id, relationship, notes, &at)?;
                        if !harms.is_empty() {
                            let made: i64 = tx.query_row(
                                "SELECT count(*) FROM attempts WHERE party_id = ?1
                                   AND outcome NOT IN ('no-answer', 'unreachable')",
                                [id],
                                |r| r.get(0),
                            )?;
                            if made > 0 {
                                out.reopened += 1;
                            }
                        }
                        out.merged += 1;
                        id
                    }
                };
                let had: Vec<String> = match p.target {
                    Target::Merge(id) => {
                        let mut st = tx.prepare_cached("SELECT did FROM harms WHERE party_id = ?1")?;
                        st.query_map([id], |r| r.get(0))?
                            .collect::<Result<_, _>>()?
                    }
                    _ => Vec::new(),
                };
                for (h, source) in harms {
                    if had.iter().any(|d| d.trim() == h.did) {
                        out.skipped += 1;
                        continue;
                    }
                    if matches!(p.target, Target::Merge(_)) {
                        out.merged_harms += 1;
                    }
                    store_harm(tx, id, h, *source, &at)?;
                    out.harms += 1;
                }
                if let Some(level) = p.willingness {
                    let current: Option<String> = match p.target {
                        Target::Merge(id) => tx
                            .query_row(
                                "SELECT level FROM willingness WHERE party_id = ?1
                                 ORDER BY at DESC, id DESC LIMIT 1",
                                [id],
                                |r| r.get(0),
                            )
                            .optional()?,
                        _ => None,
                    };
                    // What the person says on the list now stands over an older sheet: a merge
                    // records willingness only where there was none, so it never lowers (or
                    // raises) an answer given since.
                    match current {
                        None => {
                            new_willingness.execute(params![id, level.code(), at])?;
                            out.willingness += 1;
                        }
                        Some(c) if c != level.code() => out.willingness_kept += 1,
                        Some(_) => {}
                    }
                }
                if (i + 1) % 256 == 0 || i + 1 == total {
                    progress(i + 1, total);
                }
            }
            Ok(out)
        })
    }
}

pub(crate) fn listed(conn: &rusqlite::Connection) -> Result<Vec<ListedName>, VaultError> {
    let mut st = conn.prepare(
        "SELECT p.id, p.name,
                EXISTS (SELECT 1 FROM party_asides a WHERE a.party_id = p.id AND a.restored_at IS NULL)
         FROM parties p ORDER BY p.id",
    )?;
    let mut rows = st
        .query_map([], |r| {
            Ok(ListedName {
                id: r.get(0)?,
                name: r.get(1)?,
                set_aside: r.get::<_, i64>(2)? != 0,
                former: false,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut st =
        conn.prepare("SELECT party_id, previous FROM edits WHERE harm_id IS NULL ORDER BY id")?;
    let former = st
        .query_map([], |r| Ok((r.get::<_, Id>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, previous) in former {
        let Some(name) = serde_json::from_str::<serde_json::Value>(&previous)
            .ok()
            .and_then(|v| v.get("name").and_then(|n| n.as_str()).map(str::to_string))
        else {
            continue;
        };
        let key = text::name_key(&name);
        if rows
            .iter()
            .any(|l| l.id == id && text::name_key(&l.name) == key)
        {
            continue;
        }
        let set_aside = rows.iter().any(|l| l.id == id && l.set_aside);
        rows.push(ListedName {
            id,
            name,
            set_aside,
            former: true,
        });
    }
    Ok(rows)
}

/// Gives a merged party the file's relationship where it had none, and adds the file's notes
/// to its own; the wording before is kept in `edits`, as every edit keeps it.
fn merge_details(
    tx: &rusqlite::Transaction<'_>,
    id: Id,
    relationship: &str,
    notes: &str,
    at: &str,
) -> Result<(), VaultError> {
    let (name, kind, have_rel, have_notes): (String, String, String, String) = tx.query_row(
        "SELECT name, kind, relationship, notes FROM parties WHERE id = ?1",
        [id],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let new_rel = if have_rel.is_empty() && !relationship.is_empty() {
        relationship.to_string()
    } else {
        have_rel.clone()
    };
    let new_notes = if notes.is_empty() || have_notes.contains(notes) {
        have_notes.clone()
    } else if have_notes.is_empty() {
        notes.to_string()
    } else {
        format!("{have_notes}\n\n{notes}")
    };
    if new_rel == have_rel && new_notes == have_notes {
        return Ok(());
    }
    let new_notes = text::optional("notes", &new_notes, TEXT_MAX)?;
    let previous = serde_json::json!({
        "name": name,
        "kind": kind,
        "relationship": have_rel,
        "notes": have_notes,
    });
    tx.execute(
        "INSERT INTO edits (party_id, harm_id, previous, replaced_at) VALUES (?1, NULL, ?2, ?3)",
        params![id, previous.to_string(), at],
    )?;
    tx.execute(
        "UPDATE parties SET relationship = ?2, notes = ?3 WHERE id = ?1",
        params![id, new_rel, new_notes],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use amends_core::model::{AsideReason, Settings};
    use jiff::Timestamp;
    use jiff::tz::TimeZone;
    use secrecy::SecretString;

    use super::*;
    use crate::{KdfParams, PartyRef};

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let cheap = KdfParams {
            memory_kib: 1024,
            iterations: 1,
            parallelism: 1,
        };
        let created = Vault::create_with(
            &dir.path().join("v.amends"),
            &SecretString::from("bulk test words"),
            &Settings::default(),
            cheap,
        )
        .unwrap();
        (dir, created.vault)
    }

    fn now() -> Now {
        Now::new(Timestamp::now(), TimeZone::UTC)
    }

    fn key(n: &str) -> String {
        n.trim().to_lowercase()
    }

    fn party(name: &str, target: Target, dids: &[&str]) -> ImportParty {
        ImportParty {
            name: name.into(),
            kind: PartyKind::Person,
            relationship: "friend".into(),
            notes: "from the sheet".into(),
            willingness: Some(Willingness::Later),
            harms: dids
                .iter()
                .map(|d| HarmInput {
                    did: d.to_string(),
                    source: Some(HarmSource::Inventory),
                    ..HarmInput::default()
                })
                .collect(),
            target,
        }
    }

    fn import(v: &mut Vault, parties: &[ImportParty]) -> Result<Imported, VaultError> {
        let mut calls = Vec::new();
        let out = v.import_list(parties, &key, &now(), &mut |done, total| {
            calls.push((done, total))
        });
        if out.is_ok() {
            assert_eq!(calls.last(), Some(&(parties.len(), parties.len())));
        }
        out
    }

    #[test]
    fn new_parties_with_their_harms_and_willingness() {
        let (_d, mut v) = vault();
        let out = import(
            &mut v,
            &[
                party("Sam", Target::New, &["a", "b"]),
                party("Ana", Target::New, &[]),
            ],
        )
        .unwrap();
        assert_eq!((out.parties, out.harms, out.willingness), (2, 2, 2));
        let recs = v.records().unwrap();
        assert_eq!(recs[0].harms.len(), 2);
        assert_eq!(recs[0].harms[0].source, HarmSource::Inventory);
        assert_eq!(recs[1].willingness_now().unwrap().level, Willingness::Later);
    }

    #[test]
    fn the_list_as_it_is_inside_the_transaction_decides() {
        let (_d, mut v) = vault();
        let n = now();
        let sam = v
            .add_party("SAM", PartyKind::Person, "", "", &n)
            .unwrap()
            .id;
        v.add_harm(
            &PartyRef::Id(sam),
            &HarmInput {
                did: "a".into(),
                ..HarmInput::default()
            },
            &n,
        )
        .unwrap();
        let before = v.records().unwrap();
        // Looked at before Sam was added: a namesake appeared, so nothing is written.
        let e = import(
            &mut v,
            &[
                party("Ana", Target::New, &["x"]),
                party("Sam", Target::New, &["b"]),
            ],
        )
        .unwrap_err();
        assert!(e.to_string().contains("changed since the preview"), "{e}");
        // A merge into a party that is not this name.
        let e = import(&mut v, &[party("Ana", Target::Merge(sam), &["b"])]).unwrap_err();
        assert!(e.to_string().contains("changed since the preview"), "{e}");
        assert_eq!(v.records().unwrap(), before);

        // Merged: the harm it has is left out, the other added; details kept in history.
        let out = import(&mut v, &[party("Sam", Target::Merge(sam), &["a", "b"])]).unwrap();
        assert_eq!((out.merged, out.merged_harms, out.skipped), (1, 1, 1));
        let rec = v.record(sam).unwrap();
        assert_eq!(rec.harms.len(), 2);
        assert_eq!(rec.party.relationship, "friend");
        assert_eq!(rec.party.notes, "from the sheet");
        assert_eq!(
            v.edits(sam).unwrap().len(),
            1,
            "the earlier wording is kept"
        );

        // Sam had no willingness: the sheet's is recorded. Once Sam has an answer on the list,
        // a sheet saying another never changes it.
        assert_eq!(out.willingness, 1);
        assert_eq!(rec.willingness_now().unwrap().level, Willingness::Later);
        v.set_willingness(&PartyRef::Id(sam), Willingness::Now, "", &now())
            .unwrap();
        let out = import(&mut v, &[party("Sam", Target::Merge(sam), &["a"])]).unwrap();
        assert_eq!((out.willingness, out.willingness_kept), (0, 1));
        let rec = v.record(sam).unwrap();
        assert_eq!(rec.willingness_now().unwrap().level, Willingness::Now);

        // Kept apart on purpose: a second Sam.
        import(&mut v, &[party("Sam", Target::Apart, &[])]).unwrap();
        assert_eq!(v.records().unwrap().len(), 2);

        // Set aside: not merged into.
        v.set_aside_party(&PartyRef::Id(sam), AsideReason::NoRealHarm, "", &n)
            .unwrap();
        let before = v.records().unwrap();
        let e = import(&mut v, &[party("Sam", Target::Merge(sam), &["c"])]).unwrap_err();
        assert!(matches!(e, VaultError::Refused(_)), "{e}");
        assert_eq!(v.records().unwrap(), before);
    }

    #[test]
    fn a_bad_value_or_yourself_without_the_setting_changes_nothing() {
        let (_d, mut v) = vault();
        let mut me = party("Me", Target::New, &["a"]);
        me.kind = PartyKind::Myself;
        let e = import(&mut v, &[party("Ana", Target::New, &["x"]), me]).unwrap_err();
        assert!(matches!(e, VaultError::Refused(_)));
        let e = import(&mut v, &[party("Ana", Target::New, &[""])]).unwrap_err();
        assert!(matches!(e, VaultError::Invalid { .. }));
        assert!(v.records().unwrap().is_empty());
    }
}
