//! Question (c): may the ECS agent do its job? Each action the agent calls (docs/aws-facts.md: the
//! actions of `AmazonEC2ContainerServiceforEC2Role`; for `--kind ecs-managed-instances`
//! those of `AmazonECSInstanceRolePolicyForManagedInstances`), evaluated by `crate::policy` against
//! every policy on the role (the attached managed policies, the inline policies, the
//! permissions boundary) and the SCPs over its account when they were read.
//!
//! The required AWS managed policy is judged by its ARN, not its text (AWS edits it;
//! emulators carry old copies): what it grants is taken as docs/aws-facts.md lists for v10 (the
//! managed instances one: its v4).

use crate::desired::{Desired, RoleKind};
use crate::partition::Partition;
use crate::policy::{
    self, Context, Decision, Level, Named, Policy, PolicySet, Principal, Request, Resource, Slot,
    Witness,
};
use crate::state::{Actual, PolicySource, PolicyText};

use super::trust::Facts;
use super::{FindingCode, Severity};

/// Findings of one cause: code, severity, cause, the actions, the witnesses.
type Group = (
    FindingCode,
    Severity,
    String,
    Vec<&'static str>,
    Vec<Witness>,
);

/// An agent call decided: the statements naming its action, its resource, its create
/// action, and the verdict.
type Decided = (
    Vec<bool>,
    Option<String>,
    Option<&'static str>,
    policy::Verdict,
);

/// One SCP level's target and its parsed policies, each with its name in messages.
type ScpLevelPolicies = (String, Vec<(String, Policy)>);

/// What `AmazonEC2ContainerServiceforEC2Role` grants (v10, docs/aws-facts.md).
fn ecs_policy_document(p: Partition) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
{{"Effect":"Allow","Action":["ec2:DescribeTags","ecs:CreateCluster","ecs:DeregisterContainerInstance","ecs:DiscoverPollEndpoint","ecs:Poll","ecs:RegisterContainerInstance","ecs:StartTelemetrySession","ecs:UpdateContainerInstancesState","ecs:Submit*","ecr:GetAuthorizationToken","ecr:BatchCheckLayerAvailability","ecr:GetDownloadUrlForLayer","ecr:BatchGetImage","logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"}},
{{"Effect":"Allow","Action":"ecs:TagResource","Resource":"*","Condition":{{"StringEquals":{{"ecs:CreateAction":["CreateCluster","RegisterContainerInstance"]}}}}}},
{{"Effect":"Allow","Action":"ecs:ListTagsForResource","Resource":["arn:{p}:ecs:*:*:task/*/*","arn:{p}:ecs:*:*:container-instance/*/*"]}}]}}"#
    )
}

/// What `AmazonECSInstanceRolePolicyForManagedInstances` grants (v4, 2026-07-02, as the
/// AWS managed policy list moto 5.2.5 bundles shows it: the agent on an ECS Managed
/// Instance pulls no image with the instance role and writes no awslogs with it).
fn managed_instances_policy_document(p: Partition) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[
{{"Effect":"Allow","Action":"ecs:DiscoverPollEndpoint","Resource":"*"}},
{{"Effect":"Allow","Action":"ecs:RegisterContainerInstance","Resource":"arn:{p}:ecs:*:*:cluster/*"}},
{{"Effect":"Allow","Action":"ecs:Poll","Resource":["arn:{p}:ecs:*:*:container-instance/*","arn:{p}:ecs:*:*:task-set/*"]}},
{{"Effect":"Allow","Action":["ecs:StartTelemetrySession","ecs:PutSystemLogEvents"],"Resource":"arn:{p}:ecs:*:*:container-instance/*"}},
{{"Effect":"Allow","Action":["ecs:SubmitAttachmentStateChanges","ecs:SubmitTaskStateChange"],"Resource":"arn:{p}:ecs:*:*:cluster/*"}}]}}"#
    )
}

/// One call the agent makes: the action, the resource it is made on (a shape: which
/// cluster or repository is not known), and what the request context is known to hold.
struct Call {
    action: &'static str,
    resource: Option<String>,
    create_action: Option<&'static str>,
}

