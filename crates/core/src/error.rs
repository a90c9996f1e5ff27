//! The errors of the role engine. Each names what the user can act on: the bad value, the
//! IAM action that failed, the endpoint that did not answer.

use std::time::Duration;

/// A value given by the user that cannot be used. Raised before any AWS call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {what} {value:?}: expected {expected}")]
pub struct InputError {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

impl InputError {
    pub fn new(what: &'static str, value: impl Into<String>, expected: impl Into<String>) -> Self {
        InputError {
            what,
            value: value.into(),
            expected: expected.into(),
        }
    }
}

/// Everything the engine can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Input(#[from] InputError),

    #[error(
        "no AWS credentials found ({detail}): set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile"
    )]
    NoCredentials { detail: String },

    #[error("access denied calling {action}: {message}")]
    AccessDenied {
        action: &'static str,
        message: String,
    },

    #[error("cannot reach {endpoint} calling {action}: {detail}")]
    Unreachable {
        action: &'static str,
        endpoint: String,
        detail: String,
    },

    #[error("{action} timed out")]
    Timeout { action: &'static str },

    #[error("{action} failed: {code}: {message}")]
    Service {
        action: &'static str,
        code: String,
        message: String,
    },

    #[error("{action} failed: {detail}")]
    Other {
        action: &'static str,
        detail: String,
    },

    #[error("the trust policy of role {role} is not valid JSON policy: {detail}")]
    TrustPolicy { role: String, detail: String },

    #[error(
        "instance profile {profile} holds role {other}, not {role}; pass --replace-profile-role to replace it (nothing was changed)"
    )]
    ProfileHoldsOtherRole {
        profile: String,
        role: String,
        other: String,
    },

    #[error(
        "refusing to delete {resource}: it is not tagged managed-by=ecsrole, so ecsrole did not create it; pass --force to delete it anyway (nothing was deleted)"
    )]
    NotOwned { resource: String },

    #[error(
        "{source}; {done} of {total} change(s) were made before it: run {command} again to finish"
    )]
    Incomplete {
        command: &'static str,
        done: usize,
        total: usize,
        #[source]
        source: Box<Error>,
    },

    #[error(
        "instance profile {profile} did not show role {role} within {waited:?} ({last}); run apply again, or pass --no-wait"
    )]
    WaitTimedOut {
        profile: String,
        role: String,
        waited: Duration,
        last: String,
    },
}

impl Error {
    /// The IAM action (e.g. `iam:GetRole`) an AWS error came from, if any.
    pub fn action(&self) -> Option<&'static str> {
        match self {
            Error::AccessDenied { action, .. }
            | Error::Unreachable { action, .. }
            | Error::Timeout { action }
            | Error::Service { action, .. }
            | Error::Other { action, .. } => Some(action),
            Error::Incomplete { source, .. } => source.action(),
            _ => None,
        }
    }
}
