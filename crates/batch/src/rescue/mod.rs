//! `rescue`: compute environments their IAM left stuck, brought back. Finds what is stuck
//! (`stuck.rs`, from diagnose's findings), makes what each is missing, tagged as this run's
//! (`repair.rs`), lets Batch validate the environment again or finish deleting it, and
//! waits, within the run's bound, until each is VALID or gone; with `delete`, then deletes
//! each (its job queues first) as verify's teardown does; last, removes what it made once
//! nothing uses it. Every step is one a second run can finish.

use std::time::Duration;

use ecsrole_core::poll::{self, Backoff, Poll};
use ecsrole_core::{Aws, Iam, Partition, Subject};
use serde::Serialize;
use tokio::time::Instant;

use crate::api::{BatchApi, Described};
use crate::diagnose::{Code, DiagnoseOptions, Diagnoser, Selection};
use crate::ec2::Ec2;
use crate::error::Error;
use crate::status::Status;
use crate::teardown::Kind;

mod repair;
mod stuck;

use repair::NotMade;
pub use stuck::{Missing, Stuck};

/// The tag on what a rescue made: its run id.
pub const RESCUE_TAG: &str = "ecsrole:rescue";

/// What to rescue, and how.
#[derive(Debug, Clone)]
pub struct RescueOptions {
    /// Names or ARNs; empty: every compute environment in the region.
    pub compute_environments: Vec<String>,
    /// Delete the stuck environments after the repair (their job queues first).
    pub delete: bool,
    /// Print the plan; write nothing.
    pub dry_run: bool,
    /// The whole run's bound.
    pub timeout: Duration,
    /// This run's id (the value of [`RESCUE_TAG`]).
    pub run_id: String,
    /// The managed policies diagnose judges an instance role by.
    pub policies: Vec<String>,
    pub hint: ecsrole_core::Hint,
}

/// What a rescue talks to: one account and region.
#[derive(Debug, Clone)]
pub struct Rescuer {
    pub aws: Aws,
    pub iam: Iam,
    pub batch: BatchApi,
    pub ec2: Ec2,
    pub partition: Partition,
    pub backoff: Backoff,
}

/// How one stuck environment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ended {
    /// `--dry-run`: the plan only.
    Planned,
    /// VALID again.
    Valid,
    /// Gone: it finished deleting, or `--delete` deleted it.
    Deleted,
    /// Still stuck at the end of the bound.
    StillStuck,
    /// Not acted on: something it needs cannot be made (named).
    Refused,
    /// A write failed.
    Failed,
}

/// One stuck environment, what it lacked, what was done and how it ended.
#[derive(Debug, Clone, Serialize)]
pub struct Rescued {
    pub name: String,
    pub arn: String,
    /// Its status and Batch's reason when the run found it.
    pub status: String,
    pub status_reason: String,
    /// Diagnose's codes that make it stuck.
    pub because: Vec<Code>,
    pub missing: Vec<Missing>,
    /// The steps, in order (planned, or done).
    pub steps: Vec<String>,
    pub ended: Ended,
    /// Batch's last status and reason, or why it was refused or failed.
    pub detail: String,
}

/// The result of `rescue`.
#[derive(Debug, Clone, Serialize)]
pub struct RescueOutcome {
    pub account_id: Option<String>,
    pub region: Option<String>,
    pub run_id: String,
    pub dry_run: bool,
    pub delete: bool,
    /// The stuck environments (only those).
    pub compute_environments: Vec<Rescued>,
    /// Named with `--compute-environment` and not stuck: left alone.
    pub not_stuck: Vec<String>,
    /// What this run made.
    pub created: Vec<Subject>,
    /// What it made and removed again (nothing uses it any more).
    pub removed: Vec<Subject>,
    /// What it made and keeps: an environment still uses it (a later rescue removes it
    /// once nothing does).
    pub kept: Vec<Subject>,
    /// What an earlier rescue made and nothing uses any more (it was interrupted, or the
    /// environment went since): removed by this run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub finished: Vec<Subject>,
    /// What it made and could not remove, with the call that failed (a later rescue
    /// finds it by its description and tags).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl RescueOutcome {
    /// Something named could not be acted on, or a write failed.
    pub fn could_not_act(&self) -> bool {
        !self.errors.is_empty()
            || self
                .compute_environments
                .iter()
                .any(|r| matches!(r.ended, Ended::Refused | Ended::Failed))
    }

    /// Something is stuck at the end (for a dry run: at all).
    pub fn still_stuck(&self) -> bool {
        self.compute_environments
            .iter()
            .any(|r| matches!(r.ended, Ended::StillStuck | Ended::Planned))
    }
}

