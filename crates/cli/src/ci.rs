//! What CI pipelines read besides stdout: `--output sarif` (SARIF 2.1.0, for code
//! scanning), the Markdown step summary (`--summary FILE`, else `$GITHUB_STEP_SUMMARY`),
//! and `--fail-on warning`. All three come from one [`Record`] of the run: each target's
//! exit code, findings (typed, each naming its [`ecsrole_core::Subject`]) and steps, taken
//! from the command's [`crate::outcome::Outcome`] while it runs, rendered when it has ended
//! (errors included).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use ecsrole_core::Subject;
use serde_json::{Value, json};

/// A finding as every CI output shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub code: &'static str,
    pub error: bool,
    pub message: String,
    pub subject: Subject,
}

/// A step of a run (verify's), as the step summary shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepRow {
    pub name: &'static str,
    pub status: &'static str,
    pub elapsed_ms: u64,
    pub detail: String,
}

/// What the run keeps of one result for the outputs written after it: derived once, from
/// the [`Outcome`].
#[derive(Debug, Clone, Default)]
pub struct Ran {
    pub code: u8,
    pub summary: String,
    pub findings: Vec<Found>,
    pub steps: Vec<StepRow>,
    pub account: Option<String>,
    /// The JSON `--output json` prints.
    pub json: serde_json::Value,
}

/// One run in one account and region (a single-account run has one).
#[derive(Debug, Clone)]
pub struct Target {
    pub account: Option<String>,
    pub region: Option<String>,
    pub code: u8,
    /// The command's findings (none when it ended in an error).
    pub findings: Vec<Found>,
    /// Its steps (verify's).
    pub steps: Vec<StepRow>,
    pub error: Option<String>,
}

impl Target {
    /// A target's result, as the [`Ran`] of its outcome holds it; `account` and `region`
    /// where it ran (the account the result names when the run does not say).
    pub fn of(account: Option<String>, region: Option<String>, ran: &Ran) -> Target {
        Target {
            account: account.or_else(|| ran.account.clone()),
            region,
            code: ran.code,
            findings: ran.findings.clone(),
            steps: ran.steps.clone(),
            error: None,
        }
    }
}

/// What the run produced, for SARIF and the summary.
#[derive(Debug, Clone, Default)]
pub struct Record {
    pub targets: Vec<Target>,
    /// Fleet mode: one summary row per target.
    pub fleet: bool,
    /// The partition, for ARNs (`aws` when unknown).
    pub partition: Option<String>,
}

/// One finding, wherever it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub code: String,
    pub error: bool,
    pub message: String,
    /// The resource's ARN where one can be made, else its short name.
    pub resource: String,
    pub account: String,
    pub region: String,
}

impl Record {
    pub fn push(&mut self, target: Target) {
        self.targets.push(target);
    }

    /// Every finding of every target, in order.
    pub fn items(&self) -> Vec<Item> {
        let p = self.partition.as_deref().unwrap_or("aws");
        self.targets.iter().flat_map(|t| items_of(t, p)).collect()
    }

    /// `compliant`, `drift`, `error` or `not-working`: the run's result by its exit code.
    pub fn verdict(code: u8) -> &'static str {
        match code {
            crate::EXIT_OK => "compliant",
            crate::EXIT_DRIFT => "drift",
            crate::EXIT_ROLE_BROKEN => "not-working",
            _ => "error",
        }
    }
}

fn items_of(t: &Target, partition: &str) -> Vec<Item> {
    let account = t.account.clone().unwrap_or_default();
    let region = t.region.clone().unwrap_or_default();
    t.findings
        .iter()
        .map(|f| Item {
            code: f.code.to_owned(),
            error: f.error,
            message: f.message.clone(),
            resource: f.subject.arn(partition, &account, &region),
            account: account.clone(),
            region: region.clone(),
        })
        .collect()
}

/// A code's meaning (help text) and the page that documents it (the rule's help URI
/// relative to the repository), from the code tables (`FindingCode`'s, then diagnose's),
/// which the pages' tables are generated from.
fn rule_help(code: &str) -> (String, &'static str) {
    let plain = |m: &str| m.replace('`', "");
    if let Some(c) = ecsrole_core::FindingCode::ALL
        .iter()
        .find(|c| c.as_str() == code)
    {
        return (
            plain(c.doc().meaning),
            "docs/findings.md#finding-codes-stable",
        );
    }
    if let Some(c) = ecsrole_batch::diagnose::Code::OWN
        .iter()
        .find(|c| c.as_str() == code)
    {
        return (plain(c.doc().meaning), "docs/diagnose.md");
    }
    (
        format!("ecsrole finding {code}"),
        "docs/findings.md#finding-codes-stable",
    )
}

