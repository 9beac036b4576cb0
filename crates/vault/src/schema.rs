//! The vault schema and its migrations. `PRAGMA user_version` holds the schema version.
//! Migrations only ever add; a vault from a newer version is refused rather than touched.

use rusqlite_migration::{M, Migrations};

/// The first schema: every fact of the workbook, nothing derived.
const V1: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE settings (
    id             INTEGER PRIMARY KEY CHECK (id = 1),
    fellowship     TEXT NOT NULL,
    amends_to_self INTEGER NOT NULL CHECK (amends_to_self IN (0, 1)),
    currency       TEXT NOT NULL
) STRICT;

CREATE TABLE parties (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    relationship TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    created      TEXT NOT NULL
) STRICT;

CREATE TABLE party_asides (
    id          INTEGER PRIMARY KEY,
    party_id    INTEGER NOT NULL REFERENCES parties(id),
    reason      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    restored_at TEXT
) STRICT;

CREATE TABLE harms (
    id             INTEGER PRIMARY KEY,
    party_id       INTEGER NOT NULL REFERENCES parties(id),
    did            TEXT NOT NULL,
    should         TEXT NOT NULL DEFAULT '',
    effect         TEXT NOT NULL DEFAULT '',
    kinds          TEXT NOT NULL DEFAULT '',
    happened       TEXT NOT NULL DEFAULT '',
    owed_minor     INTEGER,
    owed_currency  TEXT,
    property       TEXT NOT NULL DEFAULT '',
    third_parties  TEXT NOT NULL DEFAULT '[]',
    source         TEXT NOT NULL,
    sponsor_agrees INTEGER,
    recorded       TEXT NOT NULL
) STRICT;

CREATE TABLE harm_asides (
    id          INTEGER PRIMARY KEY,
    harm_id     INTEGER NOT NULL REFERENCES harms(id),
    reason      TEXT NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    at          TEXT NOT NULL,
    restored_at TEXT
) STRICT;

CREATE TABLE willingness (
    id       INTEGER PRIMARY KEY,
    party_id INTEGER NOT NULL REFERENCES parties(id),
    level    TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL
) STRICT;

CREATE TABLE safety_answers (
    id               INTEGER PRIMARY KEY,
    party_id         INTEGER NOT NULL REFERENCES parties(id),
    court_order      INTEGER NOT NULL,
    asked_no_contact INTEGER NOT NULL,
    abused_them      INTEGER NOT NULL,
    harmed_me        INTEGER NOT NULL,
    legal_risk       INTEGER NOT NULL,
    affair           INTEGER NOT NULL,
    third_parties    INTEGER NOT NULL,
    my_safety        INTEGER NOT NULL,
    deceased         INTEGER NOT NULL,
    unreachable      INTEGER NOT NULL,
    child            INTEGER NOT NULL,
    family           INTEGER NOT NULL,
    legal_decision   TEXT NOT NULL DEFAULT '',
    answered         TEXT NOT NULL
) STRICT;

CREATE TABLE consultations (
    id       INTEGER PRIMARY KEY,
    party_id INTEGER NOT NULL REFERENCES parties(id),
    adviser  TEXT NOT NULL,
    name     TEXT NOT NULL DEFAULT '',
    on_date  TEXT NOT NULL,
    advice   TEXT NOT NULL,
    approved INTEGER,
    recorded TEXT NOT NULL
) STRICT;

CREATE TABLE plans (
    id       INTEGER PRIMARY KEY,
    party_id INTEGER NOT NULL REFERENCES parties(id),
    method   TEXT NOT NULL,
    script   TEXT NOT NULL DEFAULT '',
    on_date  TEXT,
    place    TEXT NOT NULL DEFAULT '',
    updated  TEXT NOT NULL
) STRICT;

CREATE TABLE consents (
    id       INTEGER PRIMARY KEY,
    party_id INTEGER NOT NULL REFERENCES parties(id),
    who      TEXT NOT NULL,
    given    INTEGER NOT NULL,
    on_date  TEXT NOT NULL,
    note     TEXT NOT NULL DEFAULT '',
    recorded TEXT NOT NULL
) STRICT;

CREATE TABLE deferrals (
    id        INTEGER PRIMARY KEY,
    party_id  INTEGER NOT NULL REFERENCES parties(id),
    reason    TEXT NOT NULL,
    review_on TEXT NOT NULL,
    recorded  TEXT NOT NULL,
    ended     TEXT
) STRICT;

