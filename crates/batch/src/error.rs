//! Errors of the verification crate.

/// What can stop a verify or cleanup run, besides the role being shown not to work
/// (that is an outcome, not an error: see `verify::FailureKind`).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An AWS call failed; names the action.
    #[error(transparent)]
    Core(#[from] ecsrole_core::Error),

    #[error("no default VPC in {region}: pass --subnet ID and --security-group ID")]
    NoDefaultVpc { region: String },

    #[error("the default VPC {vpc} has {what}: pass --subnet ID and --security-group ID")]
    IncompleteDefaultVpc { vpc: String, what: &'static str },

    #[error("{action} returned no {field}")]
    MissingField {
        action: &'static str,
        field: &'static str,
    },

    #[error(
        "no {what} {name:?} in this account and region: give the name or ARN of one that exists"
    )]
    NotFound { what: &'static str, name: String },

    #[error("{what} did not {goal} within {waited:?} (last seen: {last})")]
    TimedOut {
        what: String,
        goal: &'static str,
        waited: std::time::Duration,
        last: String,
    },
}

impl Error {
    /// A stable name for what went wrong (the `kind` of `--output json`'s error object).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Core(e) => e.kind(),
            Error::NoDefaultVpc { .. } => "no_default_vpc",
            Error::IncompleteDefaultVpc { .. } => "incomplete_default_vpc",
            Error::MissingField { .. } => "unexpected_answer",
            Error::NotFound { .. } => "not_found",
            Error::TimedOut { .. } => "timeout",
        }
    }
}

impl From<ecsrole_core::InputError> for Error {
    fn from(e: ecsrole_core::InputError) -> Self {
        Error::Core(e.into())
    }
}
