//! The findings, from what was read. Pure: no AWS call, the clock is `Facts::now`. Each
//! compute environment here (its instance role, launch template, service role, network);
//! its instances in `instances`, queues and jobs in `queues`.

use ecsrole_core::findings::check;
use ecsrole_core::state::Actual;
use ecsrole_core::{Desired, FindingCode, Partition, RoleKind};

use super::read::{Facts, ProfileRead, TemplateRead, profile_name, role_name, wants_capacity};
use super::{Code, DiagnoseOptions, Diagnosis, EnvironmentReport, Finding, JobReport, QueueReport};
use super::{error, instances, queues, warning};
use crate::api::{Described, Kind, State, Status};

const SERVICE_LINKED_PATH: &str = "/aws-service-role/batch.amazonaws.com/";

/// Makes every finding.
pub fn judge(facts: &Facts, opts: &DiagnoseOptions, partition: Partition) -> Diagnosis {
    let compute_environments: Vec<EnvironmentReport> = facts
        .environments
        .iter()
        .map(|ce| environment(facts, opts, partition, ce))
        .collect();
    let job_queues: Vec<QueueReport> = facts
        .queues
        .iter()
        .map(|q| queues::queue(facts, q))
        .collect();
    let jobs: Vec<JobReport> = facts.jobs.iter().map(|j| queues::job(facts, j)).collect();
    let mut d = Diagnosis {
        compute_environments,
        job_queues,
        jobs,
        errors: 0,
        warnings: 0,
    };
    let (errors, all) = d.findings().fold((0, 0), |(e, n), (_, f)| {
        (e + usize::from(f.is_error()), n + 1)
    });
    d.errors = errors;
    d.warnings = all - errors;
    d
}

