//! Fleet mode: `check`, `plan`, `apply`, `verify` and `diagnose` across accounts (and,
//! for verify and diagnose, regions). One JSON line per target with `--output json`, then a `{"summary": ...}`
//! line; a live progress line and a summary table in human mode. The exit code: 1 if any
//! target errored, else 3 if any role was shown not to work, else 2 on any drift, else 0.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ecsrole_core::aws::Calls;
use ecsrole_core::concurrent::{Attempt, Limit};
use ecsrole_core::fleet::{self, Target};
use ecsrole_core::org::{self, OrgSelection, Organizations};
use ecsrole_core::scp::Scps;
use ecsrole_core::{Aws, Desired, DesiredInput};
use serde_json::json;

use crate::args::{Command, FleetArgs, Output};

mod summary;
mod work;

use crate::{Cli, print, verify};
use summary::{Summary, line, table};
use work::{Session, again_after, command_of, one};

/// The organisation's accounts asked for (`--organization`, `--ou`, `--exclude-account`),
/// validated: fleet mode is on when this or [`accounts`] is non-empty.
pub fn org_selection(c: &FleetArgs) -> anyhow::Result<OrgSelection> {
    let sel = OrgSelection {
        organization: c.organization,
        ous: c.ous.clone(),
        exclude: c.exclude_accounts.clone(),
    };
    sel.validate()?;
    Ok(sel)
}

/// The accounts given, if any: fleet mode is on when this is non-empty.
pub fn accounts(c: &FleetArgs) -> anyhow::Result<Vec<String>> {
    let file = match &c.accounts_file {
        Some(path) => Some((
            path.display().to_string(),
            std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!("cannot read accounts file {}: {e}", path.display())
            })?,
        )),
        None => None,
    };
    Ok(fleet::parse_accounts(
        &c.accounts,
        file.as_ref().map(|(p, t)| (p.as_str(), t.as_str())),
    )?)
}

/// The targets' accounts: the ones given, then the organisation's asked for, without
/// duplicates or excluded ones; and the accounts skipped as not ACTIVE. The caller's own
/// account (its credentials are used there, not an assumed role). Bounded by `bound`.
async fn resolve(
    base: &Aws,
    given: Vec<String>,
    sel: &OrgSelection,
    bound: Duration,
) -> anyhow::Result<(Vec<String>, Vec<(String, String)>, String)> {
    let work = async {
        let own = org::caller_account(base).await?;
        let listed = if sel.is_empty() {
            org::Listed::default()
        } else {
            Organizations::new(base).select(sel).await?
        };
        Ok::<_, ecsrole_core::Error>((own, listed))
    };
    let (own, listed) = crate::within(base, bound, work)
        .await
        .map_err(crate::CommandTimedOut)??;
    let mut accounts: Vec<String> = vec![];
    for a in given.into_iter().chain(listed.accounts) {
        if !sel.exclude.contains(&a) && !accounts.contains(&a) {
            accounts.push(a);
        }
    }
    if accounts.is_empty() {
        anyhow::bail!(
            "no account to run in: the selection gave none that is ACTIVE and not excluded ({} skipped as not ACTIVE, {} excluded)",
            listed.skipped.len(),
            listed.excluded
        );
    }
    Ok((accounts, listed.skipped, own))
}

