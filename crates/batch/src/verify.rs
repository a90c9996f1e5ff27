//! `verify`: proves the role works with AWS Batch, step by step, and always tears down
//! what it created: on success, failure, timeout and interruption alike.
//!
//! The flow is here; the compute environment's creation (riding out IAM propagation) is in
//! `environment.rs`, the instance and job levels in `proving.rs`, and what is read when a
//! level fails (so that exit 3 rests on evidence about the role) in `evidence.rs`.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use ecsrole_core::findings;
use tokio::time::Instant;

use crate::api::CeSpec;
use crate::ec2::Network;
use crate::error::Error;
use crate::level::{Level, Step};
use crate::outcome::StepStatus;
use crate::outcome::{Failure, FailureKind, VerifyOutcome};
use crate::recorder::{Progress, Recorder};
use crate::run::{RunNames, VerifyOptions};
use crate::verifier::Verifier;

/// What a run has created so far. A compute environment's name is recorded before its
/// create is sent, so a create whose answer is lost is still torn down.
#[derive(Debug, Default)]
pub(crate) struct RunState {
    compute_environments: Mutex<Vec<String>>,
}

impl RunState {
    pub(crate) fn created(&self, name: &str) {
        self.compute_environments
            .lock()
            .expect("run state")
            .push(name.to_owned());
    }

    fn compute_environments(&self, names: &RunNames) -> Vec<String> {
        let mut all = self.compute_environments.lock().expect("run state").clone();
        if all.is_empty() {
            all.push(names.compute_environment.clone());
        }
        all
    }
}

/// What the check step found that later steps need.
pub(crate) struct Checked {
    pub(crate) profile_arn: String,
    /// When the younger of the role and the instance profile was created (or, not known,
    /// now): IAM may not have shown it to Batch yet.
    pub(crate) youngest: SystemTime,
}

impl Verifier {
    /// Runs verify: proves up to `opts.level` (bounded by `opts.timeout`, cut short by
    /// `interrupt`), then tears down everything of the run unless `opts.keep`.
    pub async fn verify(
        &self,
        opts: &VerifyOptions,
        progress: &dyn Progress,
        interrupt: impl Future<Output = String>,
    ) -> VerifyOutcome {
        let names = opts.names();
        let state = RunState::default();
        let rec = Recorder::new(progress);
        let deadline = Instant::now() + opts.timeout;
        // The waits inside end at the deadline with their own diagnosis; this outer bound
        // only catches a call that is still running then.
        let outer = deadline + Duration::from_secs(5);
        // Boxed: the flow's futures are large, and debug builds run them on small stacks.
        let prove = Box::pin(self.prove(opts, &names, &state, &rec, deadline));
        let result = tokio::select! {
            r = tokio::time::timeout_at(outer, prove) => match r {
                Ok(r) => r,
                Err(_) => Err(Failure::new(FailureKind::Error, self.batch.timed_out(opts.timeout))),
            },
            signal = interrupt => Err(Failure::new(FailureKind::Interrupted, format!("interrupted by {signal}"))),
        };
        let mut result = result;
        let created = state
            .compute_environments
            .lock()
            .expect("run state")
            .last()
            .cloned();
        if let Err(f) = &mut result
            && matches!(f.kind, FailureKind::Error | FailureKind::RoleBroken)
            && let Some(ce) = created
        {
            f.message.push_str(&self.explain(&ce, opts).await);
        }
        if let Err(f) = &result {
            let status = if f.kind == FailureKind::Interrupted {
                StepStatus::Interrupted
            } else {
                StepStatus::Failed
            };
            rec.abandon(status, &f.message);
        }
        let drift = matches!(&result, Err(f) if f.kind == FailureKind::Drift);
        // Every create of the run follows its first compute environment's, whose name is
        // recorded before it is sent: none recorded, nothing was created (an unreachable
        // endpoint, drift, a network or service role error, an interrupt before): there is
        // nothing to tear down, and no call is made to look.
        let created = !state
            .compute_environments
            .lock()
            .expect("run state")
            .is_empty();
        let leftovers = if drift || !created {
            vec![]
        } else if opts.keep {
            self.leftovers(&names).await.unwrap_or_default()
        } else {
            self.teardown(
                &names,
                &state.compute_environments(&names),
                &rec,
                Instant::now() + opts.teardown_timeout,
                opts.backoff,
                &opts.hint,
            )
            .await
        };
        let (failure, error, findings, evidence) = match result {
            Ok(()) => (None, None, vec![], None),
            Err(f) => (Some(f.kind), Some(f.message), f.findings, f.evidence),
        };
        VerifyOutcome {
            account_id: None,
            region: Some(self.region.clone()),
            verified: failure.is_none(),
            level: opts.level,
            run_id: names.run_id,
            steps: rec.into_steps(),
            leftovers,
            created,
            kept: opts.keep && created,
            failure,
            error,
            evidence,
            findings,
        }
    }

    async fn prove(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        state: &RunState,
        rec: &Recorder<'_>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let checked = rec
            .step(Step::Check, async {
                let actual = self.engine.read().await?;
                let report = findings::check(self.engine.desired(), &actual);
                if !report.compliant {
                    let codes: Vec<_> = report.findings.iter().map(|f| f.code.as_str()).collect();
                    return Err(Failure {
                        kind: FailureKind::Drift,
                        message: format!(
                            "the role is not compliant ({}): run `{}`",
                            codes.join(", "),
                            opts.hint
                                .with_role(self.engine.desired())
                                .command("plan", &[])
                        ),
                        findings: report.findings,
                        evidence: None,
                    });
                }
                let youngest = actual.youngest().unwrap_or_else(SystemTime::now);
                let arn = actual.instance_profile.map(|p| p.arn).unwrap_or_default();
                let detail = format!("compliant; instance profile {arn}");
                Ok((
                    Checked {
                        profile_arn: arn,
                        youngest,
                    },
                    detail,
                ))
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

        let tags = names.tags(&self.batch.clock());
        let spec = CeSpec {
            name: &names.compute_environment,
            instance_profile_arn: &checked.profile_arn,
            service_role_arn: &service_role,
            subnets: &network.subnets,
            security_groups: &network.security_groups,
            max_vcpus: opts.max_vcpus,
            tags: &tags,
        };
        // Boxed, as every large sub-flow: debug builds poll futures on small stacks.
        let ce =
            Box::pin(self.environment(opts, names, state, rec, deadline, spec, &checked)).await?;
        match opts.level {
            Level::Ce => Ok(()),
            Level::Instance => {
                Box::pin(self.prove_instance(opts, names, rec, deadline, &ce, &checked)).await
            }
            Level::Job => Box::pin(self.prove_job(opts, names, rec, deadline, &ce, &checked)).await,
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
}
