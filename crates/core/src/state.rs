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

/// What the three reads found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actual {
    pub role: Option<RoleState>,
    /// ARNs of the attached managed policies (empty when the role is missing).
    pub attached_policies: Vec<String>,
    pub instance_profile: Option<ProfileState>,
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
