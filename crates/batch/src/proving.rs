//! The levels past a VALID compute environment: an instance joining its ECS cluster, a job
//! running to SUCCEEDED. While a level waits it also watches what the run created: a
//! compute environment, queue or job deleted or disabled by someone else ends the step
//! with exit 1, naming what vanished (never exit 3). When a level times out, what can be
//! read is gathered (`evidence.rs`) and decides whether the role is to blame.

use std::sync::Mutex;

use aws_sdk_batch::types::JobStatus;
use ecsrole_core::poll::{self, Poll, PollError};
use tokio::time::Instant;

use crate::api::{Described, State, Status};
use crate::classify::{JobFailure, already_exists};
use crate::error::Error;
use crate::evidence::Stuck;
use crate::level::Step;
use crate::outcome::{Failure, FailureKind};
use crate::recorder::Recorder;
use crate::run::{RunNames, VerifyOptions};
use crate::teardown::{Kind, waited};
use crate::verifier::Verifier;
use crate::verify::Checked;

impl Verifier {
    /// Fails when `kind` `name`, which this run created, was deleted, is being deleted or
    /// was disabled: verify never does that before its teardown, so someone else did.
    async fn watch(&self, kind: Kind, name: &str) -> Result<(), Failure> {
        let taken = |what: &str| {
            Failure::new(
                FailureKind::Error,
                format!(
                    "{} {name}, which this run created, {what} by someone else during the run (nothing here says anything about the role)",
                    kind.as_str()
                ),
            )
        };
        match self.batch.describe(kind, name).await? {
            None => Err(taken("was deleted")),
            Some(d) if d.status == Status::Deleting => Err(taken("is being deleted")),
            Some(d) if d.state == State::Disabled => Err(taken("was disabled")),
            Some(_) => Ok(()),
        }
    }

    pub(crate) async fn prove_instance(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
        ce: &Described,
        checked: &Checked,
    ) -> Result<(), Failure> {
        rec.step(Step::ScaleUp, async {
            self.batch.set_desired_vcpus(&ce.name, 1).await?;
            Ok((
                (),
                "minvCpus 1, desiredvCpus 1: Batch launches one instance".to_owned(),
            ))
        })
        .await?;
        let cluster = ce.ecs_cluster_arn.clone().unwrap_or_default();
        rec.step(Step::ContainerInstanceRegistered, async {
            let found = Box::pin(poll::until(deadline, opts.backoff, || async {
                let arns = self.batch.container_instances(&cluster).await?;
                if let Some(arn) = arns.into_iter().next() {
                    return Ok(Poll::Ready(arn));
                }
                Box::pin(self.watch(Kind::ComputeEnvironment, &ce.name)).await?;
                Ok::<_, Failure>(Poll::Pending("0 container instances in the cluster".into()))
            }))
            .await;
            match found {
                Ok(arn) => Ok(((), format!("container instance {arn} registered"))),
                Err(PollError::Failed(f)) => Err(f),
                Err(PollError::TimedOut { waited, .. }) => {
                    let what = format!(
                        "no container instance registered in ECS cluster {cluster} within {waited:.0?}"
                    );
                    let stuck = Stuck {
                        what,
                        names,
                        compute_environment: &ce.name,
                        cluster: &cluster,
                        job: None,
                    };
                    Err(Box::pin(self.judge(stuck, checked, opts.registration_allowance)).await)
                }
            }
        })
        .await
    }

