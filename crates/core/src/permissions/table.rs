//! The table: every IAM action a command needs, on which resources, and why. Keep one row per
//! action and command set; `batch_permissions_cover_every_call_and_every_row_is_used` in the
//! integration tests fails when the code calls an action missing here, or a row goes unused.

use super::{On, Permission};
use crate::command::Command;
use crate::command::Command::{
    Apply, Check, Cleanup, Destroy, Diagnose, Fleet, Plan, Rescue, Verify,
};

pub(super) const fn called(
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

pub(super) const fn implied(
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

/// Those, and diagnose (and rescue, which diagnoses first), which judges the roles its compute environments use as check does.
const JUDGES: &[Command] = &[Check, Plan, Apply, Destroy, Verify, Diagnose, Rescue];

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
    called(
        "iam:ListRolePolicies",
        On::Role,
        READS,
        "read the names of the role's inline policies (destroy: to delete them with the role)",
    ),
    called(
        "iam:GetRolePolicy",
        On::Role,
        READS,
        "read the role's inline policy documents",
    ),
    called(
        "iam:GetPolicy",
        On::AnyPolicy,
        JUDGES,
        "read the default version of the role's managed policies and permissions boundary",
    ),
    called(
        "iam:GetPolicyVersion",
        On::AnyPolicy,
        JUDGES,
        "read the documents of the role's managed policies and permissions boundary",
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
        "autoscaling:DescribeAutoScalingGroups",
        On::Any,
        &[Destroy, Rescue],
        "find the Auto Scaling groups that launch with the instance profile (through a launch configuration or template)",
    ),
    called(
        "autoscaling:DescribeLaunchConfigurations",
        On::Any,
        &[Destroy, Rescue],
        "read the instance profile each launch configuration sets",
    ),
    called(
        "iam:ListRoles",
        On::Any,
        &[Verify, Diagnose, Rescue],
        "find the Batch service-linked role by its path (diagnose: is there one)",
    ),
    called(
        "iam:CreateServiceLinkedRole",
        On::ServiceLinkedRole,
        &[Verify, Rescue],
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
        &[Verify, Diagnose, Rescue],
        "find the default VPC's subnets",
    ),
    called(
        "ec2:DescribeSecurityGroups",
        On::Any,
        &[Verify, Diagnose, Rescue],
        "find the default VPC's default security group",
    ),
    called(
        "ec2:DescribeRouteTables",
        On::Any,
        &[Verify, Diagnose, Rescue],
        "the subnets' routes: a way to ECS (an internet or NAT gateway)",
    ),
    called(
        "ec2:DescribeVpcEndpoints",
        On::Any,
        &[Verify, Diagnose, Rescue],
        "or the VPC endpoints for ECS, ECR, CloudWatch Logs and S3",
    ),
    called(
        "ec2:DescribeNatGateways",
        On::Any,
        &[Verify, Diagnose, Rescue],
        "whether a 0.0.0.0/0 route's NAT gateway is public and available",
    ),
    called(
        "ec2:DescribeNetworkAcls",
        On::Any,
        &[Verify, Diagnose, Rescue],
        "the subnets' network ACLs: HTTPS out and its replies in",
    ),
    called(
        "ec2:DescribeInstanceTypes",
        On::Any,
        &[Diagnose, Rescue],
        "a waiting job's needs against the instance types its queue's environments allow",
    ),
    called(
        "ec2:DescribeInstances",
        On::Any,
        &[Verify, Diagnose, Destroy, Rescue],
        "when an instance does not register: the run's instances, their state and profile (destroy: the instances running with the profile)",
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
        &[Destroy, Verify, Cleanup, Diagnose, Rescue],
        "find the compute environments using the profile; wait for VALID; find leftovers",
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
        &[Verify, Cleanup, Diagnose, Rescue],
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
        &[Verify, Diagnose, Rescue],
        "level job: wait for SUCCEEDED",
    ),
    called(
        "ecs:ListContainerInstances",
        On::VerifyClusters,
        &[Verify],
        "level instance: see an instance join the cluster",
    ),
    called(
        "iam:GetInstanceProfile",
        On::AnyProfile,
        &[Diagnose, Rescue],
        "read the instance profiles the compute environments name",
    ),
    called(
        "iam:GetRole",
        On::AnyRole,
        &[Verify, Diagnose, Rescue],
        "read the roles the profiles hold and the service roles, with their trust policies (verify: when it fails, to explain why)",
    ),
    called(
        "iam:ListAttachedRolePolicies",
        On::AnyRole,
        &[Diagnose, Rescue],
        "read the instance roles' managed policies",
    ),
    called(
        "iam:ListRolePolicies",
        On::AnyRole,
        &[Diagnose, Rescue],
        "read the names of the instance roles' inline policies (judged as check judges them)",
    ),
    called(
        "iam:GetRolePolicy",
        On::AnyRole,
        &[Diagnose, Rescue],
        "read the instance roles' inline policy documents",
    ),
    called(
        "ec2:DescribeLaunchTemplateVersions",
        On::Any,
        &[Destroy, Diagnose, Rescue],
        "read the instance profile a compute environment's launch template sets (destroy: every template's default and latest version)",
    ),
    called(
        "ecs:ListContainerInstances",
        On::AnyCluster,
        &[Diagnose, Rescue],
        "count the container instances registered in the compute environments' clusters",
    ),
    called(
        "ecs:DescribeContainerInstances",
        On::AnyContainerInstance,
        &[Diagnose, Rescue],
        "UNMANAGED environments: the EC2 instances registered in their clusters",
    ),
    called(
        "sts:AssumeRole",
        On::FleetRole,
        &[Fleet],
        "run in each target account",
    ),
    called(
        "sts:GetCallerIdentity",
        On::Any,
        &[Fleet, Diagnose, Verify, Cleanup, Rescue],
        "know the caller's own account, reached without assuming a role (diagnose, verify, cleanup: to name the account they ran in; AWS allows it to anyone)",
    ),
    called(
        "organizations:ListAccounts",
        On::Any,
        &[Fleet],
        "--organization: every account of the organisation",
    ),
    called(
        "organizations:ListAccountsForParent",
        On::Any,
        &[Fleet],
        "--ou: the accounts under an organizational unit",
    ),
    called(
        "organizations:ListOrganizationalUnitsForParent",
        On::Any,
        &[Fleet],
        "--ou: the organizational units below it, recursively",
    ),
    called(
        "organizations:DescribeOrganization",
        On::Any,
        &[Fleet],
        "check, plan, apply, verify: is there an organisation, and its management account (SCPs do not apply there)",
    ),
    called(
        "organizations:ListRoots",
        On::Any,
        &[Fleet],
        "check, plan, apply, verify: is the SCP policy type enabled",
    ),
    called(
        "organizations:ListParents",
        On::Any,
        &[Fleet],
        "check, plan, apply, verify: each target account's path up to the root, for its SCPs",
    ),
    called(
        "organizations:DescribeOrganizationalUnit",
        On::OrgUnits,
        &[Fleet],
        "check, plan, apply, verify: the names of the OUs on the paths, for messages",
    ),
    called(
        "organizations:ListPoliciesForTarget",
        On::Any,
        &[Fleet],
        "check, plan, apply, verify: the SCPs attached to the root, each OU on the path and the account",
    ),
    called(
        "organizations:DescribePolicy",
        On::OrgPolicies,
        &[Fleet],
        "check, plan, apply, verify: each SCP's document",
    ),
];
