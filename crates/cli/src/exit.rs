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
            resource: "role/r".into(),
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
                    resource: "arn".into(),
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
}
