//! What one target runs, once per attempt: its session (an assumed role, or the caller's
//! own credentials in its own account), the command, and the outcome, with whether trying
//! again later may help.

use std::time::Duration;

use ecsrole_core::aws::Calls;
use ecsrole_core::fleet::{self, Target};
use ecsrole_core::{ApplyOptions, Aws, Desired, Engine, Iam, PlanOptions};

use crate::args::Command;
use crate::ci::Ran;
use crate::{Cli, EXIT_ERROR, diagnose, verify};

/// One target's result.
#[derive(Debug, Clone)]
pub(super) struct Outcome {
    /// What every output takes from the command's result.
    pub(super) ran: Ran,
    pub(super) error: Option<String>,
    /// The target's own time, counted against `--timeout`: its attempts (session
    /// included) and the pauses between them, not the time it waited for a slot.
    pub(super) elapsed: Duration,
    /// The error may go away if the target is tried again later (an overloaded backend).
    pub(super) transient: bool,
    /// How many times the target was run.
    pub(super) attempts: u32,
}

impl Outcome {
    pub(super) fn failed(e: impl std::fmt::Display) -> Outcome {
        Outcome {
            ran: Ran {
                code: EXIT_ERROR,
                summary: "error".into(),
                ..Ran::default()
            },
            error: Some(e.to_string()),
            elapsed: Duration::ZERO,
            transient: false,
            attempts: 1,
        }
    }

    /// A command's result.
    fn of(result: &impl crate::outcome::Outcome) -> Outcome {
        let ran = crate::outcome::ran(result);
        Outcome {
            ran,
            error: None,
            elapsed: Duration::ZERO,
            transient: false,
            attempts: 1,
        }
    }

    fn failed_core(e: &ecsrole_core::Error) -> Outcome {
        Outcome {
            transient: e.is_transient(),
            ..Outcome::failed(e)
        }
    }
}

/// When a target that failed on an overloaded backend is tried again: 2, 4, 8, then 16 s
/// after, each spread by up to half again so that the put-back targets do not return at
/// once; `None` after [`MAX_ATTEMPTS`], or when its `--timeout` does not leave room for
/// another attempt.
pub(super) fn again_after(attempt: u32, left: Duration) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let base = Duration::from_secs(1 << attempt.clamp(1, 4));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let pause = base + base.mul_f64(f64::from(nanos % 1000) / 2000.0);
    (left > pause + MIN_ATTEMPT).then_some(pause)
}

/// Less than this left of a target's `--timeout` after the pause: no further attempt.
const MIN_ATTEMPT: Duration = Duration::from_secs(10);

/// A target runs at most this many times (the pauses before its last: 2, 4, 8, 16 s).
const MAX_ATTEMPTS: u32 = 5;

/// The per-target work, detached from `Cli` so it can move into a task.
#[derive(Debug, Clone)]
pub(super) enum Work {
    Role(RoleWork),
    Verify(ecsrole_batch::VerifyOptions),
    Diagnose(ecsrole_batch::diagnose::DiagnoseOptions),
    Rescue(ecsrole_batch::rescue::RescueOptions),
}

#[derive(Debug, Clone, Copy)]
pub(super) enum RoleWork {
    Check,
    Plan(PlanOptions),
    Apply(ApplyOptions),
}

pub(super) fn command_of(cli: &Cli, bound: Duration, desired: &Desired) -> Work {
    match &cli.command {
        Command::Plan(a) => Work::Role(RoleWork::Plan(a.change.plan_options())),
        Command::Apply(a) => Work::Role(RoleWork::Apply(a.options())),
        Command::Verify(a) => Work::Verify(verify::options(cli, a, bound)),
        Command::Diagnose(a) => Work::Diagnose(diagnose::options(cli, a, desired)),
        Command::Rescue(a) => Work::Rescue(crate::rescue::options(cli, a, desired, bound)),
        // Only check, plan, apply, verify, diagnose and rescue have fleet options.
        _ => Work::Role(RoleWork::Check),
    }
}

