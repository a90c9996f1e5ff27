//! `cargo xtask bench`: ecsrole side by side with what else does the same job, in one run,
//! against moto servers on loopback. One table; the results also go to
//! `.ecsrole-state/bench/<unix time>.json` (`null` where not measured).
//!
//! - `ecsrole --version`: process start.
//! - `check` on a compliant role against its anchors: the AWS CLI script and a boto3
//!   script (`localstack/bench/`), the floor (`ecsrole-load floor`: the same four reads
//!   from one warm SDK client, the emulator's own latency) and process start, with
//!   ecsrole's time divided by each.
//! - the evaluator alone (`ecsrole-load judge`): `check`'s judgement, no I/O, of a role
//!   with ten policies of realistic size (`localstack/bench/evaluator/`), the median of
//!   three processes' medians of [`JUDGE_RUNS`]; the row FAILS above [`JUDGE_TARGET_MS`]
//!   or when a question is left undecided.
//! - `apply` from nothing against the AWS CLI script; `verify --level ce`.
//! - fleet check over 10/100/1000 accounts against `ecsrole-load fleet`: the same
//!   requests, SigV4-signed by the SDK, at the same in-flight concurrency (16 accounts,
//!   4 concurrent reads each). Each side runs on a fresh moto without managed policies
//!   (moto slows as accounts and sessions pile up, so both go through the same states)
//!   where every account got the role and its profile beforehand, untimed, so every read
//!   answers 2xx. Rates are the 2xx answers in moto's log over the process's wall time.
//! - fleet apply to 50 fresh accounts on a moto that loads the AWS managed policies into
//!   every new account (slow, as a real first touch can be), once.
//!
//! Fleet rows read ecsrole's `--output json` lines and count outcomes. A row with an
//! errored target, a target without a line, or an exit other than 0 or 2 prints
//! `FAILED (n error(s): first error)` instead of a rate, and the task fails once
//! everything is printed. Times are medians of whole processes; peak memory is the
//! process's maximum RSS from `/usr/bin/time`, `-` when it was not measured.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{emulator, json, project_root, state_dir};

mod measure;
mod setup;
mod table;

use measure::*;
use setup::*;
use table::*;

/// Runs of each single-account command (medians).
const RUNS: usize = 7;

/// Rounds of the warm-client floor (median).
const FLOOR_ROUNDS: usize = 50;

/// Judgements of the evaluator row (median), each on a fresh thread.
const JUDGE_RUNS: usize = 50;

/// The evaluator row's target: the ten policies decided in under 5 ms.
const JUDGE_TARGET_MS: f64 = 5.0;

/// Runs of each fleet check row, and of the signed load (each on a fresh moto).
const FLEET_RUNS: usize = 3;

/// How many compute environments `diagnose` is measured on.
const DIAGNOSED: usize = 100;

/// Accounts in flight: ecsrole's `--concurrency` and the load's clients.
const CLIENTS: usize = 16;

/// Accounts of the fleet apply row on the moto with managed policies.
const MANAGED_ACCOUNTS: [usize; 3] = [100, 500, 1000];

/// moto's memory per fresh account with the AWS managed policies loaded, rounded up:
/// measured 19.2 GB resident after 596 accounts (32.2 MB each), moto 5.2.5. A fleet apply
/// row whose accounts would not fit in this machine's available memory is skipped, saying
/// so, instead of running moto into the OOM killer.
const MOTO_MB_PER_MANAGED_ACCOUNT: u64 = 34;

/// The groups of rows `cargo xtask bench [GROUP...]` can run (all when none is named).
pub const GROUPS: [&str; 7] = [
    "check",
    "evaluator",
    "apply",
    "verify",
    "diagnose",
    "fleet-check",
    "fleet-apply",
];