fn calls(p: Partition, account: &str, kind: RoleKind) -> Vec<Call> {
    let cluster = format!("arn:{p}:ecs:*:{account}:cluster/*");
    let instance = format!("arn:{p}:ecs:*:{account}:container-instance/*/*");
    let repository = format!("arn:{p}:ecr:*:*:repository/*");
    let group = format!("arn:{p}:logs:*:{account}:log-group:*");
    let stream = format!("arn:{p}:logs:*:{account}:log-group:*:log-stream:*");
    let call = |action, resource: Option<&String>| Call {
        action,
        resource: resource.cloned(),
        create_action: None,
    };
    if kind == RoleKind::EcsManagedInstances {
        // What the managed instances policy grants is what their agent calls.
        return vec![
            call("ecs:DiscoverPollEndpoint", None),
            call("ecs:RegisterContainerInstance", Some(&cluster)),
            call("ecs:Poll", Some(&instance)),
            call("ecs:StartTelemetrySession", Some(&instance)),
            call("ecs:PutSystemLogEvents", Some(&instance)),
            call("ecs:SubmitAttachmentStateChanges", Some(&cluster)),
            call("ecs:SubmitTaskStateChange", Some(&cluster)),
        ];
    }
    vec![
        call("ec2:DescribeTags", None),
        call("ecs:CreateCluster", None),
        call("ecs:DeregisterContainerInstance", Some(&cluster)),
        call("ecs:DiscoverPollEndpoint", None),
        call("ecs:Poll", Some(&instance)),
        call("ecs:RegisterContainerInstance", Some(&cluster)),
        call("ecs:StartTelemetrySession", Some(&instance)),
        call("ecs:UpdateContainerInstancesState", Some(&instance)),
        call("ecs:SubmitAttachmentStateChanges", Some(&cluster)),
        call("ecs:SubmitContainerStateChange", Some(&cluster)),
        call("ecs:SubmitTaskStateChange", Some(&cluster)),
        call("ecr:GetAuthorizationToken", None),
        call("ecr:BatchCheckLayerAvailability", Some(&repository)),
        call("ecr:GetDownloadUrlForLayer", Some(&repository)),
        call("ecr:BatchGetImage", Some(&repository)),
        call("logs:CreateLogStream", Some(&group)),
        call("logs:PutLogEvents", Some(&stream)),
        Call {
            action: "ecs:TagResource",
            resource: Some(instance.clone()),
            create_action: Some("RegisterContainerInstance"),
        },
        call("ecs:ListTagsForResource", Some(&instance)),
    ]
}

/// The findings of question (c). When the role does not exist and the SCPs over the
/// account were read (a fleet run), the role as `apply` would create it is judged under
/// them: an SCP that would deny its agent is said now (creating the role would not help),
/// and nothing else (what is missing is the other findings').
pub(super) fn findings(
    desired: &Desired,
    actual: &Actual,
    facts: &Facts,
    push: &mut impl FnMut(FindingCode, Severity, String, crate::Subject, Vec<Witness>),
    undecided: &mut Vec<String>,
) {
    match &actual.role {
        Some(role) => judge(desired, actual, role, facts, push, undecided),
        None if actual.scps.is_some() => {
            let role = as_created(desired, actual);
            let mut not_said = vec![];
            judge(
                desired,
                actual,
                &role,
                facts,
                &mut |code, severity, message, resource, witnesses| {
                    if code == FindingCode::ScpDeniesAgent {
                        push(
                            code,
                            severity,
                            format!(
                                "{message} (the role does not exist yet; created as apply creates it, it would be denied so: creating it does not fix this)"
                            ),
                            resource,
                            witnesses,
                        );
                    }
                },
                &mut not_said,
            );
        }
        // Asked for and not read: whether creating the role would help is not known.
        None if actual.scps_failed.is_some() => undecided.push(format!(
            "whether an SCP would deny the ECS agent once the role exists: the SCPs over the account: {}",
            actual.scps_failed.as_deref().unwrap_or_default()
        )),
        None => {}
    }
}

/// The role as `apply` would create it: EC2's trust policy, the run's tags, at its path, in
/// the account the SCPs were read for (the last level names it), with no boundary.
fn as_created(desired: &Desired, actual: &Actual) -> crate::state::RoleState {
    let p = desired.partition;
    let account = actual
        .account_id()
        .or_else(|| {
            actual.scps.as_ref()?.iter().rev().find_map(|l| {
                l.target
                    .strip_prefix("account ")
                    .map(|a| a.split_whitespace().next().unwrap_or_default().to_owned())
            })
        })
        .unwrap_or_else(|| "*".to_owned());
    crate::state::RoleState {
        arn: format!(
            "arn:{p}:iam::{account}:role{}{}",
            desired.path, desired.role_name
        ),
        path: desired.path.clone(),
        created: None,
        trust_policy: crate::trust::ec2_trust_policy(p),
        tags: desired.create_tags(),
        permissions_boundary: None,
    }
}

