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
use ecsrole_core::{ApplyOptions, Aws, Desired, DesiredInput, Engine, Iam, PlanOptions};
use serde_json::{Value, json};

use crate::args::{Command, FleetArgs, Output};
use crate::{Cli, EXIT_DRIFT, EXIT_ERROR, EXIT_OK, EXIT_ROLE_BROKEN, diagnose, print, verify};

/// One target's result.
#[derive(Debug, Clone)]
struct Outcome {
    code: u8,
    result: Value,
    summary: String,
    error: Option<String>,
    /// How long the target took, session and every attempt included.
    elapsed: Duration,
    /// The error may go away if the target is tried again later (an overloaded backend).
    transient: bool,
    /// How many times the target was run.
    attempts: u32,
}

impl Outcome {
    fn failed(e: impl std::fmt::Display) -> Outcome {
        Outcome {
            code: EXIT_ERROR,
            result: Value::Null,
            summary: "error".into(),
            error: Some(e.to_string()),
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
/// once; `None` when its `--timeout` does not leave room for another attempt.
fn again_after(attempt: u32, left: Duration) -> Option<Duration> {
    let base = Duration::from_secs(1 << attempt.clamp(1, 4));
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let pause = base + base.mul_f64(f64::from(nanos % 1000) / 2000.0);
    (left > pause + MIN_ATTEMPT).then_some(pause)
}

/// Less than this left of a target's `--timeout` after the pause: no further attempt.
const MIN_ATTEMPT: Duration = Duration::from_secs(10);

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
    let (own, listed) = match tokio::time::timeout(bound, work).await {
        Ok(r) => r?,
        Err(_) => anyhow::bail!(base.calls.timed_out(bound)),
    };
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
            verify::options(a, bound).validate(base.partition)?;
            match &a.regions {
                Some(r) => fleet::parse_regions(r)?,
                None => vec![base_region],
            }
        }
        Command::Diagnose(a) => match &a.regions {
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
    // in the queue while its --timeout (counted from its first start) lasts. Not verify:
    // it creates resources, and its exit codes are about the role.
    let retries = !matches!(cli.command, Command::Verify(_));
    let firsts: Arc<Mutex<HashMap<Target, Instant>>> = Arc::default();
    let results = fleet::run_adaptive(
        &targets,
        &limit,
        |target, attempt| {
            let (base, desired, role) = (base.clone(), desired.clone(), c.assume_role_name.clone());
            let command = command_of(cli, bound, &desired);
            let signal = signal_rx.clone();
            let (limit, firsts, own) = (limit.clone(), firsts.clone(), own.clone());
            async move {
                let first = *firsts
                    .lock()
                    .expect("firsts lock")
                    .entry(target.clone())
                    .or_insert_with(Instant::now);
                let left = bound.saturating_sub(first.elapsed());
                let calls = Calls::reporting_to(limit);
                let session = Session {
                    base: &base,
                    role: &role,
                    calls,
                    own: &own,
                };
                let mut outcome = one(command, session, &target, desired, left, signal).await;
                outcome.elapsed = first.elapsed();
                outcome.attempts = attempt;
                let pause = again_after(attempt, bound.saturating_sub(first.elapsed()));
                match pause {
                    Some(pause) if retries && outcome.transient => {
                        tracing::info!(
                            account = target.account_id,
                            region = target.region,
                            attempt,
                            error = outcome.error.as_deref().unwrap_or_default(),
                            "trying the target again in {pause:.0?}"
                        );
                        Attempt::Again(outcome, pause)
                    }
                    _ => Attempt::Done(outcome),
                }
            }
        },
        |target, outcome, done| {
            if json {
                print(cli, &format!("{}\n", line(target, outcome)));
            } else if show_progress {
                let mut err = std::io::stderr().lock();
                let text = format!(
                    "[{done}/{total}] {} {} {}",
                    target.account_id, target.region, outcome.summary
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
    let summary = Summary::of(&results, &limit, &skipped);
    let code = summary.exit_code;
    if report.on() {
        let command = cli.command.name();
        let verify = matches!(cli.command, Command::Verify(_) | Command::Diagnose(_));
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
                    o.code,
                    &o.summary,
                    o.error.as_deref(),
                    o.elapsed,
                )
            })
            .collect();
        report.set(crate::report::fleet(command, cases));
    }
    if json {
        print(cli, &format!("{}\n", json!({ "summary": summary })));
    } else {
        print(cli, &table(&targets, &results, &summary));
    }
    Ok(code)
}

/// The per-target work, detached from `Cli` so it can move into a task.
#[derive(Debug, Clone)]
enum Work {
    Role(RoleWork),
    Verify(ecsrole_batch::VerifyOptions),
    Diagnose(ecsrole_batch::diagnose::DiagnoseOptions),
}

#[derive(Debug, Clone, Copy)]
enum RoleWork {
    Check,
    Plan(PlanOptions),
    Apply(ApplyOptions),
}

fn command_of(cli: &Cli, bound: Duration, desired: &Desired) -> Work {
    match &cli.command {
        Command::Plan(a) => Work::Role(RoleWork::Plan(a.change.plan_options())),
        Command::Apply(a) => Work::Role(RoleWork::Apply(a.options())),
        Command::Verify(a) => Work::Verify(verify::options(a, bound)),
        Command::Diagnose(a) => Work::Diagnose(diagnose::options(a, desired)),
        // Only check, plan, apply and verify have fleet options.
        _ => Work::Role(RoleWork::Check),
    }
}

/// How a target is reached: from `base`, assuming `role`, except in the caller's `own`
/// account; its calls reporting to `calls`.
struct Session<'a> {
    base: &'a Aws,
    role: &'a str,
    calls: Calls,
    own: &'a str,
}

async fn one(
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
    let engine = Engine::new(Iam::new(&aws), desired);
    match work {
        Work::Role(role_work) => {
            match tokio::time::timeout(bound, role_outcome(&engine, role_work)).await {
                Ok(Ok(o)) => o,
                Ok(Err(e)) => Outcome::failed_core(&e),
                Err(_) => Outcome::failed(aws.calls.timed_out(bound)),
            }
        }
        Work::Diagnose(opts) => {
            let diagnoser = diagnose::diagnoser(&aws);
            let work = diagnoser.diagnose(&opts);
            match tokio::time::timeout(bound, work).await {
                Ok(Ok(d)) => Outcome {
                    code: diagnose::exit_code(&d),
                    summary: if d.errors == 0 {
                        format!("no error ({} warning(s))", d.warnings)
                    } else {
                        let mut codes: Vec<&str> = vec![];
                        for (_, f) in d.findings().filter(|(_, f)| f.is_error()) {
                            if !codes.contains(&f.code.as_str()) {
                                codes.push(f.code.as_str());
                            }
                        }
                        format!("{} error(s): {}", d.errors, codes.join(", "))
                    },
                    result: json!(d),
                    error: None,
                    elapsed: Duration::ZERO,
                    transient: false,
                    attempts: 1,
                },
                Ok(Err(ecsrole_batch::Error::Core(e))) => Outcome::failed_core(&e),
                Ok(Err(e)) => Outcome::failed(e),
                Err(_) => Outcome::failed(aws.calls.timed_out(bound)),
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
            let o = verify::verifier(&aws, engine)
                .verify(&opts, &ecsrole_batch::Silent, interrupt)
                .await;
            Outcome {
                code: verify::exit_code(&o),
                summary: if o.verified {
                    format!("verified ({})", o.level.as_str())
                } else {
                    format!("not verified: {}", o.error.clone().unwrap_or_default())
                },
                error: o.error.clone(),
                result: json!(o),
                elapsed: Duration::ZERO,
                transient: false,
                attempts: 1,
            }
        }
    }
}

async fn role_outcome(engine: &Engine, work: RoleWork) -> Result<Outcome, ecsrole_core::Error> {
    Ok(match work {
        RoleWork::Check => {
            let r = engine.check().await?;
            let codes: Vec<_> = r.findings.iter().map(|f| f.code.as_str()).collect();
            Outcome {
                code: if r.compliant { EXIT_OK } else { EXIT_DRIFT },
                summary: if r.compliant {
                    "compliant".into()
                } else {
                    format!("drift: {}", codes.join(", "))
                },
                result: json!(r),
                error: None,
                elapsed: Duration::ZERO,
                transient: false,
                attempts: 1,
            }
        }
        RoleWork::Plan(opts) => {
            let p = engine.plan(opts).await?;
            Outcome {
                code: if p.actions.is_empty() {
                    EXIT_OK
                } else {
                    EXIT_DRIFT
                },
                summary: format!("{} change(s) pending", p.actions.len()),
                result: json!(p),
                error: None,
                elapsed: Duration::ZERO,
                transient: false,
                attempts: 1,
            }
        }
        RoleWork::Apply(opts) => {
            let p = engine.apply(opts).await?;
            Outcome {
                code: EXIT_OK,
                summary: format!("applied {} change(s)", p.actions.len()),
                result: json!(p),
                error: None,
                elapsed: Duration::ZERO,
                transient: false,
                attempts: 1,
            }
        }
    })
}

fn line(target: &Target, o: &Outcome) -> Value {
    json!({
        "account_id": target.account_id,
        "region": target.region,
        "exit_code": o.code,
        "result": o.result,
        "error": o.error,
    })
}

/// The count of targets per outcome, and the fleet's exit code: errors win (a target that
/// could not be decided must not hide behind another's drift), then a role shown not to
/// work, then drift.
#[derive(Debug, Clone, serde::Serialize)]
struct Summary {
    targets: usize,
    ok: usize,
    drift: usize,
    error: usize,
    role_broken: usize,
    exit_code: u8,
    /// Targets that needed more than one attempt (the backend was overloaded).
    retried: usize,
    /// The most and fewest targets the adaptive limit let run at once.
    concurrency: Concurrency,
    /// Accounts of the organisation left out as not ACTIVE.
    skipped: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    skipped_accounts: Vec<Skipped>,
}

#[derive(Debug, Clone, serde::Serialize)]
struct Skipped {
    account_id: String,
    status: String,
}

#[derive(Debug, Clone, Copy, serde::Serialize)]
struct Concurrency {
    max: usize,
    lowest: usize,
    cuts: usize,
}

impl Summary {
    fn of(results: &[Outcome], limit: &Limit, skipped: &[(String, String)]) -> Summary {
        let count = |c: u8| results.iter().filter(|o| o.code == c).count();
        let (ok, error, drift, role_broken) = (
            count(EXIT_OK),
            count(EXIT_ERROR),
            count(EXIT_DRIFT),
            count(EXIT_ROLE_BROKEN),
        );
        let exit_code = if error > 0 {
            EXIT_ERROR
        } else if role_broken > 0 {
            EXIT_ROLE_BROKEN
        } else if drift > 0 {
            EXIT_DRIFT
        } else {
            EXIT_OK
        };
        let (lowest, cuts) = limit.history();
        Summary {
            targets: results.len(),
            ok,
            drift,
            error,
            role_broken,
            exit_code,
            retried: results.iter().filter(|o| o.attempts > 1).count(),
            concurrency: Concurrency {
                max: limit.max(),
                lowest,
                cuts,
            },
            skipped: skipped.len(),
            skipped_accounts: skipped
                .iter()
                .map(|(id, status)| Skipped {
                    account_id: id.clone(),
                    status: status.clone(),
                })
                .collect(),
        }
    }
}

fn table(targets: &[Target], results: &[Outcome], s: &Summary) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(out, "{:<14}{:<16}{:<6}RESULT", "ACCOUNT", "REGION", "EXIT");
    for (t, o) in targets.iter().zip(results) {
        let detail = o
            .error
            .as_ref()
            .map_or(o.summary.clone(), |e| format!("error: {e}"));
        let _ = writeln!(
            out,
            "{:<14}{:<16}{:<6}{detail}",
            t.account_id, t.region, o.code
        );
    }
    let _ = writeln!(
        out,
        "{} target(s): {} ok, {} drift, {} error, {} role not working (exit {})",
        s.targets, s.ok, s.drift, s.error, s.role_broken, s.exit_code
    );
    if s.skipped > 0 {
        let _ = writeln!(
            out,
            "Skipped, not ACTIVE: {}",
            s.skipped_accounts
                .iter()
                .map(|k| format!("{} ({})", k.account_id, k.status))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if s.retried > 0 || s.concurrency.cuts > 0 {
        let _ = writeln!(
            out,
            "The backend was overloaded: {} target(s) tried again; at once: {} down to {} ({} cut(s))",
            s.retried, s.concurrency.max, s.concurrency.lowest, s.concurrency.cuts
        );
    }
    out
}
