//! Project tasks: `cargo xtask <task>`. Run without arguments for the list.
//!
//! Std only (plus anyhow) so this compiles in seconds; shelling out goes through
//! `std::process::Command`.

#![allow(clippy::print_stdout)] // a command-line tool: stdout is its output

mod bench;
mod dist;
mod emulator;
mod http;
mod json;
mod layers;
mod localstack;
mod npm;
mod proc;
mod test;
mod tools;
mod venv;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
cargo xtask <task>

tasks:
  test [-- FILTER...]     fmt check, clippy -D warnings, unit tests, the integration tests
                          against moto server (started if none runs, stopped after), then
                          the IAM suite against LocalStack on the host (when Python >= 3.13
                          is found; says so when it skips)
  test --backend B        the same checks, then the integration tests on one backend:
                          moto, or localstack (Docker via testcontainers when an engine
                          answers, else the host; Batch tests only with LocalStack Pro)
                          with the pinned test tools (xtask/requirements-tools.txt) in a venv
  dist [--target T] [--profile P] [--out DIR]
                          the release archive and its .sha256 (dist/ecsrole-VERSION-TARGET.tar.gz;
                          .zip on Windows), as .github/workflows/release.yml publishes it
  dist --check            this machine's archive from the debug build, checked as `test` does
  layers                  the layering ARCHITECTURE.md states, read from the source (part of test)
  gen                     regenerate the committed completion scripts and man pages
                          (crates/cli/completions/, crates/cli/doc/)
  bench [GROUP...]        ecsrole vs the AWS CLI, boto3, a warm client and process start;
                          verify; fleet check (10/100/1000 accounts) vs a signed load; fleet
                          apply with managed policies (100/500/1000 accounts; a row whose
                          moto would not fit in memory is SKIPPED, saying so); on moto (fails
                          when a row FAILED). GROUPs: check evaluator apply verify
                          diagnose fleet-check fleet-apply (all when none is named)
  demo                    check (drift) -> plan -> apply -> check -> verify -> destroy on the emulator
  emulator start          install (once) and start moto server on a free 127.0.0.1 port
  emulator stop           stop the emulator this project started
  emulator status         is it running, and where
  emulator env            shell exports that point ecsrole at it: eval \"$(cargo xtask emulator env)\"
                          (each takes --backend moto|localstack; moto by default)
";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Moto,
    LocalStack,
}

