//! The actual state read from IAM, and the diff against the desired state: findings for
//! `check`, steps for `plan`/`apply`.

use serde::Serialize;

use crate::desired::Desired;
use crate::error::Error;
use crate::names::{OWNER_TAG_KEY, OWNER_TAG_VALUE};
use crate::trust;

/// A role as IAM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleState {
    pub arn: String,
    pub path: String,
    /// Decoded JSON text.
    pub trust_policy: String,
    pub tags: Vec<(String, String)>,
}

/// An instance profile as IAM reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileState {
    pub arn: String,
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

pub(crate) fn owned(tags: &[(String, String)]) -> bool {
    tags.iter()
        .any(|(k, v)| k == OWNER_TAG_KEY && v == OWNER_TAG_VALUE)
}

impl Actual {
    /// The account, taken from the ARNs IAM returned (no extra call); `None` when neither
    /// the role nor the profile exists.
    pub fn account_id(&self) -> Option<String> {
        let arn = self
            .role
            .as_ref()
            .map(|r| &r.arn)
            .or(self.instance_profile.as_ref().map(|p| &p.arn))?;
        crate::engine::account_of(arn)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

/// Stable finding codes; listed in the README. Never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    RoleMissing,
    TrustPolicyMissingEc2,
    TrustPolicyExtraPrincipal,
    TrustPolicyConditional,
    ManagedPolicyNotAttached,
    InstanceProfileMissing,
    InstanceProfileMissingRole,
    InstanceProfileOtherRole,
}

impl FindingCode {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingCode::RoleMissing => "role_missing",
            FindingCode::TrustPolicyMissingEc2 => "trust_policy_missing_ec2",
            FindingCode::TrustPolicyExtraPrincipal => "trust_policy_extra_principal",
            FindingCode::TrustPolicyConditional => "trust_policy_conditional",
            FindingCode::ManagedPolicyNotAttached => "managed_policy_not_attached",
            FindingCode::InstanceProfileMissing => "instance_profile_missing",
            FindingCode::InstanceProfileMissingRole => "instance_profile_missing_role",
            FindingCode::InstanceProfileOtherRole => "instance_profile_other_role",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    pub resource: String,
}

/// The result of `check`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub role_name: String,
    pub instance_profile_name: String,
    pub partition: crate::Partition,
    pub account_id: Option<String>,
    pub compliant: bool,
    pub findings: Vec<Finding>,
}

/// Compares what IAM holds with what is wanted. Pure: no AWS calls.
pub fn check(desired: &Desired, actual: &Actual) -> Report {
    let mut findings = vec![];
    let mut push = |code, severity, message: String, resource: String| {
        findings.push(Finding {
            code,
            severity,
            message,
            resource,
        })
    };
    let p = desired.partition;
    let role_res = desired.role_resource();
    match &actual.role {
        None => push(
            FindingCode::RoleMissing,
            Severity::Error,
            format!("role {} does not exist", desired.role_name),
            role_res.clone(),
        ),
        Some(role) => match trust::analyze(&role.trust_policy, p) {
            Err(e) => push(
                FindingCode::TrustPolicyMissingEc2,
                Severity::Error,
                format!(
                    "the trust policy cannot be read ({e}), so it does not let {} assume the role",
                    p.ec2_principal()
                ),
                role_res.clone(),
            ),
            Ok(t) => {
                if !t.ec2_allowed {
                    let why = if t.ec2_denied {
                        "a Deny statement takes it away".to_owned()
                    } else if t.ec2_conditional {
                        "the only statement for it carries a Condition".to_owned()
                    } else {
                        "no statement allows it".to_owned()
                    };
                    push(
                        FindingCode::TrustPolicyMissingEc2,
                        Severity::Error,
                        format!(
                            "the trust policy does not let {} call sts:AssumeRole unconditionally: {why}",
                            p.ec2_principal()
                        ),
                        role_res.clone(),
                    );
                }
                if !t.extra_principals.is_empty() {
                    push(
                        FindingCode::TrustPolicyExtraPrincipal,
                        Severity::Warning,
                        format!(
                            "the trust policy also lets other principals assume the role: {}",
                            t.extra_principals.join(", ")
                        ),
                        role_res.clone(),
                    );
                }
                if t.ec2_conditional {
                    push(
                        FindingCode::TrustPolicyConditional,
                        Severity::Warning,
                        format!(
                            "a trust policy statement for {} carries a Condition that EC2 may not meet",
                            p.ec2_principal()
                        ),
                        role_res.clone(),
                    );
                }
            }
        },
    }
    for arn in &desired.policies {
        if !actual.attached_policies.contains(arn) {
            push(
                FindingCode::ManagedPolicyNotAttached,
                Severity::Error,
                format!(
                    "managed policy {arn} is not attached to role {}",
                    desired.role_name
                ),
                arn.clone(),
            );
        }
    }
    let prof_res = desired.profile_resource();
    match &actual.instance_profile {
        None => push(
            FindingCode::InstanceProfileMissing,
            Severity::Error,
            format!(
                "instance profile {} does not exist",
                desired.instance_profile_name
            ),
            prof_res,
        ),
        Some(profile) if profile.roles.is_empty() => push(
            FindingCode::InstanceProfileMissingRole,
            Severity::Error,
            format!(
                "instance profile {} holds no role; it must hold {}",
                desired.instance_profile_name, desired.role_name
            ),
            prof_res,
        ),
        Some(profile) if !profile.roles.contains(&desired.role_name) => push(
            FindingCode::InstanceProfileOtherRole,
            Severity::Error,
            format!(
                "instance profile {} holds role {}, not {}",
                desired.instance_profile_name,
                profile.roles.join(", "),
                desired.role_name
            ),
            prof_res,
        ),
        Some(_) => {}
    }
    let compliant = findings.iter().all(|f| f.severity != Severity::Error);
    Report {
        role_name: desired.role_name.clone(),
        instance_profile_name: desired.instance_profile_name.clone(),
        partition: p,
        account_id: actual.account_id(),
        compliant,
        findings,
    }
}

