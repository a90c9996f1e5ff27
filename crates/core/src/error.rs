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

/// One thing that stops `destroy`: a stable `kind` (an [`Error::kind`]) and its message,
/// which says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Refusal {
    pub kind: &'static str,
    pub message: String,
    /// The flag that overrides it: `--force` (ownership, other profiles), or
    /// `--delete-profile-in-use` (something uses the instance profile, or nothing can tell).
    pub overridden_by: &'static str,
}

/// The flag that overrides destroy's refusals of a profile something uses.
pub const DELETE_IN_USE_FLAG: &str = "--delete-profile-in-use";

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

    /// One form for every timeout: the bound, the call, the endpoint.
    #[error(
        "timed out{} waiting for {action} at {endpoint}",
        match after { Some((d, what)) => format!(" after {}s ({what})", d.as_secs()), None => String::new() }
    )]
    Timeout {
        action: &'static str,
        endpoint: String,
        /// The bound that ran out and what it is (`--timeout`, or the per-call bound).
        after: Option<(Duration, &'static str)>,
    },

    #[error("{endpoint} does not implement {action} (HTTP 501 Not Implemented)")]
    NotImplemented {
        action: &'static str,
        endpoint: String,
    },

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
        "the trust policy of role {role} does not let EC2 assume it, and an EC2 statement appended to it could not be stored: IAM validates a trust policy it updates and takes only named sts: actions there (no NotAction, no wildcards): {}; fix those statements, or pass --replace-trust-policy to replace the document with the EC2 one (nothing was changed)",
        statements.join("; ")
    )]
    TrustPolicyNotUpdatable {
        role: String,
        statements: Vec<String>,
    },

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
        "no change ecsrole makes fixes this: {}; {}(nothing was changed)",
        findings.join("; "),
        if *trust { "remove the blocking statement(s) from the trust policy, or pass --replace-trust-policy to replace it with the EC2 trust policy (it drops every other statement) " } else { "" }
    )]
    CannotFix {
        /// `code: message` of each error finding no planned write fixes.
        findings: Vec<String>,
        /// Some of them are about the trust policy.
        trust: bool,
    },

    #[error(
        "apply did not converge: after its writes{} a re-read still finds {}; run `{}` to see the state{}",
        match waited { Some(w) => format!(" and {:.0?} of waiting for IAM to show them", w), None => String::new() },
        left,
        check,
        if waited.is_none() { " (--no-wait: IAM may not show the writes yet)" } else { ", and apply again (IAM may still be propagating)" }
    )]
    NotConverged {
        waited: Option<Duration>,
        /// `code: message` of each error finding left, `; `-separated.
        left: String,
        /// The whole `ecsrole check` command for the same target.
        check: String,
    },

    #[error(
        "refusing to destroy role {role}: instance profile(s) {} also hold it, and ecsrole only empties them with --force (it never deletes them); nothing was deleted",
        profiles.join(", ")
    )]
    RoleInOtherProfiles { role: String, profiles: Vec<String> },

    #[error(
        "refusing to delete instance profile {profile}: {} use(s) it; a compute environment using it goes INVALID, and an instance running with it can no longer renew its credentials; delete or update them first, or pass --delete-profile-in-use to delete it anyway (nothing was deleted)",
        users.join(", ")
    )]
    ProfileInUse {
        profile: String,
        /// Each user: `compute environment NAME (region, status, via ...)`, `EC2 instance
        /// ID (region, state)`, `launch template NAME (ID) version N (region)`.
        users: Vec<String>,
    },

    #[error(
        "refusing to delete instance profile {profile}: cannot tell whether something uses it ({detail}); pass --delete-profile-in-use to delete it without knowing (nothing was deleted)"
    )]
    ProfileUseUnknown { profile: String, detail: String },

    #[error("{}", refusals.iter().map(|r| r.message.as_str()).collect::<Vec<_>>().join("\nerror: "))]
    Refused { refusals: Vec<Refusal> },
}

