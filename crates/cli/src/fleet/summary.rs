//! What a fleet run prints: a JSON line per target, the summary (counts, the exit code,
//! how the backend held up), and the human table.

use ecsrole_core::concurrent::Limit;
use ecsrole_core::fleet::Target;
use serde_json::{Value, json};

use super::work::Outcome;
use crate::{EXIT_DRIFT, EXIT_ERROR, EXIT_OK, EXIT_ROLE_BROKEN};

pub(super) fn line(target: &Target, o: &Outcome) -> Value {
    json!({
        "account_id": target.account_id,
        "region": target.region,
        "exit_code": o.ran.code,
        "result": o.ran.json,
        "error": o.error,
    })
}

/// The count of targets per outcome, and the fleet's exit code: errors win (a target that
/// could not be decided must not hide behind another's drift), then a role shown not to
/// work, then drift.
#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Summary {
    pub(super) targets: usize,
    pub(super) ok: usize,
    pub(super) drift: usize,
    pub(super) error: usize,
    pub(super) role_broken: usize,
    pub(super) exit_code: u8,
    /// Targets that needed more than one attempt (the backend was overloaded).
    pub(super) retried: usize,
    /// The most and fewest targets the adaptive limit let run at once.
    pub(super) concurrency: Concurrency,
    /// Accounts of the organisation left out as not ACTIVE.
    pub(super) skipped: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(super) skipped_accounts: Vec<Skipped>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub(super) struct Skipped {
    account_id: String,
    status: String,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
pub(super) struct Concurrency {
    max: usize,
    lowest: usize,
    cuts: usize,
}

impl Summary {
    pub(super) fn of(results: &[Outcome], limit: &Limit, skipped: &[(String, String)]) -> Summary {
        let count = |c: u8| results.iter().filter(|o| o.ran.code == c).count();
        let (ok, error, drift, role_broken) = (
            count(EXIT_OK),
            count(EXIT_ERROR),
            count(EXIT_DRIFT),
            count(EXIT_ROLE_BROKEN),
        );
        let exit_code = if error > 0 {
            EXIT_ERROR
        } else if role_broken > 0 {
            EXIT_ROLE_BROKEN
        } else if drift > 0 {
            EXIT_DRIFT
        } else {
            EXIT_OK
        };
        let (lowest, cuts) = limit.history();
        Summary {
            targets: results.len(),
            ok,
            drift,
            error,
            role_broken,
            exit_code,
            retried: results.iter().filter(|o| o.attempts > 1).count(),
            concurrency: Concurrency {
                max: limit.max(),
                lowest,
                cuts,
            },
            skipped: skipped.len(),
            skipped_accounts: skipped
                .iter()
                .map(|(id, status)| Skipped {
                    account_id: id.clone(),
                    status: status.clone(),
                })
                .collect(),
        }
    }
}

pub(super) fn table(targets: &[Target], results: &[Outcome], s: &Summary) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{:<14}{:<16}{:<6}RESULT", "ACCOUNT", "REGION", "EXIT");
    for (t, o) in targets.iter().zip(results) {
        let detail = o
            .error
            .as_ref()
            .map_or(o.ran.summary.clone(), |e| format!("error: {e}"));
        let _ = writeln!(
            out,
            "{:<14}{:<16}{:<6}{detail}",
            t.account_id, t.region, o.ran.code
        );
    }
    let _ = writeln!(
        out,
        "{} target(s): {} ok, {} drift, {} error, {} role not working (exit {})",
        s.targets, s.ok, s.drift, s.error, s.role_broken, s.exit_code
    );
    if s.skipped > 0 {
        let _ = writeln!(
            out,
            "Skipped, not ACTIVE: {}",
            s.skipped_accounts
                .iter()
                .map(|k| format!("{} ({})", k.account_id, k.status))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if s.retried > 0 || s.concurrency.cuts > 0 {
        let _ = writeln!(
            out,
            "The backend was overloaded: {} target(s) tried again; at once: {} down to {} ({} cut(s))",
            s.retried, s.concurrency.max, s.concurrency.lowest, s.concurrency.cuts
        );
    }
    out
}