CREATE TABLE attempts (
    id             INTEGER PRIMARY KEY,
    party_id       INTEGER NOT NULL REFERENCES parties(id),
    on_date        TEXT NOT NULL,
    method         TEXT NOT NULL,
    outcome        TEXT NOT NULL,
    requests       TEXT NOT NULL DEFAULT '',
    feeling_before TEXT NOT NULL DEFAULT '',
    feeling_after  TEXT NOT NULL DEFAULT '',
    notes          TEXT NOT NULL DEFAULT '',
    recorded       TEXT NOT NULL
) STRICT;

CREATE TABLE commitments (
    id               INTEGER PRIMARY KEY,
    party_id         INTEGER NOT NULL REFERENCES parties(id),
    kind             TEXT NOT NULL CHECK (kind IN ('restitution', 'living', 'promise')),
    amount_minor     INTEGER,
    currency         TEXT,
    instalment_minor INTEGER,
    every            TEXT,
    starting         TEXT,
    behaviour        TEXT NOT NULL DEFAULT '',
    promise          TEXT NOT NULL DEFAULT '',
    due              TEXT,
    recorded         TEXT NOT NULL,
    closed_how       TEXT,
    closed_on        TEXT
) STRICT;

CREATE TABLE payments (
    id            INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id),
    on_date       TEXT NOT NULL,
    amount_minor  INTEGER NOT NULL,
    note          TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE checkins (
    id            INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id),
    on_date       TEXT NOT NULL,
    kept          INTEGER NOT NULL,
    note          TEXT NOT NULL DEFAULT ''
) STRICT;
"#;

/// Indexes for the per-party and per-commitment lookups, and the history of edits: the words
/// a party or harm had before it was changed are kept, never overwritten.
const V2: &str = r#"
CREATE TABLE edits (
    id          INTEGER PRIMARY KEY,
    party_id    INTEGER NOT NULL REFERENCES parties(id),
    harm_id     INTEGER REFERENCES harms(id),
    previous    TEXT NOT NULL,
    replaced_at TEXT NOT NULL
) STRICT;
CREATE INDEX edits_party ON edits(party_id);
CREATE INDEX harms_party ON harms(party_id);
CREATE INDEX plans_party ON plans(party_id);
CREATE INDEX safety_party ON safety_answers(party_id);
CREATE INDEX consultations_party ON consultations(party_id);
CREATE INDEX willingness_party ON willingness(party_id);
CREATE INDEX attempts_party ON attempts(party_id);
CREATE INDEX commitments_party ON commitments(party_id);
CREATE INDEX payments_commitment ON payments(commitment_id);
CREATE INDEX checkins_commitment ON checkins(commitment_id);
"#;

/// Settings the web app needs: the language of the steps, how long it stays unlocked while
/// idle, and the crisis line shown on the help page.
const V3: &str = r#"
ALTER TABLE settings ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE settings ADD COLUMN auto_lock_minutes INTEGER NOT NULL DEFAULT 15;
ALTER TABLE settings ADD COLUMN crisis_line TEXT NOT NULL DEFAULT '';
"#;