    pub(crate) async fn prove_job(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
        ce: &Described,
        checked: &Checked,
    ) -> Result<(), Failure> {
        let tags = names.tags(&self.batch.clock());
        let queue = rec
            .step(Step::CreateJobQueue, async {
                let arn = match self
                    .batch
                    .create_job_queue(&names.job_queue, &ce.arn, &tags)
                    .await
                {
                    // A lost answer, retried: this run's queue exists.
                    Err(Error::Core(e)) if already_exists(&e) => self
                        .batch
                        .describe(Kind::JobQueue, &names.job_queue)
                        .await?
                        .map_or_else(|| names.job_queue.clone(), |q| q.arn),
                    other => other?,
                };
                Ok((arn.clone(), arn))
            })
            .await?;
        rec.step(Step::JobQueueValid, async {
            let q = &names.job_queue;
            poll::until(deadline, opts.backoff, || async {
                let found = self.batch.describe_job_queues(&[q]).await?;
                Ok::<_, Error>(match found.into_iter().find(|x| !x.gone()) {
                    Some(x) if x.status == Status::Valid => Poll::Ready(()),
                    Some(x) => Poll::Pending(format!("status {} {}", x.status, x.status_reason)),
                    None => Poll::Pending("not visible yet".into()),
                })
            })
            .await
            .map_err(|e| waited(e, &format!("job queue {q}"), "become VALID"))?;
            Ok(((), "VALID".to_owned()))
        })
        .await?;
        let definition = rec
            .step(Step::RegisterJobDefinition, async {
                let arn = self
                    .batch
                    .register_job_definition(&names.job_definition, &opts.image, &tags)
                    .await?;
                Ok((
                    arn.clone(),
                    format!("{arn} ({}, command `true`)", opts.image),
                ))
            })
            .await?;
        let job = rec
            .step(Step::SubmitJob, async {
                let id = self
                    .batch
                    .submit_job(&names.job_definition, &queue, &definition)
                    .await?;
                Ok((id.clone(), format!("job {id}")))
            })
            .await?;
        rec.step(Step::JobSucceeded, async {
            let last = Mutex::new(None::<(JobStatus, String)>);
            let job = &job;
            let result = Box::pin(poll::until(deadline, opts.backoff, || {
                let last = &last;
                async move {
                    let Some((status, reason)) = self.batch.describe_job(job).await? else {
                        if last.lock().expect("last").is_some() {
                            return Err(Failure::new(
                                FailureKind::Error,
                                format!("job {job}, which this run submitted, vanished during the run (nothing here says anything about the role)"),
                            ));
                        }
                        return Ok(Poll::Pending("not visible yet".into()));
                    };
                    *last.lock().expect("last") = Some((status.clone(), reason.clone()));
                    match status {
                        JobStatus::Succeeded => Ok(Poll::Ready(())),
                        JobStatus::Failed => Err(failed_job(job, &opts.image, &reason)),
                        s => {
                            Box::pin(self.watch(Kind::JobQueue, &names.job_queue)).await?;
                            Box::pin(self.watch(Kind::ComputeEnvironment, &ce.name)).await?;
                            Ok(Poll::Pending(format!("status {} {reason}", s.as_str())))
                        }
                    }
                }
            }))
            .await;
            match result {
                Ok(()) => Ok(((), format!("job {job} SUCCEEDED"))),
                Err(PollError::Failed(f)) => Err(f),
                Err(PollError::TimedOut { waited, last: seen }) => {
                    let last = last.lock().expect("last").clone();
                    match last {
                        Some((JobStatus::Runnable, reason)) => {
                            let what = format!("job {job} stuck in RUNNABLE for {waited:.0?}: no instance took it");
                            let cluster = ce.ecs_cluster_arn.clone().unwrap_or_default();
                            let stuck = Stuck {
                                what,
                                names,
                                compute_environment: &ce.name,
                                cluster: &cluster,
                                job: Some((job.as_str(), reason)),
                            };
                            Err(Box::pin(self.judge(stuck, checked, opts.registration_allowance)).await)
                        }
                        _ => Err(Failure::new(
                            FailureKind::Error,
                            format!("job {job} did not finish within {waited:.0?} (last seen: {seen})"),
                        )),
                    }
                }
            }
        })
        .await
    }
}

/// A job that FAILED: the role's fault (exit 3) only on evidence about the role itself (an
/// AWS API refusing its principal, or the reason naming it); a registry that refused the
/// pull or lacks `image` is the image's (exit 1, naming it and the registry's words), as is
/// a pull that failed for another reason (no route to the registry, say).
fn failed_job(job: &str, image: &str, reason: &str) -> Failure {
    let (kind, hint) = match JobFailure::of(reason) {
        JobFailure::RoleDenied => (
            FailureKind::RoleBroken,
            "AWS refused the instance role: it needs ECR permissions to pull the image (AmazonEC2ContainerServiceforEC2Role grants them)".to_owned(),
        ),
        JobFailure::ImageRefused => (
            FailureKind::Error,
            format!("the registry refused image {image} or does not have it (nothing here is about the role): check --image for a typo, and that a private image's registry gives the instances credentials"),
        ),
        JobFailure::ImagePull => (
            FailureKind::Error,
            format!("image {image} could not be pulled: check --image, and that the instances can reach the registry (a route to the internet, a NAT gateway or VPC endpoints for ECR)"),
        ),
        JobFailure::Other => (
            FailureKind::Error,
            format!("check --image ({image}) and that its command can run"),
        ),
    };
    Failure::new(kind, format!("job {job} FAILED: {reason}; hint: {hint}"))
}
