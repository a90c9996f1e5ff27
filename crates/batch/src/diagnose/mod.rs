//! `diagnose`: why an existing compute environment is INVALID, why its instances never join
//! ECS, why jobs sit in RUNNABLE. Read-only. [`read`] gathers everything in as few calls as
//! the APIs allow (Batch's describes take 100 names, EC2's filters 200 ids; one read per
//! distinct instance profile, role, service role and launch template, at most
//! `concurrency` at once); [`checks`] turns what was read into findings with stable codes
//! (pure, no AWS call).

use ecsrole_core::Subject;
use std::time::Duration;

use serde::Serialize;

use ecsrole_core::{Iam, Partition};

use crate::api::BatchApi;
use crate::ec2::Ec2;
use crate::error::Error;

pub(crate) mod checks;
mod facts;
mod instances;
pub(crate) mod kinds;
mod queues;
pub(crate) mod read;
#[cfg(test)]
mod tests;

pub use crate::finding::{Code, Finding};
pub(crate) use crate::finding::{error, finding, warning};
pub use checks::judge;
pub use read::Facts;

/// What to look at. Empty: every compute environment and job queue in the region.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Names or ARNs.
    pub compute_environments: Vec<String>,
    /// Names or ARNs; each brings its compute environments.
    pub job_queues: Vec<String>,
    /// Job ids; each brings its queue (and so its compute environments).
    pub jobs: Vec<String>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.compute_environments.is_empty() && self.job_queues.is_empty() && self.jobs.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct DiagnoseOptions {
    pub selection: Selection,
    /// The managed policies the instance role must have: the ECS instance policy and any
    /// `--extra-policy` (as `Desired::policies` gives them).
    pub policies: Vec<String>,
    /// How long an instance may run before it must have registered with ECS.
    pub registration_allowance: Duration,
    /// Reads in flight at once.
    pub concurrency: usize,
    /// The SCPs over the account, root first, when the run read them (a fleet run): the
    /// roles are judged under them as check judges its role; `None`: not evaluated.
    pub scps: Option<Vec<ecsrole_core::state::ScpLevel>>,
    /// Why the run's read of the SCPs failed, when it did: a verdict resting on them is
    /// then not decided.
    pub scps_failed: Option<String>,
    /// Where the run went, for the commands its findings name.
    pub hint: ecsrole_core::Hint,
}

/// What diagnose talks to: one account and region.
#[derive(Debug, Clone)]
pub struct Diagnoser {
    pub iam: Iam,
    pub batch: BatchApi,
    pub ec2: Ec2,
    pub partition: Partition,
}

impl Diagnoser {
    /// Reads, then judges.
    pub async fn diagnose(&self, opts: &DiagnoseOptions) -> Result<Diagnosis, Error> {
        let facts = read::read(self, opts).await?;
        Ok(judge(&facts, opts, self.partition))
    }
}

/// One compute environment and what is wrong with it.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentReport {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub status_reason: String,
    pub state: String,
    /// `computeResources.instanceRole`, as Batch holds it.
    pub instance_role: Option<String>,
    /// The identity its instances run with, and so what diagnose judged: `instance_profile`
    /// (EC2, SPOT on ECS), `none` (Fargate: no instance of yours, no instance role),
    /// `managed_instances_profile` (ECS Managed Instances), `eks_node_role` (on EKS: not the
    /// ECS role), `yours` (UNMANAGED: the instances registered in its cluster are yours).
    pub identity: &'static str,
    pub service_role: Option<String>,
    pub desired_vcpus: Option<i32>,
    pub max_vcpus: Option<i32>,
    pub findings: Vec<Finding>,
    /// What check could not decide of the roles its instances use (as `check`'s
    /// `undecided`): nothing can be said of them, and the run exits 1.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undecided: Vec<String>,
}

impl EnvironmentReport {
    /// The environment as a finding's subject, with its ARN.
    pub fn subject(&self) -> Subject {
        Subject::ComputeEnvironment {
            name: self.name.clone(),
            arn: Some(self.arn.clone()).filter(|a| !a.is_empty()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueReport {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub status_reason: String,
    pub state: String,
    /// Its compute environments, in order, as the queue names them.
    pub compute_environments: Vec<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobReport {
    pub id: String,
    pub name: String,
    pub queue: String,
    pub status: String,
    pub status_reason: String,
    pub vcpus: Option<f64>,
    pub memory_mib: Option<i64>,
    pub findings: Vec<Finding>,
}

/// The result of `diagnose`.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// The account and region read (set by the caller, which knows them: the account from
    /// STS, or the fleet target's).
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub compute_environments: Vec<EnvironmentReport>,
    pub job_queues: Vec<QueueReport>,
    pub jobs: Vec<JobReport>,
    pub errors: usize,
    pub warnings: usize,
    /// How many questions were left undecided (see [`EnvironmentReport::undecided`]).
    #[serde(skip_serializing_if = "is_zero")]
    pub undecided: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl Diagnosis {
    /// Nothing was there to diagnose: no compute environment, job queue or job.
    pub fn is_empty(&self) -> bool {
        self.compute_environments.is_empty() && self.job_queues.is_empty() && self.jobs.is_empty()
    }

    /// Every finding, with what it was found on (a compute environment, a queue, a job).
    pub fn findings(&self) -> impl Iterator<Item = (Subject, &Finding)> {
        let ces = self
            .compute_environments
            .iter()
            .flat_map(|c| c.findings.iter().map(move |f| (c.subject(), f)));
        let queues = self.job_queues.iter().flat_map(|q| {
            q.findings
                .iter()
                .map(move |f| (Subject::JobQueue(q.name.clone()), f))
        });
        let jobs = self.jobs.iter().flat_map(|j| {
            j.findings
                .iter()
                .map(move |f| (Subject::Job(j.id.clone()), f))
        });
        ces.chain(queues).chain(jobs)
    }
}