/// Sharing with a sponsor or adviser (and being one): this vault's identity secrets, its
/// contacts, a log of what was sent, the latest document received from each person supported,
/// review notes written for them, and reviews received on one's own parties. The documents are
/// opaque text here; the vault never reads inside them.
const V4: &str = r#"
CREATE TABLE identity (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    age_secret  TEXT NOT NULL,          -- "AGE-SECRET-KEY-1..." string
    sign_seed   BLOB NOT NULL,          -- 32-byte ed25519 seed
    created     TEXT NOT NULL
) STRICT;
CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    label         TEXT NOT NULL UNIQUE,   -- the name this person gives the contact
    role          TEXT NOT NULL,          -- an Adviser code (sponsor, spiritual-adviser, therapist, lawyer) or 'supported'
    age_recipient TEXT NOT NULL UNIQUE,   -- "age1..."
    sign_key      TEXT NOT NULL UNIQUE,   -- 64 lowercase hex digits
    added         TEXT NOT NULL,
    verified      TEXT,                   -- when the fingerprint was confirmed; NULL = not verified
    sent_seq      INTEGER NOT NULL DEFAULT 0,
    received_seq  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE shares_sent (
    id            INTEGER PRIMARY KEY,
    contact_id    INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    contact_label TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('share', 'review', 'stop')),
    sequence      INTEGER NOT NULL,
    what          TEXT NOT NULL,          -- a short summary in words, made by the caller
    bytes         INTEGER NOT NULL,
    at            TEXT NOT NULL
) STRICT;
CREATE TABLE supported (
    contact_id  INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,
    sequence    INTEGER NOT NULL,
    sent_at     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    document    TEXT NOT NULL,
    previous    TEXT                     -- the document it replaced, for showing differences
) STRICT;
CREATE TABLE review_notes (
    id            INTEGER PRIMARY KEY,
    contact_id    INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    party_ref     INTEGER NOT NULL,       -- the sharer's party id, as in the document
    plan_version  TEXT,                   -- the plan's `updated` timestamp string it is about, if any
    verdict       TEXT CHECK (verdict IN ('approved', 'talk-first')),
    text          TEXT NOT NULL DEFAULT '',
    written       TEXT NOT NULL,
    sent_sequence INTEGER                 -- NULL until sent in a review bundle
) STRICT;
CREATE TABLE reviews_received (
    id              INTEGER PRIMARY KEY,
    party_id        INTEGER NOT NULL REFERENCES parties(id),
    contact_label   TEXT NOT NULL,
    plan_version    TEXT,
    verdict         TEXT CHECK (verdict IN ('approved', 'talk-first')),
    text            TEXT NOT NULL DEFAULT '',
    written         TEXT NOT NULL,
    received        TEXT NOT NULL,
    consultation_id INTEGER REFERENCES consultations(id),
    stale           INTEGER NOT NULL DEFAULT 0   -- 1: a verdict on a plan version that had changed since
) STRICT;
CREATE INDEX reviews_received_party ON reviews_received(party_id);
CREATE INDEX review_notes_contact ON review_notes(contact_id);
"#;

/// Sending through a relay: the relay's address (a setting; empty = none chosen), and an outbox
/// holding every bundle meant for the relay until the relay has accepted it. A bundle keeps the
/// recipient's signing key (their mailbox is named after it) and name, because a last "stop"
/// bundle must still go after the contact is removed. `last_error` is one of this app's short
/// codes, never text from the network.
const V5: &str = r#"
ALTER TABLE settings ADD COLUMN relay TEXT NOT NULL DEFAULT '';
CREATE TABLE outbox (
    id            INTEGER PRIMARY KEY,
    sent_id       INTEGER REFERENCES shares_sent(id),
    contact_id    INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    contact_label TEXT NOT NULL,
    recipient_key TEXT NOT NULL,          -- the recipient's ed25519 key, 64 lowercase hex digits
    kind          TEXT NOT NULL CHECK (kind IN ('share', 'review', 'stop')),
    sequence      INTEGER NOT NULL,
    bundle        BLOB NOT NULL,
    created       TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_attempt  TEXT,
    last_error    TEXT                    -- a short code such as 'unreachable' or 'mailbox_full'
) STRICT;
CREATE INDEX outbox_contact ON outbox(contact_id);
"#;

/// Keeping the workbook safe and in view: automatic encrypted backups (the folder, how many to
/// keep, the passphrase they are sealed with, when the last one was made and why the last try
/// failed, as a short code) and the calendar subscription (its secret token, empty = no
/// subscription, whether event titles may carry names, and the vault's random part of every
/// calendar UID). The passphrase and the token are
/// secrets: they live only here, inside the encrypted vault, and are never exported.
const V6: &str = r#"
CREATE TABLE backup_settings (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    folder      TEXT NOT NULL DEFAULT '',     -- empty: no automatic backups
    keep        INTEGER NOT NULL DEFAULT 7 CHECK (keep BETWEEN 1 AND 365),
    passphrase  TEXT NOT NULL DEFAULT '',
    last_at     TEXT,                         -- when the last automatic backup was written
    last_error  TEXT,                         -- a short code when the last automatic try failed
    series      TEXT NOT NULL DEFAULT ''      -- 8 random hex digits naming this vault's automatic files
) STRICT;
INSERT INTO backup_settings (id) VALUES (1);
CREATE TABLE calendar_settings (
    id     INTEGER PRIMARY KEY CHECK (id = 1),
    token  TEXT NOT NULL DEFAULT '',          -- empty: no subscription address
    names  INTEGER NOT NULL DEFAULT 0 CHECK (names IN (0, 1)),
    -- this vault's part of every calendar UID: random, made once, new in a restored copy
    uid_key TEXT NOT NULL DEFAULT (lower(hex(randomblob(8))))
) STRICT;
INSERT INTO calendar_settings (id) VALUES (1);
"#;