fn environment(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    ce: &Described,
) -> EnvironmentReport {
    let mut findings = vec![];
    let c = ce.compute.clone().unwrap_or_default();
    let ec2 = c.managed && c.kind.launches_instances();
    let mut profile_arn = None;
    if ec2 && let Some(value) = &c.instance_role {
        profile_arn = instance_role(facts, opts, partition, value, ce.eks, &mut findings);
    }
    if ec2 {
        launch_template(facts, &c, &mut findings);
    }
    if !c.managed {
        unmanaged(facts, opts, partition, ce, &mut findings);
    }
    if c.managed && c.kind == Kind::Spot && !ce.eks {
        spot_fleet_role(facts, ce, &c, &mut findings);
    }
    if c.managed && c.kind == Kind::EcsManagedInstances {
        managed_instances(facts, opts, partition, ce, &c, &mut findings);
    }
    if c.managed {
        service_role(facts, ce, &mut findings);
    }
    for s in c.subnets.iter().filter(|s| !facts.subnets.contains(*s)) {
        findings.push(error(
            Code::SubnetMissing,
            format!("subnet/{s}"),
            format!("subnet {s} does not exist: Batch cannot launch instances in it; update the compute environment's subnets"),
        ));
    }
    for g in c
        .security_groups
        .iter()
        .filter(|g| !facts.security_groups.contains(*g))
    {
        findings.push(error(
            Code::SecurityGroupMissing,
            format!("security-group/{g}"),
            format!("security group {g} does not exist: instances cannot be launched with it; update the compute environment's security groups"),
        ));
    }
    // The network, for the kinds whose instances' way out the subnet decides (a Fargate
    // task's public IP is its job definition's `assignPublicIp`; EKS nodes talk to EKS).
    if ec2 && !ce.eks && !c.subnets.is_empty() {
        let judged = crate::network::judge(
            &facts.network,
            crate::network::Placement {
                subnets: &c.subnets,
                security_groups: &c.security_groups,
                region: &facts.region,
                public_ip_elsewhere: c.launch_template.as_ref().map(|_| "the launch template"),
            },
        );
        findings.extend(judged.findings);
    }
    if ec2 && wants_capacity(ce) {
        instances::instances(facts, opts, ce, &c, profile_arn.as_deref(), &mut findings);
    }
    let res = format!("compute-environment/{}", ce.name);
    if ce.status == Status::Invalid {
        let explained_by: Vec<Code> = findings
            .iter()
            .filter(|f| f.is_error())
            .map(|f| f.code)
            .collect();
        let why = if explained_by.is_empty() {
            "none of diagnose's checks explains it".to_owned()
        } else {
            format!(
                "explained by {}",
                explained_by
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        findings.insert(
            0,
            Finding {
                explained_by,
                ..error(
                    Code::ComputeEnvironmentInvalid,
                    res.clone(),
                    format!(
                        "Batch reports the compute environment INVALID: {:?}; {why}",
                        ce.status_reason
                    ),
                )
            },
        );
    }
    if ce.state == State::Disabled {
        findings.push(warning(
            Code::ComputeEnvironmentDisabled,
            res.clone(),
            "the compute environment is DISABLED: its queues place no job on it".into(),
        ));
    }
    image(&c, &res, &mut findings);
    if c.managed && c.max_vcpus == Some(0) {
        findings.push(warning(
            Code::ComputeEnvironmentMaxVcpusZero,
            res,
            "maxvCpus is 0: Batch can never launch an instance for it".into(),
        ));
    }
    EnvironmentReport {
        name: ce.name.clone(),
        arn: ce.arn.clone(),
        status: ce.status.to_string(),
        status_reason: ce.status_reason.clone(),
        state: ce.state.to_string(),
        instance_role: c.instance_role.clone(),
        identity: identity(ce, &c),
        service_role: ce.service_role.clone(),
        desired_vcpus: c.desired_vcpus,
        max_vcpus: c.max_vcpus,
        findings,
    }
}

/// What identity the environment's instances run with (aws-sdk-batch 1.138, `CrType`;
/// ../shared/FACTS.md "How Batch uses it").
fn identity(ce: &Described, c: &crate::api::Compute) -> &'static str {
    if !c.managed {
        return "yours";
    }
    if ce.eks {
        return "eks_node_role";
    }
    c.kind.identity()
}

/// Amazon Linux 2 images: AWS ends support for the ECS-optimised AL2 AMIs on 2026-06-30
/// (Batch blocks new ECS environments on them from then) and ended it for EKS AL2 on
/// 2025-11-26 (aws-sdk-batch 1.138, `Ec2Configuration`, citing the Batch User Guide's
/// migration pages).
fn image(c: &crate::api::Compute, res: &str, findings: &mut Vec<Finding>) {
    for t in &c.image_types {
        let guide = match t.as_str() {
            "ECS_AL2" | "ECS_AL2_NVIDIA" => {
                "AWS ends support for the ECS-optimised Amazon Linux 2 AMIs on 2026-06-30, and Batch then blocks new ECS compute environments on them; see \"How to migrate from ECS AL2 to ECS AL2023\" in the Batch User Guide"
            }
            "EKS_AL2" | "EKS_AL2_NVIDIA" => {
                "AWS ended support for the EKS-optimised Amazon Linux 2 AMIs on 2025-11-26; see \"How to upgrade from EKS AL2 to EKS AL2023\" in the Batch User Guide"
            }
            _ => continue,
        };
        findings.push(warning(
            Code::ImageEndOfSupport,
            res.to_owned(),
            format!("the compute environment runs image type {t}: {guide}"),
        ));
    }
}

/// `SPOT` with the `BEST_FIT` allocation strategy, or none given, needs `spotIamFleetRole`,
/// a role `spotfleet.amazonaws.com` may assume (aws-sdk-batch 1.138, `ComputeResource`
/// `spot_iam_fleet_role`; ../shared/FACTS.md).
fn spot_fleet_role(
    facts: &Facts,
    ce: &Described,
    c: &crate::api::Compute,
    findings: &mut Vec<Finding>,
) {
    let needed = matches!(c.allocation_strategy.as_deref(), None | Some("BEST_FIT"));
    match &c.spot_fleet_role {
        None if needed => findings.push(error(
            Code::SpotFleetRoleMissing,
            format!("compute-environment/{}", ce.name),
            format!(
                "a SPOT compute environment with allocation strategy {} names no spotIamFleetRole: Batch needs one to request Spot Instances (use a role trusted by spotfleet.amazonaws.com with AmazonEC2SpotFleetTaggingRole, or allocation strategy SPOT_CAPACITY_OPTIMIZED / SPOT_PRICE_CAPACITY_OPTIMIZED)",
                c.allocation_strategy.as_deref().unwrap_or("none (BEST_FIT)")
            ),
        )),
        None => {}
        Some(arn) => match facts.service_roles.get(arn) {
            Some(None) => findings.push(error(
                Code::SpotFleetRoleMissing,
                format!("role/{}", role_name(arn)),
                format!("the spotIamFleetRole {arn} does not exist: Batch cannot request Spot Instances"),
            )),
            Some(Some(role)) => {
                let trusted =
                    ecsrole_core::trust::allows_service(&role.trust_policy, "spotfleet.amazonaws.com");
                if !matches!(trusted, Ok(true)) {
                    findings.push(error(
                        Code::SpotFleetRoleNotTrusted,
                        format!("role/{}", role_name(arn)),
                        format!("the spotIamFleetRole {arn} does not let spotfleet.amazonaws.com call sts:AssumeRole unconditionally: Batch cannot request Spot Instances with it"),
                    ));
                }
                // The older policy works but does not tag the Spot Instances on creation
                // (aws-sdk-batch 1.138, `ComputeResource::spot_iam_fleet_role`).
                let attached = facts
                    .roles
                    .get(role_name(arn))
                    .map(|r| r.attached.as_slice())
                    .unwrap_or_default();
                let has = |p: &str| attached.iter().any(|a| a.rsplit('/').next() == Some(p));
                if has("AmazonEC2SpotFleetRole") && !has("AmazonEC2SpotFleetTaggingRole") {
                    findings.push(warning(
                        Code::SpotFleetRoleUntagged,
                        format!("role/{}", role_name(arn)),
                        format!("the spotIamFleetRole {arn} has the older AmazonEC2SpotFleetRole policy and not AmazonEC2SpotFleetTaggingRole: its Spot Instances are not tagged on creation (computeResources.tags do not reach them)"),
                    ));
                }
            }
            None => {}
        },
    }
}

/// The managed policy an ECS Managed Instances instance role must have (../shared/FACTS.md,
/// from aws-sdk-batch 1.138's `InstanceLaunchTemplate` doc), by name.
const MANAGED_INSTANCES_POLICY: &str = "AmazonECSInstanceRolePolicyForManagedInstances";

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
    c: &crate::api::Compute,
    findings: &mut Vec<Finding>,
) {
    let res = format!("compute-environment/{}", ce.name);
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
                format!("instance-profile/{name}"),
                format!("instance profile {name} (ec2InstanceProfileArn {value}) does not exist"),
            ));
            return;
        }
        _ => return,
    };
    let Some(role) = profile.roles.first() else {
        findings.push(error(
            Code::Role(FindingCode::InstanceProfileMissingRole),
            format!("instance-profile/{name}"),
            format!("instance profile {name} holds no role: ECS Managed Instances launch with no credentials"),
        ));
        return;
    };
    if !role.starts_with("ecsInstanceRole") {
        findings.push(error(
            Code::ManagedInstancesRoleName,
            format!("role/{role}"),
            format!("role {role} does not start with ecsInstanceRole: AWS's AmazonECSInfrastructureRolePolicyForManagedInstances lets ECS pass only roles named ecsInstanceRole*, so ECS cannot launch instances with it (rename the role, or grant the infrastructure role iam:PassRole on it)"),
        ));
    }
    let Some(read) = facts.roles.get(role) else {
        return;
    };
    if read.role.is_none() {
        findings.push(error(
            Code::Role(FindingCode::RoleMissing),
            format!("role/{role}"),
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
            format!("role/{role}"),
            format!("role {role} lacks the managed policy {MANAGED_INSTANCES_POLICY} that ECS Managed Instances instances need{instead}"),
        ));
    }
    // The rest of `check` for this kind: the trust policy (EC2 must assume it), what the
    // agent may do through the policies it has. The missing policy is the finding above.
    let kind = RoleKind::EcsManagedInstances;
    let mut policies = vec![kind.policy_arn(partition)];
    policies.extend(opts.policies.iter().skip(1).cloned());
    findings.extend(
        role_findings(facts, partition, kind, policies, role, profile)
            .into_iter()
            .filter(|f| {
                !(f.code == Code::Role(FindingCode::ManagedPolicyNotAttached)
                    && f.message.contains(MANAGED_INSTANCES_POLICY))
            }),
    );
}