impl Rescuer {
    pub fn new(aws: &Aws) -> Rescuer {
        Rescuer {
            aws: aws.clone(),
            iam: Iam::new(aws),
            batch: BatchApi::new(aws),
            ec2: Ec2::new(aws),
            partition: aws.partition,
            backoff: Backoff::DEFAULT,
        }
    }

    /// Finds what is stuck and, unless `dry_run`, brings it back (see the module).
    pub async fn rescue(&self, opts: &RescueOptions) -> Result<RescueOutcome, Error> {
        let deadline = Instant::now() + opts.timeout;
        let diagnoser = Diagnoser {
            iam: self.iam.clone(),
            batch: self.batch.clone(),
            ec2: self.ec2.clone(),
            partition: self.partition,
        };
        let dopts = DiagnoseOptions {
            selection: Selection {
                compute_environments: opts.compute_environments.clone(),
                ..Selection::default()
            },
            policies: opts.policies.clone(),
            registration_allowance: Duration::from_secs(600),
            concurrency: 8,
            scps: None,
            scps_failed: None,
            hint: opts.hint.clone(),
        };
        let facts = crate::diagnose::read::read(&diagnoser, &dopts).await?;
        let diagnosis = crate::diagnose::judge(&facts, &dopts, self.partition);
        let found = stuck::stuck(&diagnosis, &facts.environments);
        let named = !opts.compute_environments.is_empty();
        let not_stuck: Vec<String> = if named {
            facts
                .environments
                .iter()
                .filter(|c| !found.iter().any(|s| s.name == c.name))
                .map(|c| c.name.clone())
                .collect()
        } else {
            vec![]
        };
        let mut out = RescueOutcome {
            account_id: facts
                .environments
                .first()
                .and_then(|c| c.arn.split(':').nth(4))
                .map(str::to_owned),
            region: Some(facts.region.clone()),
            run_id: opts.run_id.clone(),
            dry_run: opts.dry_run,
            delete: opts.delete,
            compute_environments: vec![],
            not_stuck,
            created: vec![],
            removed: vec![],
            kept: vec![],
            finished: vec![],
            errors: vec![],
        };
        for s in &found {
            out.compute_environments.push(Rescued {
                name: s.name.clone(),
                arn: s.arn.clone(),
                status: s.status.to_string(),
                status_reason: s.reason.clone(),
                because: s.because.clone(),
                missing: s.missing.clone(),
                steps: steps(s, opts.delete),
                ended: Ended::Planned,
                detail: String::new(),
            });
        }
        if opts.dry_run {
            return Ok(out);
        }
        // Make what is missing, each piece once for all that need it.
        let mut made: Vec<(Missing, Result<Vec<Subject>, NotMade>)> = vec![];
        for m in found.iter().flat_map(|s| &s.missing) {
            if made.iter().any(|(done, _)| done == m) {
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let result = self.make(m, &opts.run_id, left).await;
            if let Ok(created) = &result {
                out.created.extend(created.iter().cloned());
            }
            made.push((m.clone(), result));
        }
        for (s, r) in found.iter().zip(out.compute_environments.iter_mut()) {
            let refused = s.missing.iter().find_map(|m| {
                made.iter()
                    .find(|(d, _)| d == m)
                    .and_then(|(_, result)| result.clone().err())
            });
            match refused {
                Some(NotMade::Refused(why)) => {
                    r.ended = Ended::Refused;
                    r.detail = why;
                    continue;
                }
                Some(NotMade::Failed(why)) => {
                    r.ended = Ended::Failed;
                    r.detail = why;
                    continue;
                }
                None => {}
            }
            (r.ended, r.detail) = self.bring_back(s, opts.delete, deadline).await;
        }
        // Remove what this run made once nothing uses it.
        for (m, result) in &made {
            let Ok(created) = result else { continue };
            if created.is_empty() {
                continue;
            }
            // Each attempt reads afresh, so one after a lost answer goes on from where
            // the last one stopped.
            let mut attempt = 0;
            loop {
                attempt += 1;
                match self.remove(m, &opts.run_id).await {
                    Ok(true) => out.removed.extend(created.iter().cloned()),
                    Ok(false) => out.kept.extend(created.iter().cloned()),
                    Err(_) if attempt < 3 => continue,
                    Err(e) => out.errors.push(format!(
                        "could not remove {m} that this run made: {e}; `{}` removes it once nothing uses it",
                        opts.hint.command("rescue", &[])
                    )),
                }
                break;
            }
        }
        // What earlier runs left: removed once nothing uses it. Not when environments are
        // named: a run asked about those touches nothing else.
        if named {
            return Ok(out);
        }
        match self.left_by_earlier_runs().await {
            Ok(left) => {
                for m in left {
                    if made.iter().any(|(d, _)| *d == m) {
                        continue;
                    }
                    let subjects = match &m {
                        Missing::InstanceProfile { name, .. } => vec![
                            Subject::Role(name.clone()),
                            Subject::InstanceProfile(name.clone()),
                        ],
                        Missing::ServiceRole { name, .. } => vec![Subject::Role(name.clone())],
                        _ => vec![],
                    };
                    match self.remove(&m, &opts.run_id).await {
                        Ok(true) => out.finished.extend(subjects),
                        Ok(false) => {}
                        Err(e) => out.errors.push(format!(
                            "could not remove {m} that an earlier rescue made: {e}"
                        )),
                    }
                }
            }
            Err(e) => out
                .errors
                .push(format!("could not look for what earlier rescues left: {e}")),
        }
        Ok(out)
    }

    /// Lets Batch validate `s` again (INVALID) or finish deleting it (DELETING), waits until
    /// VALID or gone; with `delete`, then deletes it, its queues first.
    async fn bring_back(&self, s: &Stuck, delete: bool, deadline: Instant) -> (Ended, String) {
        let failed = |e: &dyn std::fmt::Display| (Ended::Failed, e.to_string());
        if s.status == Status::Invalid
            && let Err(e) = self
                .batch
                .set_compute_environment_state(&s.name, s.enabled)
                .await
        {
            return failed(&e);
        }
        let last = std::sync::Mutex::new(String::new());
        let settled = poll::until(deadline, self.backoff, || async {
            Ok::<_, Error>(
                match self
                    .batch
                    .describe(Kind::ComputeEnvironment, &s.name)
                    .await?
                {
                    None => Poll::Ready(None),
                    Some(d) if d.status == Status::Valid => Poll::Ready(Some(d)),
                    Some(d) => {
                        let seen = format!("{} {:?}", d.status, d.status_reason);
                        *last.lock().unwrap() = seen.clone();
                        Poll::Pending(seen)
                    }
                },
            )
        })
        .await;
        let now = match settled {
            Ok(now) => now,
            Err(poll::PollError::TimedOut { .. }) => {
                let seen = last.lock().unwrap().clone();
                return (
                    Ended::StillStuck,
                    format!("still {seen} when the run's bound ended"),
                );
            }
            Err(poll::PollError::Failed(e)) => return failed(&e),
        };
        let Some(valid) = now else {
            return (Ended::Deleted, "it finished deleting".into());
        };
        if !delete {
            return (Ended::Valid, format!("VALID: {:?}", valid.status_reason));
        }
        match self.delete(&valid, deadline).await {
            Ok(()) => (
                Ended::Deleted,
                "deleted (--delete), its job queues first".into(),
            ),
            Err(e) => failed(&e),
        }
    }

    /// Deletes `ce` as verify's teardown does: every job queue that uses it, then it; each
    /// disabled, deleted and seen gone.
    async fn delete(&self, ce: &Described, deadline: Instant) -> Result<(), String> {
        let queues = self
            .batch
            .describe_job_queues(&[])
            .await
            .map_err(|e| e.to_string())?;
        for q in queues
            .into_iter()
            .filter(|q| !q.gone() && q.environments.iter().any(|e| *e == ce.name || *e == ce.arn))
        {
            let name = q.name.clone();
            self.batch
                .retire(Kind::JobQueue, &name, Some(q), deadline, self.backoff)
                .await
                .map_err(|f| f.message)?;
        }
        self.batch
            .retire(
                Kind::ComputeEnvironment,
                &ce.name,
                Some(ce.clone()),
                deadline,
                self.backoff,
            )
            .await
            .map_err(|f| f.message)
    }
}

/// The steps for `s`, as the plan names them.
fn steps(s: &Stuck, delete: bool) -> Vec<String> {
    let mut steps: Vec<String> = s
        .missing
        .iter()
        .map(|m| match m {
            Missing::NotMade { what } => format!("cannot make {what}: refused"),
            Missing::ServiceLinkedRole => format!("create {m} (the account's; never deleted)"),
            _ => format!("create {m}, tagged {RESCUE_TAG}, and wait until IAM shows it"),
        })
        .collect();
    match s.status {
        Status::Invalid => {
            steps.push("update the compute environment (its state as it is) so Batch validates it again; wait until VALID".into());
        }
        _ => steps.push("wait until Batch has finished deleting the compute environment".into()),
    }
    if delete && s.status == Status::Invalid {
        steps.push("disable and delete each job queue that uses it, then the compute environment; wait until each is gone".into());
    }
    steps.push(format!(
        "remove what rescue created once nothing uses it (what still is stays, tagged {RESCUE_TAG})"
    ));
    steps
}
