//! The `ecsrole` command line: argument parsing, rendering, exit codes. Thin: the work is
//! done by `ecsrole-core`.

mod args;
mod config;
pub mod docs;
mod fleet;
mod junit;
mod render;
mod verify;

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches};
use ecsrole_core::{
    ApplyOptions, Aws, AwsOptions, Desired, DesiredInput, Engine, Iam, Partition, PlanOptions,
};

pub use args::{Cli, Command, Output};

/// Exit codes: 2 always means drift (or pending changes), never a usage error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_ERROR: u8 = 1;
pub const EXIT_DRIFT: u8 = 2;
/// `verify` showed the role does not work.
pub const EXIT_ROLE_BROKEN: u8 = 3;

/// The `ecsrole` binary's whole `main`.
pub fn main() -> ExitCode {
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m).map(|cli| (cli, m)));
    let cli = match parsed {
        Ok((mut cli, matches)) => {
            // Completions need no options: a broken ./ecsrole.toml must not stop them.
            if !matches!(cli.command, Command::Completions(_))
                && let Err(e) = config::apply(&mut cli, &matches)
            {
                eprintln!("error: {e:#}");
                return ExitCode::from(EXIT_ERROR);
            }
            cli
        }
        Err(e) => {
            // Help and version go to stdout with 0; usage errors exit 1 so that 2 stays "drift".
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_ERROR } else { EXIT_OK });
        }
    };
    init_tracing(cli.common.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let code = runtime.block_on(run(cli));
    // Do not wait for SDK background tasks (connection pools) once the answer is out.
    runtime.shutdown_background();
    ExitCode::from(code)
}

fn init_tracing(verbose: u8) {
    use tracing_subscriber::filter::{LevelFilter, Targets};
    use tracing_subscriber::prelude::*;
    let (own, sdk) = match verbose {
        0 => (LevelFilter::WARN, LevelFilter::OFF),
        1 => (LevelFilter::INFO, LevelFilter::OFF),
        2 => (LevelFilter::DEBUG, LevelFilter::WARN),
        _ => (LevelFilter::DEBUG, LevelFilter::DEBUG),
    };
    let filter = Targets::new()
        .with_target("ecsrole", own)
        .with_target("ecsrole_core", own)
        .with_target("aws_config", sdk)
        .with_target("aws_smithy_runtime", sdk)
        .with_target("aws_sdk_iam", sdk);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(verbose >= 2),
        )
        .with(filter)
        .try_init();
}

/// Runs a parsed command line; returns the exit code. Errors go to stderr.
pub async fn run(cli: Cli) -> u8 {
    let started = Instant::now();
    let mut report = junit::Reporter::default();
    let (code, error) = match execute(&cli, &mut report).await {
        Ok(code) => (code, None),
        Err(e) => {
            eprintln!("error: {e:#}");
            (EXIT_ERROR, Some(format!("{e:#}")))
        }
    };
    // Written whatever the outcome, once --report was accepted.
    match report.write(&cli.command, error.as_deref(), started.elapsed()) {
        Ok(()) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_ERROR
        }
    }
}

pub(crate) fn print(cli: &Cli, text: &str) {
    if cli.common.quiet && cli.common.output == Output::Human {
        return;
    }
    write_stdout(text.as_bytes());
}

fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`ecsrole check | head -1`) is not an error worth a panic.
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

