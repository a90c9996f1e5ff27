//! `plan`: the writes that bring the actual state to the desired one, in IAM's order, and
//! only writes that take effect. Pure: no AWS calls.

use serde::Serialize;

use crate::desired::Desired;
use crate::error::Error;
use crate::findings::trust::judge;
use crate::findings::{self, Finding};
use crate::policy::{Decision, Effect, Policy, Principals};
use crate::state::{Actual, ProfileState, RoleState};
use crate::trust;

/// One write `apply` makes, with what it needs to make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    CreateRole {
        document: String,
    },
    UpdateTrustPolicy {
        document: String,
        kept: usize,
        /// Conditional statements for EC2 whose condition stops restricting it.
        overridden: Vec<String>,
    },
    /// `--replace-trust-policy`: the EC2 trust policy in place of the whole document.
    ReplaceTrustPolicy {
        document: String,
        dropped: Vec<String>,
    },
    AttachRolePolicy {
        arn: String,
    },
    CreateInstanceProfile,
    RemoveRoleFromInstanceProfile {
        role: String,
    },
    AddRoleToInstanceProfile,
}

/// A step as shown to the user: `{"action", "resource", "detail"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Action {
    pub action: &'static str,
    pub resource: crate::Subject,
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
            Step::UpdateTrustPolicy {
                kept, overridden, ..
            } => (
                "update_trust_policy",
                desired.role_resource(),
                format!(
                    "add a statement allowing {} sts:AssumeRole; keep the {kept} existing statement(s){}",
                    desired.partition.ec2_principal(),
                    if overridden.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; the condition of {} no longer restricts EC2 (EC2 cannot meet it today; --replace-trust-policy writes the EC2 statement alone)",
                            overridden.join("; ")
                        )
                    }
                ),
            ),
            Step::ReplaceTrustPolicy { dropped, .. } => (
                "replace_trust_policy",
                desired.role_resource(),
                format!(
                    "replace the trust policy with one statement allowing {} sts:AssumeRole (--replace-trust-policy); drops {}",
                    desired.partition.ec2_principal(),
                    if dropped.is_empty() {
                        "nothing".to_owned()
                    } else {
                        dropped.join("; ")
                    }
                ),
            ),
            Step::AttachRolePolicy { arn } => (
                "attach_role_policy",
                crate::Subject::Policy(arn.clone()),
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
    /// Replace the trust policy with the EC2 one, dropping every other statement.
    pub replace_trust_policy: bool,
}

