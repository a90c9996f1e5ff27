//! How a verify run ended: verified, or why not, with what is left.

use ecsrole_core::findings::Finding;
use serde::Serialize;

use crate::error::Error;
use crate::level::{Level, Step};

/// Why a run did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// `check` found drift; nothing was created.
    Drift,
    /// The role was shown not to work.
    RoleBroken,
    /// Something else went wrong (network, permissions of the operator, timeout).
    Error,
    /// SIGINT or SIGTERM.
    Interrupted,
}

#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) kind: FailureKind,
    pub(crate) message: String,
    pub(crate) findings: Vec<Finding>,
    pub(crate) evidence: Option<Evidence>,
}

/// What a run that ended without a registration or a job read, as data: the message says
/// the same in words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Evidence {
    /// What did not happen (`no container instance registered in ... within 60s`).
    pub what: String,
    /// What was read, one line per read (`ec2:DescribeInstances: i-0... running...`).
    pub seen: Vec<String>,
    /// What points at the role (empty: nothing does, and the exit is 1, not 3).
    pub points_at_role: Vec<String>,
    /// Otherwise the likely causes, most likely first.
    pub likely_causes: Vec<String>,
}

impl Failure {
    pub(crate) fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            findings: vec![],
            evidence: None,
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(FailureKind::Error, e.to_string())
    }
}

impl From<ecsrole_core::Error> for Failure {
    fn from(e: ecsrole_core::Error) -> Failure {
        Failure::new(FailureKind::Error, e.to_string())
    }
}

/// The result of a run: `{"verified", "level", "run_id", "steps", "leftovers", ...}`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    /// The account and region the run used (set by the caller: the account from STS).
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub verified: bool,
    pub level: Level,
    pub run_id: String,
    pub steps: Vec<StepRecord>,
    /// What is left of this run (with `--keep`: what was kept on purpose).
    pub leftovers: Vec<String>,
    /// Whether the run sent any create: `false` when it ended before its first (then
    /// nothing is torn down, and nothing can be left).
    pub created: bool,
    pub kept: bool,
    /// Why it did not verify.
    pub failure: Option<FailureKind>,
    pub error: Option<String>,
    /// The evidence behind `error`, structured, when the run gathered some.
    pub evidence: Option<Evidence>,
    /// The drift `check` found, when that stopped the run.
    pub findings: Vec<Finding>,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Failed,
    Interrupted,
    /// It did not succeed and the run went on with another attempt (an INVALID compute
    /// environment waited out while IAM propagates a young instance profile).
    Retried,
}

impl StepStatus {
    /// As JSON spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            StepStatus::Ok => "ok",
            StepStatus::Failed => "failed",
            StepStatus::Interrupted => "interrupted",
            StepStatus::Retried => "retried",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub name: Step,
    pub status: StepStatus,
    pub elapsed_ms: u64,
    pub detail: String,
}
