//! The run's compute environment: created, then VALID. A just-created instance profile is
//! not a broken role: when Batch rejects the profile (at create, or as an INVALID with a
//! `statusReason` naming it) while the profile or its role is younger than the propagation
//! allowance, that is IAM propagation. The create is retried; an INVALID environment is
//! deleted and created again under the next name (`<name>-2`...), within the run's lease,
//! until the allowance is spent. Only then is it the role (exit 3), with the profile's age.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ecsrole_core::poll::{self, Backoff, Poll, PollError};
use tokio::time::Instant;

use crate::api::{CeSpec, Described, Status};
use crate::classify::{about_instance_role, already_exists, propagation_error};
use crate::error::Error;
use crate::level::Step;
use crate::outcome::{Failure, FailureKind, StepStatus};
use crate::recorder::Recorder;
use crate::run::{RunNames, VerifyOptions};
use crate::teardown::{Kind, waited};
use crate::verifier::Verifier;
use crate::verify::{Checked, RunState};

/// How a wait for VALID ended, when it did not fail.
enum Validated {
    Valid(Box<Described>),
    /// INVALID, blaming the young instance profile: try again under a new name.
    Young(String),
}

/// `age` of the profile in whole seconds, for messages.
fn secs(d: Duration) -> u64 {
    d.as_secs()
}