/// Takes `--backend NAME` out of `args`.
fn backend(args: &mut Vec<&str>) -> Result<Option<Backend>> {
    let Some(i) = args.iter().position(|a| *a == "--backend") else {
        return Ok(None);
    };
    let name = args.get(i + 1).copied().unwrap_or("");
    let b = match name {
        "moto" => Backend::Moto,
        "localstack" => Backend::LocalStack,
        other => bail!("unknown backend {other:?}: expected moto or localstack"),
    };
    args.drain(i..=i + 1);
    Ok(Some(b))
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let mut args: Vec<&str> = raw.iter().map(String::as_str).collect();
    let chosen = match backend(&mut args) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(code) = reexec_with_docker(chosen, &raw) {
        return code;
    }
    let result = match (args.as_slice(), chosen) {
        (["test", rest @ ..], b) => test::test(rest, b),
        (["__hold", how], _) => test::hold(how),
        (["demo"], _) => demo(),
        (["gen"], _) => generate(),
        (["layers"], _) => layers::check(&project_root()),
        (["dist", "--check"], _) => dist::check(),
        (["dist", rest @ ..], _) => dist::cli(rest),
        (["bench", only @ ..], _) => bench::run(only),
        (["emulator", "start"], None | Some(Backend::Moto)) => {
            emulator::start(true).map(|e| println!("moto server running at {}", e.url))
        }
        (["emulator", "stop"], None | Some(Backend::Moto)) => emulator::stop(),
        (["emulator", "status"], None | Some(Backend::Moto)) => emulator::status(),
        (["emulator", "env"], None | Some(Backend::Moto)) => emulator::print_env(),
        (["emulator", "start"], Some(Backend::LocalStack)) => {
            localstack::start(localstack::Where::Any, true).map(|l| println!("{}", l.describe()))
        }
        (["emulator", "stop"], Some(Backend::LocalStack)) => localstack::stop(),
        (["emulator", "status"], Some(Backend::LocalStack)) => localstack::status(),
        (["emulator", "env"], Some(Backend::LocalStack)) => localstack::print_env(),
        ([] | ["help" | "--help" | "-h"], _) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => {
            eprint!("unknown task {other:?}\n\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, from this crate's manifest directory.
pub fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

/// The git-ignored folder the project owns for venvs, emulator state and logs.
pub fn state_dir() -> PathBuf {
    project_root().join(".ecsrole-state")
}

fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.current_dir(project_root());
    cmd
}

/// Waits until `ready()` for a server just started as group `pgid`; kills it and fails
/// naming `what` and its log when it exits or does not answer within `secs`.
fn wait_ready(
    pgid: u32,
    ready: impl Fn() -> bool,
    what: &str,
    secs: u64,
    log: &Path,
) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !ready() {
        if let Some(status) = proc::exited(pgid)? {
            bail!("{what} exited ({status}); see {}", log.display());
        }
        if std::time::Instant::now() > deadline {
            proc::stop_group(pgid, what, std::time::Duration::from_secs(5))?;
            bail!(
                "{what} did not answer within {secs}s; see {}",
                log.display()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    Ok(())
}

/// Builds every binary of the workspace (the feature selection the tests use too, so a
/// crate is not compiled twice for a profile) and returns the executables of the targets
/// `names`, where cargo says it put them: right with `CARGO_TARGET_DIR` too.
fn built_bins<const N: usize>(release: bool, names: [&str; N]) -> Result<[PathBuf; N]> {
    let mut build = cargo();
    build.args([
        "build",
        "--quiet",
        "--workspace",
        "--bins",
        "--message-format=json-render-diagnostics",
    ]);
    if release {
        build.arg("--release");
    }
    let shown = format!("{build:?}");
    eprintln!("xtask: $ {shown}");
    let out = build
        .stderr(std::process::Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    if !out.status.success() {
        bail!("{shown} failed ({})", out.status);
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let built: Vec<(String, PathBuf)> = stdout
        .lines()
        .filter(|line| json::field(line, "reason") == Some("\"compiler-artifact\""))
        .filter_map(|line| {
            let name = json::string(json::field(json::field(line, "target")?, "name")?)?;
            let exe = json::string(json::field(line, "executable")?)?;
            Some((name, PathBuf::from(exe)))
        })
        .collect();
    let paths = names
        .iter()
        .map(|name| {
            built
                .iter()
                .find_map(|(n, exe)| (n == name).then(|| exe.clone()))
                .with_context(|| format!("{shown} reported no executable named {name}"))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(paths.try_into().expect("one path per name"))
}

fn run(mut cmd: Command) -> Result<()> {
    let shown = format!("{cmd:?}");
    eprintln!("xtask: $ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// LocalStack in Docker is started through testcontainers, which only the `docker` feature
/// compiles (machines without an engine never build it). When an engine answers and this
/// xtask lacks the feature, run it again with the feature; `None`: carry on here.
fn reexec_with_docker(chosen: Option<Backend>, raw: &[String]) -> Option<ExitCode> {
    if cfg!(feature = "docker")
        || chosen != Some(Backend::LocalStack)
        || std::env::var_os("ECSROLE_LOCALSTACK_URL").is_some()
        || !raw.iter().any(|a| a == "start" || a == "test")
        || !localstack::docker::reachable()
    {
        return None;
    }
    eprintln!("xtask: a Docker engine answers: running xtask again with testcontainers");
    let mut cmd = cargo();
    cmd.args([
        "run",
        "--quiet",
        "--package",
        "xtask",
        "--features",
        "docker",
        "--",
    ])
    .args(raw);
    Some(match cmd.status() {
        Ok(s) if s.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("xtask: error: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    })
}

/// Rewrites the completion scripts and man pages through the very test that checks them
/// (`ecsrole::docs`), with the same cargo arguments as the unit tests so nothing rebuilds.
fn generate() -> Result<()> {
    let mut cmd = cargo();
    cmd.args(["test", "--workspace", "--lib", "--bins", "--quiet", "--"])
        .arg("docs::tests::generated_docs_are_fresh")
        .env("ECSROLE_GEN", "1");
    run(cmd)?;
    eprintln!("xtask: wrote crates/cli/completions/ and crates/cli/doc/");
    Ok(())
}

fn demo() -> Result<()> {
    let [bin] = built_bins(false, ["ecsrole"])?;
    let emulator = emulator::ensure()?;
    let steps: [(&str, &[&str]); 6] = [
        ("Is the role there? (drift expected: exit 2)", &["check"]),
        ("What would apply change?", &["plan"]),
        ("Make the changes", &["apply"]),
        (
            "Check again (compliant: exit 0)",
            &["check", "--output", "json"],
        ),
        (
            "Prove it with AWS Batch: compute environment, queue, job; then tear down",
            &["verify", "--level", "job"],
        ),
        ("Clean up what ecsrole created", &["destroy"]),
    ];
    let mut outcome = Ok(());
    for (what, args) in steps {
        println!("\n=== {what}\n$ ecsrole {}", args.join(" "));
        let mut cmd = Command::new(&bin);
        cmd.args(args);
        emulator::point_at(&mut cmd, &emulator.url);
        let status = cmd.status().context("cannot run ecsrole")?;
        println!("(exit code {})", status.code().unwrap_or(-1));
        if status.code().is_none_or(|c| c == 1) {
            outcome = Err(anyhow::anyhow!("ecsrole {} failed", args.join(" ")));
            break;
        }
    }
    drop(emulator);
    outcome
}
