//! How each command's result becomes test cases (the mapping the README documents).

use std::time::Duration;

use ecsrole_batch::diagnose::Diagnosis;
use ecsrole_batch::rescue::{Ended, RescueOutcome};
use ecsrole_batch::{FailureKind, Step, StepStatus, VerifyOutcome};
use ecsrole_core::{PlanOutcome, Report, Severity};

use super::model::{Case, CaseResult, Suite, error, failure, suite};

/// check: one case per finding (classname = code, name = resource). An error finding
/// fails; a warning passes with its message in `<system-out>`; no finding at all is one
/// passing case `compliant`.
pub fn check(r: &Report) -> Suite {
    let mut cases: Vec<Case> = r
        .findings
        .iter()
        .map(|f| match f.severity {
            Severity::Error => Case::new(
                f.code.as_str(),
                f.resource.to_string(),
                failure(f.code.as_str(), &f.message),
            ),
            Severity::Warning => {
                Case::new(f.code.as_str(), f.resource.to_string(), CaseResult::Passed)
                    .output(format!("warning: {}", f.message))
            }
        })
        .collect();
    if cases.is_empty() {
        cases.push(
            Case::new(
                "compliant",
                format!("role/{}", r.role_name),
                CaseResult::Passed,
            )
            .output(format!(
                "role {} and instance profile {} are compliant",
                r.role_name, r.instance_profile_name
            )),
        );
    }
    suite("check", cases)
}

/// diagnose: one case per finding (classname = code, name = what it was found on, then
/// the resource: `compute-environment/ce1 role/ecsInstanceRole`), as for check; each
/// compute environment, queue and job without a finding is one passing case `healthy`.
pub fn diagnose(d: &Diagnosis) -> Suite {
    let mut cases: Vec<Case> = d
        .findings()
        .map(|(on, f)| {
            let name = format!("{on} {}", f.resource);
            match f.severity {
                Severity::Error => {
                    Case::new(f.code.as_str(), name, failure(f.code.as_str(), &f.message))
                }
                Severity::Warning => Case::new(f.code.as_str(), name, CaseResult::Passed)
                    .output(format!("warning: {}", f.message)),
            }
        })
        .collect();
    let healthy = d
        .compute_environments
        .iter()
        .filter(|c| c.findings.is_empty())
        .map(|c| format!("compute-environment/{}", c.name))
        .chain(
            d.job_queues
                .iter()
                .filter(|q| q.findings.is_empty())
                .map(|q| format!("job-queue/{}", q.name)),
        )
        .chain(
            d.jobs
                .iter()
                .filter(|j| j.findings.is_empty())
                .map(|j| format!("job/{}", j.id)),
        );
    cases.extend(healthy.map(|name| Case::new("healthy", name, CaseResult::Passed)));
    suite("diagnose", cases)
}

/// rescue: one case per stuck compute environment (classname = `rescue`, name =
/// `compute-environment/NAME`): VALID again or gone passes; still stuck, refused, failed,
/// or only planned (`--dry-run`) fails. Nothing stuck is one passing case `nothing_stuck`.
pub fn rescue(o: &RescueOutcome) -> Suite {
    let mut cases: Vec<Case> = o
        .compute_environments
        .iter()
        .map(|r| {
            let name = format!("compute-environment/{}", r.name);
            let kind = match r.ended {
                Ended::Valid | Ended::Deleted => {
                    return Case::new("rescue", name, CaseResult::Passed).output(r.detail.clone());
                }
                Ended::Planned => "stuck",
                Ended::StillStuck => "still_stuck",
                Ended::Refused => "refused",
                Ended::Failed => "failed",
            };
            let message = format!("{} {:?}: {}", r.status, r.status_reason, r.detail);
            Case::new("rescue", name, failure(kind, &message))
        })
        .collect();
    if cases.is_empty() {
        cases.push(Case::new("rescue", "nothing_stuck", CaseResult::Passed));
    }
    suite("rescue", cases)
}

/// plan and apply: one case per action (classname = action, name = resource). A planned
/// action fails (plan exits 2: changes pending); an applied one passes. No action is one
/// passing case `nothing_to_do`.
pub fn plan(p: &PlanOutcome, command: &str) -> Suite {
    let mut cases: Vec<Case> = p
        .actions
        .iter()
        .map(|a| {
            let message = if a.detail.is_empty() {
                format!("{} {}", a.action, a.resource)
            } else {
                a.detail.clone()
            };
            if p.applied {
                Case::new(a.action, a.resource.to_string(), CaseResult::Passed).output(message)
            } else {
                Case::new(
                    a.action,
                    a.resource.to_string(),
                    failure("pending_change", message),
                )
            }
        })
        .collect();
    if cases.is_empty() {
        cases.push(Case::new(
            "nothing_to_do",
            format!("role/{}", p.role_name),
            CaseResult::Passed,
        ));
    }
    suite(command, cases)
}

