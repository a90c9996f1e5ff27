//! The `ecsrole` command line: argument parsing, rendering, exit codes. Thin: the work is
//! done by `ecsrole-core`.

mod args;
mod bound;
mod ci;
mod config;
mod diagnose;
pub mod docs;
mod errors;
mod exit;
mod finish;
mod fleet;
mod input;
mod outcome;
mod process;
mod render;
mod report;
mod rescue;
mod role;
mod verify;

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches};
use ecsrole_core::scp::{NotEvaluated, Scps};
use ecsrole_core::{Aws, AwsOptions, Desired, DesiredInput, Engine, Iam, Partition, PlanOutcome};

pub use args::{Cli, Command, Output};
pub use exit::{EXIT_DRIFT, EXIT_ERROR, EXIT_OK, EXIT_ROLE_BROKEN};
pub use process::main;

pub(crate) use bound::{bounded, within};
pub(crate) use errors::{BadInput, CommandTimedOut, Known, error_document, error_kind};
pub(crate) use input::{Validated, desired_input, validate_early};
pub(crate) use process::write_stdout;
pub(crate) use role::{permissions, role_command};

/// Runs a parsed command line; returns the exit code. Errors go to stderr.
pub async fn run(cli: Cli) -> u8 {
    let started = Instant::now();
    let mut report = report::Reporter::default();
    let mut known = Known::default();
    let (code, error) = match execute(&cli, &mut report, &mut known).await {
        Ok(code) => (code, None),
        Err(e) => {
            eprintln!("error: {e:#}");
            if format(&cli) == Output::Json {
                let mut doc = error_document(&cli, error_kind(&e), &format!("{e:#}"), &known);
                errors::refusals_into(&e, &mut doc);
                write_stdout(render::document(&doc).as_bytes());
            }
            (EXIT_ERROR, Some(format!("{e:#}")))
        }
    };
    finish::outputs(&cli, report, &known, code, error.as_deref(), started)
}

pub(crate) fn print(cli: &Cli, text: &str) {
    if cli
        .command
        .out()
        .is_some_and(|o| (o.quiet && o.output == Output::Human) || o.output == Output::Sarif)
    {
        // SARIF: stdout holds the one log written when the run has ended.
        return;
    }
    write_stdout(text.as_bytes());
}

/// Where the run went, as the user chose it (flags or the config file merged into them):
/// what every hint carries besides the role (see [`ecsrole_core::Hint`]).
pub(crate) fn hint(cli: &Cli) -> ecsrole_core::Hint {
    let aws = cli.command.aws();
    let config = cli.command.config().and_then(|c| c.config.as_deref());
    let config = config.and_then(|p| p.to_str());
    ecsrole_core::Hint::at(&[
        ("--region", aws.and_then(|a| a.region.as_deref())),
        ("--profile", aws.and_then(|a| a.profile.as_deref())),
        (
            "--endpoint-url",
            aws.and_then(|a| a.endpoint_url.as_deref()),
        ),
        ("--config", config),
    ])
}

/// The output format (human for commands without `--output`).
pub(crate) fn format(cli: &Cli) -> Output {
    cli.command.out().map_or(Output::Human, |o| o.output)
}

