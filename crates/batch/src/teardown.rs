//! How a verify run tears down: in Batch's order, each resource disabled, deleted and seen
//! gone, every step attempted even when an earlier one failed; then what is left, asked of
//! Batch by tag and name. `cleanup` retires resources the same way.

use ecsrole_core::poll::{self, Backoff, Poll, PollError};
use tokio::time::Instant;

use crate::api::{BatchApi, Described, State};
use crate::error::Error;
use crate::level::Step;
use crate::outcome::Failure;
use crate::recorder::Recorder;
use crate::run::{RUN_TAG, RunNames};
use crate::verifier::Verifier;

impl Verifier {
    /// Deletes this run's resources in Batch's order: job queue (disable, wait, delete,
    /// wait until gone), compute environments (same; `compute_environments` are the names
    /// the run gave), job definitions. Each step runs even when an earlier one failed.
    /// Returns what is left, looked up afresh.
    pub(crate) async fn teardown(
        &self,
        names: &RunNames,
        compute_environments: &[String],
        rec: &Recorder<'_>,
        deadline: Instant,
        backoff: Backoff,
        hint: &ecsrole_core::Hint,
    ) -> Vec<String> {
        let queue = std::iter::once((Kind::JobQueue, &names.job_queue, Step::DeleteJobQueue));
        let ces = compute_environments
            .iter()
            .map(|n| (Kind::ComputeEnvironment, n, Step::DeleteComputeEnvironment));
        // Each resource is looked up once; a failed look-up still attempts the delete.
        for (kind, name, step) in queue.chain(ces) {
            let known = match self.batch.describe(kind, name).await {
                Ok(None) => continue,
                Ok(found) => found,
                Err(_) => None,
            };
            let _ = rec
                .step(step, async {
                    self.batch
                        .retire(kind, name, known, deadline, backoff)
                        .await?;
                    Ok(((), format!("{name} disabled, deleted, gone")))
                })
                .await;
        }
        let definitions = self
            .batch
            .active_job_definitions(Some(&names.job_definition))
            .await;
        if !matches!(&definitions, Ok(d) if d.is_empty()) {
            let _ = rec
                .step(Step::DeregisterJobDefinition, async {
                    let found = match definitions {
                        Ok(found) => found,
                        Err(_) => {
                            self.batch
                                .active_job_definitions(Some(&names.job_definition))
                                .await?
                        }
                    };
                    for d in &found {
                        self.batch.deregister_job_definition(&d.arn).await?;
                    }
                    let arns: Vec<_> = found.into_iter().map(|d| d.arn).collect();
                    Ok(((), arns.join(", ")))
                })
                .await;
        }
        rec.step(Step::Leftovers, async {
            let left = self.leftovers(names).await?;
            let detail = if left.is_empty() {
                format!("nothing tagged {RUN_TAG}={} is left", names.run_id)
            } else {
                format!(
                    "left behind: {}; run `{}`",
                    left.join(", "),
                    hint.command("cleanup", &["--run", &names.run_id])
                )
            };
            Ok((left, detail))
        })
        .await
        .unwrap_or_else(|f| {
            vec![format!(
                "unknown (the leftover check failed: {})",
                f.message
            )]
        })
    }

    /// Everything of this run that still exists: by tag and by name, asked of Batch.
    pub async fn leftovers(&self, names: &RunNames) -> Result<Vec<String>, Error> {
        let (ces, queues, definitions) = tokio::try_join!(
            self.batch.describe_compute_environments(&[]),
            self.batch.describe_job_queues(&[]),
            self.batch
                .active_job_definitions(Some(&names.job_definition)),
        )?;
        let ours = |d: &Described, name: &str| {
            let named = d.name == name
                || d.name
                    .strip_prefix(name)
                    .is_some_and(|rest| rest.starts_with('-'));
            !d.gone() && (d.tags.get(RUN_TAG) == Some(&names.run_id) || named)
        };
        let mut left: Vec<String> = queues
            .iter()
            .filter(|q| ours(q, &names.job_queue))
            .map(|q| format!("job-queue/{} ({})", q.name, q.status))
            .collect();
        left.extend(
            ces.iter()
                .filter(|c| ours(c, &names.compute_environment))
                .map(|c| format!("compute-environment/{} ({})", c.name, c.status)),
        );
        left.extend(
            definitions
                .into_iter()
                .map(|d| format!("job-definition {}", d.arn)),
        );
        Ok(left)
    }
}

impl BatchApi {
    /// The resource if it exists and is not DELETED.
    pub(crate) async fn describe(
        &self,
        kind: Kind,
        name: &str,
    ) -> Result<Option<Described>, Error> {
        let found = match kind {
            Kind::JobQueue => self.describe_job_queues(&[name]).await?,
            Kind::ComputeEnvironment => self.describe_compute_environments(&[name]).await?,
        };
        Ok(found.into_iter().find(|d| !d.gone()))
    }

    /// Disable, wait until settled, delete, wait until gone. `known` is the resource as
    /// just described, when the caller has it (saves a call).
    pub(crate) async fn retire(
        &self,
        kind: Kind,
        name: &str,
        known: Option<Described>,
        deadline: Instant,
        backoff: Backoff,
    ) -> Result<(), Failure> {
        let describe = || self.describe(kind, name);
        let current = match known {
            Some(d) => d,
            None => match describe().await? {
                Some(d) => d,
                None => return Ok(()),
            },
        };
        if current.state != State::Disabled {
            match kind {
                Kind::JobQueue => self.disable_job_queue(name).await?,
                Kind::ComputeEnvironment => self.disable_compute_environment(name).await?,
            }
        }
        poll::until(deadline, backoff, || async {
            Ok::<_, Error>(match describe().await? {
                None => Poll::Ready(()),
                Some(d) if d.status.settling() || d.state != State::Disabled => {
                    Poll::Pending(format!("{} {}", d.status, d.state))
                }
                Some(_) => Poll::Ready(()),
            })
        })
        .await
        .map_err(|e| waited(e, &format!("{} {name}", kind.as_str()), "settle DISABLED"))?;
        match kind {
            Kind::JobQueue => self.delete_job_queue(name).await?,
            Kind::ComputeEnvironment => self.delete_compute_environment(name).await?,
        }
        poll::until(deadline, backoff, || async {
            Ok::<_, Error>(match describe().await? {
                None => Poll::Ready(()),
                Some(d) => Poll::Pending(format!("status {}", d.status)),
            })
        })
        .await
        .map_err(|e| waited(e, &format!("{} {name}", kind.as_str()), "disappear"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    JobQueue,
    ComputeEnvironment,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::JobQueue => "job queue",
            Kind::ComputeEnvironment => "compute environment",
        }
    }

    /// As resources are listed: `job-queue/NAME`.
    pub(crate) fn resource(self) -> &'static str {
        match self {
            Kind::JobQueue => "job-queue",
            Kind::ComputeEnvironment => "compute-environment",
        }
    }
}

pub(crate) fn waited<E: Into<Failure>>(e: PollError<E>, what: &str, goal: &'static str) -> Failure {
    match e {
        PollError::Failed(e) => e.into(),
        PollError::TimedOut { waited, last } => Error::TimedOut {
            what: what.to_owned(),
            goal,
            waited,
            last,
        }
        .into(),
    }
}
