//! The findings, from what was read. Pure: no AWS call, the clock is `Facts::now`.

use ecsrole_core::findings::check;
use ecsrole_core::state::Actual;
use ecsrole_core::{Desired, FindingCode, Partition, Severity};

use super::read::{Facts, ProfileRead, TemplateRead, profile_name, role_name, wants_capacity};
use super::{Code, DiagnoseOptions, Diagnosis, EnvironmentReport, Finding, JobReport, QueueReport};
use crate::api::{Described, Job, State, Status};
use crate::ec2::Instance;

const SERVICE_LINKED_PATH: &str = "/aws-service-role/batch.amazonaws.com/";

fn finding(
    code: Code,
    severity: Severity,
    resource: impl Into<String>,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        message,
        resource: resource.into(),
        explained_by: vec![],
    }
}

fn error(code: Code, resource: impl Into<String>, message: String) -> Finding {
    finding(code, Severity::Error, resource, message)
}

fn warning(code: Code, resource: impl Into<String>, message: String) -> Finding {
    finding(code, Severity::Warning, resource, message)
}

/// Makes every finding.
pub fn judge(facts: &Facts, opts: &DiagnoseOptions, partition: Partition) -> Diagnosis {
    let compute_environments: Vec<EnvironmentReport> = facts
        .environments
        .iter()
        .map(|ce| environment(facts, opts, partition, ce))
        .collect();
    let job_queues: Vec<QueueReport> = facts.queues.iter().map(|q| queue(facts, q)).collect();
    let jobs: Vec<JobReport> = facts.jobs.iter().map(|j| job(facts, j)).collect();
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
    let ec2 = c.managed && matches!(c.kind.as_str(), "EC2" | "SPOT");
    let mut profile_arn = None;
    if ec2 && let Some(value) = &c.instance_role {
        profile_arn = instance_role(facts, opts, partition, value, &mut findings);
    }
    if ec2 {
        launch_template(facts, &c, &mut findings);
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
    if ec2 && wants_capacity(ce) {
        instances(facts, opts, ce, &c, profile_arn.as_deref(), &mut findings);
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
        service_role: ce.service_role.clone(),
        desired_vcpus: c.desired_vcpus,
        max_vcpus: c.max_vcpus,
        findings,
    }
}

/// The profile `instanceRole` names and the role it holds; returns the profile's ARN.
fn instance_role(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    value: &str,
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
            let read = facts.roles.get(role);
            let desired = Desired {
                role_name: role.clone(),
                instance_profile_name: name.to_owned(),
                path: profile.path.clone(),
                partition,
                policies: opts.policies.clone(),
                tags: vec![],
            };
            let actual = Actual {
                role: read.and_then(|r| r.role.clone()),
                attached_policies: read.map(|r| r.attached.clone()).unwrap_or_default(),
                instance_profile: Some(profile.clone()),
            };
            findings.extend(
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
                    }),
            );
            Some(profile.arn.clone())
        }
    }
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

/// Which of the read instances are this environment's: those carrying all of its
/// `computeResources.tags` (Batch puts them on its instances); without tags, those in its
/// subnets running with its instance profile.
fn own_instances<'a>(
    facts: &'a Facts,
    c: &crate::api::Compute,
    profile_arn: Option<&str>,
) -> Vec<&'a Instance> {
    facts
        .instances
        .iter()
        .filter(|i| {
            if c.tags.is_empty() {
                profile_arn.is_some()
                    && i.instance_profile_arn.as_deref() == profile_arn
                    && i.subnet.as_ref().is_some_and(|s| c.subnets.contains(s))
            } else {
                c.tags.iter().all(|(k, v)| i.tags.get(k) == Some(v))
            }
        })
        .collect()
}