/// `managedInstancesProvider.infrastructureRoleArn` must exist and trust
/// `ecs.amazonaws.com` (aws-sdk-batch 1.138, `ManagedInstancesProvider`; ../shared/FACTS.md).
fn infrastructure_role(
    facts: &Facts,
    res: &str,
    c: &crate::api::Compute,
    findings: &mut Vec<Finding>,
) {
    let Some(arn) = &c.infrastructure_role else {
        findings.push(error(
            Code::InfrastructureRoleMissing,
            res.to_owned(),
            "an ECS_MANAGED_INSTANCES compute environment names no managedInstancesProvider.infrastructureRoleArn: ECS has no role to launch its instances with".into(),
        ));
        return;
    };
    match facts.service_roles.get(arn) {
        Some(None) => findings.push(error(
            Code::InfrastructureRoleMissing,
            format!("role/{}", role_name(arn)),
            format!("the infrastructure role {arn} does not exist: ECS cannot launch the managed instances"),
        )),
        Some(Some(role)) => {
            let trusted =
                ecsrole_core::trust::allows_service(&role.trust_policy, "ecs.amazonaws.com");
            if !matches!(trusted, Ok(true)) {
                findings.push(error(
                    Code::InfrastructureRoleNotTrusted,
                    format!("role/{}", role_name(arn)),
                    format!("the infrastructure role {arn} does not let ecs.amazonaws.com call sts:AssumeRole unconditionally: ECS cannot launch the managed instances with it"),
                ));
            }
        }
        None => {}
    }
}

