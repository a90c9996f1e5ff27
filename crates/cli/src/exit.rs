//! Exit codes, and the one rule each command's code follows (single-account and fleet
//! runs alike).

#[allow(unused_imports)]
use crate::*;

/// Exit codes: 2 always means drift (or pending changes), never a usage error.
pub const EXIT_OK: u8 = 0;

pub const EXIT_ERROR: u8 = 1;

pub const EXIT_DRIFT: u8 = 2;

/// `verify` showed the role does not work.
pub const EXIT_ROLE_BROKEN: u8 = 3;

/// check's exit code: 1 when a question about the role's policies was not decided (a
/// verdict cannot rest on it), else 0 compliant, 2 drift.
pub(crate) fn check_code(report: &ecsrole_core::findings::Report) -> u8 {
    match report.standing() {
        ecsrole_core::Standing::Compliant => EXIT_OK,
        ecsrole_core::Standing::Drift => EXIT_DRIFT,
        ecsrole_core::Standing::Undecided => EXIT_ERROR,
    }
}

/// plan's exit code: 1 when a question was not decided (nothing can be said of the role),
/// else 2 when there are changes to make, 0 when there are none.
pub(crate) fn plan_code(plan: &PlanOutcome) -> u8 {
    if !plan.undecided.is_empty() {
        EXIT_ERROR
    } else if plan.actions.is_empty() {
        EXIT_OK
    } else {
        EXIT_DRIFT
    }
}

