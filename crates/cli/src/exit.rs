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
