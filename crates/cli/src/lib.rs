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
mod fleet;
mod input;
mod outcome;
mod process;
mod render;
mod report;
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
pub(crate) use input::{desired_input, fleet_selection, validate_early};
pub(crate) use process::write_stdout;
pub(crate) use role::{permissions, role_command};

/// Runs a parsed command line; returns the exit code. Errors go to stderr.
pub async fn run(cli: Cli) -> u8 {
    let started = Instant::now();
    let mut report = report::Reporter::default();
    let mut known = Known::default();
    let (mut code, error) = match execute(&cli, &mut report, &mut known).await {
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
    let out = cli.command.out();
    if out.is_some_and(|o| o.fail_on == args::FailOn::Warning) {
        code = ci::fail_on_warning(&report.ci, code);
    }
    if report.ci.partition.is_none() {
        report.ci.partition = known.partition.map(|p| p.to_string());
    }
    let name = cli.command.name();
    let sarif = || {
        let doc = ci::sarif(
            &report.ci,
            name,
            code,
            error.as_deref(),
            &sarif_location(&cli),
        );
        format!("{}\n", render::json(&doc))
    };
    // Only the commands that make SARIF write it: another refuses --output sarif before
    // any call, and prints no log beside that refusal.
    if format(&cli) == Output::Sarif
        && matches!(
            cli.command,
            Command::Check(_) | Command::Plan(_) | Command::Diagnose(_)
        )
    {
        write_stdout(sarif().as_bytes());
    }
    let mut failed = false;
    if let Some(path) = out.and_then(|o| o.sarif.as_deref()) {
        // Only a run that decided writes a log: an error (exit 1) leaves no file at all,
        // not even an older one, so nothing can be uploaded as "no findings".
        let written = if code == EXIT_ERROR || error.is_some() {
            ci::remove_stale(path)
        } else {
            std::fs::write(path, sarif())
                .map_err(|e| anyhow::anyhow!("cannot write SARIF log {}: {e}", path.display()))
        };
        if let Err(e) = written {
            eprintln!("error: {e:#}");
            failed = true;
        }
    }
    if let Some(path) = ci::summary_path(out.and_then(|o| o.summary.as_deref())) {
        let md = ci::markdown(&report.ci, name, code, error.as_deref());
        if let Err(e) = ci::append(&path, &md) {
            eprintln!("error: {e:#}");
            failed = true;
        }
    }
    // Written whatever the outcome, once --report was accepted.
    match report.write(name, error.as_deref(), started.elapsed()) {
        Ok(()) if !failed => code,
        Ok(()) => EXIT_ERROR,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_ERROR
        }
    }
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

/// The repository file SARIF results point at (see [`ci::location`]).
fn sarif_location(cli: &Cli) -> String {
    let config = cli.command.config().and_then(|c| c.config.as_deref());
    ci::location(config, std::env::var("GITHUB_WORKFLOW_REF").ok().as_deref())
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
    let input = desired_input(command);
    let partition = command
        .policies()
        .and_then(|(_, p)| p)
        .map(str::parse::<Partition>)
        .transpose()?;
    validate_early(&input, partition, aws_args.region.as_deref())?;
    let makes_sarif = matches!(
        command,
        Command::Check(_) | Command::Plan(_) | Command::Diagnose(_)
    );
    if format(cli) == Output::Sarif && !makes_sarif {
        return Err(BadInput(format!(
            "--output sarif is for check, plan and diagnose (and their fleet runs), not {}: expected human or json",
            command.name()
        ))
        .into());
    }
    if let Some(path) = command.out().and_then(|o| o.sarif.as_ref())
        && !makes_sarif
    {
        return Err(BadInput(format!(
            "--sarif {} is for check, plan and diagnose (and their fleet runs), not {}",
            path.display(),
            command.name()
        ))
        .into());
    }
    if let Command::Verify(_) = command
        && input.kind != ecsrole_core::RoleKind::EcsEc2
    {
        return Err(ecsrole_core::InputError::new(
            "kind",
            input.kind.as_str(),
            "ecs-ec2: verify proves the role on an EC2 compute environment; an ECS_MANAGED_INSTANCES one also needs an infrastructure role and capacity ecsrole does not create (check it with check --kind ecs-managed-instances and diagnose)",
        )
        .into());
    }
    if let Command::Destroy(a) = command
        && let Some(r) = &a.regions
    {
        ecsrole_core::fleet::parse_regions(r)?;
    }
    // Fleet mode: the accounts and the organisation's selection, checked before any call.
    let fleet_selection = match command.fleet() {
        Some(f) => fleet_selection(f)?,
        None => None,
    };
    let bound = aws_args
        .timeout
        .map_or_else(|| command.default_timeout(), Duration::from_secs);
    let aws = Aws::load(&AwsOptions {
        region: aws_args.region.clone(),
        profile: aws_args.profile.clone(),
        endpoint_url: aws_args.endpoint_url.clone(),
        partition,
        call_timeout: Some(bound),
    })
    .await?;
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
