//! `check`: what is wrong with the actual state, as findings with stable codes. Pure: no
//! AWS calls.

use serde::Serialize;

use crate::desired::Desired;
use crate::state::Actual;
use crate::trust;

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
    TrustPolicyPublic,
    TrustPolicyConditionalDeny,
    RolePathDiffers,
    InstanceProfilePathDiffers,
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
            FindingCode::TrustPolicyPublic => "trust_policy_public",
            FindingCode::TrustPolicyConditionalDeny => "trust_policy_conditional_deny",
            FindingCode::RolePathDiffers => "role_path_differs",
            FindingCode::InstanceProfilePathDiffers => "instance_profile_path_differs",
        }
    }

    /// Findings about the trust policy: the ones `--replace-trust-policy` fixes.
    pub fn is_trust(self) -> bool {
        matches!(
            self,
            FindingCode::TrustPolicyMissingEc2
                | FindingCode::TrustPolicyExtraPrincipal
                | FindingCode::TrustPolicyConditional
                | FindingCode::TrustPolicyPublic
                | FindingCode::TrustPolicyConditionalDeny
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    pub resource: String,
}

impl Finding {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
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
    let path_differs = |what: &str, name: &str, path: &str| {
        format!(
            "{what} {name} is at path {path}, not {} (--path): pass --path {path} to match it; IAM cannot change a path, so moving it means deleting and recreating it",
            desired.path
        )
    };
    match &actual.role {
        None => push(
            FindingCode::RoleMissing,
            Severity::Error,
            format!("role {} does not exist", desired.role_name),
            role_res.clone(),
        ),
        Some(role) => {
            match trust::analyze(&role.trust_policy, p) {
                Err(e) => push(
                    FindingCode::TrustPolicyMissingEc2,
                    Severity::Error,
                    format!(
                        "the trust policy cannot be read ({e}), so it does not let {} assume the role",
                        p.ec2_principal()
                    ),
                    role_res.clone(),
                ),
                Ok(t) => trust_findings(&t, p, &role_res, &mut push),
            }
            if role.path != desired.path {
                push(
                    FindingCode::RolePathDiffers,
                    Severity::Warning,
                    path_differs("role", &desired.role_name, &role.path),
                    role_res.clone(),
                );
            }
        }
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
            prof_res.clone(),
        ),
        Some(profile) if profile.roles.is_empty() => push(
            FindingCode::InstanceProfileMissingRole,
            Severity::Error,
            format!(
                "instance profile {} holds no role; it must hold {}",
                desired.instance_profile_name, desired.role_name
            ),
            prof_res.clone(),
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
            prof_res.clone(),
        ),
        Some(_) => {}
    }
    if let Some(profile) = &actual.instance_profile
        && profile.path != desired.path
    {
        push(
            FindingCode::InstanceProfilePathDiffers,
            Severity::Warning,
            path_differs(
                "instance profile",
                &desired.instance_profile_name,
                &profile.path,
            ),
            prof_res,
        );
    }
    let compliant = findings.iter().all(|f| !f.is_error());
    Report {
        role_name: desired.role_name.clone(),
        instance_profile_name: desired.instance_profile_name.clone(),
        partition: p,
        account_id: actual.account_id(),
        compliant,
        findings,
    }
}

/// The findings a readable trust policy gives.
fn trust_findings(
    t: &trust::TrustAnalysis,
    p: crate::Partition,
    role_res: &str,
    push: &mut impl FnMut(FindingCode, Severity, String, String),
) {
    if !t.public.is_empty() {
        push(
            FindingCode::TrustPolicyPublic,
            Severity::Error,
            format!(
                "the trust policy lets anyone (any AWS principal, in any account) assume the role and take the credentials of every instance that uses it: {}; only --replace-trust-policy removes it",
                t.public.join("; ")
            ),
            role_res.to_owned(),
        );
    }
    if !t.ec2_allowed {
        let why = if t.ec2_denied() {
            format!("a Deny takes it away: {}", t.ec2_denied_by.join("; "))
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
            role_res.to_owned(),
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
            role_res.to_owned(),
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
            role_res.to_owned(),
        );
    }
    if !t.conditional_denies.is_empty() {
        push(
            FindingCode::TrustPolicyConditionalDeny,
            Severity::Warning,
            format!(
                "a Deny may take sts:AssumeRole away from {} when its Condition holds: {}",
                p.ec2_principal(),
                t.conditional_denies.join("; ")
            ),
            role_res.to_owned(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::{ProfileState, RoleState};
    use crate::{DesiredInput, Partition};

    fn desired(path: &str) -> Desired {
        let input = DesiredInput {
            path: Some(path.into()),
            ..Default::default()
        };
        Desired::new(input, Partition::Aws).unwrap()
    }

    fn actual(trust: &str, path: &str) -> Actual {
        Actual {
            role: Some(RoleState {
                created: None,
                arn: "arn:aws:iam::123456789012:role/ecsInstanceRole".into(),
                path: path.into(),
                trust_policy: trust.into(),
                tags: vec![],
                permissions_boundary: None,
            }),
            attached_policies: vec![Partition::Aws.ecs_instance_policy_arn()],
            instance_profile: Some(ProfileState {
                created: None,
                arn: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
                path: path.into(),
                roles: vec!["ecsInstanceRole".into()],
                tags: vec![],
            }),
            ..Actual::default()
        }
    }

    fn codes(r: &Report) -> Vec<(&'static str, Severity)> {
        r.findings
            .iter()
            .map(|f| (f.code.as_str(), f.severity))
            .collect()
    }

    #[test]
    fn a_role_anyone_can_assume_is_an_error() {
        let trust = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
        let r = check(&desired("/"), &actual(trust, "/"));
        assert!(!r.compliant);
        assert_eq!(codes(&r), [("trust_policy_public", Severity::Error)]);
        assert!(r.findings[0].message.contains("statement #2"), "{r:?}");
    }

    #[test]
    fn a_conditional_deny_is_a_warning() {
        let trust = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
        let r = check(&desired("/"), &actual(trust, "/"));
        assert!(r.compliant);
        assert_eq!(
            codes(&r),
            [("trust_policy_conditional_deny", Severity::Warning)]
        );
    }

    #[test]
    fn paths_other_than_the_one_asked_for_are_warnings() {
        let trust = crate::trust::ec2_trust_policy(Partition::Aws);
        let r = check(&desired("/"), &actual(&trust, "/batch/"));
        assert!(r.compliant);
        assert_eq!(
            codes(&r),
            [
                ("role_path_differs", Severity::Warning),
                ("instance_profile_path_differs", Severity::Warning)
            ]
        );
        assert!(
            r.findings[0].message.contains("pass --path /batch/")
                && r.findings[0].message.contains("recreating"),
            "{r:?}"
        );
        assert!(
            check(&desired("/batch/"), &actual(&trust, "/batch/"))
                .findings
                .is_empty()
        );
    }
}