pub async fn run(
    cli: &Cli,
    base: &Aws,
    (given, sel): (Vec<String>, OrgSelection),
    input: DesiredInput,
    bound: Duration,
    report: &mut crate::report::Reporter,
) -> anyhow::Result<u8> {
    let c = cli
        .command
        .fleet()
        .expect("fleet mode is only entered by commands with fleet options");
    let base_region = base
        .config
        .region()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string());
    // IAM is global: only verify runs per region.
    let regions = match &cli.command {
        Command::Verify(a) => {
            verify::options(cli, a, bound).validate(base.partition)?;
            match &a.regions {
                Some(r) => fleet::parse_regions(r)?,
                None => vec![base_region],
            }
        }
        Command::Diagnose(a) => match &a.regions {
            Some(r) => fleet::parse_regions(r)?,
            None => vec![base_region],
        },
        Command::Rescue(a) => match &a.regions {
            Some(r) => fleet::parse_regions(r)?,
            None => vec![base_region],
        },
        _ => vec![base_region],
    };
    ecsrole_core::names::validate_role_name(&c.assume_role_name)
        .map_err(|e| ecsrole_core::InputError::new("assume-role name", e.value, e.expected))?;
    let desired = Desired::new(input, base.partition)?;
    let (accounts, skipped, own) = resolve(base, given, &sel, bound).await?;
    if !skipped.is_empty() {
        tracing::warn!(
            "skipped (not ACTIVE): {}",
            skipped
                .iter()
                .map(|(id, state)| format!("{id} {state}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let scps = scps(base, &accounts, bound).await;
    let targets: Vec<Target> = accounts
        .iter()
        .flat_map(|a| {
            regions.iter().map(|r| Target {
                account_id: a.clone(),
                region: r.clone(),
            })
        })
        .collect();

    // One signal listener for all targets: each verify run tears down on it.
    let (signal_tx, signal_rx) = tokio::sync::watch::channel(None::<String>);
    if matches!(cli.command, Command::Verify(_)) {
        tokio::spawn(async move {
            let s = verify::interrupted().await;
            let _ = signal_tx.send(Some(s));
        });
    }

    let json = crate::format(cli) == Output::Json;
    let show_progress = !json && !cli.command.out().is_some_and(|o| o.quiet);
    let tty = std::io::stderr().is_terminal();
    let total = targets.len();
    let limit = Arc::new(Limit::new(usize::from(c.concurrency)));
    // Fleet mode's one retry rule: a target that failed on an overloaded backend goes back
    // in the queue while its --timeout lasts. The --timeout counts the target's own time
    // (its attempts and the pauses between them), not the time it waited for a slot under
    // the adaptive limit: on a slow backend the limit may fall to 1, and a put-back target
    // must not spend its bound queueing. Not verify: it creates resources, and its exit
    // codes are about the role.
    let retries = !matches!(cli.command, Command::Verify(_));
    // The run as a whole ends within --timeout for each wave of --concurrency targets: when
    // the adaptive limit has fallen (a throttling backend), the targets not started by then
    // are not run, each saying so; the ones running end by it (verify's run to its own
    // bound and teardown: what it created must go).
    let waves = u32::try_from(targets.len().div_ceil(usize::from(c.concurrency).max(1)))
        .unwrap_or(u32::MAX)
        .max(1);
    let overall = bound.saturating_mul(waves);
    let deadline = Instant::now() + overall;
    let concurrency = c.concurrency;
    let spent: Arc<Mutex<HashMap<Target, Duration>>> = Arc::default();
    let results = fleet::run_adaptive(
        &targets,
        &limit,
        |target, attempt| {
            let (base, desired, role) = (base.clone(), desired.clone(), c.assume_role_name.clone());
            let command = command_of(cli, bound, &desired);
            let signal = signal_rx.clone();
            let (limit, spent, own) = (limit.clone(), spent.clone(), own.clone());
            let scps_failed = scps.as_ref().and_then(Scps::failed);
            let scps = scps.as_ref().and_then(|s| s.of(&target.account_id));
            async move {
                let before = spent
                    .lock()
                    .expect("spent lock")
                    .get(&target)
                    .copied()
                    .unwrap_or_default();
                let started = Instant::now();
                let to_deadline = deadline.saturating_duration_since(started);
                if to_deadline.is_zero() {
                    let mut outcome = work::Outcome::failed(format!(
                        "not run: the fleet run's bound of {}s (--timeout {}s for each of {waves} wave(s) of --concurrency {concurrency} targets) was spent before this target could start",
                        overall.as_secs(),
                        bound.as_secs()
                    ));
                    outcome.attempts = attempt;
                    return Attempt::Done(outcome);
                }
                let calls = Calls::reporting_to(limit);
                let per_call = ecsrole_core::aws::CALL_TIMEOUT;
                calls.set_bound(
                    bound.min(per_call),
                    if bound <= per_call {
                        "--timeout"
                    } else {
                        "the per-call bound"
                    },
                );
                let session = Session {
                    base: &base,
                    role: &role,
                    calls,
                    own: &own,
                    scps,
                    scps_failed,
                };
                let left = bound.saturating_sub(before);
                let left = if retries { left.min(to_deadline) } else { left };
                let mut outcome = one(command, session, &target, desired, left, signal).await;
                let used = before + started.elapsed();
                outcome.elapsed = used;
                outcome.attempts = attempt;
                let pause = again_after(
                    attempt,
                    bound
                        .saturating_sub(used)
                        .min(deadline.saturating_duration_since(Instant::now())),
                );
                let (attempt_again, used) = match pause {
                    Some(pause) if retries && outcome.transient => {
                        tracing::info!(
                            account = target.account_id,
                            region = target.region,
                            attempt,
                            error = outcome.error.as_deref().unwrap_or_default(),
                            "trying the target again in {pause:.0?}"
                        );
                        (Some(pause), used + pause)
                    }
                    _ => (None, used),
                };
                spent.lock().expect("spent lock").insert(target, used);
                match attempt_again {
                    Some(pause) => Attempt::Again(outcome, pause),
                    None => Attempt::Done(outcome),
                }
            }
        },
        // A target whose run panics is that target's error: the others run on, and the
        // summary and report still come.
        |_, why| {
            work::Outcome::failed(format!(
                "ecsrole's run for this target {why} (a bug in ecsrole: please report it; a verify run may have left resources in that account and region, which `ecsrole cleanup` takes once their lease ends)"
            ))
        },
        |target, outcome, done| {
            if json {
                let doc = crate::render::document_value(&line(target, outcome));
                print(cli, &format!("{doc}\n"));
            } else if show_progress {
                let mut err = std::io::stderr().lock();
                let text = format!(
                    "[{done}/{total}] {} {} {}",
                    target.account_id, target.region, outcome.ran.summary
                );
                let _ = if tty {
                    write!(err, "\r\x1b[2K{text}")
                } else {
                    writeln!(err, "{text}")
                };
                let _ = err.flush();
            }
        },
    )
    .await;
    if show_progress && tty {
        eprintln!();
    }
    report.ci.fleet = true;
    report.ci.partition = Some(base.partition.to_string());
    for (t, o) in targets.iter().zip(&results) {
        report.ci.push(crate::ci::Target {
            error: o.error.clone(),
            ..crate::ci::Target::of(Some(t.account_id.clone()), Some(t.region.clone()), &o.ran)
        });
    }
    let summary = Summary::of(&results, &limit, &skipped);
    let code = summary.exit_code;
    if report.on() {
        let command = cli.command.name();
        let verify = matches!(
            cli.command,
            Command::Verify(_) | Command::Diagnose(_) | Command::Rescue(_)
        );
        let cases = targets
            .iter()
            .zip(&results)
            .map(|(t, o)| {
                let name = if verify {
                    format!("{}/{}", t.account_id, t.region)
                } else {
                    t.account_id.clone()
                };
                crate::report::target(
                    command,
                    name,
                    o.ran.code,
                    &o.ran.summary,
                    o.error.as_deref(),
                    o.elapsed,
                )
            })
            .collect();
        report.set(crate::report::fleet(command, cases));
    }
    let not_evaluated = scps.as_ref().map(Scps::not_evaluated);
    if json {
        let mut last = json!({ "summary": summary });
        if let Some(n) = &not_evaluated {
            last["not_evaluated"] = json!(n);
        }
        let last = crate::render::document_value(&last);
        print(cli, &format!("{last}\n"));
    } else {
        print(cli, &table(&targets, &results, &summary));
        if let Some(n) = &not_evaluated {
            crate::note(cli, n);
        }
    }
    Ok(code)
}

/// The SCPs over the targets' accounts, read once for the whole run (bounded by
/// `bound`): every command that judges a role reads them (diagnose judges the roles of
/// its compute environments as check does).
async fn scps(base: &Aws, accounts: &[String], bound: Duration) -> Option<Scps> {
    let org = Organizations::new(base);
    Some(
        crate::within(base, bound, org.scps(accounts))
            .await
            .unwrap_or_else(|timed_out| Scps::Failed {
                why: format!("reading them {timed_out}"),
            }),
    )
}
