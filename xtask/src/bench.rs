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

/// Runs of each single-account command (medians).
const RUNS: usize = 7;
/// Rounds of the warm-client floor (median).
const FLOOR_ROUNDS: usize = 50;
/// Judgements of the evaluator row (median), each on a fresh thread.
const JUDGE_RUNS: usize = 50;
/// The evaluator row's target (issue 26): the ten policies decided in under 5 ms.
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

/// One finished process.
struct Run {
    shown: String,
    wall: Duration,
    /// Maximum RSS in kB, from `/usr/bin/time`; `None` when not measured.
    peak_kb: Option<u64>,
    /// User plus system CPU seconds of the process.
    cpu_s: Option<f64>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    /// What moto logged while it ran.
    requests: Requests,
}

/// Requests in moto's log: all, and those answered 2xx.
#[derive(Debug, Clone, Copy, Default)]
struct Requests {
    all: usize,
    ok: usize,
}

impl Run {
    /// The run, if it exited with one of `codes`.
    fn expect(self, codes: &[i32]) -> Result<Run> {
        if self.code.is_some_and(|c| codes.contains(&c)) {
            return Ok(self);
        }
        bail!(
            "{} exited with {:?}, expected one of {codes:?}: {}",
            self.shown,
            self.code,
            last_line(&self.stderr)
        )
    }

    /// 2xx answers per second of the process's wall time.
    fn ok_per_second(&self) -> f64 {
        self.requests.ok as f64 / self.wall.as_secs_f64()
    }
}

fn last_line(text: &str) -> &str {
    text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("")
}

static MEASURED: AtomicUsize = AtomicUsize::new(0);

