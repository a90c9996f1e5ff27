//! `verify`: proves the role works with AWS Batch, step by step, and always tears down
//! what it created: on success, failure, timeout and interruption alike.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_batch::types::JobStatus;
use ecsrole_core::findings;
use ecsrole_core::poll::{self, Backoff, Poll, PollError};
use tokio::time::Instant;

use crate::api::{CeSpec, Status};
use crate::classify::{JobFailure, about_instance_role, already_exists, propagation_error};
use crate::ec2::Network;
use crate::error::Error;
use crate::level::{Level, Step};
use crate::outcome::StepStatus;
use crate::outcome::{Failure, FailureKind, VerifyOutcome};
use crate::recorder::{Progress, Recorder};
use crate::run::{PROPAGATION_BOUND, RunNames, VerifyOptions};
use crate::teardown::{Kind, waited};
use crate::verifier::Verifier;

impl Verifier {
    /// Runs verify: proves up to `opts.level` (bounded by `opts.timeout`, cut short by
    /// `interrupt`), then tears down everything of the run unless `opts.keep`.
    pub async fn verify(
        &self,
        opts: &VerifyOptions,
        progress: &dyn Progress,
        interrupt: impl Future<Output = String>,
    ) -> VerifyOutcome {
        let names = RunNames::new(&opts.run_id);
        let rec = Recorder::new(progress);
        let deadline = Instant::now() + opts.timeout;
        // The waits inside end at the deadline with their own diagnosis; this outer bound
        // only catches a call that is still running then.
        let outer = deadline + Duration::from_secs(5);
        // Boxed: the flow's futures are large, and debug builds run them on small stacks.
        let prove = Box::pin(self.prove(opts, &names, &rec, deadline));
        let result = tokio::select! {
            r = tokio::time::timeout_at(outer, prove) => match r {
                Ok(r) => r,
                Err(_) => Err(Failure::new(FailureKind::Error, format!("timed out after {:?} (--timeout)", opts.timeout))),
            },
            signal = interrupt => Err(Failure::new(FailureKind::Interrupted, format!("interrupted by {signal}"))),
        };
        if let Err(f) = &result {
            let status = if f.kind == FailureKind::Interrupted {
                StepStatus::Interrupted
            } else {
                StepStatus::Failed
            };
            rec.abandon(status, &f.message);
        }
        let drift = matches!(&result, Err(f) if f.kind == FailureKind::Drift);
        let leftovers = if drift {
            vec![]
        } else if opts.keep {
            self.leftovers(&names).await.unwrap_or_default()
        } else {
            self.teardown(
                &names,
                &rec,
                Instant::now() + opts.teardown_timeout,
                opts.backoff,
            )
            .await
        };
        let (failure, error, findings) = match result {
            Ok(()) => (None, None, vec![]),
            Err(f) => (Some(f.kind), Some(f.message), f.findings),
        };
        VerifyOutcome {
            verified: failure.is_none(),
            level: opts.level,
            run_id: names.run_id,
            steps: rec.into_steps(),
            leftovers,
            kept: opts.keep && !drift,
            failure,
            error,
            findings,
        }
    }