/// apply's exit code, after its writes and their re-read: 0 only when the re-read finds no
/// error and decides every question; else 1 (not proven: as "apply did not converge").
pub(crate) fn apply_code(applied: &PlanOutcome) -> u8 {
    if applied.undecided.is_empty() && !applied.findings.iter().any(|f| f.is_error()) {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}

/// diagnose's exit code, as check's: a question left undecided is 1 (nothing can be
/// said), else an error finding is 2.
pub(crate) fn diagnose_code(d: &ecsrole_batch::diagnose::Diagnosis) -> u8 {
    if d.undecided > 0 {
        EXIT_ERROR
    } else if d.errors > 0 {
        EXIT_DRIFT
    } else {
        EXIT_OK
    }
}

/// verify's exit code: 3 only when the role was shown not to work, 2 drift (check's),
/// 1 an error, an interruption, or what the run left behind; else 0.
pub(crate) fn verify_code(outcome: &ecsrole_batch::VerifyOutcome) -> u8 {
    use ecsrole_batch::FailureKind;
    let left_behind = !outcome.leftovers.is_empty() && !outcome.kept;
    match outcome.failure {
        None if left_behind => EXIT_ERROR,
        None => EXIT_OK,
        Some(FailureKind::Drift) => EXIT_DRIFT,
        Some(FailureKind::RoleBroken) => EXIT_ROLE_BROKEN,
        Some(FailureKind::Error | FailureKind::Interrupted) => EXIT_ERROR,
    }
}

/// rescue's exit code: 1 when something could not be acted on (a refusal, a failed write),
/// else 2 when something is still stuck (with `--dry-run`: stuck at all), else 0.
pub(crate) fn rescue_code(o: &ecsrole_batch::rescue::RescueOutcome) -> u8 {
    if o.could_not_act() {
        EXIT_ERROR
    } else if o.still_stuck() {
        EXIT_DRIFT
    } else {
        EXIT_OK
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ecsrole_core::findings::{Finding, FindingCode, Remedy, Report, Severity};
    use ecsrole_core::plan::Action;

    fn finding(severity: Severity) -> Finding {
        Finding {
            code: FindingCode::TrustPolicyConditional,
            severity,
            message: "m".into(),
            resource: ecsrole_core::Subject::Role("r".into()),
            witnesses: vec![],
        }
    }

    fn report(findings: Vec<Finding>, undecided: Vec<String>) -> Report {
        Report {
            role_name: "r".into(),
            instance_profile_name: "r".into(),
            partition: Partition::Aws,
            account_id: None,
            region: None,
            compliant: undecided.is_empty() && !findings.iter().any(Finding::is_error),
            findings,
            undecided,
            remedy: Remedy::Plan,
        }
    }

    fn outcome(actions: usize, findings: Vec<Finding>, undecided: Vec<String>) -> PlanOutcome {
        PlanOutcome {
            role_name: "r".into(),
            instance_profile_name: "r".into(),
            partition: Partition::Aws,
            account_id: None,
            region: None,
            actions: (0..actions)
                .map(|_| Action {
                    action: "attach_role_policy",
                    resource: ecsrole_core::Subject::Policy("arn".into()),
                    detail: String::new(),
                })
                .collect(),
            applied: false,
            findings,
            undecided,
        }
    }

    /// The codes teams gate releases on: a warning alone is 0, an error 2, anything
    /// undecided 1 (before drift: nothing can be said of the role).
    #[test]
    fn check_plan_and_apply_codes() {
        let open = || vec!["whether the agent may call ecs:Poll".to_owned()];
        assert_eq!(
            check_code(&report(vec![finding(Severity::Warning)], vec![])),
            EXIT_OK
        );
        assert_eq!(
            check_code(&report(vec![finding(Severity::Error)], vec![])),
            EXIT_DRIFT
        );
        assert_eq!(
            check_code(&report(vec![finding(Severity::Error)], open())),
            EXIT_ERROR
        );
        assert_eq!(check_code(&report(vec![], open())), EXIT_ERROR);

        assert_eq!(plan_code(&outcome(0, vec![], vec![])), EXIT_OK);
        assert_eq!(plan_code(&outcome(2, vec![], vec![])), EXIT_DRIFT);
        assert_eq!(plan_code(&outcome(2, vec![], open())), EXIT_ERROR);
        assert_eq!(plan_code(&outcome(0, vec![], open())), EXIT_ERROR);

        assert_eq!(
            apply_code(&outcome(3, vec![finding(Severity::Warning)], vec![])),
            EXIT_OK
        );
        assert_eq!(
            apply_code(&outcome(3, vec![finding(Severity::Error)], vec![])),
            EXIT_ERROR
        );
        assert_eq!(apply_code(&outcome(0, vec![], open())), EXIT_ERROR);
    }

    #[test]
    fn diagnose_undecided_is_1_before_errors_are_2() {
        let d = |errors, undecided| ecsrole_batch::diagnose::Diagnosis {
            account_id: None,
            region: None,
            compute_environments: vec![],
            job_queues: vec![],
            jobs: vec![],
            errors,
            warnings: 1,
            undecided,
        };
        assert_eq!(diagnose_code(&d(0, 0)), EXIT_OK);
        assert_eq!(diagnose_code(&d(1, 0)), EXIT_DRIFT);
        assert_eq!(diagnose_code(&d(1, 1)), EXIT_ERROR);
        assert_eq!(diagnose_code(&d(0, 2)), EXIT_ERROR);
        use crate::outcome::Outcome;
        assert!(d(0, 2).summary().starts_with("not decided: 2 question(s)"));
        assert_eq!(d(0, 0).summary(), "no error (1 warning(s))");
        assert_eq!(d(1, 0).summary(), "1 error(s): ");
    }

    #[test]
    fn rescue_refused_or_failed_is_1_before_still_stuck_is_2() {
        use ecsrole_batch::rescue::{Ended, RescueOutcome, Rescued};
        let with = |ended: &[Ended], errors: usize| RescueOutcome {
            account_id: None,
            region: None,
            run_id: "r".into(),
            dry_run: false,
            delete: false,
            compute_environments: ended
                .iter()
                .map(|e| Rescued {
                    name: "ce".into(),
                    arn: String::new(),
                    status: "INVALID".into(),
                    status_reason: String::new(),
                    because: vec![],
                    missing: vec![],
                    steps: vec![],
                    ended: *e,
                    detail: String::new(),
                })
                .collect(),
            not_stuck: vec![],
            created: vec![],
            removed: vec![],
            kept: vec![],
            finished: vec![],
            errors: vec!["e".into(); errors],
        };
        assert_eq!(rescue_code(&with(&[], 0)), EXIT_OK);
        assert_eq!(
            rescue_code(&with(&[Ended::Valid, Ended::Deleted], 0)),
            EXIT_OK
        );
        assert_eq!(
            rescue_code(&with(&[Ended::Valid, Ended::StillStuck], 0)),
            EXIT_DRIFT
        );
        assert_eq!(rescue_code(&with(&[Ended::Planned], 0)), EXIT_DRIFT);
        assert_eq!(
            rescue_code(&with(&[Ended::StillStuck, Ended::Refused], 0)),
            EXIT_ERROR
        );
        assert_eq!(rescue_code(&with(&[Ended::Failed], 0)), EXIT_ERROR);
        assert_eq!(rescue_code(&with(&[Ended::Valid], 1)), EXIT_ERROR);
    }
}
