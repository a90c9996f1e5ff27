//! Job queues and jobs: whether anything can run them, and what Batch says of a job that
//! waits. Pure.

use ecsrole_core::Severity;
use ecsrole_core::Subject;

use super::read::Facts;
use super::{Code, Finding, JobReport, QueueReport};
use super::{error, finding, warning};
use crate::api::{Described, Job, State, Status};

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

pub(super) fn queue(facts: &Facts, q: &Described) -> QueueReport {
    let mut findings = vec![];
    let res = Subject::JobQueue(q.name.clone());
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
    // A field Batch left out is not a finding: an environment whose status or state is
    // not given, and that nothing else rules out, may be the one that runs the jobs.
    let unknown = envs.iter().any(|(_, c)| {
        c.is_some_and(|c| {
            (c.status.absent() || c.state.absent())
                && c.status != Status::Invalid
                && c.state != State::Disabled
        })
    });
    if !usable && !unknown {
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

pub(super) fn job(facts: &Facts, j: &Job) -> JobReport {
    use aws_sdk_batch::types::JobStatus;
    let mut findings = vec![];
    let res = Subject::Job(j.id.clone());
    let waiting = super::read::waits(j);
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
    if waiting {
        needs(facts, j, &res, &mut findings);
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

/// What one compute environment can give a job: the largest instance of its types (by
/// vCPUs, then memory, then GPUs) and its `maxvCpus`.
struct Offer<'a> {
    environment: &'a str,
    max_vcpus: Option<i32>,
    /// `None`: its types were not resolved (none read, or none matched): only `maxvCpus`
    /// is judged.
    largest: Option<&'a crate::ec2::InstanceType>,
    fits: bool,
}

/// A waiting job whose vCPUs, memory or GPUs exceed what every compute environment of its
/// queue can launch (its instance types, as `DescribeInstanceTypes` sizes them, and its
/// `maxvCpus`) can never start: Batch says so later as
/// `MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT` (or `..._MAX_RESOURCE`); this says it first.
/// An instance's memory is its whole `sizeInMiB`: a job needing nearly all of it may still
/// not fit (the ECS agent and the OS take some), so this never says a job fits when it
/// does not, only that it cannot when even that is too little.
fn needs(facts: &Facts, j: &Job, res: &Subject, findings: &mut Vec<Finding>) {
    use super::read::{type_matches, type_patterns};
    let (vcpus, memory, gpus) = (
        j.vcpus.unwrap_or(0.0),
        j.memory_mib.unwrap_or(0),
        j.gpus.unwrap_or(0),
    );
    if vcpus <= 0.0 && memory <= 0 && gpus <= 0 {
        return;
    }
    let Some(queue) = facts
        .queues
        .iter()
        .find(|q| q.arn == j.queue || q.name == j.queue)
    else {
        return;
    };
    let mut offers = vec![];
    for (name, ce) in environments_of(facts, queue) {
        let Some(c) = ce.and_then(|c| c.compute.as_ref()) else {
            continue;
        };
        let patterns: Vec<String> = c
            .instance_types
            .iter()
            .flat_map(|t| type_patterns(t))
            .collect();
        let types: Vec<&crate::ec2::InstanceType> = facts
            .instance_types
            .iter()
            .filter(|t| patterns.iter().any(|p| type_matches(p, &t.name)))
            .collect();
        let within_max = c.max_vcpus.is_none_or(|m| vcpus <= f64::from(m));
        let fits_one = |t: &&crate::ec2::InstanceType| {
            t.vcpus as f64 >= vcpus && t.memory_mib >= memory && t.gpus >= gpus
        };
        let largest = types
            .iter()
            .copied()
            .max_by_key(|t| (t.vcpus, t.memory_mib, t.gpus));
        offers.push(Offer {
            environment: name,
            max_vcpus: c.max_vcpus,
            largest,
            fits: within_max && (types.is_empty() || types.iter().any(fits_one)),
        });
    }
    if offers.is_empty() || offers.iter().any(|o| o.fits) {
        return;
    }
    let need = format!(
        "{vcpus} vCPUs, {memory} MiB{}",
        if gpus > 0 {
            format!(", {gpus} GPUs")
        } else {
            String::new()
        }
    );
    let got = offers
        .iter()
        .map(|o| {
            let max = o
                .max_vcpus
                .map_or("no maxvCpus".to_owned(), |m| format!("maxvCpus {m}"));
            match o.largest {
                Some(t) => format!(
                    "{}: at most {} ({} vCPUs, {} MiB, {} GPUs), {max}",
                    o.environment, t.name, t.vcpus, t.memory_mib, t.gpus
                ),
                None => format!("{}: {max} (instance types not resolved)", o.environment),
            }
        })
        .collect::<Vec<_>>()
        .join("; ");
    findings.push(error(
        Code::JobNeedsExceedCapacity,
        res.clone(),
        format!(
            "the job needs {need}, more than any compute environment of its queue can launch ({got}): it can never start"
        ),
    ));
}