    async fn prove(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let profile_arn = rec
            .step(Step::Check, async {
                let actual = self.engine.read().await?;
                let report = findings::check(self.engine.desired(), &actual);
                if !report.compliant {
                    let codes: Vec<_> = report.findings.iter().map(|f| f.code.as_str()).collect();
                    return Err(Failure {
                        kind: FailureKind::Drift,
                        message: format!(
                            "the role is not compliant ({}): run `ecsrole plan`",
                            codes.join(", ")
                        ),
                        findings: report.findings,
                    });
                }
                let arn = actual.instance_profile.map(|p| p.arn).unwrap_or_default();
                Ok((arn.clone(), format!("compliant; instance profile {arn}")))
            })
            .await?;

        let network = rec
            .step(Step::Network, async {
                let net = self.network(opts).await?;
                let detail = format!(
                    "{}subnets {}; security groups {}",
                    net.vpc
                        .as_ref()
                        .map_or(String::new(), |v| format!("default VPC {v}: ")),
                    net.subnets.join(","),
                    net.security_groups.join(",")
                );
                Ok((net, detail))
            })
            .await?;

        let service_role = rec
            .step(Step::ServiceRole, async {
                match &opts.service_role {
                    Some(arn) => Ok((arn.clone(), format!("{arn} (--service-role)"))),
                    None => {
                        let (arn, created) = self.iam.batch_service_linked_role().await?;
                        let how = if created { "created" } else { "exists" };
                        Ok((arn.clone(), format!("{arn} (service-linked role, {how})")))
                    }
                }
            })
            .await?;

        let tags = names.tags();
        let spec = CeSpec {
            name: &names.compute_environment,
            instance_profile_arn: &profile_arn,
            service_role_arn: &service_role,
            subnets: &network.subnets,
            security_groups: &network.security_groups,
            max_vcpus: opts.max_vcpus,
            tags: &tags,
        };
        rec.step(Step::CreateComputeEnvironment, async {
            let arn = self
                .create_compute_environment(&spec, deadline, opts.backoff)
                .await?;
            Ok(((), arn))
        })
        .await?;

        let cluster = rec
            .step(Step::ComputeEnvironmentValid, async {
                let name = &names.compute_environment;
                let found = poll::until(deadline, opts.backoff, || async {
                    let ce = self.batch.describe_compute_environments(&[name]).await?;
                    Ok::<_, Failure>(match ce.into_iter().find(|c| !c.gone()) {
                        None => Poll::Pending("not visible yet".into()),
                        Some(c) if c.status == Status::Valid => Poll::Ready(c),
                        Some(c) if c.status == Status::Invalid => {
                            let kind = if about_instance_role(&c.status_reason) {
                                FailureKind::RoleBroken
                            } else {
                                FailureKind::Error
                            };
                            return Err(Failure::new(
                                kind,
                                format!(
                                    "compute environment {name} is INVALID: {}",
                                    c.status_reason
                                ),
                            ));
                        }
                        Some(c) => Poll::Pending(format!("status {}", c.status)),
                    })
                })
                .await
                .map_err(|e| waited(e, &format!("compute environment {name}"), "become VALID"))?;
                let cluster = found.ecs_cluster_arn.clone().unwrap_or_default();
                Ok((cluster.clone(), format!("VALID; ECS cluster {cluster}")))
            })
            .await?;

        match opts.level {
            Level::Ce => Ok(()),
            Level::Instance => {
                self.prove_instance(opts, names, rec, deadline, &cluster)
                    .await
            }
            Level::Job => self.prove_job(opts, names, rec, deadline).await,
        }
    }

    async fn network(&self, opts: &VerifyOptions) -> Result<Network, Error> {
        if !opts.subnets.is_empty() && !opts.security_groups.is_empty() {
            return Ok(Network {
                vpc: None,
                subnets: opts.subnets.clone(),
                security_groups: opts.security_groups.clone(),
            });
        }
        let no_vpc = || Error::NoDefaultVpc {
            region: self.region.clone(),
        };
        let Some(ec2) = &self.ec2 else {
            return Err(no_vpc());
        };
        let mut net = ec2.default_network().await?.ok_or_else(no_vpc)?;
        let vpc = net.vpc.clone().unwrap_or_default();
        if !opts.subnets.is_empty() {
            net.subnets = opts.subnets.clone();
        }
        if !opts.security_groups.is_empty() {
            net.security_groups = opts.security_groups.clone();
        }
        if net.subnets.is_empty() {
            return Err(Error::IncompleteDefaultVpc {
                vpc,
                what: "no default subnets",
            });
        }
        if net.security_groups.is_empty() {
            return Err(Error::IncompleteDefaultVpc {
                vpc,
                what: "no default security group",
            });
        }
        Ok(net)
    }

    /// Creates the compute environment, riding out IAM propagation (only the named
    /// transient errors, bounded). "Already exists" means an earlier attempt's answer was
    /// lost (the name carries this run's fresh id, so nobody else made it): done.
    async fn create_compute_environment(
        &self,
        spec: &CeSpec<'_>,
        deadline: Instant,
        backoff: Backoff,
    ) -> Result<String, Failure> {
        let bound = deadline.min(Instant::now() + PROPAGATION_BOUND);
        let result = poll::until(bound, backoff, || async move {
            match self.batch.create_compute_environment(spec).await {
                Ok(arn) => Ok(Poll::Ready(arn)),
                Err(Error::Core(e)) if propagation_error(&e) => Ok(Poll::Pending(e.to_string())),
                Err(Error::Core(e)) if already_exists(&e) => {
                    let found = self
                        .batch
                        .describe_compute_environments(&[spec.name])
                        .await?;
                    Ok(Poll::Ready(
                        found.first().map(|c| c.arn.clone()).unwrap_or_default(),
                    ))
                }
                Err(e) => Err(Failure::from(e)),
            }
        })
        .await;
        match result {
            Ok(arn) => Ok(arn),
            Err(PollError::Failed(f)) => Err(f),
            Err(PollError::TimedOut { waited, last }) => {
                let kind = if about_instance_role(&last) {
                    FailureKind::RoleBroken
                } else {
                    FailureKind::Error
                };
                Err(Failure::new(
                    kind,
                    format!(
                        "Batch kept rejecting the compute environment for {waited:.0?} (IAM propagation allowance): {last}"
                    ),
                ))
            }
        }
    }

