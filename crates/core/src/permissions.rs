//! The IAM actions ecsrole needs, per command: one table, the single source of truth for
//! `ecsrole permissions` and for the integration harness, whose proxy refuses (and fails
//! the test on) any call a command makes that its rows here do not grant.
//!
//! A row is either an action the code calls, or one AWS checks implicitly during another
//! call (`iam:PassRole` when Batch is handed a role, `iam:TagRole` when a role is created
//! with tags): those are marked `implied` and are never seen on the wire.

use serde_json::{Value, json};

use crate::desired::Desired;

/// What the operator runs. `Fleet` is the operator's own side of a fleet run (assuming
/// the role in each target account); the other commands are what that role needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Command {
    Check,
    Plan,
    Apply,
    Destroy,
    Verify,
    Cleanup,
    Fleet,
}

impl Command {
    pub const ALL: [Command; 7] = [
        Command::Check,
        Command::Plan,
        Command::Apply,
        Command::Destroy,
        Command::Verify,
        Command::Cleanup,
        Command::Fleet,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Command::Check => "check",
            Command::Plan => "plan",
            Command::Apply => "apply",
            Command::Destroy => "destroy",
            Command::Verify => "verify",
            Command::Cleanup => "cleanup",
            Command::Fleet => "fleet",
        }
    }

    pub fn parse(s: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

/// Which resources a row's action is granted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// The role ecsrole manages (at `--path`).
    Role,
    /// The instance profile ecsrole manages (at `--path`).
    Profile,
    /// The role, only to attach the required and extra managed policies.
    RoleWithPolicies,
    /// The Batch service-linked role.
    ServiceLinkedRole,
    /// The roles Batch is handed: the managed role and the Batch service role.
    PassedRoles,
    /// What verify creates: `ecsrole-verify-*` compute environments, job queues and job
    /// definitions.
    VerifyBatch,
    /// Submitting verify's job: its queue and definition, and the `job` resource type AWS's
    /// service authorization reference lists for `batch:SubmitJob` (job ids are not known
    /// before the call, so `job/*`).
    VerifySubmit,
    /// The ECS clusters Batch creates for verify's compute environments.
    VerifyClusters,
    /// The role assumed in each fleet account.
    FleetRole,
    /// Actions that do not support resource-level permissions (List*/Describe*).
    Any,
}

/// One IAM action and the commands that need it.
#[derive(Debug, Clone, Copy)]
pub struct Permission {
    pub action: &'static str,
    pub on: On,
    pub commands: &'static [Command],
    /// Checked by AWS during another call; never a request of its own.
    pub implied: bool,
    pub why: &'static str,
}

use Command::{Apply, Check, Cleanup, Destroy, Fleet, Plan, Verify};

const fn called(
    action: &'static str,
    on: On,
    commands: &'static [Command],
    why: &'static str,
) -> Permission {
    Permission {
        action,
        on,
        commands,
        implied: false,
        why,
    }
}

const fn implied(
    action: &'static str,
    on: On,
    commands: &'static [Command],
    why: &'static str,
) -> Permission {
    Permission {
        action,
        on,
        commands,
        implied: true,
        why,
    }
}

/// Every command that starts from a `check` of the role.
const READS: &[Command] = &[Check, Plan, Apply, Destroy, Verify];