/// How a target is reached: from `base`, assuming `role`, except in the caller's `own`
/// account; its calls reporting to `calls`.
pub(super) struct Session<'a> {
    pub(super) base: &'a Aws,
    pub(super) role: &'a str,
    pub(super) calls: Calls,
    pub(super) own: &'a str,
    /// The SCP levels over the target's account, as the run read them (`None`: not read).
    pub(super) scps: Option<Vec<ecsrole_core::state::ScpLevel>>,
    /// Why the run's SCP read failed, when it did.
    pub(super) scps_failed: Option<String>,
}

pub(super) async fn one(
    work: Work,
    s: Session<'_>,
    target: &Target,
    desired: Desired,
    bound: Duration,
    mut signal: tokio::sync::watch::Receiver<Option<String>>,
) -> Outcome {
    let aws = match fleet::assume(s.base, target, s.role, s.calls, Some(s.own)).await {
        Ok(aws) => aws,
        Err(e) => return Outcome::failed(e),
    };
    let engine = Engine::new(Iam::new(&aws), desired)
        .with_scps(s.scps.clone())
        .with_scps_failed(s.scps_failed.clone());
    match work {
        Work::Role(role_work) => {
            match crate::within(&aws, bound, role_outcome(&engine, role_work)).await {
                Ok(Ok(o)) => o,
                Ok(Err(e)) => Outcome::failed_core(&e),
                Err(timed_out) => Outcome::failed(timed_out),
            }
        }
        Work::Diagnose(mut opts) => {
            opts.scps = s.scps;
            opts.scps_failed = s.scps_failed;
            let diagnoser = diagnose::diagnoser(&aws);
            let work = diagnoser.diagnose(&opts);
            match crate::within(&aws, bound, work).await {
                Ok(Ok(mut d)) => {
                    d.account_id = Some(target.account_id.clone());
                    Outcome::of(&d)
                }
                Ok(Err(ecsrole_batch::Error::Core(e))) => Outcome::failed_core(&e),
                Ok(Err(e)) => Outcome::failed(e),
                Err(timed_out) => Outcome::failed(timed_out),
            }
        }
        Work::Rescue(opts) => {
            let rescuer = ecsrole_batch::rescue::Rescuer::new(&aws);
            match crate::within(&aws, bound, rescuer.rescue(&opts)).await {
                Ok(Ok(mut o)) => {
                    o.account_id = Some(target.account_id.clone());
                    Outcome::of(&o)
                }
                Ok(Err(ecsrole_batch::Error::Core(e))) => Outcome::failed_core(&e),
                Ok(Err(e)) => Outcome::failed(e),
                Err(timed_out) => Outcome::failed(timed_out),
            }
        }
        Work::Verify(opts) => {
            let interrupt = async move {
                loop {
                    if let Some(s) = signal.borrow().clone() {
                        return s;
                    }
                    if signal.changed().await.is_err() {
                        std::future::pending::<()>().await;
                    }
                }
            };
            let mut o = verify::verifier(&aws, engine)
                .verify(&opts, &ecsrole_batch::Silent, interrupt)
                .await;
            o.account_id = Some(target.account_id.clone());
            Outcome {
                error: o.error.clone(),
                ..Outcome::of(&o)
            }
        }
    }
}

async fn role_outcome(engine: &Engine, work: RoleWork) -> Result<Outcome, ecsrole_core::Error> {
    Ok(match work {
        RoleWork::Check => Outcome::of(&engine.check().await?),
        RoleWork::Plan(opts) => Outcome::of(&engine.plan(opts).await?),
        RoleWork::Apply(opts) => Outcome::of(&engine.apply(opts).await?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_target_is_tried_again_while_attempts_and_its_timeout_last() {
        let plenty = Duration::from_secs(120);
        let pauses: Vec<_> = (1..=5).map(|a| again_after(a, plenty)).collect();
        for (pause, base) in pauses.iter().zip([2, 4, 8, 16]) {
            let pause = pause.expect("room for another attempt");
            assert!(
                pause >= Duration::from_secs(base) && pause <= Duration::from_secs(base) * 3 / 2
            );
        }
        assert_eq!(pauses[4], None, "at most {MAX_ATTEMPTS} attempts");
        // No room: the pause plus the shortest attempt do not fit in what is left.
        assert_eq!(again_after(1, Duration::from_secs(12)), None);
        assert!(again_after(1, Duration::from_secs(14)).is_some());
    }
}