impl Verifier {
    /// Creates the compute environment and waits until it is VALID; returns it as described.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn environment(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        state: &RunState,
        rec: &Recorder<'_>,
        deadline: Instant,
        spec: CeSpec<'_>,
        checked: &Checked,
    ) -> Result<Described, Failure> {
        // On AWS's clock: `youngest` is IAM's CreateDate.
        let clock = self.batch.clock();
        let age = || {
            clock
                .now()
                .duration_since(checked.youngest)
                .unwrap_or_default()
        };
        let allowance = opts.propagation_allowance;
        // When IAM should have shown the profile to Batch, on this process's clock.
        let settled = Instant::now() + allowance.saturating_sub(age());
        for attempt in 1.. {
            let name = names.compute_environment_attempt(attempt);
            let spec = CeSpec {
                name: &name,
                ..spec.clone()
            };
            state.created(&name);
            rec.step(Step::CreateComputeEnvironment, async {
                let arn = self
                    .create_compute_environment(&spec, deadline, settled, opts, age)
                    .await?;
                Ok(((), arn))
            })
            .await?;
            let young = settled > Instant::now();
            let validated = rec
                .step_as(Step::ComputeEnvironmentValid, async {
                    match Box::pin(self.wait_valid(&name, deadline, opts.backoff, young, age, allowance))
                        .await?
                    {
                        Validated::Valid(ce) => {
                            let cluster = ce.ecs_cluster_arn.clone().unwrap_or_default();
                            let detail = format!("VALID; ECS cluster {cluster}");
                            Ok((Validated::Valid(ce), StepStatus::Ok, detail))
                        }
                        Validated::Young(reason) => {
                            let known = self.batch.describe(Kind::ComputeEnvironment, &name).await?;
                            self.batch.retire(Kind::ComputeEnvironment, &name, known, deadline, opts.backoff)
                                .await?;
                            let detail = format!(
                                "INVALID: {reason}; the instance profile is {}s old, within the IAM propagation allowance ({}s): deleted, created again as {}",
                                secs(age()),
                                secs(allowance),
                                names.compute_environment_attempt(attempt + 1)
                            );
                            Ok((Validated::Young(reason), StepStatus::Retried, detail))
                        }
                    }
                })
                .await?;
            match validated {
                Validated::Valid(ce) => return Ok(*ce),
                Validated::Young(_) => {
                    // Give IAM a moment before Batch looks again.
                    let pause = opts.backoff.initial * 2u32.saturating_pow(attempt.min(5));
                    tokio::time::sleep(pause.min(opts.backoff.max)).await;
                }
            }
        }
        unreachable!("the attempts only end by returning")
    }

    /// Polls until the compute environment is VALID. INVALID blaming the instance profile
    /// is `Young` while `young`, the role's fault (exit 3, with the profile's age) after.
    async fn wait_valid(
        &self,
        name: &str,
        deadline: Instant,
        backoff: Backoff,
        young: bool,
        age: impl Fn() -> Duration,
        allowance: Duration,
    ) -> Result<Validated, Failure> {
        let seen = AtomicBool::new(false);
        poll::until(deadline, backoff, || {
            let (seen, age) = (&seen, &age);
            async move {
                let ce = self.batch.describe_compute_environments(&[name]).await?;
                Ok::<_, Failure>(match ce.into_iter().find(|c| !c.gone()) {
                    None if seen.load(Ordering::Relaxed) => {
                        return Err(Failure::new(
                            FailureKind::Error,
                            format!("compute environment {name} vanished while it was being validated: deleted by someone else"),
                        ));
                    }
                    None => Poll::Pending("not visible yet".into()),
                    Some(c) if c.status == Status::Valid => Poll::Ready(Validated::Valid(Box::new(c))),
                    Some(c) if c.status == Status::Invalid => {
                        let about_role = about_instance_role(&c.status_reason);
                        if about_role && young {
                            return Ok(Poll::Ready(Validated::Young(c.status_reason)));
                        }
                        let (kind, why) = if about_role {
                            (
                                FailureKind::RoleBroken,
                                format!(
                                    "; the instance profile is {}s old, past the IAM propagation allowance ({}s): Batch cannot use it",
                                    secs(age()),
                                    secs(allowance)
                                ),
                            )
                        } else {
                            (FailureKind::Error, String::new())
                        };
                        return Err(Failure::new(
                            kind,
                            format!(
                                "compute environment {name} is INVALID: {}{why}",
                                c.status_reason
                            ),
                        ));
                    }
                    Some(c) => {
                        seen.store(true, Ordering::Relaxed);
                        Poll::Pending(format!("status {}", c.status))
                    }
                })
            }
        })
        .await
        .map_err(|e| waited(e, &format!("compute environment {name}"), "become VALID"))
    }

    /// Creates the compute environment, riding out IAM propagation (only the named
    /// transient errors) for the propagation allowance, within the deadline; a rejection
    /// naming the instance profile only until `settled` (the profile's own allowance: an
    /// old profile Batch cannot find is the role's fault at once). "Already exists" means
    /// an earlier attempt's answer was lost (the name carries this run's fresh id, so nobody
    /// else made it): done.
    async fn create_compute_environment(
        &self,
        spec: &CeSpec<'_>,
        deadline: Instant,
        settled: Instant,
        opts: &VerifyOptions,
        age: impl Fn() -> Duration,
    ) -> Result<String, Failure> {
        let bound = deadline.min(Instant::now() + opts.propagation_allowance);
        let age = &age;
        let result = poll::until(bound, opts.backoff, || async move {
            match self.batch.create_compute_environment(spec).await {
                Ok(arn) => Ok(Poll::Ready(arn)),
                Err(Error::Core(e))
                    if propagation_error(&e)
                        && about_instance_role(&e.to_string())
                        && Instant::now() >= settled =>
                {
                    Err(Failure::new(
                        FailureKind::RoleBroken,
                        format!(
                            "Batch rejects the instance profile (it is {}s old, past the IAM propagation allowance of {}s): {e}",
                            secs(age()),
                            secs(opts.propagation_allowance)
                        ),
                    ))
                }
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
            // Cut short while the profile is younger than the allowance, nothing is
            // shown about the role: IAM may not have shown it to Batch yet (exit 1, not 3).
            Err(PollError::TimedOut { waited, last })
                if about_instance_role(&last) && Instant::now() < settled =>
            {
                Err(Failure::new(
                    FailureKind::Error,
                    format!(
                        "could not prove the role yet: Batch kept rejecting the compute environment for {waited:.0?}, but the instance profile is only {}s old, within the IAM propagation allowance ({}s), so IAM may not have shown it to Batch yet: run verify again later, or with a --timeout past the allowance: {last}",
                        secs(age()),
                        secs(opts.propagation_allowance)
                    ),
                ))
            }
            Err(PollError::TimedOut { waited, last }) => {
                let kind = if about_instance_role(&last) {
                    FailureKind::RoleBroken
                } else {
                    FailureKind::Error
                };
                Err(Failure::new(
                    kind,
                    format!(
                        "Batch kept rejecting the compute environment for {waited:.0?} (IAM propagation allowance; the instance profile is {}s old): {last}",
                        secs(age())
                    ),
                ))
            }
        }
    }
}