async fn execute(cli: &Cli, report: &mut junit::Reporter) -> anyhow::Result<u8> {
    // Like --help: no configuration, no AWS.
    if let Command::Completions(a) = &cli.command {
        write_stdout(&docs::completions(a.shell));
        return Ok(EXIT_OK);
    }
    let c = &cli.common;
    report.arm(c.report.as_deref(), &cli.command)?;
    let partition = c
        .partition
        .as_deref()
        .map(str::parse::<Partition>)
        .transpose()?;
    let input = DesiredInput {
        role_name: Some(c.role_name.clone()),
        instance_profile_name: c.instance_profile_name.clone(),
        path: Some(c.path.clone()),
        extra_policies: c.extra_policies.clone(),
        tags: c.tags.clone(),
    };
    // Everything that can be checked without AWS is checked before the configuration is
    // even loaded; a policy ARN's partition only once the partition is known.
    let known = partition.or(c.region.as_deref().map(Partition::from_region));
    let validated = Desired::new(input.clone(), known.unwrap_or(Partition::Aws));
    if let Err(e) = &validated
        && (known.is_some() || e.what != "policy ARN")
    {
        return Err(e.clone().into());
    }
    if let Command::Permissions(a) = &cli.command {
        let policy = permissions(a, &validated?, &c.assume_role_name);
        print(cli, &render::json(&policy));
        return Ok(EXIT_OK);
    }
    let default_timeout = if matches!(cli.command, Command::Verify(_)) {
        900
    } else {
        120
    };
    let timeout = c.timeout.unwrap_or(default_timeout);
    let bound = Duration::from_secs(timeout);
    let aws = Aws::load(&AwsOptions {
        region: c.region.clone(),
        profile: c.profile.clone(),
        endpoint_url: c.endpoint_url.clone(),
        partition,
        call_timeout: Some(bound),
    })
    .await?;
    let accounts = fleet::accounts(cli)?;
    if !accounts.is_empty() {
        return fleet::run(cli, &aws, accounts, input, bound, report).await;
    }
    let desired = Desired::new(input, aws.partition)?;
    let engine = Engine::new(Iam::new(&aws), desired);
    let work = match &cli.command {
        Command::Verify(a) => return verify::run(cli, a, &aws, engine, bound, report).await,
        Command::Cleanup(a) => return verify::cleanup(cli, a, &aws, engine, bound).await,
        Command::Completions(_) => anyhow::bail!("completions are printed before this"),
        Command::Check
        | Command::Plan(_)
        | Command::Apply(_)
        | Command::Destroy(_)
        | Command::Permissions(_) => role_command(cli, &engine, report),
    };
    match tokio::time::timeout(bound, work).await {
        Ok(result) => result,
        Err(_) => anyhow::bail!(aws.calls.timed_out(bound)),
    }
}

/// The policy `ecsrole permissions` prints, from the core's one table.
fn permissions(
    a: &args::PermissionsArgs,
    desired: &Desired,
    assume_role_name: &str,
) -> serde_json::Value {
    use ecsrole_core::permissions::{self, Command as P};
    // clap admits only the table's command names and `all`.
    let commands: Vec<P> = if a.commands.iter().any(|c| c == "all") {
        P::ALL.to_vec()
    } else {
        a.commands.iter().filter_map(|c| P::parse(c)).collect()
    };
    permissions::policy(&commands, desired, assume_role_name)
}

/// Prints a result as JSON or as human text.
fn emit<T: serde::Serialize>(cli: &Cli, value: &T, human: impl FnOnce(&T) -> String) {
    let text = match cli.common.output {
        Output::Json => render::json(value),
        Output::Human => human(value),
    };
    print(cli, &text);
}

/// check, plan, apply, destroy: bounded as a whole by `--timeout`.
async fn role_command(
    cli: &Cli,
    engine: &Engine,
    reporter: &mut junit::Reporter,
) -> anyhow::Result<u8> {
    Ok(match &cli.command {
        Command::Check => {
            let report = engine.check().await?;
            emit(cli, &report, render::check);
            reporter.set(junit::check(&report));
            if report.compliant {
                EXIT_OK
            } else {
                EXIT_DRIFT
            }
        }
        Command::Plan(a) => {
            let opts = PlanOptions {
                replace_profile_role: a.replace_profile_role,
            };
            let plan = engine.plan(opts).await?;
            emit(cli, &plan, render::plan);
            reporter.set(junit::plan(&plan, "plan"));
            if plan.actions.is_empty() {
                EXIT_OK
            } else {
                EXIT_DRIFT
            }
        }
        Command::Apply(a) => {
            let opts = ApplyOptions {
                plan: PlanOptions {
                    replace_profile_role: a.change.replace_profile_role,
                },
                wait: (!a.no_wait).then_some(Duration::from_secs(a.wait_timeout)),
            };
            let applied = engine.apply(opts).await?;
            emit(cli, &applied, render::plan);
            reporter.set(junit::plan(&applied, "apply"));
            EXIT_OK
        }
        Command::Destroy(a) => {
            let out = engine.destroy(a.force).await?;
            emit(cli, &out, render::destroy);
            EXIT_OK
        }
        Command::Verify(_)
        | Command::Cleanup(_)
        | Command::Permissions(_)
        | Command::Completions(_) => {
            anyhow::bail!("verify, cleanup, permissions and completions are not role commands")
        }
    })
}
