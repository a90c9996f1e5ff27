//! `cargo xtask test`: the checks CI runs, in order: fmt, clippy, the workflow linter, the
//! layering ARCHITECTURE.md states (`layers.rs`), unit
//! tests, a self-check that no server outlives an xtask that dies, then the integration
//! suite on each backend. It prints how many tests really ran on each backend and names
//! the ones it skipped and why, and it ends by checking `/proc` for any process of the
//! servers it started.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::{Backend, cargo, emulator, localstack, npm, proc, project_root, run, tools};

/// The prefix of every integration test that needs AWS Batch and ECS. Backends without them
/// (free LocalStack) pass `--skip` with it, so libtest counts those tests as filtered out
/// instead of printing `ok` for a test that did not run.
const BATCH_PREFIX: &str = "batch_";

/// The prefix of every integration test that needs AWS Organizations: free LocalStack has
/// none, so its run skips them (listed, with why).
const ORGS_PREFIX: &str = "orgs_";

/// The prefix of the integration tests that start a moto server of their own (with AWS
/// managed policies loaded) and never talk to the backend: they run once, in the moto run,
/// and the other backends' runs skip them (listed, with why).
const OWN_MOTO_PREFIX: &str = "own_moto_";

/// What one libtest run reported.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    passed: usize,
    failed: usize,
    ignored: usize,
    filtered: usize,
}

pub fn test(filter: &[&str], backend: Option<Backend>) -> Result<()> {
    let filter: Vec<&str> = filter.iter().copied().filter(|a| *a != "--").collect();
    let started = Instant::now();
    let mut fmt = cargo();
    fmt.args(["fmt", "--all", "--check"]);
    run(fmt)?;
    let mut clippy = cargo();
    clippy.args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]);
    run(clippy)?;
    lint_workflows()?;
    crate::layers::check(&project_root())?;
    let mut unit = cargo();
    unit.args(["test", "--workspace", "--lib", "--bins"]);
    let unit = counted(unit)?;
    self_check()?;
    crate::dist::check()?;

    let mut summary = vec![
        format!("unit tests: {}", describe(unit)),
        "release archive (this machine's, debug build): checksum, layout, the action's install verified".to_owned(),
    ];
    if backend != Some(Backend::LocalStack) {
        let emulator = emulator::ensure()?;
        let counts = counted(integration(&filter, &emulator.url, "moto")?);
        drop(emulator);
        summary.push(format!("integration tests on moto: {}", describe(counts?)));
    }
    match backend {
        Some(Backend::Moto) => {}
        Some(Backend::LocalStack) => {
            summary.extend(localstack_suite(&filter, localstack::Where::Any)?);
        }
        None => match localstack::python() {
            Ok(_) => summary.extend(localstack_suite(&filter, localstack::Where::Host)?),
            Err(why) => {
                let line = format!("SKIPPED the LocalStack IAM suite: {why}");
                eprintln!("xtask: {line}");
                summary.push(line);
            }
        },
    }
    let left = proc::survivors();
    if !left.is_empty() {
        bail!("servers this run started are still running: {left:?}");
    }
    summary.push("no process of a server this run started is left (checked /proc)".into());
    for line in &summary {
        eprintln!("xtask: {line}");
    }
    // Never "all" when something did not run here: each skip is named, with where it runs.
    let skipped: Vec<&str> = summary
        .iter()
        .filter(|l| l.starts_with("SKIPPED"))
        .map(|l| l.split(':').next().unwrap_or(l))
        .collect();
    if skipped.is_empty() {
        eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    } else {
        eprintln!(
            "xtask: passed, with these skipped ({}; see the SKIPPED lines above for why and where they run) in {:.0?}",
            skipped.join("; "),
            started.elapsed()
        );
    }
    Ok(())
}

fn describe(c: Counts) -> String {
    let mut s = format!(
        "{} ran ({} passed, {} failed)",
        c.passed + c.failed,
        c.passed,
        c.failed
    );
    if c.ignored > 0 {
        s.push_str(&format!(", {} ignored", c.ignored));
    }
    if c.filtered > 0 {
        s.push_str(&format!(", {} not run (filtered out)", c.filtered));
    }
    s
}