/// The profile `instanceRole` names and the role it holds; returns the profile's ARN.
fn instance_role(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    value: &str,
    eks: bool,
    findings: &mut Vec<Finding>,
) -> Option<String> {
    let name = profile_name(value).unwrap_or(value);
    let res = format!("instance-profile/{name}");
    match facts.profiles.get(value) {
        None => None,
        Some(ProfileRead::RoleArn) => {
            findings.push(error(
                Code::InstanceRoleIsARole,
                format!("role/{}", role_name(value)),
                format!(
                    "computeResources.instanceRole is the role ARN {value}: Batch needs an instance profile (\"The ECS Instance Role should be an ECS Instance Profile ARN\"); give the ARN of an instance profile that holds the role (`ecsrole apply --role-name {}` makes one of the same name)",
                    role_name(value)
                ),
            ));
            None
        }
        Some(ProfileRead::Missing { role_of_that_name }) => {
            let hint = if *role_of_that_name {
                format!(
                    "; a role named {name} exists, but Batch needs an instance profile that holds it (the console creates both, the CLI and IaC do not): `ecsrole apply --role-name {name}` creates it"
                )
            } else {
                String::new()
            };
            findings.push(error(
                Code::InstanceProfileNotFound,
                res,
                format!(
                    "instance profile {name} (computeResources.instanceRole {value}) does not exist{hint}"
                ),
            ));
            None
        }
        Some(ProfileRead::Found(profile)) => {
            let Some(role) = profile.roles.first() else {
                findings.push(error(
                    Code::Role(FindingCode::InstanceProfileMissingRole),
                    res,
                    format!(
                        "instance profile {name} holds no role: instances launch with no credentials and never register with ECS"
                    ),
                ));
                return Some(profile.arn.clone());
            };
            if eks {
                eks_node_role(facts, role, findings);
            } else {
                findings.extend(role_findings(
                    facts,
                    partition,
                    RoleKind::EcsEc2,
                    opts.policies.clone(),
                    role,
                    profile,
                ));
            }
            Some(profile.arn.clone())
        }
    }
}

