//! Human and JSON renderings of each command's result. JSON shapes are part of the
//! contract; human text is for people and may change.

use std::fmt::Write as _;

use ecsrole_batch::VerifyOutcome;
use ecsrole_batch::cleanup::CleanupOutcome;
use ecsrole_batch::diagnose::{Diagnosis, Finding as DiagnoseFinding};
use ecsrole_core::{Action, DestroyOutcome, Finding, PlanOutcome, Report, Severity};
use serde::Serialize;

pub fn json<T: Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).expect("outputs serialize");
    s.push('\n');
    s
}

/// The version of every JSON document ecsrole itself defines (check, plan, apply, destroy,
/// verify, diagnose, cleanup, fleet lines, errors): a field a script can test before it
/// reads the rest. Raised when a field changes meaning or goes; a new field does not.
pub const SCHEMA_VERSION: u32 = 1;

/// `value` as one of ecsrole's own JSON documents: `schema_version` first, then its fields.
/// (The CloudFormation template and the IAM policy are other tools' documents: plain
/// [`json`].)
pub fn document_value<T: Serialize>(value: &T) -> serde_json::Value {
    let inner = serde_json::to_value(value).expect("outputs serialize");
    let mut map = serde_json::Map::new();
    map.insert("schema_version".into(), SCHEMA_VERSION.into());
    match inner {
        serde_json::Value::Object(fields) => map.extend(fields),
        other => {
            map.insert("value".into(), other);
        }
    }
    serde_json::Value::Object(map)
}

/// [`document_value`], pretty-printed.
pub fn document<T: Serialize>(value: &T) -> String {
    json(&document_value(value))
}

/// `check`'s JSON: the report, and what the run did not evaluate.
#[derive(Serialize)]
pub struct CheckOutput<'a> {
    #[serde(flatten)]
    pub report: &'a Report,
    pub not_evaluated: &'a ecsrole_core::scp::NotEvaluated,
}

fn heading(
    out: &mut String,
    role: &str,
    profile: &str,
    partition: &str,
    account: Option<&str>,
    region: Option<&str>,
) {
    let account = account.map_or(String::new(), |a| format!(", account {a}"));
    let region = region.map_or(String::new(), |r| format!(", region {r}"));
    let _ = writeln!(
        out,
        "Role {role}, instance profile {profile} (partition {partition}{account}{region})"
    );
}

/// Where a run went, in words: `account 123456789012, region us-east-1`.
pub fn place(account: Option<&str>, region: Option<&str>) -> String {
    format!(
        "account {}, region {}",
        account.unwrap_or("unknown"),
        region.unwrap_or("unknown")
    )
}

/// Findings as `check` prints them; `plan` and `apply` print the same.
fn findings(out: &mut String, list: &[Finding]) {
    for f in list {
        let sev = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(out, "  {sev:<8}{:<31}{}", f.code.as_str(), f.resource);
        let _ = writeln!(out, "          {}", f.message);
    }
}

/// `check`'s human output. `strict`: `--fail-on warning`, under which a warning fails the
/// run, so a role with warnings is not called compliant.
/// `hint`: the target's flags, for the plan and apply the drift line names.
pub fn check(r: &Report, strict: bool, hint: &ecsrole_core::Hint) -> String {
    let mut out = String::new();
    heading(
        &mut out,
        &r.role_name,
        &r.instance_profile_name,
        r.partition.as_str(),
        r.account_id.as_deref(),
        r.region.as_deref(),
    );
    findings(&mut out, &r.findings);
    let errors = r
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = r.findings.len() - errors;
    for why in &r.undecided {
        let _ = writeln!(out, "  could not decide: {why}");
    }
    let _ = if !r.undecided.is_empty() {
        writeln!(
            out,
            "Not decided: {} question(s) about the role's policies could not be decided, so the role is not shown compliant ({errors} error(s), {warnings} warning(s)).",
            r.undecided.len()
        )
    } else if r.compliant && strict && warnings > 0 {
        writeln!(
            out,
            "Not compliant under --fail-on warning: {warnings} warning(s), no error."
        )
    } else if r.compliant {
        writeln!(out, "Compliant ({warnings} warning(s)).")
    } else {
        writeln!(
            out,
            "Drift: {errors} error(s), {warnings} warning(s). {}",
            match r.remedy {
                ecsrole_core::Remedy::Plan => format!(
                    "`{}` shows the changes, `{}` makes them.",
                    hint.command("plan", &[]),
                    hint.command("apply", &[])
                ),
                ecsrole_core::Remedy::ReplaceTrustPolicy => format!(
                    "Only replacing the whole trust policy fixes it: `{}` shows what it drops, `{}` does it.",
                    hint.command("plan", &["--replace-trust-policy"]),
                    hint.command("apply", &["--replace-trust-policy"])
                ),
                ecsrole_core::Remedy::Outside => "No change ecsrole makes fixes it: change what each error names (the policy and its statement; for an SCP, the OU or account it is attached to; an ARN that does not exist).".to_owned(),
            }
        )
    };
    out
}

