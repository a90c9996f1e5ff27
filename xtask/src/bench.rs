//! `cargo xtask bench`: ecsrole side by side with the AWS CLI against one moto server, in
//! one run. Wall times (median of several runs), peak memory of the ecsrole process
//! (`/usr/bin/time`), and API calls as the emulator logged them. Results also go to
//! `.ecsrole-state/bench/<unix time>.json` for comparison with later runs.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{emulator, project_root, state_dir};

const RUNS: usize = 7;
/// Concurrent clients of the emulator-ceiling load, and ecsrole's fleet --concurrency.
const CLIENTS: usize = 16;

/// One measured command: wall time and peak RSS (kB) of one run.
fn measure(mut cmd: Command) -> Result<(Duration, Option<u64>)> {
    let time = Path::new("/usr/bin/time");
    let rss_file = state_dir().join("bench/rss.txt");
    let mut cmd = if time.exists() {
        let mut wrapped = Command::new(time);
        wrapped
            .args(["-f", "%M", "-o"])
            .arg(&rss_file)
            .arg(cmd.get_program())
            .args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => wrapped.env(k, v),
                None => wrapped.env_remove(k),
            };
        }
        wrapped
    } else {
        std::mem::replace(&mut cmd, Command::new("true"))
    };
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let start = Instant::now();
    let status = cmd.status()?;
    let wall = start.elapsed();
    if !status.success() && status.code() != Some(2) {
        bail!("{cmd:?} failed: {status}");
    }
    let rss = fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.trim().lines().last()?.parse().ok());
    Ok((wall, rss))
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn log_lines(log: &Path) -> usize {
    fs::read_to_string(log)
        .map(|s| s.lines().count())
        .unwrap_or(0)
}

struct Row {
    name: String,
    ecsrole_ms: f64,
    other_ms: Option<f64>,
    peak_kb: Option<u64>,
    calls: usize,
    note: String,
}

/// The three reads `check` makes, as query bodies.
fn check_reads(role: &str) -> [String; 3] {
    [
        format!("Action=GetRole&RoleName={role}&Version=2010-05-08"),
        format!("Action=ListAttachedRolePolicies&RoleName={role}&Version=2010-05-08"),
        format!("Action=GetInstanceProfile&InstanceProfileName={role}&Version=2010-05-08"),
    ]
}

/// One raw request to moto (which does not check signatures, only reads the access key
/// from the credential scope); the response when it answered at all. moto closes every
/// connection, so each request connects anew, as the SDK's do.
fn raw(addr: &str, service: &str, key: &str, body: &str) -> Option<String> {
    let request = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(addr).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    s.write_all(request.as_bytes()).ok()?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).ok()?;
    out.starts_with(b"HTTP/1.")
        .then(|| String::from_utf8_lossy(&out).into_owned())
}

/// Runs `round` back to back on `threads` threads for `secs` seconds; each round returns
/// how many requests were answered. Requests per second.
fn saturate(threads: usize, secs: u64, round: impl Fn() -> usize + Sync) -> f64 {
    let stop = AtomicBool::new(false);
    let served = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    served.fetch_add(round(), Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs(secs));
        stop.store(true, Ordering::Relaxed);
    });
    served.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// The emulator's throughput under a saturating load of the three reads `check` makes,
/// in one account. Requests per second.
fn ceiling(url: &str, role: &str, threads: usize, secs: u64) -> f64 {
    let addr = url.trim_start_matches("http://");
    let reads = check_reads(role);
    saturate(threads, secs, || {
        reads
            .iter()
            .filter(|body| raw(addr, "iam", "testing", body).is_some())
            .count()
    })
}

/// The emulator's throughput under a saturating load of the fleet's own shape: each round
/// takes the next fresh account (from `first_account` up), assumes a role there through
/// STS, then sends the three check reads with the session's key. New accounts cost moto
/// work that reads in one account do not, so this, not `ceiling`, is what a fleet run is
/// compared with. Requests per second.
fn fleet_ceiling(url: &str, role: &str, threads: usize, secs: u64, first_account: u64) -> f64 {
    let addr = url.trim_start_matches("http://");
    let reads = check_reads(role);
    let next = AtomicU64::new(first_account);
    saturate(threads, secs, || {
        let account = next.fetch_add(1, Ordering::Relaxed);
        let Some(answer) = raw(
            addr,
            "sts",
            "testing",
            &format!(
                "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A{account:012}%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=ecsrole&Version=2011-06-15"
            ),
        ) else {
            return 0;
        };
        let Some(key) = answer
            .split("<AccessKeyId>")
            .nth(1)
            .and_then(|k| k.split('<').next())
        else {
            return 1;
        };
        1 + reads
            .iter()
            .filter(|body| raw(addr, "iam", key, body).is_some())
            .count()
    })
}