/// UNMANAGED: Batch launches nothing; the instances registered in its ECS cluster are the
/// user's, and each must run with an instance profile whose role `check` passes.
fn unmanaged(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    ce: &Described,
    findings: &mut Vec<Finding>,
) {
    let Some(list) = ce
        .ecs_cluster_arn
        .as_ref()
        .and_then(|c| facts.unmanaged.get(c))
    else {
        return;
    };
    let mut by_profile: Vec<(&str, Vec<&str>)> = vec![];
    for i in list {
        match i.instance_profile_arn.as_deref() {
            None => findings.push(error(
                Code::UnmanagedInstanceNoProfile,
                format!("instance/{}", i.id),
                format!("instance {} is registered in the UNMANAGED environment's ECS cluster but runs with no instance profile: its ECS agent has no credentials", i.id),
            )),
            Some(p) => match by_profile.iter_mut().find(|(q, _)| *q == p) {
                Some((_, ids)) => ids.push(&i.id),
                None => by_profile.push((p, vec![&i.id])),
            },
        }
    }
    for (profile, ids) in by_profile {
        let mut found = vec![];
        instance_role(facts, opts, partition, profile, ce.eks, &mut found);
        findings.extend(found.into_iter().map(|mut f| {
            f.message = format!(
                "{} (instance profile of {}, registered in the UNMANAGED environment's cluster)",
                f.message,
                ids.join(", ")
            );
            f
        }));
    }
}

/// The managed policies an EKS node role needs (the Amazon EKS User Guide, "Amazon EKS
/// node IAM role", which AWS Batch's "Amazon EKS" guide points to): the worker node policy
/// and read access to ECR (`AmazonEC2ContainerRegistryReadOnly`, or the newer
/// `AmazonEC2ContainerRegistryPullOnly`), each required; the VPC CNI's policy belongs on the
/// node role unless the CNI has a role of its own (IRSA, Pod Identity): a warning.
const EKS_NODE_POLICIES: [&[&str]; 2] = [
    &["AmazonEKSWorkerNodePolicy"],
    &[
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEC2ContainerRegistryPullOnly",
    ],
];
const EKS_CNI_POLICY: &str = "AmazonEKS_CNI_Policy";

/// A compute environment on EKS: its instance profile's role is an EKS node role, judged
/// against the EKS node policies, never the ECS one.
fn eks_node_role(facts: &Facts, role: &str, findings: &mut Vec<Finding>) {
    let res = format!("role/{role}");
    let Some(read) = facts.roles.get(role) else {
        return;
    };
    let Some(state) = &read.role else {
        findings.push(error(
            Code::Role(FindingCode::RoleMissing),
            res,
            format!("the EKS node role {role} does not exist"),
        ));
        return;
    };
    let has = |name: &str| {
        read.attached
            .iter()
            .any(|a| a.rsplit('/').next() == Some(name))
    };
    if !matches!(
        ecsrole_core::trust::allows_service(&state.trust_policy, "ec2.amazonaws.com"),
        Ok(true)
    ) {
        findings.push(error(
            Code::EksNodeRoleNotTrusted,
            res.clone(),
            format!("the EKS node role {role} does not let ec2.amazonaws.com call sts:AssumeRole unconditionally: its nodes get no credentials"),
        ));
    }
    for any in EKS_NODE_POLICIES {
        if !any.iter().any(|p| has(p)) {
            findings.push(error(
                Code::EksNodePolicyMissing,
                res.clone(),
                format!("the EKS node role {role} lacks {} (the EKS node IAM role's policies; not AmazonEC2ContainerServiceforEC2Role, which is for ECS)", any.join(" or ")),
            ));
        }
    }
    if !has(EKS_CNI_POLICY) {
        findings.push(warning(
            Code::EksNodePolicyMissing,
            res,
            format!("the EKS node role {role} lacks {EKS_CNI_POLICY}: the VPC CNI needs it here unless it has a role of its own (IRSA or Pod Identity)"),
        ));
    }
}

