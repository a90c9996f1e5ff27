//! `check`: what is wrong with the actual state, as findings with stable codes. Pure: no
//! AWS calls. Every verdict about a policy comes from the evaluator (`crate::policy`):
//! `trust.rs` asks who may assume the role, `agent.rs` whether the ECS agent may do its job.

use serde::Serialize;

use crate::desired::Desired;
use crate::policy::{Policy, Witness};
use crate::state::Actual;

mod agent;
mod code;
pub mod trust;

pub use code::{CodeDoc, FindingCode};
#[cfg(test)]
mod verdict_tests;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: FindingCode,
    pub severity: Severity,
    pub message: String,
    pub resource: crate::Subject,
    /// The requests that show a verdict about a policy: one the policies allow (public,
    /// depends) and one they deny (missing, denied, depends).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub witnesses: Vec<Witness>,
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
    /// The region the run used (set by [`crate::Engine::check`]).
    pub region: Option<String>,
    pub compliant: bool,
    pub findings: Vec<Finding>,
    /// The questions the evaluator could not decide, or that depend on a policy that was
    /// not read: the run cannot say the role is compliant (exit 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undecided: Vec<String>,
    /// What makes the errors go (set by [`crate::Engine::check`], which can ask the plan).
    #[serde(skip)]
    pub remedy: Remedy,
}

/// What fixes a report's errors, as the plan says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Remedy {
    /// `plan` and `apply` (perhaps with `--replace-profile-role`, which plan names).
    #[default]
    Plan,
    /// Only `--replace-trust-policy`, which rewrites the whole trust policy.
    ReplaceTrustPolicy,
    /// No change ecsrole makes: what each error names (an inline policy, a boundary, an
    /// SCP, an ARN that does not exist) must change.
    Outside,
}

/// What a check says of the role: the one rule its exit code follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// No error finding, every question decided.
    Compliant,
    /// An error finding, every question decided.
    Drift,
    /// A question about the role's policies was not decided (or rests on a policy that
    /// was not read): nothing can be said of the role.
    Undecided,
}

impl Report {
    pub fn standing(&self) -> Standing {
        if !self.undecided.is_empty() {
            Standing::Undecided
        } else if self.compliant {
            Standing::Compliant
        } else {
            Standing::Drift
        }
    }
}

/// Compares what IAM holds with what is wanted. Pure: no AWS calls.
pub fn check(desired: &Desired, actual: &Actual) -> Report {
    let mut findings = vec![];
    let mut undecided: Vec<String> = vec![];
    let mut push = |code, severity, message: String, resource: crate::Subject, witnesses| {
        findings.push(Finding {
            code,
            severity,
            message,
            resource,
            witnesses,
        })
    };
    let facts = trust::Facts::of(actual);
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
            vec![],
        ),
        Some(role) => {
            match Policy::parse(&role.trust_policy) {
                Err(e) => push(
                    FindingCode::TrustPolicyMissingEc2,
                    Severity::Error,
                    format!(
                        "the trust policy cannot be read ({e}), so it does not let {} assume the role",
                        p.ec2_principal()
                    ),
                    role_res.clone(),
                    vec![],
                ),
                Ok(policy) => {
                    let verdicts = trust::judge(&policy, p, &role.arn, &facts);
                    for why in verdicts.undecided() {
                        undecided.push(format!("the trust policy: {why}"));
                    }
                    trust::findings(&verdicts, p, &mut |code, severity, message, w| {
                        push(code, severity, message, role_res.clone(), w)
                    })
                }
            }
            if role.path != desired.path {
                push(
                    FindingCode::RolePathDiffers,
                    Severity::Warning,
                    path_differs("role", &desired.role_name, &role.path),
                    role_res.clone(),
                    vec![],
                );
            }
        }
    }
    for arn in &desired.policies {
        if actual.missing_policies.contains(arn) {
            push(
                FindingCode::PolicyNotFound,
                Severity::Error,
                format!(
                    "policy {arn} does not exist (IAM answered NoSuchEntity), so it cannot be attached to role {}: check the ARN given as --extra-policy",
                    desired.role_name
                ),
                crate::Subject::Policy(arn.clone()),
                vec![],
            );
        } else if !actual.attached_policies.contains(arn) {
            push(
                FindingCode::ManagedPolicyNotAttached,
                Severity::Error,
                format!(
                    "managed policy {arn} is not attached to role {}",
                    desired.role_name
                ),
                crate::Subject::Policy(arn.clone()),
                vec![],
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
            vec![],
        ),
        Some(profile) if profile.roles.is_empty() => push(
            FindingCode::InstanceProfileMissingRole,
            Severity::Error,
            format!(
                "instance profile {} holds no role; it must hold {}",
                desired.instance_profile_name, desired.role_name
            ),
            prof_res.clone(),
            vec![],
        ),
        Some(profile) if !crate::names::holds(&profile.roles, &desired.role_name) => push(
            FindingCode::InstanceProfileOtherRole,
            Severity::Error,
            format!(
                "instance profile {} holds role {}, not {}",
                desired.instance_profile_name,
                profile.roles.join(", "),
                desired.role_name
            ),
            prof_res.clone(),
            vec![],
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
            vec![],
        );
    }
    agent::findings(desired, actual, &facts, &mut push, &mut undecided);
    let compliant = undecided.is_empty() && findings.iter().all(|f| !f.is_error());
    Report {
        role_name: desired.role_name.clone(),
        instance_profile_name: desired.instance_profile_name.clone(),
        partition: p,
        account_id: actual.account_id(),
        region: None,
        compliant,
        findings,
        undecided,
        remedy: Remedy::Plan,
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