/// Runs a `cargo test` command, its output passed through, and adds up libtest's
/// `test result:` lines. Fails when the command fails.
fn counted(mut cmd: Command) -> Result<Counts> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {shown}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {shown}"))?;
    let mut counts = Counts::default();
    let out = child.stdout.take().expect("piped stdout");
    let mut echo = std::io::stdout().lock();
    for line in BufReader::new(out).lines() {
        let line = line?;
        let _ = writeln!(echo, "{line}");
        if let Some(rest) = line.strip_prefix("test result: ") {
            let number = |what: &str| {
                rest.split(';')
                    .find_map(|p| {
                        p.trim()
                            .strip_suffix(what)?
                            .rsplit(' ')
                            .next()?
                            .parse()
                            .ok()
                    })
                    .unwrap_or(0)
            };
            counts.passed += number(" passed");
            counts.failed += number(" failed");
            counts.ignored += number(" ignored");
            counts.filtered += number(" filtered out");
        }
    }
    drop(echo);
    let status = child.wait()?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(counts)
}

/// The GitHub Actions workflows and the composite action, through zizmor (pinned in the tools venv), offline: it
/// fails on a workflow that does not parse, and on its security findings (unpinned
/// actions, excessive permissions, credential persistence, template injection).
fn lint_workflows() -> Result<()> {
    let python = tools::venv()?;
    let zizmor = python.with_file_name("zizmor");
    let mut cmd = Command::new(zizmor);
    cmd.current_dir(project_root()).args([
        "--offline",
        "--no-progress",
        ".github/workflows/",
        "action.yml",
    ]);
    run(cmd)
        .context("the workflow linter (zizmor) found problems in .github/workflows/ or action.yml")
}

/// `cargo test --test it` against the emulator at `url`, with the pinned test tools.
fn integration(filter: &[&str], url: &str, backend: &str) -> Result<Command> {
    let tools_python = tools::venv()?;
    let mut it = cargo();
    it.args(["test", "--workspace", "--test", "it", "--"])
        .args(filter);
    it.env("ECSROLE_TEST_ENDPOINT", url)
        .env("ECSROLE_TEST_BACKEND", backend)
        .env(tools::PYTHON_ENV, &tools_python)
        // For the tests that need a moto of their own (a slow one, loading managed policies).
        .env("ECSROLE_TEST_MOTO_SERVER", crate::emulator::ensure_venv()?);
    // The reference IAM policy evaluator (Node.js). When it cannot be installed, only the
    // tests that need it fail, saying why (they never pass without it).
    match npm::ensure() {
        Ok(script) => {
            it.env(npm::IAM_SIMULATE_ENV, script);
            if let Some(multitool) = npm::sarif_multitool() {
                it.env(npm::SARIF_ENV, multitool);
            }
        }
        Err(why) => {
            let why = format!("{why:#}");
            eprintln!("xtask: the reference IAM policy evaluator is unavailable: {why}");
            it.env_remove(npm::IAM_SIMULATE_ENV)
                .env(npm::UNAVAILABLE_ENV, why);
        }
    }
    if std::env::var_os("CI").is_some() {
        it.env("INSTA_UPDATE", "no");
    }
    Ok(it)
}

/// The names of the integration tests whose name starts with `prefix` (and match `filter`).
fn tests_named(prefix: &str, filter: &[&str]) -> Result<Vec<String>> {
    let mut list = cargo();
    list.args(["test", "--quiet", "--workspace", "--test", "it", "--"])
        .args(filter)
        .args(["--list", "--format", "terse"]);
    let out = list.stderr(Stdio::inherit()).output()?;
    if !out.status.success() {
        bail!("listing the integration tests failed ({})", out.status);
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .filter(|name| {
            name.rsplit("::")
                .next()
                .is_some_and(|n| n.starts_with(prefix))
        })
        .map(str::to_owned)
        .collect())
}

