//! The findings, from what was read. Pure: no AWS call, the clock is `Facts::now`. Each
//! compute environment here (its instance role, launch template, service role, network);
//! its instances in `instances`, queues and jobs in `queues`.

use ecsrole_core::Subject;
use ecsrole_core::findings::check;
use ecsrole_core::state::Actual;
use ecsrole_core::{Desired, FindingCode, Partition, RoleKind};

use super::read::{Facts, ProfileRead, TemplateRead, profile_name, role_name, wants_capacity};
use super::{Code, DiagnoseOptions, Diagnosis, EnvironmentReport, Finding, JobReport, QueueReport};
use super::{error, instances, queues, warning};
use crate::api::{Compute, Described, State, Status};

use super::kinds::eks::eks_node_role;
use super::kinds::{self, Judging};

pub(super) const SERVICE_LINKED_PATH: &str = "/aws-service-role/batch.amazonaws.com/";

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
        account_id: None,
        region: Some(facts.region.clone()),
        compute_environments,
        job_queues,
        jobs,
        errors: 0,
        warnings: 0,
        undecided: 0,
    };
    d.undecided = d
        .compute_environments
        .iter()
        .map(|c| c.undecided.len())
        .sum();
    let (errors, all) = d.findings().fold((0, 0), |(e, n), (_, f)| {
        (e + usize::from(f.is_error()), n + 1)
    });
    d.errors = errors;
    d.warnings = all - errors;
    d
}

pub(super) fn environment(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    ce: &Described,
) -> EnvironmentReport {
    let c = ce.compute.clone().unwrap_or_default();
    let kind = kinds::of(ce, &c);
    let mut j = Judging {
        facts,
        opts,
        partition,
        ce,
        c: &c,
        findings: vec![],
        undecided: vec![],
    };
    (kind.judge)(&mut j);
    let Judging {
        mut findings,
        undecided,
        ..
    } = j;
    let res = ce.subject();
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
    deleting_blocked(ce, &res, &mut findings);
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
        identity: kind.identity,
        service_role: ce.service_role.clone(),
        desired_vcpus: c.desired_vcpus,
        max_vcpus: c.max_vcpus,
        findings,
        undecided,
    }
}

/// An environment DELETING while IAM it needs is gone: Batch may not finish deleting it
/// until that exists again (docs/aws-facts.md, "Compute environments their IAM left
/// stuck"). Said when its other findings show something gone.
fn deleting_blocked(ce: &Described, res: &Subject, findings: &mut Vec<Finding>) {
    if ce.status != Status::Deleting {
        return;
    }
    let mut explained_by: Vec<Code> = findings
        .iter()
        .map(|f| f.code)
        .filter(|c| c.iam_gone())
        .collect();
    explained_by.dedup();
    if explained_by.is_empty() {
        return;
    }
    let gone: Vec<&str> = explained_by.iter().map(|c| c.as_str()).collect();
    findings.insert(
        0,
        Finding {
            explained_by,
            ..error(
                Code::ComputeEnvironmentDeletingBlocked,
                res.clone(),
                format!(
                    "the compute environment is DELETING while IAM it needs is gone ({}): Batch may not finish deleting it until that exists again; recreate it, wait for IAM to show it, and the deletion goes on (then delete what was recreated)",
                    gone.join(", ")
                ),
            )
        },
    );
}

/// Amazon Linux 2 images: AWS ends support for the ECS-optimised AL2 AMIs on 2026-06-30
/// (Batch blocks new ECS environments on them from then) and ended it for EKS AL2 on
/// 2025-11-26 (aws-sdk-batch 1.138, `Ec2Configuration`, citing the Batch User Guide's
/// migration pages).
pub(super) fn image(c: &crate::api::Compute, res: &Subject, findings: &mut Vec<Finding>) {
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
            res.clone(),
            format!("the compute environment runs image type {t}: {guide}"),
        ));
    }
}

/// The subnets and security groups the environment names that do not exist.
pub(super) fn missing_network(facts: &Facts, c: &Compute, findings: &mut Vec<Finding>) {
    for s in c.subnets.iter().filter(|s| !facts.subnets.contains(*s)) {
        findings.push(error(
            Code::SubnetMissing,
            Subject::Subnet(s.to_string()),
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
            Subject::SecurityGroup(g.to_string()),
            format!("security group {g} does not exist: instances cannot be launched with it; update the compute environment's security groups"),
        ));
    }
}