/// A stable fingerprint of (account, region, code, resource, message): code scanning
/// tracks a finding across runs by it, and the message holds what tells two findings of
/// one code on one resource apart (the denied actions, the deciding statement). FNV-1a, 64
/// bits, hex: the same input, the same value, on every platform.
fn fingerprint(i: &Item) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in [&i.account, &i.region, &i.code, &i.resource, &i.message] {
        for b in part.bytes().chain([0]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// The run as a SARIF 2.1.0 log: one result per finding, the rules they use, and the
/// invocation (its exit code; for a run that ended in an error, not successful, with the
/// error as a notification).
///
/// Each result points at `location` (a file of the repository: see [`location`]) line 1,
/// and carries `partialFingerprints.primaryLocationLineHash`, distinct per distinct
/// finding (GitHub would otherwise hash that one line, the same for every result); the
/// run's `automationDetails.id` is `ecsrole/<command>/`, its category for code scanning.
pub fn sarif(
    record: &Record,
    command: &str,
    code: u8,
    error: Option<&str>,
    location: &str,
) -> Value {
    let items = record.items();
    let mut rules: Vec<String> = items.iter().map(|i| i.code.clone()).collect();
    rules.sort();
    rules.dedup();
    let repo = env!("CARGO_PKG_REPOSITORY");
    let rule_docs: Vec<Value> = rules
        .iter()
        .map(|r| {
            let (help, anchor) = rule_help(r);
            json!({
                "id": r,
                // SARIF wants the name, when given, to differ from the opaque id.
                "name": r.split('_').map(|w| {
                    let mut c = w.chars();
                    c.next().map_or_else(String::new, |f| f.to_ascii_uppercase().to_string() + c.as_str())
                }).collect::<String>(),
                "shortDescription": {"text": r},
                "fullDescription": {"text": help},
                "help": {"text": help},
                "helpUri": format!("{repo}/blob/main/{anchor}"),
            })
        })
        .collect();
    let results: Vec<Value> = items
        .iter()
        .map(|i| {
            let index = rules.iter().position(|r| *r == i.code).unwrap_or(0);
            json!({
                "ruleId": i.code,
                "ruleIndex": index,
                "level": if i.error { "error" } else { "warning" },
                "message": {"text": i.message},
                // GitHub code scanning needs a file to hang an alert on: the config
                // file that names the role, else the workflow that ran ecsrole (the
                // resource itself is the logical location).
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": location},
                        "region": {"startLine": 1},
                    },
                    "logicalLocations": [{
                        "fullyQualifiedName": i.resource,
                        "kind": "resource",
                    }],
                }],
                "partialFingerprints": {
                    "primaryLocationLineHash": format!("{}:1", fingerprint(i)),
                },
                "properties": {"account": i.account, "region": i.region},
            })
        })
        .collect();
    let mut invocation = json!({
        "executionSuccessful": error.is_none() && code != crate::EXIT_ERROR,
        "exitCode": code,
        "commandLine": format!("ecsrole {command}"),
    });
    let mut notes: Vec<Value> = vec![];
    if let Some(e) = error {
        notes.push(json!({"level": "error", "message": {"text": e}}));
    }
    for t in &record.targets {
        if let Some(e) = &t.error {
            notes.push(json!({"level": "error", "message": {"text": format!(
                "{} {}: {e}",
                t.account.as_deref().unwrap_or("?"),
                t.region.as_deref().unwrap_or("")
            )}}));
        }
    }
    if !notes.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notes);
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ecsrole",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": repo,
                "rules": rule_docs,
            }},
            "automationDetails": {"id": format!("ecsrole/{command}/")},
            "invocations": [invocation],
            "results": results,
        }],
    })
}