fn ensure_awscli() -> Result<PathBuf> {
    crate::venv::ensure(
        "venv-awscli",
        "localstack/requirements-awscli.txt",
        &crate::venv::default_python(),
        "the AWS CLI",
    )
}

pub fn run() -> Result<()> {
    let mut build = crate::cargo();
    build.args(["build", "--quiet", "--release", "--package", "ecsrole"]);
    crate::run(build)?;
    let aws_bin = ensure_awscli()?;
    let em = emulator::ensure()?;
    fs::create_dir_all(state_dir().join("bench"))?;
    let log = state_dir().join("moto.log");
    let bin = project_root().join("target/release/ecsrole");
    let path = format!(
        "{}:{}",
        aws_bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let tag = std::process::id();
    let ecsrole = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.args(args);
        emulator::point_at(&mut c, &em.url);
        c
    };
    let script = |name: &str, role: &str| {
        let mut c = Command::new("bash");
        c.arg(project_root().join("localstack/bench").join(name))
            .arg(role);
        emulator::point_at(&mut c, &em.url);
        c.env("PATH", &path)
            .env("AWS_PAGER", "")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null");
        c
    };
    let quiet = |c: Command| measure(c).map(|_| ());
    let mut rows = vec![];

    eprintln!("xtask: bench: check vs the AWS CLI");
    // check on a compliant role, interleaved with the CLI script.
    let role = format!("bench-{tag}");
    quiet(ecsrole(&["apply", "-q", "--role-name", &role]))?;
    let (mut e, mut o, mut peak) = (vec![], vec![], 0);
    for _ in 0..RUNS {
        let (w, r) = measure(ecsrole(&["check", "-q", "--role-name", &role]))?;
        e.push(w);
        peak = peak.max(r.unwrap_or(0));
        o.push(measure(script("check.sh", &role))?.0);
    }
    let before = log_lines(&log);
    quiet(ecsrole(&["check", "-q", "--role-name", &role]))?;
    let calls = log_lines(&log) - before;
    let before = log_lines(&log);
    quiet(script("check.sh", &role))?;
    let cli_calls = log_lines(&log) - before;
    rows.push(Row {
        name: "check (compliant)".into(),
        ecsrole_ms: ms(median(e)),
        other_ms: Some(ms(median(o))),
        peak_kb: Some(peak),
        calls,
        note: format!("AWS CLI script: {cli_calls} calls"),
    });

    eprintln!("xtask: bench: apply from nothing");
    // apply from nothing, each side on its own fresh role.
    let (mut e, mut o, mut peak, mut calls, mut cli_calls) = (vec![], vec![], 0, 0, 0);
    for i in 0..RUNS {
        let (mine, theirs) = (format!("bench-a-{tag}-{i}"), format!("bench-c-{tag}-{i}"));
        let before = log_lines(&log);
        let (w, r) = measure(ecsrole(&["apply", "-q", "--role-name", &mine]))?;
        calls = log_lines(&log) - before;
        e.push(w);
        peak = peak.max(r.unwrap_or(0));
        let before = log_lines(&log);
        o.push(measure(script("apply.sh", &theirs))?.0);
        cli_calls = log_lines(&log) - before;
        quiet(ecsrole(&["destroy", "-q", "--role-name", &mine]))?;
        quiet(ecsrole(&["destroy", "-q", "--role-name", &theirs]))?;
    }
    rows.push(Row {
        name: "apply from nothing".into(),
        ecsrole_ms: ms(median(e)),
        other_ms: Some(ms(median(o))),
        peak_kb: Some(peak),
        calls,
        note: format!("AWS CLI script: {cli_calls} calls, no wait"),
    });

    eprintln!("xtask: bench: verify --level ce");
    // verify --level ce.
    let (mut e, mut peak, mut calls) = (vec![], 0, 0);
    for _ in 0..RUNS {
        let before = log_lines(&log);
        let (w, r) = measure(ecsrole(&[
            "verify",
            "-q",
            "--level",
            "ce",
            "--role-name",
            &role,
        ]))?;
        calls = log_lines(&log) - before;
        e.push(w);
        peak = peak.max(r.unwrap_or(0));
    }
    rows.push(Row {
        name: "verify --level ce".into(),
        ecsrole_ms: ms(median(e)),
        other_ms: None,
        peak_kb: Some(peak),
        calls,
        note: String::new(),
    });

    eprintln!("xtask: bench: emulator ceiling and fleet check");
    // Fleet: on a second moto without AWS managed policies, which moto otherwise loads
    // into every new account (seconds and ~4 MB each: 1000 accounts would measure moto's
    // start-up, not ecsrole). Its ceiling is measured in the same run, same workload shape.
    let fleet_log = state_dir().join("bench/moto-fleet.log");
    let (mut fleet_moto, fleet_url) = emulator::spawn(&fleet_log, false)?;
    let fleet = |args: &[&str]| {
        let mut c = Command::new(&bin);
        c.args(args);
        emulator::point_at(&mut c, &fleet_url);
        c
    };
    let result = (|| -> Result<(f64, f64)> {
        // Measured before the fleet runs and again after (moto slows as accounts pile up);
        // the higher of the two is the ceiling, so the ratio errs against ecsrole. The
        // fleet-shaped load uses accounts of its own, never the fleet's.
        let reads_only = ceiling(&fleet_url, &role, CLIENTS, 4);
        let before_fleet = fleet_ceiling(&fleet_url, &role, CLIENTS, 4, 300_000_000_000);
        for n in [10usize, 100, 1000] {
            eprintln!("xtask: bench: fleet check over {n} accounts");
            let file = state_dir().join(format!("bench/accounts-{n}.txt"));
            let ids: String = (0..n)
                .map(|i| {
                    format!(
                        "{:012}\n",
                        200_000_000_000u64 + u64::from(tag) * 10_000 + i as u64
                    )
                })
                .collect();
            fs::write(&file, ids)?;
            let before = log_lines(&fleet_log);
            let (w, r) = measure(fleet(&[
                "check",
                "-q",
                "--concurrency",
                &CLIENTS.to_string(),
                "--accounts",
                file.to_str().context("path")?,
                "--role-name",
                &role,
            ]))?;
            let calls = log_lines(&fleet_log) - before;
            rows.push(Row {
                name: format!("fleet check, {n} accounts"),
                ecsrole_ms: ms(w),
                other_ms: None,
                peak_kb: r,
                calls,
                note: String::new(),
            });
        }
        let after_fleet = fleet_ceiling(&fleet_url, &role, CLIENTS, 4, 400_000_000_000);
        eprintln!(
            "xtask: bench: emulator ceiling (fleet-shaped) {before_fleet:.0} req/s before the fleet runs, {after_fleet:.0} after; reads in one account: {reads_only:.0} req/s"
        );
        Ok((before_fleet.max(after_fleet), reads_only))
    })();
    let _ = fleet_moto.kill();
    let _ = fleet_moto.wait();
    let (served, reads_only) = result?;
    for r in rows.iter_mut().filter(|r| r.name.starts_with("fleet")) {
        let rate = r.calls as f64 / (r.ecsrole_ms / 1000.0);
        r.note = format!(
            "{rate:.0} req/s = {:.0}% of the emulator's {served:.0} req/s",
            100.0 * rate / served
        );
    }
    quiet(ecsrole(&["destroy", "-q", "--role-name", &role]))?;

    // The table and the JSON.
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<28}{:>12}{:>14}{:>9}{:>11}{:>7}  note",
        "", "ecsrole ms", "AWS CLI ms", "ratio", "peak MB", "calls"
    );
    let mut json = String::from("{\n  \"rows\": [\n");
    for (i, r) in rows.iter().enumerate() {
        let ratio = r.other_ms.map(|o| o / r.ecsrole_ms);
        let _ = writeln!(
            table,
            "{:<28}{:>12.1}{:>14}{:>9}{:>11}{:>7}  {}",
            r.name,
            r.ecsrole_ms,
            r.other_ms.map_or("-".into(), |o| format!("{o:.1}")),
            ratio.map_or("-".into(), |x| format!("{x:.0}x")),
            r.peak_kb
                .map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0)),
            r.calls,
            r.note
        );
        let _ = writeln!(
            json,
            "    {{\"name\": \"{}\", \"ecsrole_ms\": {:.2}, \"aws_cli_ms\": {}, \"ratio\": {}, \"peak_rss_kb\": {}, \"calls\": {}}}{}",
            r.name,
            r.ecsrole_ms,
            r.other_ms.map_or("null".into(), |o| format!("{o:.2}")),
            ratio.map_or("null".into(), |x| format!("{x:.2}")),
            r.peak_kb.map_or("null".into(), |k| k.to_string()),
            r.calls,
            if i + 1 < rows.len() { "," } else { "" }
        );
    }
    let _ = write!(
        json,
        "  ],\n  \"emulator_ceiling_rps\": {served:.1},\n  \"emulator_reads_only_rps\": {reads_only:.1},\n  \"runs_per_median\": {RUNS}\n}}\n"
    );
    print!("{table}");
    println!(
        "fleet emulator ceiling ({CLIENTS} clients, 4 s, each AssumeRole into a fresh account + the three check reads; higher of before/after the fleet): {served:.0} requests/s (the three reads in one account: {reads_only:.0}); medians of {RUNS} runs"
    );
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let out = state_dir().join(format!("bench/{stamp}.json"));
    fs::write(&out, json)?;
    println!("results: {}", out.display());
    if em.started_here {
        emulator::stop()?;
    }
    Ok(())
}
