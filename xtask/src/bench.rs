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
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::{emulator, project_root, state_dir};

const RUNS: usize = 7;
/// Runs of each fleet row, and of the same load without ecsrole (each on a fresh moto).
const FLEET_RUNS: usize = 3;
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
    /// Fleet rows: the same load without ecsrole on a fresh moto, requests/s.
    emulator_rps: Option<f64>,
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

/// Runs `round` back to back on `threads` threads until it returns `None`; each round
/// returns how many requests were answered. Requests per second.
fn saturate(threads: usize, round: impl Fn() -> Option<usize> + Sync) -> f64 {
    let served = AtomicUsize::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(n) = round() {
                    served.fetch_add(n, Ordering::Relaxed);
                }
            });
        }
    });
    served.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// The emulator's throughput under a saturating load of the three reads `check` makes,
/// in one account, for `secs` seconds. Requests per second.
fn ceiling(url: &str, role: &str, threads: usize, secs: u64) -> f64 {
    let addr = url.trim_start_matches("http://");
    let reads = check_reads(role);
    let deadline = Instant::now() + Duration::from_secs(secs);
    saturate(threads, || {
        (Instant::now() < deadline).then(|| {
            reads
                .iter()
                .filter(|body| raw(addr, "iam", "testing", body).is_some())
                .count()
        })
    })
}

/// The emulator's throughput under the fleet's own load without ecsrole: `threads`
/// clients share the fresh `accounts`, and for each assume a role there through STS, then
/// send the three check reads with the session's key. New accounts cost moto work that
/// reads in one account do not, so this, not `ceiling`, is what a fleet run is compared
/// with. Requests per second.
fn fleet_load(url: &str, role: &str, threads: usize, accounts: std::ops::Range<u64>) -> f64 {
    let addr = url.trim_start_matches("http://");
    let reads = check_reads(role);
    let next = AtomicU64::new(accounts.start);
    saturate(threads, || {
        let account = next.fetch_add(1, Ordering::Relaxed);
        if account >= accounts.end {
            return None;
        }
        let Some(answer) = raw(
            addr,
            "sts",
            "testing",
            &format!(
                "Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A{account:012}%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=ecsrole&Version=2011-06-15"
            ),
        ) else {
            return Some(0);
        };
        let Some(key) = answer
            .split("<AccessKeyId>")
            .nth(1)
            .and_then(|k| k.split('<').next())
        else {
            return Some(1);
        };
        Some(
            1 + reads
                .iter()
                .filter(|body| raw(addr, "iam", key, body).is_some())
                .count(),
        )
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
    let [bin] = crate::built_bins(true, ["ecsrole"])?;
    let aws_bin = ensure_awscli()?;
    let em = emulator::ensure()?;
    fs::create_dir_all(state_dir().join("bench"))?;
    let log = state_dir().join("moto.log");
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
        emulator_rps: None,
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
        emulator_rps: None,
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
        emulator_rps: None,
        note: String::new(),
    });

    eprintln!("xtask: bench: emulator ceiling and fleet check");
    // Fleet: on motos of its own without AWS managed policies, which moto otherwise loads
    // into every new account (seconds and ~4 MB each: 1000 accounts would measure moto's
    // start-up, not ecsrole). moto slows as accounts pile up, so each fleet run and the
    // same load without ecsrole (its ceiling) each get a fresh moto: both go through the
    // same emulator states, side by side in this run.
    let fleet_log = state_dir().join("bench/moto-fleet.log");
    let on_fresh_moto = |work: &mut dyn FnMut(&str) -> Result<()>| -> Result<()> {
        let (mut moto, url) = emulator::spawn(&fleet_log, false)?;
        // moto loads its STS and IAM code on their first request (a second or more):
        // load it before anything is timed, in an account the measurements never use.
        let _ = fleet_load(&url, &role, 1, 100_000_000_000..100_000_000_001);
        let result = work(&url);
        let _ = moto.kill();
        let _ = moto.wait();
        result
    };
    let mut reads_only = 0.0;
    on_fresh_moto(&mut |url| {
        reads_only = ceiling(url, &role, CLIENTS, 4);
        Ok(())
    })?;
    for n in [10usize, 100, 1000] {
        eprintln!("xtask: bench: fleet check over {n} accounts, and the same load without ecsrole");
        let first = 200_000_000_000u64 + u64::from(tag) * 10_000;
        let file = state_dir().join(format!("bench/accounts-{n}.txt"));
        let ids: String = (0..n as u64)
            .map(|i| format!("{:012}\n", first + i))
            .collect();
        fs::write(&file, ids)?;
        // Medians of FLEET_RUNS each, alternating, every run on a fresh moto.
        let (mut loads, mut runs) = (vec![], vec![]);
        for _ in 0..FLEET_RUNS {
            on_fresh_moto(&mut |url| {
                loads.push(fleet_load(url, &role, CLIENTS, first..first + n as u64));
                Ok(())
            })?;
            on_fresh_moto(&mut |url| {
                let before = log_lines(&fleet_log);
                let mut c = Command::new(&bin);
                c.args([
                    "check",
                    "-q",
                    "--concurrency",
                    &CLIENTS.to_string(),
                    "--role-name",
                    &role,
                ])
                .arg("--accounts")
                .arg(&file);
                emulator::point_at(&mut c, url);
                let (w, r) = measure(c)?;
                runs.push((w, r, log_lines(&fleet_log) - before));
                Ok(())
            })?;
        }
        loads.sort_by(f64::total_cmp);
        let load = loads[loads.len() / 2];
        let w = median(runs.iter().map(|r| r.0).collect());
        let r = runs.iter().filter_map(|r| r.1).max();
        let calls = runs[0].2;
        let rate = calls as f64 / w.as_secs_f64();
        rows.push(Row {
            name: format!("fleet check, {n} accounts"),
            ecsrole_ms: ms(w),
            other_ms: None,
            peak_kb: r,
            calls,
            emulator_rps: Some(load),
            note: format!(
                "{rate:.0} req/s = {:.0}% of the same load without ecsrole ({load:.0} req/s)",
                100.0 * rate / load
            ),
        });
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
            "    {{\"name\": \"{}\", \"ecsrole_ms\": {:.2}, \"aws_cli_ms\": {}, \"ratio\": {}, \"peak_rss_kb\": {}, \"calls\": {}, \"emulator_rps\": {}}}{}",
            r.name,
            r.ecsrole_ms,
            r.other_ms.map_or("null".into(), |o| format!("{o:.2}")),
            ratio.map_or("null".into(), |x| format!("{x:.2}")),
            r.peak_kb.map_or("null".into(), |k| k.to_string()),
            r.calls,
            r.emulator_rps.map_or("null".into(), |e| format!("{e:.1}")),
            if i + 1 < rows.len() { "," } else { "" }
        );
    }
    let _ = write!(
        json,
        "  ],\n  \"emulator_reads_only_rps\": {reads_only:.1},\n  \"runs_per_median\": {RUNS}\n}}\n"
    );
    print!("{table}");
    println!(
        "fleet rows: ecsrole's request rate against the same load without ecsrole ({CLIENTS} clients, for each account AssumeRole then the three check reads), each on a fresh moto, medians of {FLEET_RUNS}; the three reads in one account alone: {reads_only:.0} requests/s; other rows medians of {RUNS} runs"
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