async fn execute(
    cli: &Cli,
    report: &mut report::Reporter,
    known: &mut Known,
) -> anyhow::Result<u8> {
    let command = &cli.command;
    let aws_args = match command {
        // Like --help: no configuration, no AWS.
        Command::Completions(a) => {
            write_stdout(&docs::completions(a.shell));
            return Ok(EXIT_OK);
        }
        Command::Export(a) => {
            let input = desired_input(command);
            let partition = a.role.partition.as_deref().map(str::parse).transpose()?;
            let desired = Desired::new(input, partition.unwrap_or(Partition::Aws))?;
            let template = ecsrole_core::export::cloudformation(&desired);
            let text = match a.template_format {
                args::TemplateFormat::Yaml => ecsrole_core::export::yaml(&template),
                args::TemplateFormat::Json => render::json(&template),
            };
            match &a.output_file {
                Some(path) => std::fs::write(path, text).map_err(|e| {
                    anyhow::anyhow!("cannot write template {}: {e}", path.display())
                })?,
                None => write_stdout(text.as_bytes()),
            }
            return Ok(EXIT_OK);
        }
        Command::Permissions(a) => {
            let input = desired_input(command);
            let partition = a.role.partition.as_deref().map(str::parse).transpose()?;
            let known = validate_early(&input, partition, a.region.as_deref())?;
            let desired = Desired::new(input, known.unwrap_or(Partition::Aws))?;
            let policy = permissions(a, &desired);
            print(cli, &render::json(&policy));
            return Ok(EXIT_OK);
        }
        other => other
            .aws()
            .expect("every other command has the AWS options"),
    };
    report.arm(command.report(), command.name())?;
    let Validated {
        input,
        fleet_selection,
        bound,
        options,
    } = input::validate(cli, aws_args)?;
    let aws = Aws::load(&options).await?;
    known.region = aws.config.region().map(|r| r.as_ref().to_owned());
    known.partition = Some(aws.partition);
    let quiet = command.out().is_some_and(|o| o.quiet);
    // Said once the input is known good, before the first signed request.
    let say_where = || {
        if !quiet {
            for line in endpoint_notes(&aws) {
                eprintln!("note: {line}");
            }
        }
    };
    let result = async {
        if let Some(selection) = fleet_selection {
            Desired::new(input.clone(), aws.partition)?;
            say_where();
            return fleet::run(cli, &aws, selection, input, bound, report).await;
        }
        let desired = Desired::new(input, aws.partition)?;
        say_where();
        if let Command::Diagnose(a) = command {
            let work = diagnose::run(cli, a, &aws, &desired, report);
            return bounded(&aws, bound, Duration::ZERO, work).await;
        }
        if let Command::Rescue(a) = command {
            // Its waits end at --timeout with their own message; this catches a call still
            // running a moment after.
            let work = rescue::run(cli, a, &aws, &desired, bound, report);
            return bounded(&aws, bound, Duration::from_secs(5), work).await;
        }
        let engine = Engine::new(Iam::new(&aws), desired).with_hint(hint(cli));
        let work = match command {
            Command::Verify(a) => return verify::run(cli, a, &aws, engine, bound, report).await,
            Command::Cleanup(a) => {
                // Bounded as a whole: its waits end at --timeout with their own message;
                // this catches a call still running a moment after.
                let work = verify::cleanup(cli, a, &aws, engine, bound);
                return bounded(&aws, bound, Duration::from_secs(5), work).await;
            }
            _ => role_command(cli, &aws, &engine, report),
        };
        bounded(&aws, bound, Duration::ZERO, work).await
    }
    .await;
    if let Some(n) = aws.calls.clock().note()
        && !quiet
    {
        eprintln!("note: {n}");
    }
    result
}

/// Where signed requests go when that is not AWS (an emulator, a proxy, or a config that
/// redirects them): one line per endpoint, naming the services unless all go there.
fn endpoint_notes(aws: &Aws) -> Vec<String> {
    let foreign = aws.foreign_endpoints();
    foreign
        .iter()
        .map(|(url, services)| {
            if services.len() == ecsrole_core::aws::SERVICES.len() {
                format!("signed requests go to {url}, not to AWS")
            } else {
                format!(
                    "signed requests for {} go to {url}, not to AWS",
                    services.join(", ")
                )
            }
        })
        .collect()
}

/// The run's note of what it did not evaluate, on stderr (not with `--quiet`).
pub(crate) fn note(cli: &Cli, n: &NotEvaluated) {
    if !cli.command.out().is_some_and(|o| o.quiet) {
        eprintln!("note: {n}");
    }
}

/// Prints a result as JSON or as human text.
fn emit<T: serde::Serialize>(cli: &Cli, value: &T, human: impl FnOnce(&T) -> String) {
    let text = match format(cli) {
        Output::Json => render::document(value),
        Output::Human => human(value),
        Output::Sarif => return,
    };
    print(cli, &text);
}