/// The table. Keep one row per action; `permissions_cover_every_call` in the integration
/// tests fails when the code calls an action that is missing here.
pub const TABLE: &[Permission] = &[
    called(
        "iam:GetRole",
        On::Role,
        READS,
        "read the role and its trust policy",
    ),
    called(
        "iam:ListAttachedRolePolicies",
        On::Role,
        READS,
        "read the attached managed policies",
    ),
    called(
        "iam:GetInstanceProfile",
        On::Profile,
        READS,
        "read the instance profile and its role",
    ),
    called("iam:CreateRole", On::Role, &[Apply], "create the role"),
    implied(
        "iam:TagRole",
        On::Role,
        &[Apply],
        "create the role with its tags",
    ),
    called(
        "iam:UpdateAssumeRolePolicy",
        On::Role,
        &[Apply],
        "add the EC2 trust statement",
    ),
    called(
        "iam:AttachRolePolicy",
        On::RoleWithPolicies,
        &[Apply],
        "attach the required managed policies (and only those)",
    ),
    called(
        "iam:CreateInstanceProfile",
        On::Profile,
        &[Apply],
        "create the instance profile",
    ),
    implied(
        "iam:TagInstanceProfile",
        On::Profile,
        &[Apply],
        "create the instance profile with its tags",
    ),
    called(
        "iam:AddRoleToInstanceProfile",
        On::Profile,
        &[Apply],
        "put the role in the instance profile",
    ),
    called(
        "iam:RemoveRoleFromInstanceProfile",
        On::Profile,
        &[Apply, Destroy],
        "take a role out of the profile (apply: only with --replace-profile-role)",
    ),
    implied(
        "iam:PassRole",
        On::Role,
        &[Apply],
        "put the role in the instance profile",
    ),
    called(
        "iam:ListInstanceProfilesForRole",
        On::Role,
        &[Destroy],
        "find every instance profile that holds the role before deleting anything",
    ),
    called(
        "iam:ListRolePolicies",
        On::Role,
        &[Destroy],
        "find inline policies to delete with the role",
    ),
    called(
        "iam:DeleteRolePolicy",
        On::Role,
        &[Destroy],
        "delete the role's inline policies",
    ),
    called(
        "iam:DetachRolePolicy",
        On::Role,
        &[Destroy],
        "detach managed policies before deleting the role",
    ),
    called(
        "iam:DeleteInstanceProfile",
        On::Profile,
        &[Destroy],
        "delete the instance profile",
    ),
    called("iam:DeleteRole", On::Role, &[Destroy], "delete the role"),
    called(
        "iam:ListRoles",
        On::Any,
        &[Verify],
        "find the Batch service-linked role by its path",
    ),
    called(
        "iam:CreateServiceLinkedRole",
        On::ServiceLinkedRole,
        &[Verify],
        "create AWSServiceRoleForBatch when the account has none",
    ),
    implied(
        "iam:PassRole",
        On::PassedRoles,
        &[Verify],
        "hand the instance role and the service role to Batch",
    ),
    called(
        "ec2:DescribeVpcs",
        On::Any,
        &[Verify],
        "find the default VPC",
    ),
    called(
        "ec2:DescribeSubnets",
        On::Any,
        &[Verify],
        "find the default VPC's subnets",
    ),
    called(
        "ec2:DescribeSecurityGroups",
        On::Any,
        &[Verify],
        "find the default VPC's default security group",
    ),
    called(
        "batch:CreateComputeEnvironment",
        On::VerifyBatch,
        &[Verify],
        "create the test compute environment",
    ),
    implied(
        "batch:TagResource",
        On::VerifyBatch,
        &[Verify],
        "create it tagged with the run id",
    ),
    called(
        "batch:UpdateComputeEnvironment",
        On::VerifyBatch,
        &[Verify, Cleanup],
        "launch an instance; disable before deleting",
    ),
    called(
        "batch:DeleteComputeEnvironment",
        On::VerifyBatch,
        &[Verify, Cleanup],
        "tear down",
    ),
    called(
        "batch:DescribeComputeEnvironments",
        On::Any,
        &[Verify, Cleanup],
        "wait for VALID; find leftovers",
    ),
    called(
        "batch:CreateJobQueue",
        On::VerifyBatch,
        &[Verify],
        "level job: the test queue",
    ),
    called(
        "batch:UpdateJobQueue",
        On::VerifyBatch,
        &[Verify, Cleanup],
        "disable the queue before deleting it",
    ),
    called(
        "batch:DeleteJobQueue",
        On::VerifyBatch,
        &[Verify, Cleanup],
        "tear down",
    ),
    called(
        "batch:DescribeJobQueues",
        On::Any,
        &[Verify, Cleanup],
        "wait for the queue; find leftovers",
    ),
    called(
        "batch:RegisterJobDefinition",
        On::VerifyBatch,
        &[Verify],
        "level job: the test job definition",
    ),
    called(
        "batch:DeregisterJobDefinition",
        On::VerifyBatch,
        &[Verify, Cleanup],
        "tear down",
    ),
    called(
        "batch:DescribeJobDefinitions",
        On::Any,
        &[Verify, Cleanup],
        "find leftovers",
    ),
    called(
        "batch:SubmitJob",
        On::VerifySubmit,
        &[Verify],
        "level job: run the test job",
    ),
    called(
        "batch:DescribeJobs",
        On::Any,
        &[Verify],
        "level job: wait for SUCCEEDED",
    ),
    called(
        "ecs:ListContainerInstances",
        On::VerifyClusters,
        &[Verify],
        "level instance: see an instance join the cluster",
    ),
    called(
        "sts:AssumeRole",
        On::FleetRole,
        &[Fleet],
        "run in each target account",
    ),
];