/// Question (c) for `role` (the one read, or the one apply would create).
fn judge(
    desired: &Desired,
    actual: &Actual,
    role: &crate::state::RoleState,
    facts: &Facts,
    push: &mut impl FnMut(FindingCode, Severity, String, crate::Subject, Vec<Witness>),
    undecided: &mut Vec<String>,
) {
    let p = desired.partition;
    let account = crate::state::account_of(&role.arn).unwrap_or_else(|| "*".to_owned());
    // The AWS managed policies judged by their ARN, with what each grants.
    let [ecs, managed_instances] = p.policies_judged_by_arn();
    let builtin = [
        (ecs, ecs_policy_document(p)),
        (managed_instances, managed_instances_policy_document(p)),
    ];
    let mut texts: Vec<(String, bool, String)> = vec![]; // (name, is boundary, document)
    let mut unreadable = vec![];
    for rp in &actual.role_policies {
        let (name, boundary) = match &rp.source {
            PolicySource::Managed { arn, version } => {
                if builtin.iter().any(|(a, _)| a == arn) {
                    continue;
                }
                (format!("managed policy {arn} ({version})"), false)
            }
            PolicySource::Inline { name } => (format!("inline policy {name}"), false),
            PolicySource::Boundary { arn, version } => {
                (format!("permissions boundary {arn} ({version})"), true)
            }
        };
        match &rp.text {
            PolicyText::Read(doc) => texts.push((name, boundary, doc.clone())),
            PolicyText::Unreadable(why) => unreadable.push(format!("{name}: {why}")),
        }
    }
    // Not attached but required: that is `managed_policy_not_attached`; the question here
    // is what else stands in the agent's way once it is.
    for (arn, document) in &builtin {
        let read = actual
            .role_policies
            .iter()
            .any(|rp| matches!(&rp.source, PolicySource::Managed { arn: a, .. } if a == arn));
        if read || actual.attached_policies.contains(arn) || desired.policies.contains(arn) {
            texts.push((format!("managed policy {arn}"), false, document.clone()));
        }
    }
    if role.permissions_boundary.is_some()
        && !actual
            .role_policies
            .iter()
            .any(|r| matches!(r.source, PolicySource::Boundary { .. }))
    {
        unreadable.push(format!(
            "permissions boundary {}: not read",
            role.permissions_boundary.as_deref().unwrap_or_default()
        ));
    }
    if let Some(why) = &actual.scps_failed {
        unreadable.push(format!("the SCPs over account {account}: {why}"));
    }
    let mut parsed: Vec<(String, bool, Policy)> = vec![];
    for (name, boundary, doc) in texts {
        match Policy::parse(&doc) {
            Ok(policy) => parsed.push((name, boundary, policy)),
            Err(e) => unreadable.push(format!("{name}: {e}")),
        }
    }
    let scp_policies: Option<Vec<ScpLevelPolicies>> = actual.scps.as_ref().map(|levels| {
        levels
            .iter()
            .map(|l| {
                let policies = l
                    .policies
                    .iter()
                    .filter_map(|scp| match Policy::parse(&scp.document) {
                        Ok(p) => Some((
                            format!("SCP {} ({}) attached to {}", scp.id, scp.name, l.target),
                            p,
                        )),
                        Err(e) => {
                            unreadable.push(format!("SCP {} ({}): {e}", scp.id, scp.name));
                            None
                        }
                    })
                    .collect();
                (l.target.clone(), policies)
            })
            .collect()
    });
    let set = PolicySet {
        resource: None,
        identity: parsed
            .iter()
            .filter(|(_, b, _)| !b)
            .map(|(name, _, policy)| Named { name, policy })
            .collect(),
        boundary: parsed
            .iter()
            .find(|(_, b, _)| *b)
            .map(|(name, _, policy)| Named { name, policy }),
        scps: scp_policies.as_ref().map(|levels| {
            levels
                .iter()
                .map(|(target, policies)| Level {
                    target,
                    policies: policies
                        .iter()
                        .map(|(name, policy)| Named { name, policy })
                        .collect(),
                })
                .collect()
        }),
    };
    let role_res = desired.role_resource();
    if !unreadable.is_empty() {
        push(
            FindingCode::PolicyUnreadable,
            Severity::Warning,
            format!(
                "the ECS agent's permissions were not fully evaluated: {}",
                unreadable.join("; ")
            ),
            role_res.clone(),
            vec![],
        );
    }
    let session = format!(
        "arn:{p}:sts::{account}:assumed-role/{}/i-ecsrole",
        desired.role_name
    );
    // Findings grouped by their cause, in the order of the calls.
    let mut groups: Vec<Group> = vec![];
    // Calls decided so far: the statements naming the action, the resource, the create
    // action, and the verdict. A call that agrees with one on all three is decided alike
    // (`PolicySet::naming`): its verdict is that one's, for its own action.
    let mut decided: Vec<Decided> = vec![];
    for call in calls(p, &account, desired.kind) {
        let naming = set.naming(call.action);
        let earlier = decided
            .iter()
            .find(|(n, r, c, _)| *n == naming && *r == call.resource && *c == call.create_action);
        let verdict = match earlier {
            Some((.., verdict)) => {
                let mut verdict = verdict.clone();
                for w in verdict.witness.iter_mut().chain(verdict.counter.iter_mut()) {
                    w.action = call.action.to_owned();
                }
                verdict
            }
            None => decide(&set, &call, facts, &session, &account, role),
        };
        decided.push((
            naming,
            call.resource.clone(),
            call.create_action,
            verdict.clone(),
        ));
        let witnesses: Vec<Witness> = verdict
            .witness
            .iter()
            .chain(&verdict.counter)
            .cloned()
            .collect();
        let (code, severity, cause) = match verdict.decision {
            Decision::Allowed if unreadable.is_empty() => continue,
            Decision::Undecided => {
                undecided.push(format!(
                    "whether the ECS agent may call {}: {}",
                    call.action,
                    verdict.undecided.unwrap_or_default()
                ));
                continue;
            }
            Decision::Denied if !verdict.statements.is_empty() => {
                let scp = verdict.statements.iter().any(|s| s.starts_with("SCP "));
                let cause = format!("denied by {}", verdict.statements.join("; "));
                if scp {
                    (FindingCode::ScpDeniesAgent, Severity::Error, cause)
                } else {
                    (FindingCode::AgentPermissionDenied, Severity::Error, cause)
                }
            }
            // No Deny decides it, and a policy that could not be read might: not decided.
            _ if !unreadable.is_empty() => {
                undecided.push(format!(
                    "whether the ECS agent may call {} depends on what was not read: {}",
                    call.action,
                    unreadable.join("; ")
                ));
                continue;
            }
            Decision::Allowed => continue,
            Decision::Denied => {
                let scp = verdict.missing.iter().any(|m| m.contains("SCP"));
                let cause = verdict.missing.join("; ");
                if scp {
                    (FindingCode::ScpDeniesAgent, Severity::Error, cause)
                } else {
                    (FindingCode::AgentPermissionDenied, Severity::Error, cause)
                }
            }
            Decision::Depends => (
                FindingCode::AgentPermissionConditional,
                Severity::Warning,
                match (&verdict.witness, &verdict.counter) {
                    (Some(a), Some(d)) => format!(
                        "it depends on {} (allowed with {}; denied with {}): {}",
                        verdict.keys.join(", "),
                        a.describe_keys(&verdict.keys),
                        d.describe_keys(&verdict.keys),
                        verdict.statements.join("; ")
                    ),
                    _ => format!(
                        "it depends on {}: {}",
                        verdict.keys.join(", "),
                        verdict.statements.join("; ")
                    ),
                },
            ),
        };
        match groups
            .iter_mut()
            .find(|(c, _, why, _, _)| *c == code && *why == cause)
        {
            Some((_, _, _, actions, _)) => {
                if !actions.contains(&call.action) {
                    actions.push(call.action);
                }
            }
            None => groups.push((code, severity, cause, vec![call.action], witnesses)),
        }
    }
    for (code, severity, cause, actions, witnesses) in groups {
        let verb = match severity {
            Severity::Error => "may not call",
            Severity::Warning => "may not be able to call",
        };
        push(
            code,
            severity,
            format!(
                "the ECS agent on instances with role {} {verb} {}: {cause}",
                desired.role_name,
                actions.join(", ")
            ),
            role_res.clone(),
            witnesses,
        );
    }
}