    async fn prove_instance(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
        cluster: &str,
    ) -> Result<(), Failure> {
        rec.step(Step::ScaleUp, async {
            self.batch
                .set_desired_vcpus(&names.compute_environment, 1)
                .await?;
            Ok((
                (),
                "minvCpus 1, desiredvCpus 1: Batch launches one instance".to_owned(),
            ))
        })
        .await?;
        rec.step(Step::ContainerInstanceRegistered, async {
            let found = poll::until(deadline, opts.backoff, || async {
                let arns = self.batch.container_instances(cluster).await?;
                Ok::<_, Error>(match arns.into_iter().next() {
                    Some(arn) => Poll::Ready(arn),
                    None => Poll::Pending("0 container instances in the cluster".into()),
                })
            })
            .await;
            match found {
                Ok(arn) => Ok(((), format!("container instance {arn} registered"))),
                Err(PollError::Failed(e)) => Err(e.into()),
                Err(PollError::TimedOut { waited, last }) => Err(Failure::new(
                    FailureKind::RoleBroken,
                    format!(
                        "no container instance registered in ECS cluster {cluster} within {waited:.0?}: the instance role most likely lacks ECS permissions (is AmazonEC2ContainerServiceforEC2Role attached?), or the instances cannot reach ECS; seen: compute environment VALID, desiredvCpus 1, {last}"
                    ),
                )),
            }
        })
        .await
    }

    async fn prove_job(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let tags = names.tags();
        let ce = &names.compute_environment;
        let queue = rec
            .step(Step::CreateJobQueue, async {
                let ce_arn = self
                    .batch
                    .describe_compute_environments(&[ce])
                    .await?
                    .first()
                    .map(|c| c.arn.clone())
                    .unwrap_or_else(|| ce.clone());
                let arn = match self
                    .batch
                    .create_job_queue(&names.job_queue, &ce_arn, &tags)
                    .await
                {
                    // A lost answer, retried: this run's queue exists.
                    Err(Error::Core(e)) if already_exists(&e) => self
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
            let last_status = Mutex::new(JobStatus::Submitted);
            let job = &job;
            let result = poll::until(deadline, opts.backoff, || {
                let last_status = &last_status;
                async move {
                    let Some((status, reason)) = self.batch.describe_job(job).await? else {
                        return Ok(Poll::Pending("not visible yet".into()));
                    };
                    *last_status.lock().expect("status") = status.clone();
                    match status {
                        JobStatus::Succeeded => Ok(Poll::Ready(())),
                        JobStatus::Failed => {
                            let role = JobFailure::of(&reason) == JobFailure::ImagePull;
                            let hint = if role {
                                "the instance role needs ECR permissions to pull the image (AmazonEC2ContainerServiceforEC2Role grants them)"
                            } else {
                                "check --image and that its command can run"
                            };
                            Err(Failure::new(
                                if role { FailureKind::RoleBroken } else { FailureKind::Error },
                                format!("job {job} FAILED: {reason}; hint: {hint}"),
                            ))
                        }
                        s => Ok(Poll::Pending(format!("status {} {reason}", s.as_str()))),
                    }
                }
            })
            .await;
            match result {
                Ok(()) => Ok(((), format!("job {job} SUCCEEDED"))),
                Err(PollError::Failed(f)) => Err(f),
                Err(PollError::TimedOut { waited, last })
                    if *last_status.lock().expect("status") == JobStatus::Runnable =>
                {
                    Err(Failure::new(
                    FailureKind::RoleBroken,
                    format!(
                        "job {job} stuck in RUNNABLE for {waited:.0?} ({last}): no instance took it, so instances most likely never registered with ECS: the instance role lacks ECS permissions (is AmazonEC2ContainerServiceforEC2Role attached?)"
                    ),
                ))
                }
                Err(PollError::TimedOut { waited, last }) => Err(Failure::new(
                    FailureKind::Error,
                    format!("job {job} did not finish within {waited:.0?} (last seen: {last})"),
                )),
            }
        })
        .await
    }
}