/// The actions `command` may send on the wire (no implied ones).
pub fn called_by(command: Command) -> impl Iterator<Item = &'static str> {
    TABLE
        .iter()
        .filter(move |p| !p.implied && p.commands.contains(&command))
        .map(|p| p.action)
}

/// The least-privilege policy document for `commands`, scoped to `desired`'s role,
/// instance profile, path and partition; `assume_role_name` scopes the fleet row.
pub fn policy(commands: &[Command], desired: &Desired, assume_role_name: &str) -> Value {
    let p = desired.partition.as_str();
    let path = &desired.path;
    let resources = |on: On| -> Vec<String> {
        match on {
            On::Role | On::RoleWithPolicies => {
                vec![format!("arn:{p}:iam::*:role{path}{}", desired.role_name)]
            }
            On::Profile => vec![format!(
                "arn:{p}:iam::*:instance-profile{path}{}",
                desired.instance_profile_name
            )],
            On::ServiceLinkedRole => vec![format!(
                "arn:{p}:iam::*:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"
            )],
            On::PassedRoles => vec![
                format!("arn:{p}:iam::*:role{path}{}", desired.role_name),
                format!(
                    "arn:{p}:iam::*:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"
                ),
            ],
            On::VerifyBatch => vec![
                format!("arn:{p}:batch:*:*:compute-environment/ecsrole-verify-*"),
                format!("arn:{p}:batch:*:*:job-queue/ecsrole-verify-*"),
                format!("arn:{p}:batch:*:*:job-definition/ecsrole-verify-*"),
            ],
            On::VerifySubmit => vec![
                format!("arn:{p}:batch:*:*:job-queue/ecsrole-verify-*"),
                format!("arn:{p}:batch:*:*:job-definition/ecsrole-verify-*"),
                format!("arn:{p}:batch:*:*:job/*"),
            ],
            On::VerifyClusters => vec![format!("arn:{p}:ecs:*:*:cluster/ecsrole-verify-*")],
            On::FleetRole => vec![format!("arn:{p}:iam::*:role/{assume_role_name}")],
            On::Any => vec!["*".to_owned()],
        }
    };
    // One statement per (resource kind, condition), actions sorted, in table order.
    let mut groups: Vec<(On, Vec<&'static str>)> = Vec::new();
    for row in TABLE
        .iter()
        .filter(|r| commands.iter().any(|c| r.commands.contains(c)))
    {
        match groups.iter_mut().find(|(on, _)| *on == row.on) {
            Some((_, actions)) if actions.contains(&row.action) => {}
            Some((_, actions)) => actions.push(row.action),
            None => groups.push((row.on, vec![row.action])),
        }
    }
    let statements: Vec<Value> = groups
        .into_iter()
        .map(|(on, mut actions)| {
            actions.sort_unstable();
            let mut s = json!({
                "Sid": sid(on),
                "Effect": "Allow",
                "Action": actions,
                "Resource": resources(on),
            });
            if let Some(c) = condition(on, desired) {
                s["Condition"] = c;
            }
            s
        })
        .collect();
    json!({ "Version": "2012-10-17", "Statement": statements })
}

fn sid(on: On) -> &'static str {
    match on {
        On::Role => "EcsroleRole",
        On::Profile => "EcsroleInstanceProfile",
        On::RoleWithPolicies => "EcsroleAttachRequiredPolicies",
        On::ServiceLinkedRole => "EcsroleBatchServiceLinkedRole",
        On::PassedRoles => "EcsrolePassRolesToBatch",
        On::VerifyBatch => "EcsroleVerifyBatchResources",
        On::VerifySubmit => "EcsroleVerifySubmitJob",
        On::VerifyClusters => "EcsroleVerifyClusters",
        On::FleetRole => "EcsroleFleetAssumeRole",
        On::Any => "EcsroleReadOnlyDescribe",
    }
}