pub fn run(only: &[&str]) -> Result<()> {
    if let Some(bad) = only.iter().find(|g| !GROUPS.contains(g)) {
        bail!(
            "unknown bench group {bad:?}: expected some of {}",
            GROUPS.join(", ")
        );
    }
    let [ecsrole, load] = crate::built_bins(true, ["ecsrole", "ecsrole-load"])?;
    let venv = ensure_awscli()?;
    fs::create_dir_all(state_dir().join("bench"))?;
    let em = emulator::ensure()?;
    let bench = Bench {
        ecsrole,
        load,
        path: format!(
            "{}:{}",
            venv.display(),
            std::env::var("PATH").unwrap_or_default()
        ),
        python: venv.join("python"),
        role: format!("bench-{}", std::process::id()),
        fleet_log: state_dir().join("bench/moto-fleet.log"),
    };
    let rows = rows(&bench, &em.url, only);
    drop(em);
    report(&rows?)
}

fn rows(b: &Bench, url: &str, only: &[&str]) -> Result<Vec<Row>> {
    let log = state_dir().join("moto.log");
    let role = b.role.as_str();
    let bash = Path::new("bash");
    let mut rows = vec![];
    let want = |group: &str| only.is_empty() || only.contains(&group);

    measure(b.ecsrole(url, &["apply", "-q", "--role-name", role]), &log)?.expect(&[0])?;
    if want("check") {
        eprintln!("xtask: bench: process start, and check against the AWS CLI, boto3, the floor");
        let [mut start, mut check, mut cli, mut boto3] = <[Series; 4]>::default();
        for _ in 0..RUNS {
            start.push(&measure(b.ecsrole(url, &["--version"]), &log)?.expect(&[0])?);
            let run = measure(b.ecsrole(url, &["check", "-q", "--role-name", role]), &log)?;
            check.push(&run.expect(&[0])?);
            cli.push(&measure(b.script(url, bash, "check.sh", role), &log)?.expect(&[0])?);
            let run = measure(b.script(url, &b.python, "check.py", role), &log)?;
            boto3.push(&run.expect(&[0])?);
        }
        let rounds = FLOOR_ROUNDS.to_string();
        let floor = measure(b.load(url, "floor", &["--runs", &rounds]), &log)?.expect(&[0])?;
        let (line, failure) = Bench::load_result(&floor)?;
        if let Some(f) = failure {
            bail!("the warm-client floor: {f}");
        }
        let floor_ms: f64 = json::field(&line, "median_ms")
            .context("no median_ms from the floor")?
            .parse()?;
        rows.push(Row {
            note: "process start".into(),
            ..Row::new("ecsrole --version", &start)
        });
        rows.push(Row {
            anchors: vec![
                ("AWS CLI script".into(), cli.ms()),
                ("boto3 script".into(), boto3.ms()),
                ("warm client, 4 reads (floor)".into(), floor_ms),
                ("process start".into(), start.ms()),
                // What check cannot go below: starting a process, then the four reads a
                // Warm client makes (the goal is within 1.5x of it).
                ("process start + floor".into(), start.ms() + floor_ms),
            ],
            note: format!(
                "calls: AWS CLI {}, boto3 {}",
                cli.requests.all, boto3.requests.all
            ),
            ..Row::new("check (compliant)", &check)
        });
    }

    if want("evaluator") {
        eprintln!("xtask: bench: the evaluator alone, ten policies");
        let dir = project_root().join("localstack/bench/evaluator");
        let dir = dir.to_string_lossy();
        let runs = JUDGE_RUNS.to_string();
        // Three processes (this machine's noise moves whole processes): their median.
        let mut medians = vec![];
        let mut line = String::new();
        for _ in 0..3 {
            let run = measure(
                b.load(url, "judge", &["--dir", &dir, "--runs", &runs]),
                &log,
            )?
            .expect(&[0])?;
            line = last_line(&run.stdout).to_owned();
            let ms: f64 = json::field(&line, "median_ms")
                .context("no median_ms from the judgement")?
                .parse()?;
            medians.push(ms);
        }
        medians.sort_by(f64::total_cmp);
        let (ms, line) = (medians[1], line.as_str());
        let count = |k: &str| -> Result<usize> {
            json::field(line, k)
                .with_context(|| format!("no {k} from the judgement"))?
                .parse()
                .with_context(|| format!("{k} in {line:?}"))
        };
        let (decided, undecided) = (count("finding_count")?, count("undecided_count")?);
        rows.push(Row {
            name: "evaluator: check's judgement of 10 policies".into(),
            ms,
            anchors: vec![("target".into(), JUDGE_TARGET_MS)],
            failed: (ms >= JUDGE_TARGET_MS || undecided > 0).then(|| {
                format!(
                    "FAILED ({ms:.2} ms, {undecided} question(s) undecided; the target is \
                     under {JUDGE_TARGET_MS} ms, all decided)"
                )
            }),
            note: format!(
                "{decided} finding(s), {undecided} undecided; median of 3 processes' medians of \
                 {JUDGE_RUNS}, no I/O"
            ),
            ..Row::default()
        });
    }

    if want("apply") {
        eprintln!("xtask: bench: apply from nothing");
        let [mut mine, mut theirs] = <[Series; 2]>::default();
        for i in 0..RUNS {
            let (me, them) = (format!("{role}-a{i}"), format!("{role}-c{i}"));
            let run = measure(b.ecsrole(url, &["apply", "-q", "--role-name", &me]), &log)?;
            mine.push(&run.expect(&[0])?);
            theirs.push(&measure(b.script(url, bash, "apply.sh", &them), &log)?.expect(&[0])?);
            for r in [&me, &them] {
                measure(b.ecsrole(url, &["destroy", "-q", "--role-name", r]), &log)?
                    .expect(&[0])?;
            }
        }
        rows.push(Row {
            anchors: vec![("AWS CLI script".into(), theirs.ms())],
            note: format!(
                "calls: AWS CLI {}, which does not wait",
                theirs.requests.all
            ),
            ..Row::new("apply from nothing", &mine)
        });
    }

    if want("verify") {
        eprintln!("xtask: bench: verify --level ce");
        let mut verify = Series::default();
        for _ in 0..RUNS {
            let args = ["verify", "-q", "--level", "ce", "--role-name", role];
            verify.push(&measure(b.ecsrole(url, &args), &log)?.expect(&[0])?);
        }
        rows.push(Row::new("verify --level ce", &verify));
    }
    measure(
        b.ecsrole(url, &["destroy", "-q", "--role-name", role]),
        &log,
    )?
    .expect(&[0])?;

    if want("diagnose") {
        let n = DIAGNOSED;
        eprintln!("xtask: bench: diagnose over {n} compute environments, and a boto3 script");
        let (mine, theirs) = b.on_fresh_moto(false, |url| {
            let count = n.to_string();
            let setup = b.script(url, &b.python, "diagnose_setup.py", role);
            let mut setup = setup;
            setup.arg(&count);
            measure(setup, &b.fleet_log)?.expect(&[0])?;
            let [mut mine, mut theirs] = <[Series; 2]>::default();
            for _ in 0..RUNS {
                // Exit 2: the roles lack the ECS policy (this moto loads no managed policy).
                let run = measure(b.ecsrole(url, &["diagnose", "-q"]), &b.fleet_log)?;
                mine.push(&run.expect(&[2])?);
                let run = measure(b.script(url, &b.python, "diagnose.py", ""), &b.fleet_log)?;
                theirs.push(&run.expect(&[0])?);
            }
            Ok((mine, theirs))
        })?;
        rows.push(Row {
            anchors: vec![(
                "boto3 script, one environment after another".into(),
                theirs.ms(),
            )],
            note: format!("calls: boto3 {}", theirs.requests.all),
            ..Row::new(format!("diagnose, {n} compute environments"), &mine)
        });
    }

    let clients = CLIENTS.to_string();
    let accounts_file = |first: u64, n: usize| -> Result<(String, PathBuf)> {
        let file = state_dir().join(format!("bench/accounts-{n}.txt"));
        let ids: String = (first..first + n as u64)
            .map(|i| format!("{i:012}\n"))
            .collect();
        fs::write(&file, ids)?;
        Ok((format!("{first}..{}", first + n as u64), file))
    };
    for n in [10usize, 100, 1000]
        .into_iter()
        .filter(|_| want("fleet-check"))
    {
        eprintln!("xtask: bench: fleet check over {n} accounts, and the signed load");
        let (range, file) = accounts_file(200_000_000_000, n)?;
        let [mut mine, mut theirs] = <[Series; 2]>::default();
        let (mut my_rates, mut load_rates, mut outcomes) = (vec![], vec![], Outcomes::default());
        let mut load_failure = None;
        for _ in 0..FLEET_RUNS {
            let run = b.on_fresh_moto(false, |url| {
                b.setup(url, &range)?;
                let args = ["--accounts", range.as_str(), "--clients", &clients];
                measure(b.load(url, "fleet", &args), &b.fleet_log)?.expect(&[0])
            })?;
            load_failure = load_failure.or(Bench::load_result(&run)?.1);
            load_rates.push(run.ok_per_second());
            theirs.push(&run);
            let run = b.on_fresh_moto(false, |url| {
                b.setup(url, &range)?;
                b.fleet(url, "check", &file)
            })?;
            outcomes.add(&run, n);
            my_rates.push(run.ok_per_second());
            mine.push(&run);
        }
        rows.push(Row {
            anchors: vec![("signed load, 16x3 in flight".into(), theirs.ms())],
            rates: Some((median(my_rates), median(load_rates))),
            failed: outcomes.failure().or(load_failure),
            outcomes: Some(outcomes),
            ..Row::new(format!("fleet check, {n} accounts"), &mine)
        });
    }

    for n in MANAGED_ACCOUNTS.into_iter().filter(|_| want("fleet-apply")) {
        let name = format!("fleet apply, {n} fresh accounts, managed policies");
        let need_mb = n as u64 * MOTO_MB_PER_MANAGED_ACCOUNT + 1024;
        if let Some(have_mb) = available_mb().filter(|have| *have < need_mb) {
            rows.push(Row {
                skipped: true,
                note: format!(
                    "SKIPPED: moto needs about {:.1} GB for {n} accounts with the managed policies \
                     ({MOTO_MB_PER_MANAGED_ACCOUNT} MB each, measured), and this machine has \
                     {:.1} GB available",
                    need_mb as f64 / 1024.0,
                    have_mb as f64 / 1024.0
                ),
                ..Row::new(name, &Series::default())
            });
            continue;
        }
        eprintln!(
            "xtask: bench: fleet apply to {n} fresh accounts on a moto with managed policies"
        );
        let (_, file) = accounts_file(300_000_000_000, n)?;
        let (run, moto_cpu) = b.on_fresh_moto_cpu(true, |url, pid| {
            let before = cpu_seconds(pid);
            let run = b.fleet(url, "apply", &file)?;
            Ok((run, cpu_seconds(pid).zip(before).map(|(a, b)| a - b)))
        })?;
        let mut outcomes = Outcomes::default();
        outcomes.add(&run, n);
        let mut series = Series::default();
        series.push(&run);
        let per = |s: Option<f64>| opt(s, |s| format!("{:.1} ms", s * 1000.0 / n as f64), "?");
        let share = run.cpu_s.zip(moto_cpu).map_or("?".to_owned(), |(me, it)| {
            format!("{:.1}%", 100.0 * me / (me + it))
        });
        let summary = json::field(last_line(&run.stdout), "summary").unwrap_or_default();
        rows.push(Row {
            failed: outcomes.failure(),
            outcomes: Some(outcomes),
            note: format!(
                "CPU per account: ecsrole {}, moto {} (ecsrole's share {share}); {} of the calls answered 2xx; {summary}",
                per(run.cpu_s),
                per(moto_cpu),
                run.requests.ok
            ),
            ..Row::new(name, &series)
        });
    }
    Ok(rows)
}