/// One write `apply` makes, with what it needs to make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    CreateRole { document: String },
    UpdateTrustPolicy { document: String, kept: usize },
    AttachRolePolicy { arn: String },
    CreateInstanceProfile,
    RemoveRoleFromInstanceProfile { role: String },
    AddRoleToInstanceProfile,
}

/// A step as shown to the user: `{"action", "resource", "detail"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub action: &'static str,
    pub resource: String,
    pub detail: String,
}

impl Step {
    pub fn describe(&self, desired: &Desired) -> Action {
        let tags = || {
            desired
                .create_tags()
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        let (action, resource, detail) = match self {
            Step::CreateRole { .. } => (
                "create_role",
                desired.role_resource(),
                format!(
                    "path {}, trust policy allowing {} sts:AssumeRole, tags {}",
                    desired.path,
                    desired.partition.ec2_principal(),
                    tags()
                ),
            ),
            Step::UpdateTrustPolicy { kept, .. } => (
                "update_trust_policy",
                desired.role_resource(),
                format!(
                    "add a statement allowing {} sts:AssumeRole; keep the {kept} existing statement(s)",
                    desired.partition.ec2_principal()
                ),
            ),
            Step::AttachRolePolicy { arn } => (
                "attach_role_policy",
                arn.clone(),
                format!("attach to role {}", desired.role_name),
            ),
            Step::CreateInstanceProfile => (
                "create_instance_profile",
                desired.profile_resource(),
                format!("path {}, tags {}", desired.path, tags()),
            ),
            Step::RemoveRoleFromInstanceProfile { role } => (
                "remove_role_from_instance_profile",
                desired.profile_resource(),
                format!("remove role {role} (--replace-profile-role)"),
            ),
            Step::AddRoleToInstanceProfile => (
                "add_role_to_instance_profile",
                desired.profile_resource(),
                format!("add role {}", desired.role_name),
            ),
        };
        Action {
            action,
            resource,
            detail,
        }
    }
}

/// Options that change what `plan` may do.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlanOptions {
    /// Remove another role from the instance profile to make room for ours.
    pub replace_profile_role: bool,
}