/// verify: one case per step run (classname = `verify`, name = step, time = the step's).
/// A failed step fails (type: why the run did not verify, for the step that stopped it);
/// an interrupted one is an error; proving steps of the level never reached are skipped.
/// What was left behind fails the `leftovers` case.
pub fn verify(v: &VerifyOutcome) -> Suite {
    let kind = |k: FailureKind| match k {
        FailureKind::Drift => "drift",
        FailureKind::RoleBroken => "role_broken",
        FailureKind::Error => "error",
        FailureKind::Interrupted => "interrupted",
    };
    let left_behind = !v.leftovers.is_empty() && !v.kept;
    let mut stopper = v.failure;
    let mut cases = vec![];
    for s in &v.steps {
        let result = match s.status {
            StepStatus::Ok if s.name == Step::Leftovers && left_behind => failure(
                "leftovers",
                format!("left behind: {}", v.leftovers.join(", ")),
            ),
            StepStatus::Ok | StepStatus::Retried => CaseResult::Passed,
            StepStatus::Failed => failure(stopper.take().map_or("failed", kind), &s.detail),
            StepStatus::Interrupted => error("interrupted", &s.detail),
        };
        let mut case = Case::new("verify", s.name.as_str(), result);
        case.time = Some(Duration::from_millis(s.elapsed_ms));
        if s.name == Step::Check && !v.findings.is_empty() {
            let lines: Vec<String> = v
                .findings
                .iter()
                .map(|f| format!("{} {}: {}", f.code.as_str(), f.resource, f.message))
                .collect();
            case = case.output(lines.join("\n"));
        } else if matches!(case.result, CaseResult::Passed) {
            case = case.output(s.detail.clone());
        }
        cases.push(case);
    }
    let ran = |name: Step| v.steps.iter().any(|s| s.name == name);
    // Proving steps never reached are skipped, listed where they would have run: before
    // teardown (the first step that is not a proving step).
    let proving = v.level.steps();
    let mut at = cases
        .iter()
        .position(|c| !proving.iter().any(|p| p.as_str() == c.name))
        .unwrap_or(cases.len());
    for &name in proving {
        if !ran(name) {
            let mut case = Case::new(
                "verify",
                name.as_str(),
                CaseResult::Skipped {
                    message: "not reached: the run stopped before this step".into(),
                },
            );
            case.time = Some(Duration::ZERO);
            cases.insert(at, case);
            at += 1;
        }
    }
    if left_behind && !ran(Step::Leftovers) {
        cases.push(Case::new(
            "verify",
            Step::Leftovers.as_str(),
            failure(
                "leftovers",
                format!("left behind: {}", v.leftovers.join(", ")),
            ),
        ));
    }
    if v.kept && !v.leftovers.is_empty() {
        cases.push(
            Case::new("verify", "kept", CaseResult::Passed)
                .output(format!("kept (--keep): {}", v.leftovers.join(", "))),
        );
    }
    // A failure no step recorded (none expected) still shows.
    if let Some(k) = stopper
        && !matches!(k, FailureKind::Interrupted)
        && !cases.iter().any(|c| {
            matches!(
                c.result,
                CaseResult::Failure { .. } | CaseResult::Error { .. }
            )
        })
    {
        cases.push(Case::new(
            "verify",
            "verify",
            failure(kind(k), v.error.clone().unwrap_or_default()),
        ));
    }
    let mut s = suite("verify", cases);
    s.properties = vec![
        ("level".into(), v.level.as_str().into()),
        ("run_id".into(), v.run_id.clone()),
    ];
    s
}

/// One fleet target's result, as a case: classname = command, name = account (verify:
/// account/region). Exit 0 passes, 2 and 3 fail, 1 is an error.
pub fn target(
    command: &str,
    name: String,
    code: u8,
    summary: &str,
    error_text: Option<&str>,
    time: Duration,
) -> Case {
    let result = match code {
        0 => CaseResult::Passed,
        1 => error("error", error_text.unwrap_or(summary)),
        3 => failure("role_broken", error_text.unwrap_or(summary)),
        _ if command == "plan" => failure("pending_change", summary),
        _ => failure("drift", error_text.unwrap_or(summary)),
    };
    let mut case = Case::new(command, name, result);
    case.time = Some(time);
    if code == 0 {
        case.output(summary)
    } else {
        case
    }
}

pub fn fleet(command: &str, cases: Vec<Case>) -> Suite {
    suite(command, cases)
}

/// A command that ended in an error before it had a result: one error case.
pub fn failed(command: &str, message: &str) -> Suite {
    suite(
        command,
        vec![Case::new("ecsrole", command, error("error", message))],
    )
}