/// `check`'s findings on `role`, which `profile` holds, as an instance role of `kind` with
/// `policies` (paths are not judged: the profile's own path is the one that counts).
fn role_findings(
    facts: &Facts,
    partition: Partition,
    kind: RoleKind,
    policies: Vec<String>,
    role: &str,
    profile: &ecsrole_core::state::ProfileState,
) -> Vec<Finding> {
    let name = profile.arn.rsplit('/').next().unwrap_or_default();
    let read = facts.roles.get(role);
    let desired = Desired {
        kind,
        role_name: role.to_owned(),
        instance_profile_name: name.to_owned(),
        path: profile.path.clone(),
        partition,
        policies,
        tags: vec![],
    };
    let actual = Actual {
        role: read.and_then(|r| r.role.clone()),
        attached_policies: read.map(|r| r.attached.clone()).unwrap_or_default(),
        instance_profile: Some(profile.clone()),
        ..Actual::default()
    };
    check(&desired, &actual)
        .findings
        .into_iter()
        .filter(|f| {
            !matches!(
                f.code,
                FindingCode::RolePathDiffers | FindingCode::InstanceProfilePathDiffers
            )
        })
        .map(|f| Finding {
            code: Code::Role(f.code),
            severity: f.severity,
            message: format!("{} (the role of instance profile {name})", f.message),
            resource: f.resource,
            explained_by: vec![],
        })
        .collect()
}

fn launch_template(facts: &Facts, c: &crate::api::Compute, findings: &mut Vec<Finding>) {
    let Some(t) = &c.launch_template else { return };
    let label = t.name.clone().or_else(|| t.id.clone()).unwrap_or_default();
    let version = t.version.as_deref().unwrap_or("$Default");
    let res = format!("launch-template/{label}");
    match facts.templates.get(t) {
        Some(TemplateRead::Missing(e)) => findings.push(error(
            Code::LaunchTemplateMissing,
            res,
            format!("launch template {label} version {version} cannot be read ({e}): Batch cannot launch instances from it"),
        )),
        Some(TemplateRead::Profile(Some(p))) => {
            let instance_role = c.instance_role.as_deref().unwrap_or_default();
            if profile_name(p) != profile_name(instance_role) {
                findings.push(warning(
                    Code::LaunchTemplateProfileIgnored,
                    res,
                    format!(
                        "launch template {label} version {version} sets instance profile {p}, but Batch launches instances with computeResources.instanceRole ({instance_role}): the template's value has no effect; change instanceRole instead"
                    ),
                ));
            }
        }
        Some(TemplateRead::Profile(None)) | None => {}
    }
}

fn service_role(facts: &Facts, ce: &Described, findings: &mut Vec<Finding>) {
    match &ce.service_role {
        Some(arn) => {
            let linked = arn.contains(SERVICE_LINKED_PATH);
            match facts.service_roles.get(arn) {
                Some(None) if linked => findings.push(error(
                    Code::ServiceLinkedRoleMissing,
                    format!("role/{}", role_name(arn)),
                    format!("the service-linked role {arn} the compute environment uses does not exist: Batch cannot manage its instances; `aws iam create-service-linked-role --aws-service-name batch.amazonaws.com` makes it"),
                )),
                Some(None) => findings.push(error(
                    Code::ServiceRoleMissing,
                    format!("role/{}", role_name(arn)),
                    format!("the service role {arn} does not exist: Batch cannot manage the compute environment's instances"),
                )),
                Some(Some(role)) => {
                    let trusted = ecsrole_core::trust::allows_service(
                        &role.trust_policy,
                        "batch.amazonaws.com",
                    );
                    if !matches!(trusted, Ok(true)) {
                        let why = match trusted {
                            Err(e) => format!("its trust policy cannot be read ({e})"),
                            _ => "its trust policy does not let batch.amazonaws.com call sts:AssumeRole unconditionally".into(),
                        };
                        findings.push(error(
                            Code::ServiceRoleNotTrusted,
                            format!("role/{}", role_name(arn)),
                            format!("the service role {arn} cannot be used by Batch: {why}"),
                        ));
                    }
                }
                None => {}
            }
        }
        None => {
            if let Some(None) = facts.service_linked_role {
                findings.push(error(
                    Code::ServiceLinkedRoleMissing,
                    "role/AWSServiceRoleForBatch",
                    "the compute environment names no service role, and the account has no AWSServiceRoleForBatch: `aws iam create-service-linked-role --aws-service-name batch.amazonaws.com` makes it".into(),
                ));
            }
        }
    }
}