fn instances(
    facts: &Facts,
    opts: &DiagnoseOptions,
    ce: &Described,
    c: &crate::api::Compute,
    profile_arn: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    let res = format!("compute-environment/{}", ce.name);
    let own = own_instances(facts, c, profile_arn);
    // Running with another profile: the environment's instanceRole changed after they
    // launched, or something else launched them with its tags.
    if !c.tags.is_empty()
        && let Some(expected) = profile_arn
    {
        for i in own
            .iter()
            .filter(|i| i.instance_profile_arn.as_deref() != Some(expected))
        {
            findings.push(error(
                Code::InstanceProfileMismatch,
                format!("instance/{}", i.id),
                format!(
                    "instance {} of the compute environment runs with instance profile {}, not {expected} (computeResources.instanceRole): it was launched before instanceRole changed, or by something else; replace it",
                    i.id,
                    i.instance_profile_arn.as_deref().unwrap_or("none")
                ),
            ));
        }
    }
    let Some(cluster) = &ce.ecs_cluster_arn else {
        return;
    };
    let registered = facts.registered.get(cluster).copied().unwrap_or_default();
    if registered > 0 {
        return;
    }
    let allowance = opts.registration_allowance;
    let age = |i: &Instance| {
        i.launched
            .and_then(|t| facts.now.duration_since(t).ok())
            .unwrap_or_default()
    };
    let overdue: Vec<&&Instance> = own
        .iter()
        .filter(|i| i.state == "running" && age(i) > allowance)
        .collect();
    let desired = c.desired_vcpus.unwrap_or_default();
    let seen: Vec<String> = own
        .iter()
        .map(|i| {
            format!(
                "{} {} for {}s with instance profile {}",
                i.id,
                i.state,
                age(i).as_secs(),
                i.instance_profile_arn.as_deref().unwrap_or("none")
            )
        })
        .collect();
    let role_findings = findings.iter().any(|f| f.is_error());
    let mut causes = vec![];
    if role_findings {
        causes.push("the errors above (the instance role, its profile, the network)".to_owned());
    }
    let message = if own.is_empty() {
        causes.extend([
            "capacity: Batch could not launch an instance (the instance types in these subnets' zones, Spot capacity, the account's EC2 limits)".to_owned(),
            "the subnets, security groups or launch template stop a launch".to_owned(),
            "the service role may not launch instances".to_owned(),
        ]);
        format!(
            "desiredvCpus is {desired} but no container instance is registered in {cluster} and no instance of the compute environment is running{}",
            if c.tags.is_empty() {
                " (it sets no computeResources.tags, so only instances in its subnets with its instance profile count as its own)"
            } else {
                ""
            }
        )
    } else if overdue.is_empty() {
        // Still within the allowance: nothing to say yet.
        return;
    } else {
        if !role_findings {
            causes.push("the role lacks what the ECS agent needs (a custom policy without ecs:RegisterContainerInstance or ecs:TagResource, a permissions boundary, an SCP)".into());
        }
        causes.extend([
            "the instances cannot reach the ECS endpoint: a subnet without a route to the internet, a NAT gateway or ECS VPC endpoints".to_owned(),
            "the AMI: not an ECS-optimized AMI, or user data that stops the ECS agent".to_owned(),
        ]);
        format!(
            "desiredvCpus is {desired} and {} instance(s) have run longer than the registration allowance ({}s), but no container instance is registered in {cluster}",
            overdue.len(),
            allowance.as_secs()
        )
    };
    let seen = if seen.is_empty() {
        String::new()
    } else {
        format!("; seen: {}", seen.join("; "))
    };
    let causes = causes
        .iter()
        .enumerate()
        .map(|(n, c)| format!(" {}. {c}", n + 1))
        .collect::<String>();
    findings.push(warning(
        Code::InstancesNotRegistered,
        res,
        format!("{message}{seen}; likely causes, most likely first:{causes}"),
    ));
}

/// A queue's compute environments, in its order: the name, and what was read (`None`:
/// it no longer exists).
fn environments_of<'a>(
    facts: &'a Facts,
    q: &'a Described,
) -> Vec<(&'a str, Option<&'a Described>)> {
    q.environments
        .iter()
        .map(|r| {
            let found = facts
                .environments
                .iter()
                .find(|c| c.arn == *r || c.name == *r);
            let name = found.map_or_else(|| r.rsplit('/').next().unwrap_or(r), |c| c.name.as_str());
            (name, found)
        })
        .collect()
}