/// The writes that bring `actual` to `desired`, in order. Refuses (with nothing planned)
/// when that would rewrite something ecsrole was not told it may rewrite, and when the
/// writes could not take effect: the plan is applied to `actual` in memory and checked
/// again, and any error finding left makes it an [`Error::CannotFix`].
pub fn plan(desired: &Desired, actual: &Actual, opts: PlanOptions) -> Result<Vec<Step>, Error> {
    let mut steps = vec![];
    let p = desired.partition;
    match &actual.role {
        None => steps.push(Step::CreateRole {
            document: trust::ec2_trust_policy(p),
        }),
        Some(role) => {
            if let Some(step) = trust_step(desired, role, actual, opts)? {
                steps.push(step);
            }
        }
    }
    for arn in &desired.policies {
        // A policy that does not exist cannot be attached: its finding stays, and the
        // plan is refused below.
        if !actual.attached_policies.contains(arn) && !actual.missing_policies.contains(arn) {
            steps.push(Step::AttachRolePolicy { arn: arn.clone() });
        }
    }
    match &actual.instance_profile {
        None => {
            steps.push(Step::CreateInstanceProfile);
            steps.push(Step::AddRoleToInstanceProfile);
        }
        // IAM names are unique without regard to case: `ecsinstancerole` is ours.
        Some(profile) if crate::names::holds(&profile.roles, &desired.role_name) => {}
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
    // A change that cannot take effect is never planned.
    let left: Vec<Finding> = findings::check(desired, &simulate(desired, actual, &steps))
        .findings
        .into_iter()
        .filter(Finding::is_error)
        .collect();
    if !left.is_empty() {
        return Err(Error::CannotFix {
            findings: left
                .iter()
                .map(|f| format!("{}: {}", f.code.as_str(), f.message))
                .collect(),
            trust: left.iter().any(|f| f.code.is_trust()),
        });
    }
    Ok(steps)
}

/// The trust-policy write the plan needs, if any: with `--replace-trust-policy` the EC2
/// document whenever the current one holds anything else or EC2 is not allowed; otherwise
/// the EC2 statement appended when the evaluator says EC2 is denied (every statement kept).
///
/// When EC2's access only depends on what EC2 sends (a condition the evaluator cannot
/// decide), the plan leaves the document alone: `check` warns, and appending an
/// unconditional statement would silently defeat a deliberate condition. When it appends
/// beside conditional statements for EC2, the step says that they no longer restrict EC2.
fn trust_step(
    desired: &Desired,
    role: &RoleState,
    actual: &Actual,
    opts: PlanOptions,
) -> Result<Option<Step>, Error> {
    let p = desired.partition;
    let fresh = || trust::ec2_trust_policy(p);
    let document = role.trust_policy.as_str();
    let policy = match Policy::parse(document) {
        Ok(policy) => policy,
        Err(e) if opts.replace_trust_policy => {
            return Ok(Some(Step::ReplaceTrustPolicy {
                document: fresh(),
                dropped: vec![format!("the whole document, which cannot be read ({e})")],
            }));
        }
        Err(e) => {
            return Err(Error::TrustPolicy {
                role: desired.role_name.clone(),
                detail: e.to_string(),
            });
        }
    };
    let verdicts = judge(
        &policy,
        p,
        &role.arn,
        &crate::findings::trust::Facts::of(actual),
    );
    let dropped = trust::non_canonical(&policy, p);
    if opts.replace_trust_policy
        && (verdicts.ec2.decision != Decision::Allowed || !dropped.is_empty())
    {
        return Ok(Some(Step::ReplaceTrustPolicy {
            document: fresh(),
            dropped,
        }));
    }
    if verdicts.ec2.decision != Decision::Denied {
        return Ok(None);
    }
    let refused = trust::not_updatable(&policy);
    if !refused.is_empty() {
        return Err(Error::TrustPolicyNotUpdatable {
            role: desired.role_name.clone(),
            statements: refused,
        });
    }
    let document = trust::with_ec2_statement(document, p).map_err(|e| Error::TrustPolicy {
        role: desired.role_name.clone(),
        detail: e.to_string(),
    })?;
    let kept = policy.statements.len();
    // The conditional statements EC2 could match: the new statement makes their
    // conditions moot for EC2.
    let overridden = policy
        .statements
        .iter()
        .filter(|s| {
            s.effect == Effect::Allow
                && !s.conditions.is_empty()
                && s.principal.as_ref().is_some_and(|spec| match &spec.who {
                    Principals::Everyone => true,
                    Principals::Listed(l) => l.iter().any(|(k, v)| {
                        (k == "AWS" && v == "*")
                            || (k == "Service"
                                && p.accepted_ec2_principals()
                                    .iter()
                                    .any(|e| v.eq_ignore_ascii_case(e)))
                    }),
                })
        })
        .map(|s| s.describe())
        .collect();
    Ok(Some(Step::UpdateTrustPolicy {
        document,
        kept,
        overridden,
    }))
}

/// `actual` as it would be once `steps` are made (as IAM would show it once consistent).
pub fn simulate(desired: &Desired, actual: &Actual, steps: &[Step]) -> Actual {
    let mut after = actual.clone();
    for step in steps {
        match step {
            Step::CreateRole { document } => {
                after.role = Some(RoleState {
                    created: None,
                    arn: String::new(),
                    path: desired.path.clone(),
                    trust_policy: document.clone(),
                    tags: desired.create_tags(),
                    permissions_boundary: None,
                });
            }
            Step::UpdateTrustPolicy { document, .. }
            | Step::ReplaceTrustPolicy { document, .. } => {
                if let Some(role) = &mut after.role {
                    role.trust_policy = document.clone();
                }
            }
            Step::AttachRolePolicy { arn } => after.attached_policies.push(arn.clone()),
            Step::CreateInstanceProfile => {
                after.instance_profile = Some(ProfileState {
                    created: None,
                    arn: String::new(),
                    path: desired.path.clone(),
                    roles: vec![],
                    tags: desired.create_tags(),
                });
            }
            Step::RemoveRoleFromInstanceProfile { role } => {
                if let Some(profile) = &mut after.instance_profile {
                    profile.roles.retain(|r| !r.eq_ignore_ascii_case(role));
                }
            }
            Step::AddRoleToInstanceProfile => {
                if let Some(profile) = &mut after.instance_profile {
                    profile.roles.push(desired.role_name.clone());
                }
            }
        }
    }
    after
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::findings::check;
    use crate::{DesiredInput, Partition};

    fn desired() -> Desired {
        Desired::new(DesiredInput::default(), Partition::Aws).unwrap()
    }

    fn compliant() -> Actual {
        Actual {
            role: Some(RoleState {
                created: None,
                arn: "arn:aws:iam::123456789012:role/ecsInstanceRole".into(),
                path: "/".into(),
                trust_policy: trust::ec2_trust_policy(Partition::Aws),
                tags: vec![],
                permissions_boundary: None,
            }),
            attached_policies: vec![Partition::Aws.ecs_instance_policy_arn()],
            instance_profile: Some(ProfileState {
                created: None,
                arn: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
                path: "/".into(),
                roles: vec!["ecsInstanceRole".into()],
                tags: vec![],
            }),
            ..Actual::default()
        }
    }

    fn codes(r: &crate::Report) -> Vec<&'static str> {
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
                ..PlanOptions::default()
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

    /// A fleet run read the SCPs: a missing role is judged as apply would create it, and
    /// an SCP that would deny its agent is named now, with where it is attached; without
    /// one (or without SCPs) only what is missing is said.
    #[test]
    fn a_missing_role_names_the_scp_that_would_deny_it() {
        use crate::state::{Scp, ScpLevel};
        let level = |target: &str, docs: &[(&str, &str)]| ScpLevel {
            target: target.into(),
            policies: docs
                .iter()
                .map(|(name, document)| Scp {
                    id: format!("p-{name}"),
                    name: (*name).into(),
                    document: (*document).into(),
                })
                .collect(),
        };
        let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
        let deny = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoAgent","Effect":"Deny","Action":"ecs:RegisterContainerInstance","Resource":"*"}]}"#;
        let nothing = Actual::default();
        let missing = [
            "role_missing",
            "managed_policy_not_attached",
            "instance_profile_missing",
        ];
        assert_eq!(
            codes(&crate::findings::check(&desired(), &nothing)),
            missing
        );
        let mut fleet = Actual {
            scps: Some(vec![
                level("root r-ab12", &[("FullAWSAccess", all)]),
                level("account 111122223333", &[("FullAWSAccess", all)]),
            ]),
            ..Actual::default()
        };
        assert_eq!(codes(&crate::findings::check(&desired(), &fleet)), missing);
        fleet.scps.as_mut().unwrap().insert(
            1,
            level(
                "OU ou-ab12-cd34efgh (team-a)",
                &[("FullAWSAccess", all), ("deny-agent", deny)],
            ),
        );
        let report = crate::findings::check(&desired(), &fleet);
        assert_eq!(
            codes(&report),
            [missing.as_slice(), &["scp_denies_agent"]].concat()
        );
        let m = &report.findings[3].message;
        assert!(
            m.contains("deny-agent")
                && m.contains("OU ou-ab12-cd34efgh (team-a)")
                && m.contains("ecs:RegisterContainerInstance")
                && m.contains("creating it does not fix this"),
            "{m}"
        );
        assert!(report.undecided.is_empty(), "{:?}", report.undecided);
    }

    #[test]
    fn a_policy_that_does_not_exist_is_its_own_finding_and_nothing_is_planned() {
        let extra = "arn:aws:iam::123456789012:policy/nosuch".to_owned();
        let mut d = desired();
        d.policies.push(extra.clone());
        let mut a = compliant();
        a.missing_policies = vec![extra.clone()];
        let report = crate::findings::check(&d, &a);
        let codes: Vec<&str> = report.findings.iter().map(|f| f.code.as_str()).collect();
        assert_eq!(codes, ["policy_not_found"]);
        assert_eq!(
            report.findings[0].resource,
            crate::Subject::Policy(extra.clone())
        );
        let err = plan(&d, &a, PlanOptions::default()).unwrap_err();
        assert!(
            err.to_string().contains(
                "policy_not_found: policy arn:aws:iam::123456789012:policy/nosuch does not exist"
            ),
            "{err}"
        );
        // Attached, or only not attached: no such finding.
        a.missing_policies.clear();
        let codes: Vec<String> = crate::findings::check(&d, &a)
            .findings
            .iter()
            .map(|f| f.code.as_str().to_owned())
            .collect();
        assert_eq!(codes, ["managed_policy_not_attached"]);
    }

    #[test]
    fn a_change_that_cannot_take_effect_is_refused() {
        let mut a = compliant();
        a.role.as_mut().unwrap().trust_policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Sid":"NoEc2","Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into();
        let err = plan(&desired(), &a, PlanOptions::default()).unwrap_err();
        let Error::CannotFix { findings, trust } = &err else {
            panic!("{err:?}")
        };
        assert!(trust);
        assert!(findings[0].contains(r#"statement #2 ("NoEc2")"#), "{err}");
        assert!(err.to_string().contains("--replace-trust-policy"), "{err}");
        // The public statement: only the replace fixes it.
        a.role.as_mut().unwrap().trust_policy =
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#
                .into();
        assert!(matches!(
            plan(&desired(), &a, PlanOptions::default()),
            Err(Error::CannotFix { .. })
        ));
    }

    #[test]
    fn replace_trust_policy_writes_the_ec2_document_and_names_what_it_drops() {
        let replace = PlanOptions {
            replace_trust_policy: true,
            ..PlanOptions::default()
        };
        let mut a = compliant();
        a.role.as_mut().unwrap().trust_policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Sid":"NoEc2","Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into();
        let steps = plan(&desired(), &a, replace).unwrap();
        let [Step::ReplaceTrustPolicy { document, dropped }] = &steps[..] else {
            panic!("{steps:?}")
        };
        assert_eq!(*document, trust::ec2_trust_policy(Partition::Aws));
        assert_eq!(dropped.len(), 1, "{dropped:?}");
        assert!(dropped[0].contains("NoEc2"));
        // Unreadable documents can be replaced too; a compliant one is left alone.
        a.role.as_mut().unwrap().trust_policy = "not json".into();
        assert!(matches!(
            plan(&desired(), &a, PlanOptions::default()),
            Err(Error::TrustPolicy { .. })
        ));
        assert!(matches!(
            &plan(&desired(), &a, replace).unwrap()[..],
            [Step::ReplaceTrustPolicy { .. }]
        ));
        assert!(plan(&desired(), &compliant(), replace).unwrap().is_empty());
    }

    #[test]
    fn every_plan_leaves_no_error_once_simulated() {
        let d = desired();
        for a in [Actual::default(), compliant()] {
            let steps = plan(&d, &a, PlanOptions::default()).unwrap();
            assert!(check(&d, &simulate(&d, &a, &steps)).compliant);
        }
    }

    #[test]
    fn names_read_from_iam_are_compared_without_regard_to_case() {
        let input = DesiredInput {
            role_name: Some("ecsinstancerole".into()),
            instance_profile_name: Some("ecsInstanceRole".into()),
            ..DesiredInput::default()
        };
        let d = Desired::new(input, Partition::Aws).unwrap();
        // The profile holds `ecsInstanceRole`: that is the role asked for, not another.
        let steps = plan(&d, &compliant(), PlanOptions::default()).unwrap();
        assert!(steps.is_empty(), "{steps:?}");
        assert!(check(&d, &compliant()).compliant);
    }

    #[test]
    fn a_trust_policy_iam_would_not_store_again_is_refused_before_any_write() {
        let mut a = compliant();
        a.role.as_mut().unwrap().trust_policy = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"NotAction":"sts:TagSession"}]}"#.into();
        let err = plan(&desired(), &a, PlanOptions::default()).unwrap_err();
        assert!(
            matches!(err, Error::TrustPolicyNotUpdatable { .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("statement #1")
                && err.to_string().contains("nothing was changed"),
            "{err}"
        );
        let replace = PlanOptions {
            replace_trust_policy: true,
            ..PlanOptions::default()
        };
        assert!(matches!(
            &plan(&desired(), &a, replace).unwrap()[..],
            [Step::ReplaceTrustPolicy { .. }]
        ));
    }

    #[test]
    fn trust_update_keeps_statements() {
        let mut a = compliant();
        a.role.as_mut().unwrap().trust_policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#.into();
        let steps = plan(&desired(), &a, PlanOptions::default()).unwrap();
        let [Step::UpdateTrustPolicy { document, kept, .. }] = &steps[..] else {
            panic!("{steps:?}")
        };
        assert_eq!(*kept, 1);
        assert!(
            document.contains("ecs-tasks.amazonaws.com") && document.contains("ec2.amazonaws.com")
        );
    }
}