/// Version 7: how a commitment reaches them (`reach`: `them`, or a way that does not: a promise
/// kept without contact, a restitution paid through a court, an agency, a charity or
/// anonymously, or to heirs), how one payment was made where it differs (`via`, NULL: as the
/// commitment), why answers that kept them from being reached were lifted (`reason`), and when each payment
/// and check-in was written down (`recorded`, NULL before), so an import can replay them in order.
/// Rows written before keep their meaning: a commitment reached them, as it did then.
const V7: &str = r#"
ALTER TABLE commitments ADD COLUMN reach TEXT NOT NULL DEFAULT 'them';
UPDATE commitments SET reach = 'no-contact' WHERE kind = 'living';
ALTER TABLE payments ADD COLUMN via TEXT;
ALTER TABLE payments ADD COLUMN recorded TEXT;
ALTER TABLE checkins ADD COLUMN recorded TEXT;
ALTER TABLE safety_answers ADD COLUMN reason TEXT NOT NULL DEFAULT '';
-- From now on every fact is written under every gate; what came before (in a vault that had
-- any) was accepted under the gates of its time, and an import of this vault's export holds it to
-- those. A new vault has nothing before: every fact is held to every gate.
INSERT INTO meta (key, value)
    SELECT 'gates_since', strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    WHERE EXISTS (SELECT 1 FROM parties)
    ON CONFLICT (key) DO NOTHING;
"#;

/// Version 8: with a supporter's view on a plan, the fingerprint of the safety verdict they saw
/// in the share (`safety_seen`: 64 hex digits; NULL when the share held none, or the note is
/// older). It goes back with the review, so that an approval counts only for the verdict it was
/// given on. (`reviews_received.stale` also takes 2 from now on: a view given on safety answers
/// that changed since; 1 is still a view on a plan that changed since.)
const V8: &str = r#"
ALTER TABLE review_notes ADD COLUMN safety_seen TEXT;
"#;

/// Version 9: the questions follow the person, and how is kept apart from what. `asked` lists
/// the safety questions asked up to a set of answers (comma-separated names; NULL: all twelve,
/// as every answer before this was), so that a question that applies once the party's kind
/// changes is asked again. `channel` says how a restitution reached them, or was to, where it
/// was said (`face-to-face`, `phone`, `video`, `letter`, `transfer`; NULL: not said). Rows
/// written before keep their meaning: a method names words said that way, or the kind of amends.
const V9: &str = r#"
ALTER TABLE safety_answers ADD COLUMN asked TEXT;
ALTER TABLE plans ADD COLUMN channel TEXT;
ALTER TABLE attempts ADD COLUMN channel TEXT;
"#;

/// Version 10: a payment or a check-in can be corrected or removed, with a reason. What it said
/// before (`previous`, JSON: `on`, `amount_minor` or `kept`, `note`, `via`, `recorded`) is kept
/// here, as the edits of a party are; a removed one leaves its row in `payments` or `checkins`
/// and lives on only here. `fact` is `payment` or `checkin`, `change` is `fixed` or `removed`.
const V10: &str = r#"
CREATE TABLE follow_changes (
    id            INTEGER PRIMARY KEY,
    commitment_id INTEGER NOT NULL REFERENCES commitments(id),
    fact          TEXT NOT NULL CHECK (fact IN ('payment', 'checkin')),
    fact_id       INTEGER NOT NULL,
    change        TEXT NOT NULL CHECK (change IN ('fixed', 'removed')),
    previous      TEXT NOT NULL,
    reason        TEXT NOT NULL,
    changed_at    TEXT NOT NULL
) STRICT;
CREATE INDEX follow_changes_commitment ON follow_changes(commitment_id);
"#;

/// All migrations, oldest first.
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(V1),
        M::up(V2),
        M::up(V3),
        M::up(V4),
        M::up(V5),
        M::up(V6),
        M::up(V7),
        M::up(V8),
        M::up(V9),
        M::up(V10),
    ])
}

/// The schema version this build writes.
pub const LATEST: i64 = 10;