fn queue(facts: &Facts, q: &Described) -> QueueReport {
    let mut findings = vec![];
    let res = format!("job-queue/{}", q.name);
    if q.status == Status::Invalid {
        findings.push(error(
            Code::JobQueueInvalid,
            res.clone(),
            format!("Batch reports the job queue INVALID: {:?}", q.status_reason),
        ));
    }
    if q.state == State::Disabled {
        findings.push(warning(
            Code::JobQueueDisabled,
            res.clone(),
            "the job queue is DISABLED: it takes no new job and starts none".into(),
        ));
    }
    let envs = environments_of(facts, q);
    let usable = envs
        .iter()
        .any(|(_, c)| c.is_some_and(|c| c.status == Status::Valid && c.state == State::Enabled));
    if !usable {
        let detail = if envs.is_empty() {
            "it has none".to_owned()
        } else {
            envs.iter()
                .map(|(name, c)| match c {
                    None => format!("{name} no longer exists"),
                    Some(c) => format!("{name} is {}, {}", c.status, c.state),
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        findings.push(error(
            Code::JobQueueNoComputeEnvironment,
            res,
            format!("no VALID, ENABLED compute environment can run the queue's jobs: {detail}"),
        ));
    }
    QueueReport {
        name: q.name.clone(),
        arn: q.arn.clone(),
        status: q.status.to_string(),
        status_reason: q.status_reason.clone(),
        state: q.state.to_string(),
        compute_environments: envs.iter().map(|(n, _)| (*n).to_owned()).collect(),
        findings,
    }
}

fn job(facts: &Facts, j: &Job) -> JobReport {
    use aws_sdk_batch::types::JobStatus;
    let mut findings = vec![];
    let res = format!("job/{}", j.id);
    let waiting = matches!(
        j.status,
        JobStatus::Submitted | JobStatus::Pending | JobStatus::Runnable
    );
    if j.status == JobStatus::Runnable {
        let r = j.status_reason.as_str();
        let misconfigured = r.starts_with("MISCONFIGURATION") || r.starts_with("ACTION_REQUIRED");
        let reason = if r.is_empty() {
            "Batch gives no reason".to_owned()
        } else {
            format!("Batch says {r:?}")
        };
        let advice = if r.starts_with("CAPACITY:") {
            ": no instance of the allowed types could be launched; more instance types, subnets in more zones or On-Demand instead of Spot help"
        } else if r.starts_with("MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE") {
            ": the compute environments' maxvCpus is below what the job needs"
        } else if r.starts_with("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT") {
            ": the job asks for more vCPUs or memory than any allowed instance type has"
        } else if r.starts_with("ACTION_REQUIRED") {
            ": see the queue's and compute environments' findings"
        } else {
            ""
        };
        findings.push(finding(
            Code::JobRunnable,
            if misconfigured {
                Severity::Error
            } else {
                Severity::Warning
            },
            res.clone(),
            format!("the job is RUNNABLE: {reason}{advice}"),
        ));
    }
    if waiting && let Some(vcpus) = j.vcpus {
        let queue = facts
            .queues
            .iter()
            .find(|q| q.arn == j.queue || q.name == j.queue);
        let most = queue
            .map(|q| environments_of(facts, q))
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(_, c)| c.and_then(|c| c.compute.as_ref()).and_then(|c| c.max_vcpus))
            .max();
        if let Some(most) = most
            && vcpus > f64::from(most)
        {
            findings.push(error(
                Code::JobNeedsExceedCapacity,
                res,
                format!(
                    "the job needs {vcpus} vCPUs, more than the largest maxvCpus ({most}) of its queue's compute environments: it can never start"
                ),
            ));
        }
    }
    JobReport {
        id: j.id.clone(),
        name: j.name.clone(),
        queue: j.queue.clone(),
        status: j.status.as_str().to_owned(),
        status_reason: j.status_reason.clone(),
        vcpus: j.vcpus,
        memory_mib: j.memory_mib,
        findings,
    }
}