/// diagnose: each compute environment with its findings, then the queues and the jobs.
pub fn diagnose(d: &Diagnosis) -> String {
    let mut out = String::new();
    let findings = |out: &mut String, list: &[DiagnoseFinding], undecided: &[String]| {
        for f in list {
            let sev = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let _ = writeln!(out, "  {sev:<8}{:<35}{}", f.code.as_str(), f.resource);
            let _ = writeln!(out, "          {}", f.message);
        }
        for why in undecided {
            let _ = writeln!(out, "  could not decide: {why}");
        }
        if list.is_empty() && undecided.is_empty() {
            let _ = writeln!(out, "  no finding");
        }
    };
    for c in &d.compute_environments {
        let _ = writeln!(
            out,
            "Compute environment {} ({}, {}; instance role {})",
            c.name,
            c.status,
            c.state,
            c.instance_role.as_deref().unwrap_or("none")
        );
        findings(&mut out, &c.findings, &c.undecided);
    }
    for q in &d.job_queues {
        let _ = writeln!(
            out,
            "Job queue {} ({}, {}; compute environments {})",
            q.name,
            q.status,
            q.state,
            if q.compute_environments.is_empty() {
                "none".to_owned()
            } else {
                q.compute_environments.join(", ")
            }
        );
        findings(&mut out, &q.findings, &[]);
    }
    for j in &d.jobs {
        let _ = writeln!(out, "Job {} {} ({} in {})", j.id, j.name, j.status, j.queue);
        findings(&mut out, &j.findings, &[]);
    }
    let counts = format!(
        "{} compute environment(s), {} job queue(s), {} job(s) in {}",
        d.compute_environments.len(),
        d.job_queues.len(),
        d.jobs.len(),
        place(d.account_id.as_deref(), d.region.as_deref())
    );
    let _ = if d.is_empty() {
        writeln!(
            out,
            "{counts}: nothing to diagnose here (is this the account and region you meant?)."
        )
    } else if d.undecided > 0 {
        writeln!(
            out,
            "{counts}: not decided: {} question(s) about the roles' policies could not be decided, so they are not shown working ({} error(s), {} warning(s)).",
            d.undecided, d.errors, d.warnings
        )
    } else if d.errors == 0 {
        writeln!(out, "{counts}: no error ({} warning(s)).", d.warnings)
    } else {
        writeln!(
            out,
            "{counts}: {} error(s), {} warning(s).",
            d.errors, d.warnings
        )
    };
    out
}

fn actions(out: &mut String, list: &[Action]) {
    for (i, a) in list.iter().enumerate() {
        let _ = writeln!(out, "  {}. {:<34}{}", i + 1, a.action, a.resource);
        if !a.detail.is_empty() {
            let _ = writeln!(out, "     {}", a.detail);
        }
    }
}

/// `apply`: the whole apply command that makes a plan's changes (unused for apply's own
/// outcome).
pub fn plan(p: &PlanOutcome, apply: &str) -> String {
    let mut out = String::new();
    heading(
        &mut out,
        &p.role_name,
        &p.instance_profile_name,
        p.partition.as_str(),
        p.account_id.as_deref(),
        p.region.as_deref(),
    );
    findings(&mut out, &p.findings);
    for why in &p.undecided {
        let _ = writeln!(out, "  could not decide: {why}");
    }
    if p.actions.is_empty() {
        let errors = p.findings.iter().filter(|f| f.is_error()).count();
        let warnings = p.findings.len() - errors;
        let _ = if !p.undecided.is_empty() {
            writeln!(
                out,
                "Nothing to change, but the role is not known to be compliant: {} question(s) not decided (above).",
                p.undecided.len()
            )
        } else if errors > 0 {
            writeln!(
                out,
                "Nothing ecsrole changes fixes the {errors} error(s) above: they need a change outside the role ecsrole manages."
            )
        } else if warnings == 0 {
            writeln!(out, "Nothing to do: the role is compliant.")
        } else {
            writeln!(
                out,
                "Nothing to do: the role is compliant, with the {warnings} warning(s) above."
            )
        };
        return out;
    }
    let _ = writeln!(
        out,
        "{} ({}):",
        if p.applied {
            "Applied"
        } else {
            "Planned changes"
        },
        p.actions.len()
    );
    actions(&mut out, &p.actions);
    if !p.applied {
        let _ = writeln!(out, "`{apply}` makes them.");
    }
    out
}

pub fn destroy(d: &DestroyOutcome) -> String {
    let mut out = String::new();
    heading(
        &mut out,
        &d.role_name,
        &d.instance_profile_name,
        d.partition.as_str(),
        d.account_id.as_deref(),
        d.region.as_deref(),
    );
    if d.actions.is_empty() {
        let _ = writeln!(
            out,
            "Nothing to delete: neither the role nor the instance profile exists."
        );
        return out;
    }
    if !d.overridden.is_empty() {
        let _ = writeln!(out, "Deleted despite ({}):", d.overridden.len());
        for r in &d.overridden {
            let _ = writeln!(
                out,
                "  ! {} (overridden by {}): {}",
                r.kind, r.overridden_by, r.message
            );
        }
    }
    let _ = writeln!(out, "Deleted ({}):", d.actions.len());
    actions(&mut out, &d.actions);
    out
}