fn condition(on: On, desired: &Desired) -> Option<Value> {
    match on {
        On::RoleWithPolicies => Some(json!({"ArnEquals": {"iam:PolicyARN": desired.policies}})),
        On::ServiceLinkedRole => {
            Some(json!({"StringEquals": {"iam:AWSServiceName": "batch.amazonaws.com"}}))
        }
        On::PassedRoles => Some(json!({"StringEquals": {"iam:PassedToService": [
            "batch.amazonaws.com",
            "ec2.amazonaws.com"
        ]}})),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DesiredInput, Partition};

    fn desired(partition: Partition) -> Desired {
        Desired::new(
            DesiredInput {
                role_name: Some("ecsInstanceRole".into()),
                path: Some("/batch/".into()),
                ..Default::default()
            },
            partition,
        )
        .unwrap()
    }

    #[test]
    fn actions_are_well_formed() {
        for row in TABLE {
            let (service, name) = row.action.split_once(':').expect(row.action);
            assert!(
                ["iam", "sts", "ec2", "ecs", "batch"].contains(&service),
                "{}",
                row.action
            );
            assert!(name.chars().next().unwrap().is_ascii_uppercase());
            assert!(!row.commands.is_empty(), "{}", row.action);
        }
    }

    #[test]
    fn check_is_read_only_and_scoped() {
        let p = policy(&[Command::Check], &desired(Partition::AwsCn), "x");
        let text = p.to_string();
        assert!(text.contains("arn:aws-cn:iam::*:role/batch/ecsInstanceRole"));
        assert!(text.contains("arn:aws-cn:iam::*:instance-profile/batch/ecsInstanceRole"));
        for s in p["Statement"].as_array().unwrap() {
            for a in s["Action"].as_array().unwrap() {
                let a = a.as_str().unwrap();
                let name = a.split(':').nth(1).unwrap();
                assert!(
                    name.starts_with("Get") || name.starts_with("List"),
                    "check must be read-only: {a}"
                );
            }
        }
    }

    #[test]
    fn apply_attaches_only_the_required_policies() {
        let d = desired(Partition::Aws);
        let p = policy(&[Command::Apply], &d, "x");
        let attach = p["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Action"].to_string().contains("iam:AttachRolePolicy"))
            .unwrap();
        assert_eq!(
            attach["Condition"]["ArnEquals"]["iam:PolicyARN"],
            json!(d.policies)
        );
        assert!(!p.to_string().contains("Delete"), "apply never deletes");
    }

    #[test]
    fn every_action_appears_in_the_all_policy_once_per_statement() {
        let p = policy(&Command::ALL, &desired(Partition::Aws), "OrgRole");
        let mut seen = std::collections::BTreeSet::new();
        for s in p["Statement"].as_array().unwrap() {
            let actions: Vec<&str> = s["Action"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
                .collect();
            let mut dedup = actions.clone();
            dedup.dedup();
            assert_eq!(actions, dedup);
            seen.extend(actions);
        }
        for row in TABLE {
            assert!(seen.contains(row.action), "{}", row.action);
        }
        assert!(p.to_string().contains("arn:aws:iam::*:role/OrgRole"));
    }
}