/// The integration tests against LocalStack. Free LocalStack has no Batch or ECS: the
/// `batch_*` tests are skipped there (listed, with why); LocalStack Pro runs them all.
/// Returns the summary lines.
fn localstack_suite(filter: &[&str], place: localstack::Where) -> Result<Vec<String>> {
    let ls = localstack::ensure(place)?;
    let backend = if ls.has_batch() {
        "localstack-pro"
    } else {
        "localstack"
    };
    eprintln!("xtask: the integration tests against {}", ls.describe());
    let mut cmd = integration(filter, &ls.url, backend)?;
    let mut lines = vec![];
    let (skipped, no_orgs) = if ls.has_batch() {
        (vec![], vec![])
    } else {
        cmd.args(["--skip", BATCH_PREFIX, "--skip", ORGS_PREFIX]);
        (
            tests_named(BATCH_PREFIX, filter)?,
            tests_named(ORGS_PREFIX, filter)?,
        )
    };
    cmd.args(["--skip", OWN_MOTO_PREFIX]);
    let own_moto = tests_named(OWN_MOTO_PREFIX, filter)?;
    let counts = counted(cmd)?;
    drop(ls);
    lines.push(format!(
        "integration tests on {backend}: {}",
        describe(counts)
    ));
    if !skipped.is_empty() {
        lines.push(format!(
            "SKIPPED on {backend} ({} tests): free LocalStack has no Batch or ECS API; they \
             run on moto, and on LocalStack Pro in Docker with LOCALSTACK_AUTH_TOKEN: {}",
            skipped.len(),
            skipped.join(", ")
        ));
    }
    if !no_orgs.is_empty() {
        lines.push(format!(
            "SKIPPED on {backend} ({} tests): free LocalStack has no Organizations API; they \
             run on moto: {}",
            no_orgs.len(),
            no_orgs.join(", ")
        ));
    }
    if !own_moto.is_empty() {
        lines.push(format!(
            "SKIPPED on {backend} ({} tests): they start a moto server of their own and never \
             use the backend, so they run once, in the moto run: {}",
            own_moto.len(),
            own_moto.join(", ")
        ));
    }
    Ok(lines)
}

/// The hidden task behind the self-check: starts a moto server this xtask owns, prints its
/// process group, then waits to be interrupted (`sigint`) or panics (`panic`).
pub fn hold(how: &str) -> Result<()> {
    let log = crate::state_dir().join("selfcheck-moto.log");
    std::fs::create_dir_all(crate::state_dir())?;
    let (pgid, _url) = emulator::spawn(&log, false)?;
    let _stop = proc::OnDrop(move || {
        let _ = proc::stop_group(pgid, "self-check moto server", Duration::from_secs(5));
    });
    println!("pgid={pgid}");
    std::io::stdout().flush()?;
    match how {
        "panic" => panic!("self-check: xtask panics while it owns a server"),
        _ => loop {
            std::thread::sleep(Duration::from_secs(1));
        },
    }
}

fn signal(signal: &str, pid: u32) -> Result<()> {
    let mut k = Command::new("kill");
    k.args([signal, &pid.to_string()]);
    run(k)
}

/// No server outlives the xtask that started it: an xtask holding a moto server is
/// interrupted (as Ctrl-C does) and, separately, panics; each time the server's whole
/// process group must be gone within 15 s.
fn self_check() -> Result<()> {
    let exe = std::env::current_exe()?;
    for how in ["sigint", "panic"] {
        let started = Instant::now();
        let mut child = Command::new(&exe)
            .args(["__hold", how])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let mut first = String::new();
        BufReader::new(child.stdout.take().expect("piped"))
            .take(64)
            .read_line(&mut first)?;
        let Some(pgid) = first
            .trim()
            .strip_prefix("pgid=")
            .and_then(|p| p.parse::<u32>().ok())
        else {
            let _ = child.kill();
            bail!("self-check: the holding xtask did not start a server (said {first:?})");
        };
        let mut how = how.to_owned();
        if how == "sigint" {
            signal("-INT", child.id())?;
            let deadline = Instant::now() + Duration::from_secs(5);
            while child.try_wait()?.is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if child.try_wait()?.is_none() {
                // A process started in the background of a non-interactive shell inherits
                // SIGINT as ignored; SIGKILL is the other way an xtask dies unannounced.
                signal("-KILL", child.id())?;
                how = "SIGKILL (SIGINT is ignored in this environment)".into();
            }
        }
        let status = child.wait()?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while !proc::members(pgid).is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let left = proc::members(pgid);
        if !left.is_empty() {
            bail!(
                "self-check: after the xtask holding it ended ({how}: {status}), the moto \
                 server's processes {left:?} are still running"
            );
        }
        eprintln!(
            "xtask: self-check: xtask ended by {how} ({status}); its moto server was gone {:.1}s after start",
            started.elapsed().as_secs_f64()
        );
    }
    Ok(())
}