pub fn destroy_plan(d: &ecsrole_core::DestroyPlan) -> String {
    let mut out = String::new();
    heading(
        &mut out,
        &d.role_name,
        &d.instance_profile_name,
        d.partition.as_str(),
        d.account_id.as_deref(),
        d.region.as_deref(),
    );
    if d.actions.is_empty() {
        let _ = writeln!(
            out,
            "Nothing would be deleted: neither the role nor the instance profile exists."
        );
    } else {
        let _ = writeln!(out, "Would delete ({}):", d.actions.len());
        actions(&mut out, &d.actions);
    }
    if d.refusals.is_empty() {
        let _ = writeln!(out, "Nothing stops it (dry run: nothing was deleted).");
    } else {
        let stopping = d.stopping().len();
        let _ = match (stopping, d.refusals.len() - stopping) {
            (n, 0) => writeln!(out, "Stopped by ({n}):"),
            (0, m) => writeln!(out, "Overridden ({m}); nothing else stops it:"),
            (n, m) => writeln!(out, "Stopped by ({n}), and {m} overridden:"),
        };
        for r in &d.refusals {
            if d.overrides(r) {
                let _ = writeln!(
                    out,
                    "  ! {} (overridden by {}): {}",
                    r.kind, r.overridden_by, r.message
                );
            } else {
                let _ = writeln!(out, "  ✗ {}: {}", r.kind, r.message);
            }
        }
    }
    out
}

/// `hint`: where the run went, for the cleanup command it names.
pub fn verify(v: &VerifyOutcome, hint: &ecsrole_core::Hint) -> String {
    let mut out = String::new();
    let total: u64 = v.steps.iter().map(|s| s.elapsed_ms).sum();
    let level = v.level.as_str();
    let _ = if v.verified {
        writeln!(
            out,
            "Verified at level {level} (run {}, {}, {} steps, {:.1}s).",
            v.run_id,
            place(v.account_id.as_deref(), v.region.as_deref()),
            v.steps.len(),
            total as f64 / 1000.0
        )
    } else {
        writeln!(
            out,
            "NOT verified at level {level} (run {}, {}): {}",
            v.run_id,
            place(v.account_id.as_deref(), v.region.as_deref()),
            v.error.as_deref().unwrap_or("unknown")
        )
    };
    for f in &v.findings {
        let _ = writeln!(out, "  {:<31}{}", f.code.as_str(), f.message);
    }
    let _ = if !v.created {
        writeln!(
            out,
            "Nothing was created (the run ended before its first create): nothing to tear down."
        )
    } else if v.kept {
        writeln!(
            out,
            "Kept (--keep): {}. `{}` removes them (same account; their lease keeps a plain `cleanup` off them until it ends).",
            v.leftovers.join(", "),
            hint.command("cleanup", &["--run", &v.run_id])
        )
    } else if v.leftovers.is_empty() {
        writeln!(out, "Nothing of this run is left.")
    } else {
        writeln!(
            out,
            "LEFT BEHIND: {}. `{}` removes them (same account; their lease keeps a plain `cleanup` off them until it ends).",
            v.leftovers.join(", "),
            hint.command("cleanup", &["--run", &v.run_id])
        )
    };
    out
}

pub fn cleanup(c: &CleanupOutcome) -> String {
    let mut out = String::new();
    let list = |out: &mut String, title: &str, items: &[String]| {
        if !items.is_empty() {
            let _ = writeln!(out, "{title} ({}):", items.len());
            for i in items {
                let _ = writeln!(out, "  {i}");
            }
        }
    };
    let _ = writeln!(
        out,
        "Cleanup in {}:",
        place(c.account_id.as_deref(), c.region.as_deref())
    );
    if c.found.is_empty() && c.leased.is_empty() && c.run_id.is_some() {
        let id = c.run_id.as_deref().unwrap_or_default();
        let _ = writeln!(
            out,
            "Nothing of run {id} here: no resource is tagged ecsrole:verify-run={id} (check the run id verify printed, and the account and region)."
        );
    } else if c.found.is_empty() {
        let _ = writeln!(out, "Nothing to delete.");
    } else if c.dry_run {
        list(&mut out, "Would delete", &c.found);
    } else {
        list(&mut out, "Deleted", &c.deleted);
        list(&mut out, "Failed", &c.failed);
    }
    let leased: Vec<String> = c
        .leased
        .iter()
        .map(|l| match &l.expires {
            Some(until) => format!("{} (run {}, lease until {until})", l.resource, l.run_id),
            None => format!(
                "{} (run {}, no readable lease expiry)",
                l.resource, l.run_id
            ),
        })
        .collect();
    list(
        &mut out,
        "Left alone, a run may still use them (`cleanup --run ID` or `--all` deletes them anyway)",
        &leased,
    );
    out
}