/// The repository file a SARIF result points at: the config file when one was read (as
/// named, or `ecsrole.toml` found in the working directory), else the workflow that ran
/// ecsrole (`GITHUB_WORKFLOW_REF` without its `owner/repo/` and `@ref`), else
/// `ecsrole.toml`.
pub fn location(config: Option<&Path>, workflow_ref: Option<&str>) -> String {
    if let Some(path) = config {
        return path.to_string_lossy().trim_start_matches("./").to_owned();
    }
    if Path::new(crate::config::DEFAULT_FILE).exists() {
        return crate::config::DEFAULT_FILE.to_owned();
    }
    workflow_ref
        .and_then(|r| r.split('@').next())
        .and_then(|r| r.splitn(3, '/').nth(2))
        .filter(|p| !p.is_empty())
        .map_or_else(|| crate::config::DEFAULT_FILE.to_owned(), str::to_owned)
}

/// Removes a SARIF log left at `path` by an earlier run (none there is fine).
pub fn remove_stale(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(anyhow::anyhow!(
            "cannot remove the stale SARIF log {}: {e}",
            path.display()
        )),
    }
}

/// A Markdown table cell: one line, pipes escaped.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// The step summary: the verdict, then a table of findings (fleet: one row per target;
/// verify: its steps with their times).
pub fn markdown(record: &Record, command: &str, code: u8, error: Option<&str>) -> String {
    let mut md = format!(
        "### ecsrole {command}: {} (exit {code})\n\n",
        Record::verdict(code)
    );
    if let Some(e) = error {
        let _ = writeln!(md, "**Error:** {}\n", cell(e));
    }
    if record.fleet {
        md.push_str("| account | region | result | exit | detail |\n|---|---|---|---|---|\n");
        for t in &record.targets {
            let detail = t.error.clone().unwrap_or_else(|| {
                let n = t.findings.len();
                format!("{n} finding{}", if n == 1 { "" } else { "s" })
            });
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                cell(t.account.as_deref().unwrap_or("")),
                cell(t.region.as_deref().unwrap_or("")),
                Record::verdict(t.code),
                t.code,
                cell(&detail)
            );
        }
        md.push('\n');
    }
    let steps: Vec<&StepRow> = record.targets.iter().flat_map(|t| &t.steps).collect();
    if !steps.is_empty() {
        md.push_str("| step | status | time | detail |\n|---|---|---|---|\n");
        for s in steps {
            let _ = writeln!(
                md,
                "| {} | {} | {:.1} s | {} |",
                cell(s.name),
                cell(s.status),
                s.elapsed_ms as f64 / 1000.0,
                cell(&s.detail)
            );
        }
        md.push('\n');
    }
    let items = record.items();
    if items.is_empty() {
        if error.is_none() && !record.targets.is_empty() {
            md.push_str("No findings.\n");
        }
    } else {
        md.push_str("| code | severity | resource | message |\n|---|---|---|---|\n");
        for i in &items {
            let _ = writeln!(
                md,
                "| `{}` | {} | {} | {} |",
                cell(&i.code),
                if i.error { "error" } else { "warning" },
                cell(&i.resource),
                cell(&i.message)
            );
        }
    }
    md.push('\n');
    md
}

/// Where the summary goes: `--summary`, else `$GITHUB_STEP_SUMMARY` when set and not empty.
pub fn summary_path(flag: Option<&Path>) -> Option<PathBuf> {
    flag.map(Path::to_owned).or_else(|| {
        std::env::var_os("GITHUB_STEP_SUMMARY")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    })
}

/// Appends `text` to the summary file (created when missing), as GitHub's runner expects.
pub fn append(path: &Path, text: &str) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| {
            anyhow::anyhow!("cannot append the step summary to {}: {e}", path.display())
        })?;
    f.write_all(text.as_bytes())
        .map_err(|e| anyhow::anyhow!("cannot append the step summary to {}: {e}", path.display()))
}

