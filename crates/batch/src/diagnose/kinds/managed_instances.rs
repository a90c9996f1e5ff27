//! `ECS_MANAGED_INSTANCES` environments: the profile of the instances ECS launches, its
//! role's policy and name, and the infrastructure role ECS launches them with.

use ecsrole_core::{FindingCode, Partition, RoleKind, Subject};

use super::{KindDef, Uses};
use crate::api::{Compute, Described, Kind};
use crate::diagnose::checks::role_findings;
use crate::diagnose::read::{Facts, ProfileRead, profile_name, role_name};
use crate::diagnose::{Code, DiagnoseOptions, Finding, error};

pub(super) const KIND: KindDef = KindDef {
    is: |_, c| c.managed && c.kind == Kind::EcsManagedInstances,
    identity: "managed_instances_profile",
    uses: |c| {
        let profile = c.managed_instances_profile.iter().map(|v| Uses::Profile {
            setting: "managedInstancesProvider ec2InstanceProfileArn",
            value: v.clone(),
        });
        let infrastructure = c.infrastructure_role.iter().cloned().map(Uses::AssumedRole);
        profile.chain(infrastructure).collect()
    },
    judge: |j| {
        managed_instances(
            j.facts,
            j.opts,
            j.partition,
            j.ce,
            j.c,
            &mut j.findings,
            &mut j.undecided,
        );
        j.service_role();
        j.missing_network();
    },
};

/// The managed policy an ECS Managed Instances instance role must have (docs/aws-facts.md,
/// from aws-sdk-batch 1.138's `InstanceLaunchTemplate` doc), by name.
pub(crate) const MANAGED_INSTANCES_POLICY: &str = "AmazonECSInstanceRolePolicyForManagedInstances";

/// `ECS_MANAGED_INSTANCES`: the profile is
/// `managedInstancesProvider.instanceLaunchTemplate.ec2InstanceProfileArn`; its role must
/// trust EC2 and carry [`MANAGED_INSTANCES_POLICY`] (not the ECS EC2 policy), and AWS's
/// `AmazonECSInfrastructureRolePolicyForManagedInstances` lets ECS pass only roles whose
/// name starts with `ecsInstanceRole` (the ECS guide).
fn managed_instances(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    ce: &Described,
    c: &Compute,
    findings: &mut Vec<Finding>,
    undecided: &mut Vec<String>,
) {
    let res = ce.subject();
    infrastructure_role(facts, &res, c, findings);
    let Some(value) = &c.managed_instances_profile else {
        findings.push(error(
            Code::ManagedInstancesProfileMissing,
            res,
            "an ECS_MANAGED_INSTANCES compute environment names no managedInstancesProvider.instanceLaunchTemplate.ec2InstanceProfileArn: its instances have no instance role".into(),
        ));
        return;
    };
    let name = profile_name(value).unwrap_or(value);
    let profile = match facts.profiles.get(value) {
        Some(ProfileRead::Found(p)) => p,
        Some(ProfileRead::Missing { .. }) => {
            findings.push(error(
                Code::ManagedInstancesProfileMissing,
                Subject::InstanceProfile(name.to_string()),
                format!("instance profile {name} (ec2InstanceProfileArn {value}) does not exist"),
            ));
            return;
        }
        _ => return,
    };
    let Some(role) = profile.roles.first() else {
        findings.push(error(
            Code::Role(FindingCode::InstanceProfileMissingRole),
            Subject::InstanceProfile(name.to_string()),
            format!("instance profile {name} holds no role: ECS Managed Instances launch with no credentials"),
        ));
        return;
    };
    if !role.starts_with("ecsInstanceRole") {
        findings.push(error(
            Code::ManagedInstancesRoleName,
            Subject::Role(role.to_string()),
            format!("role {role} does not start with ecsInstanceRole: AWS's AmazonECSInfrastructureRolePolicyForManagedInstances lets ECS pass only roles named ecsInstanceRole*, so ECS cannot launch instances with it (rename the role, or grant the infrastructure role iam:PassRole on it)"),
        ));
    }
    let Some(read) = facts.roles.get(role) else {
        return;
    };
    if read.role.is_none() {
        findings.push(error(
            Code::Role(FindingCode::RoleMissing),
            Subject::Role(role.to_string()),
            format!("role {role}, which instance profile {name} holds, does not exist"),
        ));
        return;
    }
    let has = |policy: &str| {
        read.attached
            .iter()
            .any(|a| a.rsplit('/').next() == Some(policy))
    };
    if !has(MANAGED_INSTANCES_POLICY) {
        let instead = if has("AmazonEC2ContainerServiceforEC2Role") {
            " (it has AmazonEC2ContainerServiceforEC2Role, the policy for ECS on EC2, which is not the one ECS Managed Instances needs)"
        } else {
            ""
        };
        findings.push(error(
            Code::ManagedInstancesPolicyMissing,
            Subject::Role(role.to_string()),
            format!("role {role} lacks the managed policy {MANAGED_INSTANCES_POLICY} that ECS Managed Instances instances need{instead}"),
        ));
    }
    // The rest of `check` for this kind: the trust policy (EC2 must assume it), what the
    // agent may do through the policies it has. The missing policy is the finding above.
    let kind = RoleKind::EcsManagedInstances;
    let mut policies = vec![kind.policy_arn(partition)];
    policies.extend(opts.policies.iter().skip(1).cloned());
    findings.extend(
        role_findings(facts, partition, kind, policies, role, profile, undecided)
            .into_iter()
            .filter(|f| {
                !(f.code == Code::Role(FindingCode::ManagedPolicyNotAttached)
                    && f.message.contains(MANAGED_INSTANCES_POLICY))
            }),
    );
}

/// `managedInstancesProvider.infrastructureRoleArn` must exist and trust
/// `ecs.amazonaws.com` (aws-sdk-batch 1.138, `ManagedInstancesProvider`; docs/aws-facts.md).
fn infrastructure_role(facts: &Facts, res: &Subject, c: &Compute, findings: &mut Vec<Finding>) {
    let Some(arn) = &c.infrastructure_role else {
        findings.push(error(
            Code::InfrastructureRoleMissing,
            res.clone(),
            "an ECS_MANAGED_INSTANCES compute environment names no managedInstancesProvider.infrastructureRoleArn: ECS has no role to launch its instances with".into(),
        ));
        return;
    };
    match facts.service_roles.get(arn) {
        Some(None) => findings.push(error(
            Code::InfrastructureRoleMissing,
            Subject::Role(role_name(arn).to_string()),
            format!("the infrastructure role {arn} does not exist: ECS cannot launch the managed instances"),
        )),
        Some(Some(role)) => {
            let trusted =
                ecsrole_core::trust::allows_service(&role.trust_policy, "ecs.amazonaws.com");
            if !matches!(trusted, Ok(true)) {
                findings.push(error(
                    Code::InfrastructureRoleNotTrusted,
                    Subject::Role(role_name(arn).to_string()),
                    format!("the infrastructure role {arn} does not let ecs.amazonaws.com call sts:AssumeRole unconditionally: ECS cannot launch the managed instances with it"),
                ));
            }
        }
        None => {}
    }
}
