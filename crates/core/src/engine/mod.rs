//! The flows: check → plan → apply, and destroy. Reads are concurrent; writes are made
//! one at a time, in dependency order, and only the ones the plan lists.
//!
//! `apply` never says done on its own word: after its writes it re-reads and re-checks
//! (waiting out IAM's propagation within a bound), and a write that fails because someone
//! else changed the same role at the same time (another run of ecsrole in the account)
//! makes it re-read and re-plan instead of failing.

use std::time::Duration;

use serde::Serialize;

use crate::desired::Desired;
use crate::error::Error;
use crate::findings::{self, Finding, Remedy, Report};
use crate::hint::Hint;
use crate::iam::Iam;
use crate::partition::Partition;
use crate::plan::{self, Action, PlanOptions, Step};
use crate::poll::{self, Backoff, Poll, PollError};
use crate::state::{Actual, ScpLevel, account_of};

mod destroy;

pub use destroy::{DestroyOutcome, DestroyPlan};

/// How many times apply reads and plans again after a concurrent change.
const MAX_ROUNDS: u32 = 4;

/// The engine for one desired state.
#[derive(Debug, Clone)]
pub struct Engine {
    iam: Iam,
    desired: Desired,
    /// The SCPs over the account, read once per run by the caller (fleet mode, from the
    /// organisation): every read's `Actual.scps`. `None`: not read.
    scps: Option<Vec<ScpLevel>>,
    /// Why the SCPs were asked for and could not be read: every read's
    /// `Actual.scps_failed`.
    scps_failed: Option<String>,
    /// Where the run went (see [`Engine::with_hint`]).
    hint: Hint,
}

/// The result of `plan` and `apply`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanOutcome {
    pub role_name: String,
    pub instance_profile_name: String,
    pub partition: Partition,
    pub account_id: Option<String>,
    /// The region the run used (IAM is global: it names where the run went).
    pub region: Option<String>,
    pub actions: Vec<Action>,
    pub applied: bool,
    /// What `check` finds (warnings included): before the plan for `plan`, after the
    /// writes (the post-condition's re-read) for `apply`.
    pub findings: Vec<Finding>,
    /// What `check` could not decide at the same read (see `Report::undecided`): the role
    /// cannot be said to be compliant, planned or applied (exit 1).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub undecided: Vec<String>,
}

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    pub plan: PlanOptions,
    /// How long the re-read after the writes may wait for IAM to show them; `None`: one
    /// re-read, no waiting.
    pub wait: Option<Duration>,
}

impl Engine {
    pub fn new(iam: Iam, desired: Desired) -> Engine {
        Engine {
            iam,
            desired,
            scps: None,
            scps_failed: None,
            hint: Hint::default(),
        }
    }

    /// Where the run went, for the commands the engine's errors name.
    pub fn with_hint(mut self, hint: Hint) -> Engine {
        self.hint = hint;
        self
    }

    /// The SCP levels over the engine's account (root first), which every read then
    /// carries in `Actual.scps`: IAM cannot tell them, so they are read once per run
    /// outside the engine ([`crate::scp`]) and handed in.
    pub fn with_scps(mut self, scps: Option<Vec<ScpLevel>>) -> Engine {
        self.scps = scps;
        self
    }

    /// The SCPs over the engine's account were asked for and could not be read, for
    /// this reason (see `Actual.scps_failed`).
    pub fn with_scps_failed(mut self, why: Option<String>) -> Engine {
        self.scps_failed = why;
        self
    }

    pub fn desired(&self) -> &Desired {
        &self.desired
    }

    /// The reads (see [`Iam::read`]): the role, its attachments and the profile
    /// concurrently, then the role's policy documents; with the SCPs handed to
    /// [`Engine::with_scps`].
    pub async fn read(&self) -> Result<Actual, Error> {
        let mut actual = self
            .iam
            .read(&self.desired.role_name, &self.desired.instance_profile_name)
            .await?;
        actual.scps.clone_from(&self.scps);
        actual.scps_failed.clone_from(&self.scps_failed);
        let unattached: Vec<String> = self
            .desired
            .policies
            .iter()
            .skip(1)
            .filter(|arn| !actual.attached_policies.contains(arn))
            .cloned()
            .collect();
        actual.missing_policies = self.iam.missing_policies(&unattached).await?;
        Ok(actual)
    }

    /// The findings, and what fixes their errors: the plan is made (not written) to say
    /// whether `apply` can, only with `--replace-trust-policy`, or not at all.
    pub async fn check(&self) -> Result<Report, Error> {
        let actual = self.read().await?;
        let mut report = findings::check(&self.desired, &actual);
        report.region = self.iam.region();
        if !report.compliant {
            let d = &self.desired;
            let replace = PlanOptions {
                replace_trust_policy: true,
                ..PlanOptions::default()
            };
            report.remedy = match plan::plan(d, &actual, PlanOptions::default()) {
                Err(Error::CannotFix { trust: true, .. }) => {
                    match plan::plan(d, &actual, replace) {
                        Err(Error::CannotFix { .. }) => Remedy::Outside,
                        _ => Remedy::ReplaceTrustPolicy,
                    }
                }
                Err(Error::CannotFix { .. }) => Remedy::Outside,
                _ => Remedy::Plan,
            };
        }
        Ok(report)
    }