/// `--fail-on warning`: a run that would exit 0 but has a warning finding exits 2.
pub fn fail_on_warning(record: &Record, code: u8) -> u8 {
    if code == crate::EXIT_OK && !record.items().is_empty() {
        crate::EXIT_DRIFT
    } else {
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(code: &'static str, error: bool, message: &str) -> Found {
        Found {
            code,
            error,
            message: message.into(),
            subject: ecsrole_core::Subject::Role("r".into()),
        }
    }

    fn record() -> Record {
        Record {
            targets: vec![Target {
                account: Some("123456789012".into()),
                region: Some("eu-west-1".into()),
                code: 2,
                findings: vec![
                    found("role_missing", true, "a | b"),
                    found("trust_policy_conditional", false, "m"),
                ],
                steps: vec![],
                error: None,
            }],
            fleet: false,
            partition: Some("aws-cn".into()),
        }
    }

    #[test]
    fn items_carry_arns_and_fingerprints_are_stable_and_distinct() {
        let items = record().items();
        assert_eq!(items[0].resource, "arn:aws-cn:iam::123456789012:role/r");
        assert_eq!(fingerprint(&items[0]), fingerprint(&record().items()[0]));
        assert_ne!(fingerprint(&items[0]), fingerprint(&items[1]));
        let mut other = items[0].clone();
        other.region = "us-east-1".into();
        assert_ne!(fingerprint(&items[0]), fingerprint(&other));
        // Two findings of one code on one role that differ in what they deny.
        let mut denied = items[0].clone();
        denied.message = "may not call ecs:Poll".into();
        let mut other = denied.clone();
        other.message = "may not call ecr:GetAuthorizationToken".into();
        assert_ne!(fingerprint(&denied), fingerprint(&other));
    }

    /// Every result points at a line of a file of the repository and has a fingerprint
    /// GitHub reads; the run has a category per command.
    #[test]
    fn sarif_results_have_a_located_line_a_fingerprint_and_a_category() {
        let s = sarif(&record(), "diagnose", 2, None, ".github/workflows/ci.yml");
        assert_eq!(s["runs"][0]["automationDetails"]["id"], "ecsrole/diagnose/");
        let results = s["runs"][0]["results"].as_array().unwrap();
        let hashes: Vec<&str> = results
            .iter()
            .map(|r| {
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
            })
            .collect();
        assert_ne!(hashes[0], hashes[1]);
        for r in results {
            let at = &r["locations"][0]["physicalLocation"];
            assert_eq!(at["artifactLocation"]["uri"], ".github/workflows/ci.yml");
            assert_eq!(at["region"]["startLine"], 1);
        }
    }

    #[test]
    fn the_location_is_the_config_then_the_workflow() {
        assert_eq!(
            location(Some(Path::new("./conf/ecsrole.toml")), None),
            "conf/ecsrole.toml"
        );
        // (No ecsrole.toml in the crate's directory, where unit tests run.)
        assert_eq!(
            location(
                None,
                Some("octo/repo/.github/workflows/ci.yml@refs/heads/main")
            ),
            ".github/workflows/ci.yml"
        );
        assert_eq!(location(None, None), "ecsrole.toml");
        assert_eq!(location(None, Some("")), "ecsrole.toml");
    }

    #[test]
    fn rules_have_the_documented_meaning() {
        let (help, at) = rule_help("role_missing");
        assert_eq!(help, "the role does not exist");
        assert_eq!(at, "docs/findings.md#finding-codes-stable");
        let (help, at) = rule_help("subnet_no_route_out");
        assert!(help.contains("route table"), "{help}");
        assert_eq!(at, "docs/diagnose.md");
    }

    #[test]
    fn sarif_and_markdown_name_every_finding() {
        let s = sarif(&record(), "check", 2, None, "ecsrole.toml");
        let results = s["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        assert_eq!(results[0]["level"], "error");
        assert_eq!(results[1]["level"], "warning");
        assert_eq!(
            s["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            2
        );
        assert_eq!(s["runs"][0]["invocations"][0]["executionSuccessful"], true);
        let md = markdown(&record(), "check", 2, None);
        assert!(md.contains("### ecsrole check: drift (exit 2)"), "{md}");
        assert!(
            md.contains(
                "| `role_missing` | error | arn:aws-cn:iam::123456789012:role/r | a \\| b |"
            ),
            "{md}"
        );
        let failed = sarif(
            &Record::default(),
            "check",
            1,
            Some("no credentials"),
            "ecsrole.toml",
        );
        assert_eq!(
            failed["runs"][0]["invocations"][0]["executionSuccessful"],
            false
        );
    }

    #[test]
    fn fail_on_warning_turns_only_a_clean_exit_into_drift() {
        let mut warn = record();
        warn.targets[0].findings = vec![found("trust_policy_conditional", false, "m")];
        assert_eq!(fail_on_warning(&warn, 0), 2);
        assert_eq!(fail_on_warning(&warn, 1), 1);
        assert_eq!(fail_on_warning(&Record::default(), 0), 0);
    }
}
