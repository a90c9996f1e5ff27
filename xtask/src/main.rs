//! Project tasks: `cargo xtask <task>`. Run without arguments for the list.
//!
//! Std only (plus anyhow) so this compiles in seconds; shelling out goes through
//! `std::process::Command`.

#![allow(clippy::print_stdout)] // a command-line tool: stdout is its output

mod bench;
mod emulator;
mod http;
mod tools;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
cargo xtask <task>

tasks:
  test [-- FILTER...]     fmt check, clippy -D warnings, unit tests, then the integration
                          tests against moto server (started if none runs, stopped after),
                          with the pinned test tools (xtask/requirements-tools.txt) in a venv
  bench                   ecsrole vs the AWS CLI, verify, fleet check (10/100/1000 accounts) on moto
  demo                    check (drift) -> plan -> apply -> check -> verify -> destroy on the emulator
  emulator start          install (once) and start moto server on a free 127.0.0.1 port
  emulator stop           stop the emulator this project started
  emulator status         is it running, and where
  emulator env            shell exports that point ecsrole at it: eval \"$(cargo xtask emulator env)\"
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match args.as_slice() {
        ["test", rest @ ..] => test(rest),
        ["demo"] => demo(),
        ["bench"] => bench::run(),
        ["emulator", "start"] => {
            emulator::start().map(|e| println!("moto server running at {}", e.url))
        }
        ["emulator", "stop"] => emulator::stop(),
        ["emulator", "status"] => emulator::status(),
        ["emulator", "env"] => emulator::print_env(),
        [] | ["help" | "--help" | "-h"] => {
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

fn test(filter: &[&str]) -> Result<()> {
    let filter: Vec<&str> = filter.iter().copied().filter(|a| *a != "--").collect();
    let started = std::time::Instant::now();
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
    let mut unit = cargo();
    unit.args(["test", "--workspace", "--lib", "--bins"]);
    run(unit)?;

    let tools_python = tools::venv()?;
    let emulator = emulator::ensure()?;
    let mut it = cargo();
    it.args(["test", "--workspace", "--test", "it", "--"])
        .args(&filter);
    it.env("ECSROLE_TEST_ENDPOINT", &emulator.url)
        .env(tools::PYTHON_ENV, &tools_python);
    if std::env::var_os("CI").is_some() {
        it.env("INSTA_UPDATE", "no");
    }
    let result = run(it);
    if emulator.started_here {
        emulator::stop()?;
    }
    result?;
    eprintln!("xtask: all checks passed in {:.0?}", started.elapsed());
    Ok(())
}

fn demo() -> Result<()> {
    let mut build = cargo();
    build.args(["build", "--quiet", "--package", "ecsrole"]);
    run(build)?;
    let emulator = emulator::ensure()?;
    let bin = project_root().join("target/debug/ecsrole");
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
    if emulator.started_here {
        emulator::stop()?;
    }
    outcome
}