impl Error {
    /// A stable name for what went wrong (the `kind` of `--output json`'s error object).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Input(_) => "invalid_input",
            Error::NoCredentials { .. } => "no_credentials",
            Error::AccessDenied { .. } => "access_denied",
            Error::Unreachable { .. } => "unreachable",
            Error::Timeout { .. } => "timeout",
            Error::NotImplemented { .. } => "not_implemented",
            Error::Service { .. } => "service_error",
            Error::Other { .. } => "call_failed",
            Error::TrustPolicy { .. } => "trust_policy_invalid",
            Error::TrustPolicyNotUpdatable { .. } => "trust_policy_not_updatable",
            Error::ProfileHoldsOtherRole { .. } => "profile_holds_other_role",
            Error::NotOwned { .. } => "not_owned",
            Error::Incomplete { .. } => "incomplete",
            Error::CannotFix { .. } => "cannot_fix",
            Error::NotConverged { .. } => "not_converged",
            Error::RoleInOtherProfiles { .. } => "role_in_other_profiles",
            Error::ProfileInUse { .. } => "profile_in_use",
            Error::ProfileUseUnknown { .. } => "profile_use_unknown",
            Error::Refused { refusals } => refusals.first().map_or("refused", |r| r.kind),
        }
    }

    /// The flag that overrides this refusal of destroy's (see [`Refusal::overridden_by`]).
    pub fn overridden_by(&self) -> &'static str {
        match self {
            Error::ProfileInUse { .. } | Error::ProfileUseUnknown { .. } => DELETE_IN_USE_FLAG,
            _ => "--force",
        }
    }
}

/// The error codes AWS services answer an overloaded caller with.
const OVERLOAD_CODES: [&str; 9] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];

impl Error {
    /// A write failed because the state changed under it: someone else (another run of
    /// ecsrole, say) created the entity, filled the profile, or deleted what it wrote to.
    /// The caller re-reads and re-plans instead of failing.
    pub fn is_concurrent_change(&self) -> bool {
        matches!(
            self,
            Error::Service { code, .. }
                if ["EntityAlreadyExists", "LimitExceeded", "NoSuchEntity"].contains(&code.as_str())
        )
    }

    /// The backend is overloaded: the call was throttled, timed out, or the service said
    /// it is unavailable. Fleet mode runs fewer targets at once on it.
    pub fn is_overload(&self) -> bool {
        match self {
            Error::Timeout { .. } => true,
            Error::Service { code, .. } => OVERLOAD_CODES.contains(&code.as_str()),
            Error::Other { detail, .. } => detail.contains("HTTP 5") || detail.contains("HTTP 429"),
            Error::Incomplete { source, .. } => source.is_overload(),
            _ => false,
        }
    }

    /// Trying the same command again later may succeed: an overload, an endpoint that did
    /// not answer, credentials that could not be had in time (STS overloaded), or an
    /// apply whose re-read did not see its writes within its wait. Fleet mode puts such a
    /// target back in the queue while its `--timeout` lasts.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Unreachable { .. } | Error::NotConverged { .. } => true,
            Error::NoCredentials { detail } => {
                let d = detail.to_ascii_lowercase();
                [
                    "throttl",
                    "timed out",
                    "timeout",
                    "rate exceeded",
                    "dispatch failure",
                    "connection",
                ]
                .iter()
                .any(|w| d.contains(w))
            }
            Error::Incomplete { source, .. } => source.is_transient(),
            other => other.is_overload(),
        }
    }

    /// The IAM action (e.g. `iam:GetRole`) an AWS error came from, if any.
    pub fn action(&self) -> Option<&'static str> {
        match self {
            Error::AccessDenied { action, .. }
            | Error::Unreachable { action, .. }
            | Error::Timeout { action, .. }
            | Error::Service { action, .. }
            | Error::Other { action, .. } => Some(action),
            Error::Incomplete { source, .. } => source.action(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_fleet_mode_tries_again() {
        let service = |code: &str| Error::Service {
            action: "iam:GetRole",
            code: code.into(),
            message: String::new(),
        };
        assert!(service("Throttling").is_overload());
        assert!(
            Error::Timeout {
                action: "iam:GetRole",
                endpoint: "http://127.0.0.1:1".into(),
                after: None,
            }
            .is_overload()
        );
        assert!(!service("NoSuchEntity").is_overload());
        let incomplete = Error::Incomplete {
            command: "apply",
            done: 1,
            total: 3,
            source: Box::new(service("ThrottlingException")),
        };
        assert!(incomplete.is_transient());
        assert!(
            Error::NoCredentials {
                detail: "dispatch failure: io error: operation timed out".into()
            }
            .is_transient()
        );
        // What trying again cannot change.
        assert!(
            !Error::NoCredentials {
                detail: "no providers in chain".into()
            }
            .is_transient()
        );
        assert!(
            !Error::AccessDenied {
                action: "iam:GetRole",
                message: String::new()
            }
            .is_transient()
        );
        assert!(!service("MalformedPolicyDocument").is_transient());
    }
}
