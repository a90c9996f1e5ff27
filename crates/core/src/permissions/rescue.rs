//! The rows only `rescue` has: it recreates (and later removes) the IAM stuck compute
//! environments name, whatever their names, and lets Batch validate them again or deletes
//! them. Its reads are the table's (diagnose's, destroy's in-use reads).

use super::table::{called, implied};
use super::{On, Permission};
use crate::command::Command::Rescue;

pub const RESCUE: &[Permission] = &[
    called(
        "iam:CreateRole",
        On::RescueRoles,
        &[Rescue],
        "recreate the instance role or service role a stuck compute environment names",
    ),
    implied(
        "iam:TagRole",
        On::RescueRoles,
        &[Rescue],
        "create it tagged managed-by=ecsrole and ecsrole:rescue",
    ),
    called(
        "iam:AttachRolePolicy",
        On::RescuePolicies,
        &[Rescue],
        "attach the managed policy of its kind (AWSBatchServiceRole for a service role)",
    ),
    called(
        "iam:CreateInstanceProfile",
        On::RescueProfiles,
        &[Rescue],
        "recreate the instance profile a stuck compute environment names",
    ),
    implied(
        "iam:TagInstanceProfile",
        On::RescueProfiles,
        &[Rescue],
        "create it tagged managed-by=ecsrole and ecsrole:rescue",
    ),
    called(
        "iam:AddRoleToInstanceProfile",
        On::RescueProfiles,
        &[Rescue],
        "put the recreated role in the recreated profile",
    ),
    implied(
        "iam:PassRole",
        On::RescuePassed,
        &[Rescue],
        "put the recreated role in the recreated profile",
    ),
    called(
        "iam:ListInstanceProfilesForRole",
        On::RescueRoles,
        &[Rescue],
        "before removing what it recreated: every profile that holds the role",
    ),
    called(
        "iam:RemoveRoleFromInstanceProfile",
        On::RescueProfiles,
        &[Rescue],
        "remove what it recreated once nothing uses it: the role leaves the profile",
    ),
    called(
        "iam:DeleteInstanceProfile",
        On::RescueProfiles,
        &[Rescue],
        "remove the instance profile it recreated once nothing uses it",
    ),
    called(
        "iam:DetachRolePolicy",
        On::RescueRoles,
        &[Rescue],
        "remove a role it recreated: its managed policies first",
    ),
    called(
        "iam:DeleteRole",
        On::RescueRoles,
        &[Rescue],
        "remove a role it recreated once nothing uses it",
    ),
    called(
        "batch:UpdateComputeEnvironment",
        On::RescueBatch,
        &[Rescue],
        "let Batch validate a stuck environment again (its state as it is); disable it before deleting (--delete)",
    ),
    called(
        "batch:DeleteComputeEnvironment",
        On::RescueBatch,
        &[Rescue],
        "--delete: delete the stuck environment after its queues",
    ),
    called(
        "batch:UpdateJobQueue",
        On::RescueBatch,
        &[Rescue],
        "--delete: disable each queue that uses the stuck environment",
    ),
    called(
        "batch:DeleteJobQueue",
        On::RescueBatch,
        &[Rescue],
        "--delete: delete each queue that uses the stuck environment",
    ),
];