    pub async fn plan(&self, opts: PlanOptions) -> Result<PlanOutcome, Error> {
        let actual = self.read().await?;
        let steps = plan::plan(&self.desired, &actual, opts)?;
        let found = findings::check(&self.desired, &actual);
        Ok(self.outcome(actual.account_id(), &steps, false, found))
    }

    fn outcome(
        &self,
        account_id: Option<String>,
        steps: &[Step],
        applied: bool,
        report: Report,
    ) -> PlanOutcome {
        PlanOutcome {
            role_name: self.desired.role_name.clone(),
            instance_profile_name: self.desired.instance_profile_name.clone(),
            partition: self.desired.partition,
            account_id,
            region: self.iam.region(),
            actions: steps.iter().map(|s| s.describe(&self.desired)).collect(),
            applied,
            findings: report.findings,
            undecided: report.undecided,
        }
    }

    /// Makes the planned writes, then proves them: re-reads until no error finding is
    /// left (within `opts.wait`) or fails with [`Error::NotConverged`]. With nothing
    /// planned it makes no write and no wait. A write refused because someone else made
    /// the same change meanwhile starts a new round: read, plan, write (bounded).
    pub async fn apply(&self, opts: ApplyOptions) -> Result<PlanOutcome, Error> {
        let mut made: Vec<Step> = vec![];
        let mut account = None;
        for round in 1..=MAX_ROUNDS {
            let actual = self.read().await?;
            account = account.or(actual.account_id());
            let steps = plan::plan(&self.desired, &actual, opts.plan)?;
            if steps.is_empty() {
                if made.is_empty() {
                    let found = findings::check(&self.desired, &actual);
                    return Ok(self.outcome(account, &[], true, found));
                }
                break;
            }
            let before = made.len();
            match self.write(&steps, &mut made, &mut account).await {
                Ok(()) => break,
                Err(e) if e.is_concurrent_change() && round < MAX_ROUNDS => {
                    tracing::info!(error = %e, round, "changed meanwhile; reading again");
                    tokio::time::sleep(Duration::from_millis(100 << round)).await;
                }
                Err(e) => return Err(incomplete("apply", made.len(), before + steps.len(), e)),
            }
        }
        let found = self.converged(opts.wait).await?;
        Ok(self.outcome(account, &made, true, found))
    }

    /// Makes `steps` in order, recording each one made in `made`.
    async fn write(
        &self,
        steps: &[Step],
        made: &mut Vec<Step>,
        account: &mut Option<String>,
    ) -> Result<(), Error> {
        let d = &self.desired;
        for step in steps {
            tracing::info!(action = step.describe(d).action, "applying");
            match step {
                Step::CreateRole { document } => {
                    let tags = d.create_tags();
                    let arn = match d.role_description {
                        Some(about) => {
                            self.iam
                                .create_described_role(
                                    &d.role_name,
                                    &d.path,
                                    document,
                                    &tags,
                                    about,
                                )
                                .await?
                        }
                        None => {
                            self.iam
                                .create_role(&d.role_name, &d.path, document, &tags)
                                .await?
                        }
                    };
                    // From nothing, the account is known from CreateRole's answer.
                    *account = account.take().or_else(|| account_of(&arn));
                }
                Step::UpdateTrustPolicy { document, .. }
                | Step::ReplaceTrustPolicy { document, .. } => {
                    self.iam.update_trust_policy(&d.role_name, document).await?;
                }
                Step::AttachRolePolicy { arn } => self.iam.attach_policy(&d.role_name, arn).await?,
                Step::CreateInstanceProfile => {
                    self.iam
                        .create_instance_profile(
                            &d.instance_profile_name,
                            &d.path,
                            &d.create_tags(),
                        )
                        .await?;
                }
                Step::RemoveRoleFromInstanceProfile { role } => {
                    self.iam
                        .remove_role_from_profile(&d.instance_profile_name, role)
                        .await?;
                }
                Step::AddRoleToInstanceProfile => {
                    self.iam
                        .add_role_to_profile(&d.instance_profile_name, &d.role_name)
                        .await?;
                }
            }
            made.push(step.clone());
        }
        Ok(())
    }

    /// The post-condition of apply: a re-read that finds no error finding. IAM is
    /// eventually consistent (a just-created profile can be invisible for seconds), so it
    /// polls, backing off, within `wait`; `None` reads once.
    async fn converged(&self, wait: Option<Duration>) -> Result<Report, Error> {
        let deadline = tokio::time::Instant::now() + wait.unwrap_or_default();
        let backoff = Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_secs(5),
        };
        let result = poll::until(deadline, backoff, || async {
            let report = self.check().await?;
            let left: Vec<String> = report
                .findings
                .iter()
                .filter(|f| f.is_error())
                .map(|f| format!("{}: {}", f.code.as_str(), f.message))
                .collect();
            Ok::<_, Error>(if left.is_empty() {
                Poll::Ready(report)
            } else {
                Poll::Pending(left.join("; "))
            })
        })
        .await;
        match result {
            Ok(found) => Ok(found),
            Err(PollError::Failed(e)) => Err(e),
            Err(PollError::TimedOut { waited, last }) => Err(Error::NotConverged {
                waited: wait.map(|_| waited),
                left: last,
                check: self.hint.with_role(&self.desired).command("check", &[]),
            }),
        }
    }
}

pub(crate) fn incomplete(command: &'static str, done: usize, total: usize, e: Error) -> Error {
    if done == 0 {
        e
    } else {
        Error::Incomplete {
            command,
            done,
            total,
            source: Box::new(e),
        }
    }
}