/// The verdict on one agent call: the role's session on an instance, an IAM principal of
/// the role's account with the role's tags; no MFA or service keys (AWS's global
/// condition keys page).
fn decide(
    set: &PolicySet<'_>,
    call: &Call,
    facts: &Facts,
    session: &str,
    account: &str,
    role: &crate::state::RoleState,
) -> policy::Verdict {
    let mut context = Context::unknown_rest()
        .known("aws:PrincipalAccount", account)
        .known("aws:PrincipalArn", &role.arn)
        .known("aws:PrincipalType", "AssumedRole")
        .known("aws:PrincipalIsAWSService", "false")
        .set("aws:PrincipalServiceName", Slot::Absent)
        .set("aws:PrincipalServiceNamesList", Slot::Absent)
        .set("aws:username", Slot::Absent);
    context = facts
        .tags(facts.time(context), "aws:PrincipalTag/")
        .set("aws:RequestedRegion", Slot::present());
    if let Some(c) = call.create_action {
        context = context.set("ecs:CreateAction", Slot::Known(vec![c.to_owned()]));
    }
    policy::evaluate(
        set,
        &Request {
            principal: Principal::Aws(session.to_owned()),
            action: call.action.to_owned(),
            resource: match &call.resource {
                Some(shape) => Resource::Within(shape.clone()),
                None => Resource::Arn("*".into()),
            },
            context,
        },
    )
}
