//! The IAM actions ecsrole needs, per command: one table, the single source of truth for
//! `ecsrole permissions` and for the integration harness, whose proxy refuses (and fails
//! the test on) any call a command makes that its rows here do not grant.
//!
//! A row is either an action the code calls, or one AWS checks implicitly during another
//! call (`iam:PassRole` when Batch is handed a role, `iam:TagRole` when a role is created
//! with tags): those are marked `implied` and are never seen on the wire.

use serde_json::{Value, json};

use crate::command::Command;
use crate::desired::Desired;

mod table;
#[cfg(test)]
mod tests;

pub use table::TABLE;

mod rescue;

/// Every row: the table's, then rescue's own.
pub fn rows() -> impl Iterator<Item = &'static Permission> {
    TABLE.iter().chain(rescue::RESCUE)
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
    /// Every managed policy: the role's attached policies and its permissions boundary can
    /// be any (AWS managed ones live in account `aws`, which the `*` account matches).
    AnyPolicy,
    /// Every role (diagnose reads the roles the compute environments use, whatever their name).
    AnyRole,
    /// Every instance profile (diagnose reads the ones the compute environments name).
    AnyProfile,
    /// Every ECS cluster (diagnose counts the container instances of Batch's clusters).
    AnyCluster,
    /// Every container instance (diagnose reads the ones registered in UNMANAGED
    /// environments' clusters: `ecs:DescribeContainerInstances` is on that resource type).
    AnyContainerInstance,
    /// The organisation's OUs (reading their names).
    OrgUnits,
    /// The organisation's service control policies, and AWS's own (`FullAWSAccess`).
    OrgPolicies,
    /// Every role: rescue recreates (and later deletes) the roles stuck compute
    /// environments name, whatever their name and path.
    RescueRoles,
    /// Every role, only to attach the managed policies rescue recreates roles with (the
    /// ECS instance policies, `AWSBatchServiceRole`).
    RescuePolicies,
    /// Every role, passed only to EC2 (put in an instance profile).
    RescuePassed,
    /// Every instance profile: the same, for their instance profiles.
    RescueProfiles,
    /// Every compute environment and job queue: rescue lets a stuck one validate again
    /// and, with `--delete`, deletes it and its queues.
    RescueBatch,
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

/// The actions `command` may send on the wire (no implied ones).
pub fn called_by(command: Command) -> impl Iterator<Item = &'static str> {
    rows()
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
            On::AnyPolicy => vec![format!("arn:{p}:iam::*:policy/*")],
            On::AnyRole => vec![format!("arn:{p}:iam::*:role/*")],
            On::AnyProfile => vec![format!("arn:{p}:iam::*:instance-profile/*")],
            On::AnyCluster => vec![format!("arn:{p}:ecs:*:*:cluster/*")],
            On::AnyContainerInstance => vec![format!("arn:{p}:ecs:*:*:container-instance/*/*")],
            On::OrgUnits => vec![format!("arn:{p}:organizations::*:ou/o-*/ou-*")],
            // The organisation's (`policy/o-ID/service_control_policy/p-ID`) and AWS's own
            // (`arn:...::aws:policy/service_control_policy/p-FullAWSAccess`) in one pattern:
            // parliament takes only 12-digit accounts or `*` there.
            On::OrgPolicies => vec![format!(
                "arn:{p}:organizations::*:policy/*service_control_policy/p-*"
            )],
            On::RescueRoles | On::RescuePolicies | On::RescuePassed => {
                vec![format!("arn:{p}:iam::*:role/*")]
            }
            On::RescueProfiles => vec![format!("arn:{p}:iam::*:instance-profile/*")],
            On::RescueBatch => vec![
                format!("arn:{p}:batch:*:*:compute-environment/*"),
                format!("arn:{p}:batch:*:*:job-queue/*"),
            ],
            On::Any => vec!["*".to_owned()],
        }
    };
    // One statement per (resource kind, condition), actions sorted, in table order.
    let mut groups: Vec<(On, Vec<&'static str>)> = Vec::new();
    for row in rows().filter(|r| commands.iter().any(|c| r.commands.contains(c))) {
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
        On::AnyPolicy => "EcsroleReadRolePolicies",
        On::AnyRole => "EcsroleDiagnoseRoles",
        On::AnyProfile => "EcsroleDiagnoseInstanceProfiles",
        On::AnyCluster => "EcsroleDiagnoseClusters",
        On::AnyContainerInstance => "EcsroleDiagnoseContainerInstances",
        On::OrgUnits => "EcsroleFleetOrganizationalUnits",
        On::OrgPolicies => "EcsroleFleetServiceControlPolicies",
        On::RescueRoles => "EcsroleRescueRoles",
        On::RescuePolicies => "EcsroleRescueAttachPolicies",
        On::RescuePassed => "EcsroleRescuePassToEc2",
        On::RescueProfiles => "EcsroleRescueInstanceProfiles",
        On::RescueBatch => "EcsroleRescueBatchResources",
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
        On::RescuePolicies => {
            let p = desired.partition;
            let [ecs, managed_instances] = p.policies_judged_by_arn();
            Some(json!({"ArnEquals": {"iam:PolicyARN": [
                ecs,
                managed_instances,
                format!("arn:{}:iam::aws:policy/service-role/AWSBatchServiceRole", p.as_str()),
            ]}}))
        }
        On::RescuePassed => {
            Some(json!({"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}))
        }
        _ => None,
    }
}
