//! The command line, as clap sees it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Amends: a private workbook for Steps 8 and 9.
///
/// Everything you write stays in one encrypted file on this computer. Nothing is sent anywhere.
#[derive(Debug, Parser)]
#[command(name = "amends", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Exit codes: 0 done; 1 error; 2 a value was not accepted; 3 a rule of Step 9 refused it; 4 the vault (or a backup) did not unlock; 5 a bundle was refused (nothing was changed); 6 a bundle is saved in this vault, not sent yet (`amends inbox` sends it); 7 the relay did not answer or refused (nothing was lost)."
)]
pub struct Cli {
    /// The vault file [default: vault.amends in your data directory]
    #[arg(long, global = true, env = "AMENDS_VAULT", value_name = "PATH")]
    pub vault: Option<PathBuf>,

    /// Read the passphrase from this file (otherwise the key held by `amends unlock`, then
    /// AMENDS_PASSPHRASE, then a prompt)
    #[arg(long, global = true, value_name = "PATH")]
    pub passphrase_file: Option<PathBuf>,

    /// With no command, the web app starts (as `amends serve`).
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web app on this computer (127.0.0.1) and open it in the browser
    Serve(ServeArgs),
    /// Create a new vault and show its recovery key once
    Init(InitArgs),
    /// Change the passphrase (the vault and its recovery key stay the same)
    Passphrase(NewPassArgs),
    /// Lost the passphrase? Open the vault with the recovery key and set a new passphrase
    Recover(RecoverArgs),
    /// Keep the vault unlocked for the commands you type next, for a while (the key stays in
    /// memory only, in a small background process that only you can reach)
    Unlock(UnlockArgs),
    /// Forget the key held by `amends unlock`, and lock the running web app
    Lock,
    /// Show or change the settings
    Settings(SettingsArgs),
    /// Show Steps 8 and 9 in the words of your fellowship
    Steps(JsonFlag),
    /// Read a planned script or a letter and point out what could undermine it (your words are never changed)
    Coach(CoachArgs),
    /// Add, list, edit, set aside or restore the parties on your list (Step 8)
    #[command(subcommand)]
    Party(PartyCmd),
    /// Record, edit, set aside or restore the harms done to a party
    #[command(subcommand)]
    Harm(HarmCmd),
    /// Say how willing you are to make this amends: now, later, maybe or never
    Willing(WillingArgs),
    /// Answer the safety questions for a party and see the verdict (with no flags: show it)
    Safety(SafetyArgs),
    /// Record a talk with your sponsor, spiritual adviser, therapist or lawyer
    Consult(ConsultArgs),
    /// Make or change the plan: method, script, date and place
    Plan(PlanArgs),
    /// Record a third party's consent, or refusal (rule R1)
    Consent(ConsentArgs),
    /// Put an amends off, with a reason and a date to look at it again
    Defer(DeferArgs),
    /// End a deferral
    Resume(PartyArg),
    /// Record an attempt at making amends and how it went
    Attempt(AttemptArgs),
    /// Record a commitment: restitution, living amends or a promise
    #[command(subcommand)]
    Commit(CommitCmd),
    /// List commitments with their balance and check-ins
    Commitments(CommitmentsArgs),
    /// Record a payment on a restitution commitment
    Pay(PayArgs),
    /// Record a check-in on a living amends, kept or missed
    Checkin(CheckinArgs),
    /// Correct or remove a payment or a check-in; what it said before is kept in the history
    #[command(subcommand)]
    Correct(CorrectCmd),
    /// Close a commitment: a promise kept, a debt released, a living amends ended
    Close(CloseArgs),
    /// Step 10: put a new wrong on the list at once (reopens a completed party)
    Capture(CaptureArgs),
    /// Everything about one party, with its stage and verdict
    Show(ShowArgs),
    /// The whole list at a glance: by stage and by willingness
    Status(JsonFlag),
    /// What is due: planned amends, deferral reviews, payments, check-ins, promises
    Due(DueArgs),
    /// Write the whole vault as JSON, or the list, harms and plans as CSV, Markdown or a PDF worksheet
    #[command(after_help = EXPORT_HELP)]
    Export(ExportArgs),
    /// What is due as a calendar file (.ics), and the calendar subscription of the web app
    Calendar(CalendarArgs),
    /// Bring in a list from a spreadsheet (CSV) into this vault, or restore a JSON export into an empty one (all or nothing)
    #[command(after_help = IMPORT_HELP)]
    Import(ImportArgs),
    /// Write an encrypted backup of the whole vault to a file, or set up automatic backups
    #[command(after_help = BACKUP_HELP)]
    Backup(BackupArgs),
    /// Make a new vault from a backup file (the backup's passphrase, then one for the new vault)
    Restore(RestoreArgs),
    /// Your contact code and fingerprint, to give to someone you want to share with
    Identity(IdentityArgs),
    /// Add, verify, list or remove the people you share with
    #[command(subcommand)]
    Contact(ContactCmd),
    /// Seal your list, or part of it, for a verified contact: a file, or through the relay (you see it all first)
    #[command(after_help = SHARE_HELP)]
    Share(ShareArgs),
    /// What you have sent, to whom and when
    Shared(JsonFlag),
    /// Open a file someone sent you: a share, a review of yours, or a request to stop
    Receive(ReceiveArgs),
    /// The people who share their list with you, and what they shared
    Supported(SupportedArgs),
    /// Write a comment or a view on a plan someone shared with you, then send your notes back
    Review(ReviewArgs),
    /// Send what waits for the relay, then fetch and open what the relay holds for you
    Inbox(InboxArgs),
    /// What waits in this vault to be sent through the relay; save one as a file, or discard it
    Outbox(OutboxArgs),
    /// The relay: run one, or block and unblock senders on the one you use
    #[command(subcommand)]
    Relay(RelayCmd),
    /// Print shell completions
    Completions(CompletionsArgs),
    /// Print the manual page (roff)
    Man,
}

