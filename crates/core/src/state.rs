//! The actual state, as IAM's reads report it. Plain data: no AWS calls, no judgement
//! (that is `findings`), no changes (that is `plan`).

use std::time::SystemTime;

use crate::names::{OWNER_TAG_KEY, OWNER_TAG_VALUE};

/// A role as IAM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleState {
    pub arn: String,
    pub path: String,
    /// When IAM created it (`None` when not reported).
    pub created: Option<SystemTime>,
    /// Decoded JSON text.
    pub trust_policy: String,
    pub tags: Vec<(String, String)>,
    /// The ARN of the role's permissions boundary, when it has one (GetRole).
    pub permissions_boundary: Option<String>,
}

/// An instance profile as IAM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileState {
    pub arn: String,
    pub path: String,
    /// When IAM created it (`None` when not reported).
    pub created: Option<SystemTime>,
    pub roles: Vec<String>,
    pub tags: Vec<(String, String)>,
}

/// Where a permissions policy on the role comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// An attached managed policy, read at its default version (empty when GetPolicy
    /// itself could not be read: then the text is unreadable).
    Managed { arn: String, version: String },
    /// An inline (embedded) policy of the role. When ListRolePolicies was refused, one
    /// unreadable entry named `*` (`iam::UNLISTED_INLINE`) stands for all of them.
    Inline { name: String },
    /// The role's permissions boundary (a managed policy), at its default version (empty
    /// as for `Managed`).
    Boundary { arn: String, version: String },
}

/// A policy document as read from IAM: the decoded JSON text, or why it could not be read
/// (the read was refused, say); an unreadable policy is never taken as "allows nothing".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyText {
    Read(String),
    Unreadable(String),
}

/// One permissions policy that applies to the role's sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePolicy {
    pub source: PolicySource,
    pub text: PolicyText,
}

/// One service control policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scp {
    pub id: String,
    pub name: String,
    /// Decoded JSON text.
    pub document: String,
}

/// The SCPs attached at one level of the account's path in the organisation: the root,
/// each OU from the root down, then the account itself. Every level must allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScpLevel {
    /// How the level is named in messages: `root r-ab12`, `OU ou-ab12-cd34 (prod)`,
    /// `account 111122223333`.
    pub target: String,
    pub policies: Vec<Scp>,
}

/// What the reads found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actual {
    pub role: Option<RoleState>,
    /// ARNs of the attached managed policies (empty when the role is missing).
    pub attached_policies: Vec<String>,
    /// Of the policies the role must have and lacks, those IAM says do not exist (only
    /// the extra ones are asked: the kind's own policy is AWS's).
    pub missing_policies: Vec<String>,
    pub instance_profile: Option<ProfileState>,
    /// The role's permissions policies as documents: every attached managed policy (at
    /// its default version), every inline policy, and the permissions boundary. Empty
    /// when the role is missing.
    pub role_policies: Vec<RolePolicy>,
    /// The SCPs over the account, root first; `None` when they were not read (a single
    /// account, or no permission to read them): then SCPs are not evaluated.
    pub scps: Option<Vec<ScpLevel>>,
    /// Why the SCPs over the account could not be read when the run asked for them (a
    /// failed read, not a run that does not read them by design): a verdict that rests
    /// on them is then not decided.
    pub scps_failed: Option<String>,
    /// AWS's time when the reads were made (the `Date` of its answers): `aws:CurrentTime`.
    pub now: Option<SystemTime>,
}

/// Does this resource carry ecsrole's ownership tag?
pub fn owned(tags: &[(String, String)]) -> bool {
    tags.iter()
        .any(|(k, v)| k == OWNER_TAG_KEY && v == OWNER_TAG_VALUE)
}

/// The account of an ARN (`arn:aws:iam::123456789012:role/x`), if it names one.
pub fn account_of(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
}

impl Actual {
    /// When the younger of the role and the instance profile was created: how long IAM
    /// has had to propagate them.
    pub fn youngest(&self) -> Option<SystemTime> {
        [
            self.role.as_ref().and_then(|r| r.created),
            self.instance_profile.as_ref().and_then(|p| p.created),
        ]
        .into_iter()
        .flatten()
        .max()
    }

    /// The account, taken from the ARNs IAM returned (no extra call); `None` when neither
    /// the role nor the profile exists.
    pub fn account_id(&self) -> Option<String> {
        let arn = self
            .role
            .as_ref()
            .map(|r| &r.arn)
            .or(self.instance_profile.as_ref().map(|p| &p.arn))?;
        account_of(arn)
    }
}
