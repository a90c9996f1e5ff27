//! Job queues and jobs: whether anything can run them, and what Batch says of a job that
//! waits. Pure.

use ecsrole_core::Severity;

use super::read::Facts;
use super::{Code, JobReport, QueueReport};
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

pub(super) fn job(facts: &Facts, j: &Job) -> JobReport {
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