#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Whose wording of the steps to show
    #[arg(long, default_value = "aa", value_name = "FELLOWSHIP")]
    pub fellowship: String,
    /// Allow putting yourself on the list (sponsors differ; off unless given)
    #[arg(long)]
    pub amends_to_self: bool,
    /// The currency amounts are in unless you say otherwise (ISO 4217)
    #[arg(long, default_value = "USD", value_name = "CODE")]
    pub currency: String,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct NewPassArgs {
    /// Read the new passphrase from this file (otherwise AMENDS_NEW_PASSPHRASE, otherwise a prompt)
    #[arg(long, value_name = "PATH")]
    pub new_passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// Read the recovery key from this file (otherwise AMENDS_RECOVERY_KEY, otherwise a prompt)
    #[arg(long, value_name = "PATH")]
    pub recovery_key_file: Option<PathBuf>,
    #[command(flatten)]
    pub new: NewPassArgs,
}

#[derive(Debug, Args)]
pub struct SettingsArgs {
    /// Whose wording of the steps to show: aa, na, al-anon, oa, coda, slaa, saa, ga, secular
    #[arg(long, value_name = "FELLOWSHIP")]
    pub fellowship: Option<String>,
    /// Allow amends to yourself: on or off
    #[arg(long, value_name = "on|off")]
    pub amends_to_self: Option<OnOff>,
    /// Default currency (ISO 4217)
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Language of the steps' wording: en or es
    #[arg(long, value_name = "LANGUAGE")]
    pub language: Option<String>,
    /// Minutes without use after which the web app locks (1-240)
    #[arg(long, value_name = "MINUTES")]
    pub auto_lock: Option<u32>,
    /// Where to get help now, shown on the help page (empty for the default lines)
    #[arg(long, value_name = "TEXT")]
    pub crisis_line: Option<String>,
    /// The relay that carries bundles when you give --via alone (https://... or http://...)
    #[arg(long, value_name = "URL", conflicts_with = "no_relay")]
    pub relay: Option<String>,
    /// Forget the relay address
    #[arg(long)]
    pub no_relay: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CoachArgs {
    /// The party whose planned script to read, by id or name
    #[arg(required_unless_present = "file", conflicts_with = "file")]
    pub party: Option<String>,
    /// Read this file instead (a draft letter, say); no vault is needed
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// Language of the script: en or es [default: the vault's language setting; en for --file]
    #[arg(long, value_name = "LANGUAGE")]
    pub language: Option<String>,
    /// How the amends is to be made (face-to-face, letter, unsent-letter, indirect, living, ...),
    /// so the advice fits it [default: the plan's method; none for --file]
    #[arg(long, value_name = "METHOD")]
    pub method: Option<String>,
    /// The currency of examples that name money, for --file [default: the vault's currency;
    /// for --file, the figures alone]
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args, Default)]
pub struct ServeArgs {
    /// Port to listen on (127.0.0.1 only) [default: 4880, or a free one when it is taken; the demo: a free one]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Do not open a browser; only print the address
    #[arg(long)]
    pub no_open: bool,
    /// Explore a throwaway vault filled with a made-up person's list; it is deleted when the app stops
    #[arg(long)]
    pub demo: bool,
}