/// The way out of the environment's subnets (the kinds whose instances' way out the
/// subnet decides).
pub(super) fn network(facts: &Facts, c: &Compute, findings: &mut Vec<Finding>) {
    if c.subnets.is_empty() {
        return;
    }
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

/// The instances of an environment that wants capacity.
pub(super) fn instances(
    facts: &Facts,
    opts: &DiagnoseOptions,
    ce: &Described,
    c: &Compute,
    profile_arn: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    if wants_capacity(ce) {
        instances::instances(facts, opts, ce, c, profile_arn, findings);
    }
}

/// The profile `instanceRole` names and the role it holds; returns the profile's ARN.
/// What check could not decide of the role goes to `undecided`.
pub(super) fn instance_role(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    value: &str,
    eks: bool,
    findings: &mut Vec<Finding>,
    undecided: &mut Vec<String>,
) -> Option<String> {
    let name = profile_name(value).unwrap_or(value);
    let res = Subject::InstanceProfile(name.to_string());
    match facts.profiles.get(value) {
        None => None,
        Some(ProfileRead::RoleArn) => {
            findings.push(error(
                Code::InstanceRoleIsARole,
                Subject::Role(role_name(value).to_string()),
                format!(
                    "computeResources.instanceRole is the role ARN {value}: Batch needs an instance profile (\"The ECS Instance Role should be an ECS Instance Profile ARN\"); give the ARN of an instance profile that holds the role (`{}` makes one of the same name)",
                    opts.hint.with_role_name(role_name(value)).command("apply", &[])
                ),
            ));
            None
        }
        Some(ProfileRead::Missing { role_of_that_name }) => {
            let hint = if *role_of_that_name {
                format!(
                    "; a role named {name} exists, but Batch needs an instance profile that holds it (the console creates both, the CLI and IaC do not): `{}` creates it",
                    opts.hint.with_role_name(name).command("apply", &[])
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
                    undecided,
                ));
            }
            Some(profile.arn.clone())
        }
    }
}

/// `check`'s findings on `role`, which `profile` holds, as an instance role of `kind` with
/// `policies` (paths are not judged: the profile's own path is the one that counts); the
/// questions check could not decide go to `undecided`, naming the role.
pub(super) fn role_findings(
    facts: &Facts,
    partition: Partition,
    kind: RoleKind,
    policies: Vec<String>,
    role: &str,
    profile: &ecsrole_core::state::ProfileState,
    undecided: &mut Vec<String>,
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
        role_description: None,
    };
    let actual = Actual {
        role: read.and_then(|r| r.role.clone()),
        attached_policies: read.map(|r| r.attached.clone()).unwrap_or_default(),
        instance_profile: Some(profile.clone()),
        role_policies: read.map(|r| r.policies.clone()).unwrap_or_default(),
        now: Some(facts.now),
        scps: facts.scps.clone(),
        scps_failed: facts.scps_failed.clone(),
        missing_policies: vec![],
    };
    let report = check(&desired, &actual);
    undecided.extend(
        report
            .undecided
            .iter()
            .map(|why| format!("role {role} (of instance profile {name}): {why}")),
    );
    report
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

pub(super) fn launch_template(facts: &Facts, c: &crate::api::Compute, findings: &mut Vec<Finding>) {
    let Some(t) = &c.launch_template else { return };
    let label = t.name.clone().or_else(|| t.id.clone()).unwrap_or_default();
    let version = t.version.as_deref().unwrap_or("$Default");
    let res = Subject::LaunchTemplate(label.to_string());
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

pub(super) fn service_role(facts: &Facts, ce: &Described, findings: &mut Vec<Finding>) {
    match &ce.service_role {
        Some(arn) => {
            let linked = arn.contains(SERVICE_LINKED_PATH);
            match facts.service_roles.get(arn) {
                Some(None) if linked => findings.push(error(
                    Code::ServiceLinkedRoleMissing,
                    Subject::Role(role_name(arn).to_string()),
                    format!("the service-linked role {arn} the compute environment uses does not exist: Batch cannot manage its instances; `aws iam create-service-linked-role --aws-service-name batch.amazonaws.com` makes it"),
                )),
                Some(None) => findings.push(error(
                    Code::ServiceRoleMissing,
                    Subject::Role(role_name(arn).to_string()),
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
                            Subject::Role(role_name(arn).to_string()),
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
                    Subject::Role("AWSServiceRoleForBatch".into()),
                    "the compute environment names no service role, and the account has no AWSServiceRoleForBatch: `aws iam create-service-linked-role --aws-service-name batch.amazonaws.com` makes it".into(),
                ));
            }
        }
    }
}