/// Runs `cmd` to the end: wall time, peak RSS (through `/usr/bin/time`, into a file of
/// this run's own), exit code, output, and the requests `log` (a moto log) gained.
fn measure(cmd: Command, log: &Path) -> Result<Run> {
    let shown = format!("{cmd:?}");
    let time = Path::new("/usr/bin/time");
    let rss_file = state_dir().join(format!(
        "bench/rss-{}-{}.txt",
        std::process::id(),
        MEASURED.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = fs::remove_file(&rss_file);
    let mut cmd = if time.exists() {
        let mut wrapped = Command::new(time);
        wrapped
            .args(["-f", "%M %U %S", "-o"])
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
        cmd
    };
    cmd.stdin(Stdio::null());
    let from = fs::metadata(log).map_or(0, |m| m.len());
    let start = Instant::now();
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    let wall = start.elapsed();
    // /usr/bin/time writes "Command exited with non-zero status N" first, then %M.
    let usage = fs::read_to_string(&rss_file).ok().and_then(|s| {
        let line = s.trim().lines().last()?.to_owned();
        let mut f = line.split_whitespace();
        let peak: u64 = f.next()?.parse().ok()?;
        let user: f64 = f.next()?.parse().ok()?;
        let system: f64 = f.next()?.parse().ok()?;
        Some((peak, user + system))
    });
    let (peak_kb, cpu_s) = (usage.map(|u| u.0), usage.map(|u| u.1));
    let _ = fs::remove_file(&rss_file);
    Ok(Run {
        shown,
        wall,
        peak_kb,
        cpu_s,
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        requests: requests_since(log, from),
    })
}

/// The requests in moto's (werkzeug's) log after byte `from`, one line each:
/// `127.0.0.1 - - [date] "POST / HTTP/1.1" 200 -`.
fn requests_since(log: &Path, from: u64) -> Requests {
    let bytes = fs::read(log).unwrap_or_default();
    let tail = String::from_utf8_lossy(bytes.get(from as usize..).unwrap_or_default());
    let statuses: Vec<u16> = tail
        .lines()
        .filter(|l| l.contains(" HTTP/1."))
        .filter_map(|l| l.rsplit_once("\" ")?.1.split(' ').next()?.parse().ok())
        .collect();
    Requests {
        all: statuses.len(),
        ok: statuses.iter().filter(|s| (200..300).contains(*s)).count(),
    }
}

/// Repeated runs of one command.
#[derive(Default)]
struct Series {
    walls: Vec<Duration>,
    /// The largest measured peak; `None` when none was measured.
    peak_kb: Option<u64>,
    requests: Requests,
}

impl Series {
    fn push(&mut self, run: &Run) {
        self.walls.push(run.wall);
        self.peak_kb = self.peak_kb.max(run.peak_kb);
        self.requests = run.requests;
    }

    fn ms(&self) -> f64 {
        median(
            self.walls
                .iter()
                .map(|w| w.as_secs_f64() * 1000.0)
                .collect(),
        )
    }
}

/// The median; 0 for no value (a skipped row, printed as `-`).
fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Fleet outcomes, counted from ecsrole's `--output json` lines (target exit codes: 0
/// ok, 1 error, 2 drift or pending changes, 3 role broken).
#[derive(Default)]
struct Outcomes {
    runs: usize,
    ok: usize,
    drift: usize,
    error: usize,
    broken: usize,
    first_error: Option<String>,
}

impl Outcomes {
    /// Counts one fleet run over `targets` targets.
    fn add(&mut self, run: &Run, targets: usize) {
        self.runs += 1;
        let mut seen = 0;
        for line in run.stdout.lines().filter(|l| !l.trim().is_empty()) {
            // A summary object (`{"summary": {...}}`) is not a target.
            if json::field(line, "summary").is_some() {
                continue;
            }
            seen += 1;
            match json::field(line, "exit_code").and_then(|c| c.parse::<u8>().ok()) {
                Some(0) => self.ok += 1,
                Some(2) => self.drift += 1,
                Some(3) => self.broken += 1,
                code => self.fail(
                    json::field(line, "error")
                        .and_then(json::string)
                        .unwrap_or_else(|| format!("exit code {code:?}: {line}")),
                ),
            }
        }
        for _ in seen..targets {
            self.fail(format!(
                "no result line for a target (ecsrole printed {seen} of {targets})"
            ));
        }
        if !matches!(run.code, Some(0 | 2)) && self.error == 0 {
            self.fail(format!(
                "ecsrole exited with {:?}: {}",
                run.code,
                last_line(&run.stderr)
            ));
        }
    }

    fn fail(&mut self, why: String) {
        self.error += 1;
        self.first_error.get_or_insert(why);
    }

    fn failure(&self) -> Option<String> {
        (self.error > 0).then(|| {
            let first = self.first_error.as_deref().unwrap_or("");
            let first: String = first.chars().take(160).collect();
            format!("FAILED ({} error(s): {first})", self.error)
        })
    }

    fn counts(&self) -> String {
        let broken = if self.broken > 0 {
            format!(", role broken {}", self.broken)
        } else {
            String::new()
        };
        let runs = if self.runs > 1 {
            format!(" over {} runs", self.runs)
        } else {
            String::new()
        };
        format!(
            "ok {}, drift {}, error {}{broken}{runs}",
            self.ok, self.drift, self.error
        )
    }
}

/// One line of the table (and continuation lines for further anchors).
#[derive(Default)]
struct Row {
    name: String,
    ms: f64,
    peak_kb: Option<u64>,
    calls: usize,
    /// What ecsrole is compared with: name, ms.
    anchors: Vec<(String, f64)>,
    outcomes: Option<Outcomes>,
    /// Fleet check: 2xx answers per second, ecsrole's and the signed load's.
    rates: Option<(f64, f64)>,
    failed: Option<String>,
    /// Not run (the note says why): no figures.
    skipped: bool,
    note: String,
}

impl Row {
    fn new(name: impl Into<String>, series: &Series) -> Row {
        Row {
            name: name.into(),
            ms: series.ms(),
            peak_kb: series.peak_kb,
            calls: series.requests.all,
            ..Row::default()
        }
    }

    /// The note column: failure or rate, outcome counts, free text.
    fn text(&self) -> String {
        let mut parts = vec![];
        if let Some(o) = &self.outcomes {
            parts.push(o.counts());
        }
        match (&self.failed, self.rates) {
            (Some(f), _) => parts.push(f.clone()),
            (None, Some((mine, load))) => parts.push(format!(
                "{mine:.0} req/s = {:.0}% of the signed load's {load:.0} req/s",
                100.0 * mine / load
            )),
            (None, None) => {}
        }
        if !self.note.is_empty() {
            parts.push(self.note.clone());
        }
        parts.join("; ")
    }
}

fn ratio(x: f64) -> String {
    match x {
        x if x < 0.1 => format!("{x:.3}x"),
        x if x < 10.0 => format!("{x:.2}x"),
        x => format!("{x:.1}x"),
    }
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String, none: &str) -> String {
    v.map_or_else(|| none.to_owned(), f)
}

/// What the bench runs, and where.
struct Bench {
    ecsrole: PathBuf,
    load: PathBuf,
    /// `PATH` with the AWS CLI venv first.
    path: String,
    python: PathBuf,
    role: String,
    fleet_log: PathBuf,
}

impl Bench {
    fn ecsrole(&self, url: &str, args: &[&str]) -> Command {
        let mut c = Command::new(&self.ecsrole);
        c.args(args);
        emulator::point_at(&mut c, url);
        c
    }

    fn load(&self, url: &str, mode: &str, args: &[&str]) -> Command {
        let mut c = Command::new(&self.load);
        c.args([mode, "--endpoint", url, "--role", &self.role])
            .args(args);
        emulator::point_at(&mut c, url);
        c
    }

    /// An anchor script from `localstack/bench/` on `role`, run by `program`.
    fn script(&self, url: &str, program: &Path, name: &str, role: &str) -> Command {
        let mut c = Command::new(program);
        c.arg(project_root().join("localstack/bench").join(name))
            .arg(role);
        emulator::point_at(&mut c, url);
        c.env("PATH", &self.path)
            .env("AWS_PAGER", "")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .env("AWS_CONFIG_FILE", "/dev/null");
        c
    }

    /// `ecsrole COMMAND --accounts FILE` at `CLIENTS` accounts in flight, JSON lines out.
    fn fleet(&self, url: &str, command: &str, file: &Path) -> Result<Run> {
        let clients = CLIENTS.to_string();
        let mut c = self.ecsrole(url, &[command, "--output", "json"]);
        c.args(["--concurrency", &clients, "--role-name", &self.role])
            .arg("--accounts")
            .arg(file);
        measure(c, &self.fleet_log)
    }

    /// The load's JSON line, and its failure if any answer was not 2xx.
    fn load_result(run: &Run) -> Result<(String, Option<String>)> {
        let line = last_line(&run.stdout);
        let field =
            |k| json::field(line, k).with_context(|| format!("{}: no {k} in {line:?}", run.shown));
        let errors: u64 = field("errors")?.parse()?;
        let failure = (errors > 0).then(|| {
            let first = field("first_error")
                .ok()
                .and_then(json::string)
                .unwrap_or_default();
            format!("FAILED (the signed load had {errors} error(s): {first})")
        });
        Ok((line.to_owned(), failure))
    }

    /// The role and its profile in `accounts` (`FIRST..END`) on the moto at `url`.
    fn setup(&self, url: &str, accounts: &str) -> Result<()> {
        let clients = CLIENTS.to_string();
        let run = measure(
            self.load(
                url,
                "setup",
                &["--accounts", accounts, "--clients", &clients],
            ),
            &self.fleet_log,
        )?
        .expect(&[0])?;
        if let (_, Some(failure)) = Bench::load_result(&run)? {
            bail!("setting up accounts {accounts}: {failure}");
        }
        Ok(())
    }

    /// `work` against a moto of its own (`managed_policies`: it loads the AWS managed
    /// policies into every new account), warmed (its STS and IAM code load on their first
    /// request) in an account nothing measures; stopped after.
    fn on_fresh_moto<T>(
        &self,
        managed_policies: bool,
        work: impl FnOnce(&str) -> Result<T>,
    ) -> Result<T> {
        self.on_fresh_moto_cpu(managed_policies, |url, _| work(url))
    }

    /// Like `on_fresh_moto`; `work` also gets moto's pid, to read its CPU time.
    fn on_fresh_moto_cpu<T>(
        &self,
        managed_policies: bool,
        work: impl FnOnce(&str, u32) -> Result<T>,
    ) -> Result<T> {
        let (pgid, url) = emulator::spawn(&self.fleet_log, managed_policies)?;
        // Stopped (and reaped) on every way out, a panic included.
        let _stop = crate::proc::OnDrop(move || {
            let _ = crate::proc::stop_group(pgid, "bench moto server", Duration::from_secs(5));
        });
        self.setup(&url, "100000000000..100000000001")
            .and_then(|()| work(&url, pgid))
    }
}

fn ensure_awscli() -> Result<PathBuf> {
    crate::venv::ensure(
        "venv-awscli",
        "localstack/requirements-awscli.txt",
        &crate::venv::default_python(),
        "the AWS CLI and boto3",
    )
}

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
                // warm client makes (issue 21 item 6: the goal is within 1.5x of it).
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

/// `MemAvailable` of `/proc/meminfo`, in MB.
fn available_mb() -> Option<u64> {
    let info = fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}

/// User plus system CPU seconds of process `pid` so far (Linux `/proc`, 100 ticks a second).
fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let (utime, stime): (f64, f64) = (f.get(11)?.parse().ok()?, f.get(12)?.parse().ok()?);
    Some((utime + stime) / 100.0)
}

/// Prints the table, writes the JSON; fails when a row FAILED.
fn report(rows: &[Row]) -> Result<()> {
    let mut table = String::new();
    let _ = writeln!(
        table,
        "{:<52}{:>9}{:>9}{:>7}  {:<30}{:>10}{:>11}  note",
        "", "ms", "peak MB", "calls", "compared with", "its ms", "ecsrole/it"
    );
    let mut json_rows = vec![];
    for r in rows {
        let ratios: Vec<Option<f64>> = r
            .anchors
            .iter()
            .map(|(_, ms)| r.failed.is_none().then_some(r.ms / ms))
            .collect();
        let anchor = |i: usize| match r.anchors.get(i) {
            Some((name, ms)) => format!("{name:<30}{ms:>10.1}{:>11}", opt(ratios[i], ratio, "-")),
            None => format!("{:51}", ""),
        };
        let _ = writeln!(
            table,
            "{:<52}{:>9}{:>9}{:>7}  {}  {}",
            r.name,
            if r.skipped {
                "-".to_owned()
            } else {
                format!("{:.1}", r.ms)
            },
            opt(r.peak_kb, |k| format!("{:.1}", k as f64 / 1024.0), "-"),
            if r.skipped {
                "-".to_owned()
            } else {
                r.calls.to_string()
            },
            anchor(0),
            r.text()
        );
        for i in 1..r.anchors.len() {
            let _ = writeln!(table, "{:79}{}", "", anchor(i).trim_end());
        }
        let anchors: Vec<String> = r
            .anchors
            .iter()
            .zip(&ratios)
            .map(|((name, ms), x)| {
                format!(
                    "{{\"name\": {}, \"ms\": {ms:.2}, \"ratio\": {}}}",
                    json::quote(name),
                    opt(*x, |x| format!("{x:.4}"), "null")
                )
            })
            .collect();
        let outcomes = opt(
            r.outcomes.as_ref(),
            |o| {
                format!(
                    "{{\"runs\": {}, \"ok\": {}, \"drift\": {}, \"error\": {}, \"role_broken\": {}}}",
                    o.runs, o.ok, o.drift, o.error, o.broken
                )
            },
            "null",
        );
        json_rows.push(format!(
            "    {{\"name\": {}, \"ms\": {}, \"peak_rss_kb\": {}, \"calls\": {}, \"anchors\": [{}], \"outcomes\": {outcomes}, \"ok_per_second\": {}, \"load_ok_per_second\": {}, \"failed\": {}, \"skipped\": {}}}",
            json::quote(&r.name),
            if r.skipped { "null".to_owned() } else { format!("{:.2}", r.ms) },
            opt(r.peak_kb, |k| k.to_string(), "null"),
            r.calls,
            anchors.join(", "),
            opt(r.rates, |(m, _)| format!("{m:.1}"), "null"),
            opt(r.rates, |(_, l)| format!("{l:.1}"), "null"),
            opt(r.failed.as_deref(), json::quote, "null"),
            if r.skipped { json::quote(&r.note) } else { "null".to_owned() },
        ));
    }
    print!("{table}");
    println!(
        "ms: medians of {RUNS} runs (fleet check: {FLEET_RUNS}, each side on a fresh moto) of whole \
         processes; the floor: median of {FLOOR_ROUNDS} rounds in one warm process; fleet: \
         {CLIENTS} accounts in flight, 2xx answers only"
    );
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    let out = state_dir().join(format!("bench/{stamp}.json"));
    let json = format!(
        "{{\n  \"rows\": [\n{}\n  ],\n  \"runs_per_median\": {RUNS},\n  \"fleet_runs_per_median\": {FLEET_RUNS},\n  \"floor_rounds\": {FLOOR_ROUNDS},\n  \"clients\": {CLIENTS}\n}}\n",
        json_rows.join(",\n")
    );
    fs::write(&out, json)?;
    println!("results: {}", out.display());
    let failed = rows.iter().filter(|r| r.failed.is_some()).count();
    if failed > 0 {
        bail!("{failed} bench row(s) FAILED (see the table)");
    }
    Ok(())
}