#[derive(Debug, Args)]
pub struct UnlockArgs {
    /// How long to stay unlocked: a number with s, m or h (15m, 1h, 90s), at most 12h
    #[arg(long = "for", value_name = "TIME", default_value = "15m")]
    pub duration: String,
    /// (Used by `amends unlock` itself: hold the key read from standard input.)
    #[arg(long, hide = true)]
    pub hold: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum YesNo {
    Yes,
    No,
}

#[derive(Debug, Subcommand)]
pub enum PartyCmd {
    /// Add someone (or something) you harmed
    Add(PartyAddArgs),
    /// List the parties with their stage and willingness
    List(PartyListArgs),
    /// Change a party's name, kind, relationship or notes
    Edit(PartyEditArgs),
    /// Set a party aside with a reason (never deleted; can be restored)
    Aside(AsideArgs),
    /// Put a set-aside party back on the list
    Restore(PartyArg),
}

#[derive(Debug, Args)]
pub struct PartyAddArgs {
    /// Their name, or a description ("customers at the shop")
    pub name: String,
    /// Who they are to you ("my sister", "former employer")
    #[arg(long, default_value = "")]
    pub relationship: String,
    /// person, organisation, deceased, unreachable, group or self
    #[arg(long, default_value = "person")]
    pub kind: String,
    /// Anything else worth keeping
    #[arg(long, default_value = "")]
    pub notes: String,
    /// Someone on the list already has this name (now or before a rename), and this is
    /// another person
    #[arg(long)]
    pub another: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PartyListArgs {
    /// Only parties at this stage
    #[arg(long)]
    pub stage: Option<String>,
    /// Only parties with this willingness (now, later, maybe, never, unasked)
    #[arg(long)]
    pub willingness: Option<String>,
    /// Only parties of this kind
    #[arg(long)]
    pub kind: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PartyEditArgs {
    /// The party, by id or name
    pub party: String,
    /// A new name
    #[arg(long)]
    pub name: Option<String>,
    /// person, organisation, deceased, unreachable, group or self
    #[arg(long)]
    pub kind: Option<String>,
    /// Who they are to you
    #[arg(long)]
    pub relationship: Option<String>,
    /// Notes (replaces the notes; the earlier ones are kept in the history)
    #[arg(long)]
    pub notes: Option<String>,
    /// The new name is one someone else on the list has (or had), and this is another person
    #[arg(long)]
    pub another: bool,
}

#[derive(Debug, Args)]
pub struct AsideArgs {
    /// Which one: a party by id or name (party aside), a harm by number (harm aside)
    pub target: String,
    /// no-real-harm, i-was-harmed or other
    #[arg(long)]
    pub reason: String,
    /// Say more (required when the reason is "other")
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct PartyArg {
    /// The party, by id or name
    pub party: String,
}

#[derive(Debug, Subcommand)]
pub enum HarmCmd {
    /// Record a harm: what I did, how it affected them, what I should have done
    Add(HarmAddArgs),
    /// Change a harm (by its id)
    Edit(HarmEditArgs),
    /// Set a harm aside with a reason
    Aside(AsideArgs),
    /// Put a set-aside harm back on the list
    Restore(IdArg),
}

#[derive(Debug, Args)]
pub struct HarmFields {
    /// How it affected them
    #[arg(long)]
    pub effect: Option<String>,
    /// What I should have done instead
    #[arg(long)]
    pub should: Option<String>,
    /// Kinds of harm, comma-separated: physical, emotional, spiritual, financial, property, time, trust, neglect
    #[arg(long = "kind", value_delimiter = ',')]
    pub kinds: Vec<String>,
    /// Roughly when ("summer 2019")
    #[arg(long)]
    pub when: Option<String>,
    /// Money owed, e.g. 120 or 120.50
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub owed: Option<String>,
    /// Currency of the amount owed [default: the vault's currency]
    #[arg(long, value_name = "CODE", requires = "owed")]
    pub currency: Option<String>,
    /// Property owed, in words
    #[arg(long)]
    pub property: Option<String>,
    /// Someone else involved (repeat for each)
    #[arg(long = "third-party", value_name = "NAME")]
    pub third_parties: Vec<String>,
    /// Where it came from: inventory, memory, told, step10, revealed
    #[arg(long)]
    pub source: Option<String>,
    /// Whether your sponsor agrees it is a real harm
    #[arg(long, value_name = "yes|no")]
    pub sponsor_agrees: Option<YesNo>,
}

#[derive(Debug, Args)]
pub struct HarmAddArgs {
    /// The party, by id or name
    pub party: String,
    /// What I did: the facts, as a camera would have recorded them
    #[arg(long)]
    pub did: String,
    #[command(flatten)]
    pub fields: HarmFields,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct HarmEditArgs {
    /// The harm's number (see `amends show PARTY`)
    #[arg(value_parser = harm_id)]
    pub id: i64,
    /// What I did (replaces the wording; the earlier one is kept in the history)
    #[arg(long)]
    pub did: Option<String>,
    #[command(flatten)]
    pub fields: HarmFields,
    /// Remove the amount owed
    #[arg(long, conflicts_with = "owed")]
    pub clear_owed: bool,
}

#[derive(Debug, Args)]
pub struct IdArg {
    /// The harm's number (see `amends show PARTY`)
    #[arg(value_parser = harm_id)]
    pub id: i64,
}

fn number(text: &str, what: &str, hint: &str) -> Result<i64, String> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("give the {what}'s number, as shown by `{hint}`"))
}

fn commitment_id(text: &str) -> Result<i64, String> {
    number(text, "commitment", "amends commitments")
}

fn payment_id(text: &str) -> Result<i64, String> {
    number(text, "payment", "amends commitments")
}

fn checkin_id(text: &str) -> Result<i64, String> {
    number(text, "check-in", "amends commitments")
}

fn harm_id(text: &str) -> Result<i64, String> {
    number(text, "harm", "amends show PARTY")
}

#[derive(Debug, Subcommand)]
pub enum CorrectCmd {
    /// Correct a payment (give only what changes), or remove it with --remove
    Payment(CorrectPaymentArgs),
    /// Correct a check-in (give only what changes), or remove it with --remove
    Checkin(CorrectCheckinArgs),
}

#[derive(Debug, Args)]
pub struct CorrectPaymentArgs {
    /// The payment's number (shown by `amends commitments`)
    #[arg(value_parser = payment_id)]
    pub id: i64,
    /// The amount it should say
    #[arg(long, allow_hyphen_values = true, conflicts_with = "remove")]
    pub amount: Option<String>,
    /// The day it should say
    #[arg(long, value_name = "DATE", conflicts_with = "remove")]
    pub on: Option<String>,
    /// The note it should say
    #[arg(long, conflicts_with = "remove")]
    pub note: Option<String>,
    /// How it was paid: them, court, agency, charity, anonymous or heirs
    #[arg(long, value_name = "WAY", conflicts_with = "remove")]
    pub via: Option<String>,
    /// Remove the payment (recorded by mistake); what is owed goes back up
    #[arg(long)]
    pub remove: bool,
    /// Why it is corrected or removed (kept with the history)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct CorrectCheckinArgs {
    /// The check-in's number (shown by `amends commitments`)
    #[arg(value_parser = checkin_id)]
    pub id: i64,
    /// It should say you kept it up
    #[arg(long, conflicts_with_all = ["missed", "remove"])]
    pub kept: bool,
    /// It should say you missed it
    #[arg(long, conflicts_with = "remove")]
    pub missed: bool,
    /// The day it should say
    #[arg(long, value_name = "DATE", conflicts_with = "remove")]
    pub on: Option<String>,
    /// The note it should say
    #[arg(long, conflicts_with = "remove")]
    pub note: Option<String>,
    /// Remove the check-in (recorded by mistake)
    #[arg(long)]
    pub remove: bool,
    /// Why it is corrected or removed (kept with the history)
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct WillingArgs {
    /// The party, by id or name
    pub party: String,
    /// now, later, maybe or never
    pub level: String,
    /// What moved you, or what holds you back
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Only the questions that can apply to this kind of party are asked: an organisation is not asked whether it is a child or has died, someone recorded as having died is not asked whether they can be found. `amends safety PARTY` lists which questions are asked of it, which the record answers already, and why each matters. When the kind changes, the questions that then apply are asked again, and nothing that reaches them can be recorded until they are answered.\n\nAnswering for the first time (or after the kind changed), the questions not named are recorded as \"no\"."
)]
pub struct SafetyArgs {
    /// The party, by id or name
    pub party: String,
    /// A protective, restraining or no-contact order exists between you (R4)
    #[arg(long)]
    pub court_order: bool,
    /// They asked you not to contact them (R5)
    #[arg(long)]
    pub asked_no_contact: bool,
    /// You abused them, so contact could re-traumatise them (R5)
    #[arg(long)]
    pub abused_them: bool,
    /// They harmed or abused you (R6)
    #[arg(long)]
    pub harmed_me: bool,
    /// A crime, money taken from an employer, or a debt with legal exposure (R3)
    #[arg(long)]
    pub legal_risk: bool,
    /// It involves an affair (R1)
    #[arg(long)]
    pub affair: bool,
    /// The amends would implicate someone else (R1)
    #[arg(long)]
    pub third_parties: bool,
    /// Contact puts you at physical or relapse risk (R7)
    #[arg(long)]
    pub my_safety: bool,
    /// They have died (R8)
    #[arg(long)]
    pub deceased: bool,
    /// They cannot be found (R8)
    #[arg(long)]
    pub unreachable: bool,
    /// They are a child
    #[arg(long)]
    pub child: bool,
    /// They are close family
    #[arg(long)]
    pub family: bool,
    /// Your own decision where there is legal risk, after taking advice
    #[arg(long, value_name = "TEXT")]
    pub legal_decision: Option<String>,
    /// None of the questions apply (records the answers as all "no")
    #[arg(long)]
    pub none: bool,
    /// Lift earlier answers that no longer hold, by flag name (e.g. --clear my-safety).
    /// Answers otherwise add to those given before.
    #[arg(long, value_delimiter = ',', value_name = "FLAG")]
    pub clear: Vec<String>,
    /// Why an answer that kept them from being reached (court-order, asked-no-contact,
    /// abused-them) no longer holds; needed to --clear one, and kept in the history
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Confirm that such an answer truly no longer holds; needed to --clear one
    #[arg(long)]
    pub confirm: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ConsultArgs {
    /// The party, by id or name
    pub party: String,
    /// sponsor, spiritual-adviser, therapist or lawyer
    #[arg(long)]
    pub with: String,
    /// Their name (optional)
    #[arg(long, default_value = "")]
    pub name: String,
    /// When you talked [default: today]
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// What they advised
    #[arg(long, default_value = "")]
    pub advice: String,
    /// They approved the plan as it stands
    #[arg(long, conflicts_with = "not_approved")]
    pub approve: bool,
    /// They did not approve the plan
    #[arg(long)]
    pub not_approved: bool,
}

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The party, by id or name
    pub party: String,
    /// How it is to reach them: face-to-face, phone, video, letter or transfer; or, as before,
    /// restitution, living, indirect or unsent-letter (needed for a first plan, with --kind or
    /// alone; afterwards, what you leave out is kept)
    #[arg(long)]
    pub method: Option<String>,
    /// What it is: words, restitution, living, indirect or unsent-letter (with --method for
    /// how: `--method face-to-face --kind restitution` is paying back in person)
    #[arg(long)]
    pub kind: Option<String>,
    /// What you mean to say or write
    #[arg(long, conflicts_with = "script_file")]
    pub script: Option<String>,
    /// Read the script from a file
    #[arg(long, value_name = "PATH")]
    pub script_file: Option<PathBuf>,
    /// When (7 December 2026, 7 de diciembre de 2026 or 2026-12-07)
    #[arg(long, value_name = "DATE", conflicts_with = "clear_date")]
    pub on: Option<String>,
    /// Remove the planned date
    #[arg(long)]
    pub clear_date: bool,
    /// Where
    #[arg(long)]
    pub place: Option<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("answer").required(true).multiple(false))]
pub struct ConsentArgs {
    /// The party, by id or name
    pub party: String,
    /// Whose consent
    #[arg(long)]
    pub who: String,
    /// They consented (or give --refused)
    #[arg(long, group = "answer")]
    pub given: bool,
    /// They did not consent (or give --given)
    #[arg(long, group = "answer")]
    pub refused: bool,
    /// When [default: today]
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// Anything worth keeping about it
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct DeferArgs {
    /// The party, by id or name
    pub party: String,
    /// Why now is not the time
    #[arg(long)]
    pub reason: String,
    /// When to look at it again (7 December 2026, or 2026-12-07)
    #[arg(long, value_name = "DATE")]
    pub review: String,
}

#[derive(Debug, Args)]
pub struct AttemptArgs {
    /// The party, by id or name
    pub party: String,
    /// How it reached them: face-to-face, phone, video, letter or transfer; or, as before,
    /// restitution, living, indirect or unsent-letter
    #[arg(long, required_unless_present = "kind")]
    pub method: Option<String>,
    /// What it was: words, restitution, living, indirect or unsent-letter (with --method for
    /// how: `--method face-to-face --kind restitution` is paying back in person)
    #[arg(long)]
    pub kind: Option<String>,
    /// warm, with-request, cool, refused, no-answer, no-contact, unreachable or done
    #[arg(long)]
    pub outcome: String,
    /// When [default: today]
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// What they asked for
    #[arg(long, default_value = "")]
    pub requests: String,
    /// How you felt before
    #[arg(long, default_value = "")]
    pub before: String,
    /// How you felt after
    #[arg(long, default_value = "")]
    pub after: String,
    /// Anything else about how it went
    #[arg(long, default_value = "")]
    pub notes: String,
    /// A harm they told you of that was not on the list (repeat for each)
    #[arg(long, value_name = "TEXT")]
    pub revealed: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum CommitCmd {
    /// Paying back money: the amount, and optionally instalments on a schedule
    Restitution(RestitutionArgs),
    /// A lasting change of behaviour with regular check-ins
    Living(LivingArgs),
    /// A one-off promise with a due date
    Promise(PromiseArgs),
}

#[derive(Debug, Args)]
pub struct RestitutionArgs {
    /// The party, by id or name
    pub party: String,
    /// The whole amount
    #[arg(long, allow_hyphen_values = true)]
    pub amount: String,
    /// Currency [default: the vault's currency]
    #[arg(long, value_name = "CODE")]
    pub currency: Option<String>,
    /// Each payment
    #[arg(long, value_name = "AMOUNT", allow_hyphen_values = true)]
    pub instalment: Option<String>,
    /// daily, weekly, fortnightly or monthly
    #[arg(long)]
    pub every: Option<String>,
    /// First payment date [default: today]
    #[arg(long, value_name = "DATE")]
    pub starting: Option<String>,
    /// How it is paid: them (to them directly, the default), court, agency, charity,
    /// anonymous or heirs. Under a court order or a wish for no contact, only a way that
    /// does not reach them is open.
    #[arg(long, value_name = "WAY")]
    pub via: Option<String>,
}

#[derive(Debug, Args)]
pub struct LivingArgs {
    /// The party, by id or name
    pub party: String,
    /// The change you are keeping up
    #[arg(long)]
    pub behaviour: String,
    /// daily, weekly, fortnightly or monthly check-ins
    #[arg(long)]
    pub every: String,
    /// First check-in date [default: today]
    #[arg(long, value_name = "DATE")]
    pub starting: Option<String>,
}

#[derive(Debug, Args)]
pub struct PromiseArgs {
    /// The party, by id or name
    pub party: String,
    /// What you promised
    #[arg(long)]
    pub text: String,
    /// By when (7 December 2026, or 2026-12-07)
    #[arg(long, value_name = "DATE")]
    pub due: String,
    /// How it is kept: them (to them, the default) or no-contact (kept without reaching
    /// them, the only way open under a court order or a wish for no contact)
    #[arg(long, value_name = "WAY")]
    pub via: Option<String>,
}

#[derive(Debug, Args)]
pub struct CommitmentsArgs {
    /// Only this party's commitments
    pub party: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PayArgs {
    /// The commitment's number (see `amends commitments`)
    #[arg(value_parser = commitment_id)]
    pub commitment: i64,
    /// How much was paid, in the commitment's currency
    #[arg(allow_hyphen_values = true)]
    pub amount: String,
    /// When [default: today]
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
    /// Anything worth keeping about it
    #[arg(long, default_value = "")]
    pub note: String,
    /// How this payment was made, if not the restitution's way: them, court, agency,
    /// charity, anonymous or heirs
    #[arg(long, value_name = "WAY")]
    pub via: Option<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("how").required(true).multiple(false))]
pub struct CheckinArgs {
    /// The commitment's number (see `amends commitments`)
    #[arg(value_parser = commitment_id)]
    pub commitment: i64,
    /// You kept it (or give --missed)
    #[arg(long, group = "how")]
    pub kept: bool,
    /// You missed it (or give --kept)
    #[arg(long, group = "how")]
    pub missed: bool,
    /// When [default: today]
    #[arg(long, value_name = "DATE", conflicts_with = "period")]
    pub on: Option<String>,
    /// Answer a period missed before, by its date (as `amends due` lists it); each missed
    /// period is answered on its own
    #[arg(long = "for", id = "period", value_name = "DATE")]
    pub period: Option<String>,
    /// Anything worth keeping about it
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct CloseArgs {
    /// The commitment's number (see `amends commitments`)
    #[arg(value_parser = commitment_id)]
    pub commitment: i64,
    /// kept, released or ended
    #[arg(long = "as", value_name = "HOW")]
    pub how: String,
    /// When [default: today]
    #[arg(long, value_name = "DATE")]
    pub on: Option<String>,
}

#[derive(Debug, Args)]
pub struct CaptureArgs {
    /// Who was harmed (an existing party's name, or a new one)
    pub name: String,
    /// What I did
    #[arg(long)]
    pub did: String,
    /// If the party is new: person, organisation, deceased, unreachable, group or self
    #[arg(long = "party-kind", default_value = "person")]
    pub party_kind: String,
    #[command(flatten)]
    pub fields: HarmFields,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The party, by id or name
    pub party: String,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DueArgs {
    /// Look this many days ahead (overdue items are always shown)
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    pub within: i64,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

const EXPORT_HELP: &str = "json is the whole vault, to keep or to import into another vault. csv, markdown and pdf are for reading, printing and spreadsheets: csv writes one table (--what), markdown and pdf a worksheet for a sponsor meeting (the list with harms and willingness, then a page per plan), or with --party one party's page.

--discreet shows initials instead of names and leaves out what you did, how it affected them, what you should have done, and the other words you wrote (notes, scripts, places), unless you add --harm-details or --notes. None of these files is encrypted: keep them somewhere private.";

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// json (the whole vault), csv, markdown or pdf
    #[arg(long, default_value = "json")]
    pub format: String,
    /// With csv: the table to write: list (a row per party), harms (a row per harm), plans (a row per plan) or commitments (a row per commitment: payments and balance, check-ins, promises)
    #[arg(long, value_enum, value_name = "TABLE")]
    pub what: Option<ExportTable>,
    /// Only this party, by id or name: its rows (csv), or its page (markdown, pdf)
    #[arg(long, value_name = "PARTY")]
    pub party: Option<String>,
    /// Initials instead of names; harm details and the other words you wrote left out
    #[arg(long)]
    pub discreet: bool,
    /// With --discreet: keep what you did, how it affected them and what you should have done
    #[arg(long, requires = "discreet")]
    pub harm_details: bool,
    /// With --discreet: keep your notes, scripts, places and reasons (names in them as initials)
    #[arg(long, requires = "discreet")]
    pub notes: bool,
    /// With pdf: the paper to lay the worksheet out for
    #[arg(long, value_enum, value_name = "PAPER")]
    pub paper: Option<PaperSize>,
    /// Write to this file instead of standard output
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportTable {
    List,
    Harms,
    Plans,
    Commitments,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PaperSize {
    A4,
    Letter,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CalendarArgs {
    #[command(subcommand)]
    pub action: Option<CalendarCmd>,
    /// Write to this file instead of standard output
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// Put names in the event titles and what is due in their descriptions (otherwise titles
    /// such as "Amends: a payment", and nothing personal)
    #[arg(long)]
    pub names: bool,
}

#[derive(Debug, Subcommand)]
pub enum CalendarCmd {
    /// Whether the subscription is on, its address, and whether its titles carry names
    Status(CalendarAddressArgs),
    /// Turn the subscription on (an address it had before stays the same)
    On(CalendarAddressArgs),
    /// Give the subscription a new address; the old one stops working
    NewAddress(CalendarAddressArgs),
    /// Turn the subscription off: its address stops working
    Off,
    /// Names in the subscription's event titles: on or off (off unless you turn them on)
    Names(CalendarNamesArgs),
}

#[derive(Debug, Args)]
pub struct CalendarAddressArgs {
    /// The port the web app listens on, if you start it with `amends serve --port` [default: 4880]
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CalendarNamesArgs {
    pub choice: OnOff,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// A spreadsheet saved as CSV (added to your list), or a file written by `amends export --format json` (restored into an empty vault)
    pub file: PathBuf,
    /// CSV: which column holds which field, as FIELD=COLUMN,... where COLUMN is a number from 1 or the heading as written, and - leaves the field out (may be given more than once)
    #[arg(long, value_name = "FIELD=COLUMN,...")]
    pub map: Vec<String>,
    /// CSV: show how the file will be read and what it will add, on standard output; change nothing
    #[arg(long)]
    pub preview: bool,
    /// CSV: for names already on your list, merge (add the harms and willingness to the entry you have) or apart (add a new entry)
    #[arg(long, value_enum, value_name = "HOW")]
    pub matched: Option<Matched>,
    /// CSV: the file's encoding, when it cannot be told from the file: utf-8, utf-16le, utf-16be or windows-1252
    #[arg(long, value_name = "ENCODING")]
    pub encoding: Option<String>,
    /// CSV: print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

const BACKUP_HELP: &str = "A backup is a standard age file sealed with the backup passphrase; it holds the whole vault (your list with every history, settings, sharing identity and contacts, what others shared, the outbox). `age -d` opens it with that passphrase; docs/backups.md says how to read it by hand.

Automatic backups are made by the web app (amends serve), once a day while it runs, into the folder you choose; the oldest beyond the number to keep are deleted (no other file in the folder is touched). Other commands never make one on their own; `amends backup auto --run` makes the one that is due, for a scheduler such as cron.";

#[derive(Debug, Args)]
pub struct BackupPassArgs {
    /// Read the backup passphrase from this file (otherwise AMENDS_BACKUP_PASSPHRASE, otherwise a prompt)
    #[arg(long, value_name = "PATH")]
    pub backup_passphrase_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct BackupArgs {
    /// Write the backup to this new file (an existing file is never replaced)
    #[arg(long, short, value_name = "PATH", required = true)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub pass: BackupPassArgs,
    #[command(subcommand)]
    pub command: Option<BackupCmd>,
}

#[derive(Debug, Subcommand)]
pub enum BackupCmd {
    /// Automatic backups into a folder: show them (no flags), turn them on or change them, turn them off, or make the one that is due
    Auto(BackupAutoArgs),
}

#[derive(Debug, Args)]
pub struct BackupAutoArgs {
    /// The folder to keep automatic backups in (turns them on)
    #[arg(long, value_name = "DIR", conflicts_with_all = ["off", "run"])]
    pub folder: Option<PathBuf>,
    /// How many automatic backups to keep, 1 to 365 [default: 7, or the number set before]
    #[arg(long, value_name = "N", conflicts_with_all = ["off", "run"])]
    pub keep: Option<u32>,
    /// Choose a new passphrase for the automatic backups (asked anyway when turning them on)
    #[arg(long, conflicts_with_all = ["off", "run"])]
    pub new_passphrase: bool,
    /// Turn automatic backups off (the backups already made stay where they are)
    #[arg(long, conflicts_with = "run")]
    pub off: bool,
    /// Make the automatic backup now if one is due (for a scheduler such as cron)
    #[arg(long)]
    pub run: bool,
    #[command(flatten)]
    pub pass: BackupPassArgs,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file (an .age file made by `amends backup` or by the app); --vault names the new vault
    pub file: PathBuf,
    #[command(flatten)]
    pub pass: BackupPassArgs,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Matched {
    Merge,
    Apart,
}

const IMPORT_HELP: &str = "A CSV file is read by its headings (an 8th-step list, a Step 4 harms-done inventory or a resentment list, in English or Spanish); map other headings with --map, for example --map name=1,did=\"What happened\",willingness=5. Fields: name, kind, relationship, notes, did, should, effect, kinds, when, owed, property, third-parties, willingness, sponsor, source. Rows with the same name become one entry with several harms. Try --preview first: nothing is changed, and every problem is named by its line and column. See docs/import.md.";

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct IdentityArgs {
    /// Print your age secret key instead, as an age identity file (keep it secret)
    #[arg(long, conflicts_with = "json")]
    pub age_key: bool,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ContactCmd {
    /// Add someone's contact code under a name you choose
    Add(ContactAddArgs),
    /// Confirm that you and they read out the same fingerprints
    Verify(ContactVerifyArgs),
    /// List your contacts: verified or not, their role, when added
    List(JsonFlag),
    /// Remove a contact; if you shared with them, a last file asks their app to delete it
    Remove(ContactRemoveArgs),
}

#[derive(Debug, Args)]
pub struct ContactAddArgs {
    /// Their contact code, as they gave it to you (from `amends identity`)
    pub code: String,
    /// A name for them, as you want to see it
    #[arg(long)]
    pub name: String,
    /// Who they are to you: sponsor, spiritual-adviser, therapist, lawyer, or supported
    /// (someone you support, who shares their list with you)
    #[arg(long, default_value = "sponsor")]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct ContactVerifyArgs {
    /// The contact, by id or name
    pub contact: String,
    /// Do not ask: you have already compared the fingerprints out loud and they matched
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ContactRemoveArgs {
    /// The contact, by id or name
    pub contact: String,
    /// Where to write the last file, asking their app to delete what you shared
    /// (if you ever sent them anything, give --out, --via or both)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Send the last bundle through the relay at URL (alone: the relay in your settings)
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub via: Option<String>,
}

pub const SHARE_HELP: &str = "What goes: each party's name, kind, relationship, stage and willingness always go. \
Harms, plans, scripts, attempts and commitments go only if you choose them with --parts (or --all-parts). \
Nothing is written until you have seen all of it and typed yes (or given --yes). \
Give --out FILE for a file, --via for the relay, or both (--via alone uses the relay in your settings). \
If the relay cannot take it now, the bundle stays in this vault (exit code 6) and `amends inbox` sends it later.";

#[derive(Debug, Args)]
pub struct ShareArgs {
    /// The verified contact to share with, by id or name
    #[arg(long, value_name = "CONTACT")]
    pub to: String,
    /// Share only this party, by id or name (repeat for each) [default: the whole list]
    #[arg(long = "party", value_name = "PARTY")]
    pub parties: Vec<String>,
    /// What else to share, comma-separated: harms, plans, scripts, attempts, commitments
    /// [default: none; names and stages only]
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "PARTS",
        conflicts_with = "all_parts"
    )]
    pub parts: Vec<String>,
    /// Share every part: harms, plans, scripts, attempts and commitments
    #[arg(long)]
    pub all_parts: bool,
    /// Leave out this party's safety verdict, by id or name (repeat for each) [default: every
    /// party's verdict is shared]
    #[arg(long = "without-verdict", value_name = "PARTY")]
    pub without_verdict: Vec<String>,
    /// The file to write (it must not exist yet)
    #[arg(long, value_name = "FILE", required_unless_present = "via")]
    pub out: Option<PathBuf>,
    /// Send it through the relay at URL (alone: the relay in your settings)
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    pub via: Option<String>,
    /// Do not ask: seal what the preview shows without typing yes
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    /// The file you were sent
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct SupportedArgs {
    /// Show everything this person shared, by contact id or name [default: everyone at a glance]
    pub contact: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("view").multiple(false))]
pub struct ReviewArgs {
    /// The person whose share you are reviewing, by contact id or name
    pub contact: String,
    /// The party your note is about: its number or name in what they shared
    #[arg(
        long,
        value_name = "PARTY",
        required_unless_present = "send",
        conflicts_with = "send"
    )]
    pub party: Option<String>,
    /// The note is about their plan for this party (a view on the plan always is)
    #[arg(long, conflicts_with = "send")]
    pub plan: bool,
    /// You approve the plan as they shared it
    #[arg(long, group = "view", conflicts_with = "send")]
    pub approve: bool,
    /// You would like to talk the plan over with them first
    #[arg(long, group = "view", conflicts_with = "send")]
    pub talk_first: bool,
    /// Your comment, in your own words
    #[arg(long, value_name = "TEXT", conflicts_with = "send")]
    pub comment: Option<String>,
    /// Seal the notes you have not sent yet for them, in a file (--out) or through the relay
    /// (--via), or both (you see them first)
    #[arg(long)]
    pub send: bool,
    /// The file to write with --send (it must not exist yet)
    #[arg(long, value_name = "FILE", requires = "send")]
    pub out: Option<PathBuf>,
    /// With --send: send it through the relay at URL (alone: the relay in your settings)
    #[arg(
        long,
        value_name = "URL",
        num_args = 0..=1,
        default_missing_value = "",
        requires = "send"
    )]
    pub via: Option<String>,
    /// With --send: do not ask, seal what the preview shows
    #[arg(long, requires = "send")]
    pub yes: bool,
}

#[derive(Debug, Args)]
pub struct InboxArgs {
    /// The relay to use [default: the relay in your settings]
    #[arg(long, value_name = "URL")]
    pub via: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct OutboxArgs {
    #[command(subcommand)]
    pub command: Option<OutboxCmd>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum OutboxCmd {
    /// Write a waiting bundle to a file, to give it to them by hand (it keeps waiting too)
    Save(OutboxSaveArgs),
    /// Stop trying to send a waiting bundle (you are asked first)
    Discard(OutboxDiscardArgs),
}

fn outbox_id(text: &str) -> Result<i64, String> {
    number(text, "waiting bundle", "amends outbox")
}

#[derive(Debug, Args)]
pub struct OutboxSaveArgs {
    /// The waiting bundle's number, as `amends outbox` shows it
    #[arg(value_parser = outbox_id)]
    pub id: i64,
    /// The file to write (it must not exist yet)
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

#[derive(Debug, Args)]
pub struct OutboxDiscardArgs {
    /// The waiting bundle's number, as `amends outbox` shows it
    #[arg(value_parser = outbox_id)]
    pub id: i64,
    /// Do not ask: you have read what discarding means
    #[arg(long)]
    pub yes: bool,
}

#[derive(Debug, Subcommand)]
pub enum RelayCmd {
    /// Start the relay server (it needs no vault). Settings: defaults, then --config FILE, then
    /// AMENDS_RELAY_* variables, then flags. See docs/relay.md.
    Serve(Box<RelayServeArgs>),
    /// Ask the relay to refuse bundles for you from this sender (a key hash shown by
    /// `amends inbox`, or a contact)
    Block(RelayBlockArgs),
    /// Accept bundles from this sender again
    Unblock(RelayBlockArgs),
    /// The senders you have blocked on the relay
    Blocked(RelayBlockedArgs),
}

#[derive(Debug, Args)]
pub struct RelayBlockArgs {
    /// The sender: the 64-digit key hash `amends inbox` showed, or a contact by id or name
    pub sender: String,
    /// The relay to use [default: the relay in your settings]
    #[arg(long, value_name = "URL")]
    pub via: Option<String>,
}

#[derive(Debug, Args)]
pub struct RelayBlockedArgs {
    /// The relay to use [default: the relay in your settings]
    #[arg(long, value_name = "URL")]
    pub via: Option<String>,
    /// Print JSON instead of text
    #[arg(long)]
    pub json: bool,
}

/// Every value is text here; the relay checks it and says which setting was wrong and why.
#[derive(Debug, Args)]
pub struct RelayServeArgs {
    /// A TOML file of settings (the keys are the flag names with underscores)
    #[arg(long, env = "AMENDS_RELAY_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address and port to listen on [default: 127.0.0.1:8440]; port 0 takes a free one
    #[arg(long, env = "AMENDS_RELAY_LISTEN", value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://PATH or postgres://USER@HOST:PORT/DATABASE [default: sqlite:// relay.sqlite in your data directory]
    #[arg(
        long,
        env = "AMENDS_RELAY_DATABASE",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub database: Option<String>,
    /// The largest bundle accepted, e.g. 8MiB [default: 8MiB]
    #[arg(long, env = "AMENDS_RELAY_MAX_BUNDLE_BYTES", value_name = "SIZE")]
    pub max_bundle_bytes: Option<String>,
    /// The most one mailbox may hold, all pending bundles together [default: 64MiB]
    #[arg(long, env = "AMENDS_RELAY_MAX_MAILBOX_BYTES", value_name = "SIZE")]
    pub max_mailbox_bytes: Option<String>,
    /// Requests one key may make in a minute, per relay instance [default: 120]
    #[arg(long, env = "AMENDS_RELAY_REQUESTS_PER_MINUTE", value_name = "N")]
    pub requests_per_minute: Option<String>,
    /// Days an undelivered bundle waits before it is deleted [default: 30]
    #[arg(long, env = "AMENDS_RELAY_EXPIRY_DAYS", value_name = "DAYS")]
    pub expiry_days: Option<String>,
    /// The most bytes of bundles one fetch returns (at least one bundle always) [default: 16MiB]
    #[arg(long, env = "AMENDS_RELAY_FETCH_BUDGET_BYTES", value_name = "SIZE")]
    pub fetch_budget_bytes: Option<String>,
    /// Seconds between sweeps of expired bundles and old nonces [default: 60]
    #[arg(long, env = "AMENDS_RELAY_SWEEP_INTERVAL_SECS", value_name = "SECS")]
    pub sweep_interval_secs: Option<String>,
    /// PostgreSQL connections this instance keeps open [default: 16]
    #[arg(long, env = "AMENDS_RELAY_POOL_SIZE", value_name = "N")]
    pub pool_size: Option<String>,
    /// Seconds a request waits for the database before answering 503 [default: 5]
    #[arg(long, env = "AMENDS_RELAY_DATABASE_TIMEOUT_SECS", value_name = "SECS")]
    pub database_timeout_secs: Option<String>,
    /// Seconds a stopping relay keeps serving with readiness at 503, for load balancers [default: 0]
    #[arg(long, env = "AMENDS_RELAY_DRAIN_SECS", value_name = "SECS")]
    pub drain_secs: Option<String>,
    /// Seconds a stopping relay waits for requests in flight [default: 30]
    #[arg(long, env = "AMENDS_RELAY_SHUTDOWN_TIMEOUT_SECS", value_name = "SECS")]
    pub shutdown_timeout_secs: Option<String>,
    /// Milliseconds SQLite waits for a lock held by another process [default: 5000]
    #[arg(long, env = "AMENDS_RELAY_SQLITE_BUSY_TIMEOUT_MS", value_name = "MS")]
    pub sqlite_busy_timeout_ms: Option<String>,
    /// Check the settings, print them (without any password) and exit
    #[arg(long)]
    pub check: bool,
}

impl RelayServeArgs {
    /// The settings given as flags or environment variables, by their names in the config file.
    pub fn given(&self) -> Vec<(&'static str, &str)> {
        [
            ("listen", &self.listen),
            ("database", &self.database),
            ("max_bundle_bytes", &self.max_bundle_bytes),
            ("max_mailbox_bytes", &self.max_mailbox_bytes),
            ("requests_per_minute", &self.requests_per_minute),
            ("expiry_days", &self.expiry_days),
            ("fetch_budget_bytes", &self.fetch_budget_bytes),
            ("sweep_interval_secs", &self.sweep_interval_secs),
            ("pool_size", &self.pool_size),
            ("database_timeout_secs", &self.database_timeout_secs),
            ("drain_secs", &self.drain_secs),
            ("shutdown_timeout_secs", &self.shutdown_timeout_secs),
            ("sqlite_busy_timeout_ms", &self.sqlite_busy_timeout_ms),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_deref().map(|v| (name, v)))
        .collect()
    }
}