/// The writes that bring `actual` to `desired`, in order. Refuses (with nothing planned)
/// when that would rewrite something ecsrole was not told it may rewrite.
pub fn plan(desired: &Desired, actual: &Actual, opts: PlanOptions) -> Result<Vec<Step>, Error> {
    let mut steps = vec![];
    let p = desired.partition;
    match &actual.role {
        None => steps.push(Step::CreateRole {
            document: trust::ec2_trust_policy(p),
        }),
        Some(role) => {
            let malformed = |e: trust::TrustPolicyError| Error::TrustPolicy {
                role: desired.role_name.clone(),
                detail: e.to_string(),
            };
            let analysis = trust::analyze(&role.trust_policy, p).map_err(malformed)?;
            if !analysis.ec2_allowed {
                let document =
                    trust::with_ec2_statement(&role.trust_policy, p).map_err(malformed)?;
                let kept = serde_json::from_str::<serde_json::Value>(&document)
                    .ok()
                    .and_then(|d| d["Statement"].as_array().map(|s| s.len() - 1))
                    .unwrap_or(0);
                steps.push(Step::UpdateTrustPolicy { document, kept });
            }
        }
    }
    for arn in &desired.policies {
        if !actual.attached_policies.contains(arn) {
            steps.push(Step::AttachRolePolicy { arn: arn.clone() });
        }
    }
    match &actual.instance_profile {
        None => {
            steps.push(Step::CreateInstanceProfile);
            steps.push(Step::AddRoleToInstanceProfile);
        }
        Some(profile) if profile.roles.contains(&desired.role_name) => {}
        Some(profile) => {
            if let Some(other) = profile.roles.first() {
                if !opts.replace_profile_role {
                    return Err(Error::ProfileHoldsOtherRole {
                        profile: desired.instance_profile_name.clone(),
                        role: desired.role_name.clone(),
                        other: other.clone(),
                    });
                }
                for role in &profile.roles {
                    steps.push(Step::RemoveRoleFromInstanceProfile { role: role.clone() });
                }
            }
            steps.push(Step::AddRoleToInstanceProfile);
        }
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DesiredInput, Partition};

    fn desired() -> Desired {
        Desired::new(DesiredInput::default(), Partition::Aws).unwrap()
    }

    fn compliant() -> Actual {
        Actual {
            role: Some(RoleState {
                arn: "arn:aws:iam::123456789012:role/ecsInstanceRole".into(),
                path: "/".into(),
                trust_policy: trust::ec2_trust_policy(Partition::Aws),
                tags: vec![],
            }),
            attached_policies: vec![Partition::Aws.ecs_instance_policy_arn()],
            instance_profile: Some(ProfileState {
                arn: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
                roles: vec!["ecsInstanceRole".into()],
                tags: vec![],
            }),
        }
    }

    fn codes(r: &Report) -> Vec<&'static str> {
        r.findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn compliant_state_has_no_findings_and_no_steps() {
        let r = check(&desired(), &compliant());
        assert!(r.compliant && r.findings.is_empty());
        assert_eq!(r.account_id.as_deref(), Some("123456789012"));
        assert!(
            plan(&desired(), &compliant(), PlanOptions::default())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn nothing_exists() {
        let r = check(&desired(), &Actual::default());
        assert!(!r.compliant);
        assert_eq!(
            codes(&r),
            [
                "role_missing",
                "managed_policy_not_attached",
                "instance_profile_missing"
            ]
        );
        assert_eq!(r.account_id, None);
        let steps = plan(&desired(), &Actual::default(), PlanOptions::default()).unwrap();
        let names: Vec<_> = steps
            .iter()
            .map(|s| s.describe(&desired()).action)
            .collect();
        assert_eq!(
            names,
            [
                "create_role",
                "attach_role_policy",
                "create_instance_profile",
                "add_role_to_instance_profile"
            ]
        );
    }

    #[test]
    fn other_role_in_profile_refuses_without_flag() {
        let mut a = compliant();
        a.instance_profile.as_mut().unwrap().roles = vec!["someoneElse".into()];
        assert_eq!(
            codes(&check(&desired(), &a)),
            ["instance_profile_other_role"]
        );
        let err = plan(&desired(), &a, PlanOptions::default()).unwrap_err();
        assert!(matches!(err, Error::ProfileHoldsOtherRole { .. }));
        let steps = plan(
            &desired(),
            &a,
            PlanOptions {
                replace_profile_role: true,
            },
        )
        .unwrap();
        assert_eq!(
            steps,
            [
                Step::RemoveRoleFromInstanceProfile {
                    role: "someoneElse".into()
                },
                Step::AddRoleToInstanceProfile
            ]
        );
    }

    #[test]
    fn warnings_alone_stay_compliant() {
        let mut a = compliant();
        a.role.as_mut().unwrap().trust_policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#.into();
        let r = check(&desired(), &a);
        assert!(r.compliant);
        assert_eq!(codes(&r), ["trust_policy_extra_principal"]);
    }

    #[test]
    fn trust_update_keeps_statements() {
        let mut a = compliant();
        a.role.as_mut().unwrap().trust_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into();
        let steps = plan(&desired(), &a, PlanOptions::default()).unwrap();
        let [Step::UpdateTrustPolicy { document, kept }] = &steps[..] else {
            panic!("{steps:?}")
        };
        assert_eq!(*kept, 1);
        assert!(
            document.contains("ecs-tasks.amazonaws.com") && document.contains("ec2.amazonaws.com")
        );
    }
}
