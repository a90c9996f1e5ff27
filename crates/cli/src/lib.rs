//! The `ecsrole` command line: argument parsing, rendering, exit codes. Thin: the work is
//! done by `ecsrole-core`.

mod args;
mod ci;
mod config;
mod diagnose;
pub mod docs;
mod fleet;
mod render;
mod report;
mod verify;

use std::io::Write;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{CommandFactory, FromArgMatches};
use ecsrole_core::scp::{NotEvaluated, Scps};
use ecsrole_core::{Aws, AwsOptions, Desired, DesiredInput, Engine, Iam, Partition, PlanOutcome};

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
            // Completions take no --config: a broken ./ecsrole.toml does not stop them.
            if let Err(e) = config::apply(&mut cli, &matches) {
                eprintln!("error: {e:#}");
                if format(&cli) == Output::Json {
                    let doc =
                        error_document(&cli, "invalid_input", &format!("{e:#}"), &Known::default());
                    write_stdout(render::document(&doc).as_bytes());
                }
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
    init_tracing(cli.command.verbosity());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // The SDK's call chains are deep, and debug builds' frames large: 2 MiB (tokio's
        // default) is not enough for verify's flow there. Only what is used is resident.
        .thread_stack_size(8 << 20)
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
                .with_ansi(colour(
                    std::io::IsTerminal::is_terminal(&std::io::stderr()),
                    std::env::var_os("NO_COLOR").as_deref(),
                ))
                .with_target(verbose >= 2),
        )
        .with(filter)
        .try_init();
}

/// Colour on stderr only on a terminal, and not when `NO_COLOR` is set to anything but the
/// empty string (<https://no-color.org>).
fn colour(terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    terminal && no_color.is_none_or(|v| v.is_empty())
}

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
                let doc = error_document(&cli, error_kind(&e), &format!("{e:#}"), &known);
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
    if format(&cli) == Output::Sarif {
        let doc = ci::sarif(&report.ci, name, code, error.as_deref());
        write_stdout(format!("{}\n", render::json(&doc)).as_bytes());
    }
    let mut failed = false;
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

/// The output format (human for commands without `--output`).
pub(crate) fn format(cli: &Cli) -> Output {
    cli.command.out().map_or(Output::Human, |o| o.output)
}

/// What the role options ask for (defaults where the command has none).
fn desired_input(command: &Command) -> DesiredInput {
    let mut input = DesiredInput::default();
    if let Some(r) = command.role() {
        input.instance_profile_name = r.names.instance_profile_name.clone();
        input.role_name = Some(r.names.role_name.clone());
        input.path = Some(r.path.clone());
        input.kind = ecsrole_core::RoleKind::parse(&r.kind).unwrap_or_default();
    }
    if let Some((extra, _)) = command.policies() {
        input.extra_policies = extra.to_vec();
    }
    if let Command::Destroy(a) = command {
        input.role_name = Some(a.names.role_name.clone());
        input.instance_profile_name = a.names.instance_profile_name.clone();
    }
    if let Some(t) = command.tags() {
        input.tags = t.tags.clone();
    }
    input
}

/// Validates the role options before any call. A policy ARN's partition can only be
/// checked once the partition is known: from --partition or the region, else (the
/// region comes from the AWS configuration) after it is loaded.
fn validate_early(
    input: &DesiredInput,
    partition: Option<Partition>,
    region: Option<&str>,
) -> anyhow::Result<Option<Partition>> {
    let known = partition.or(region.map(Partition::from_region));
    if let Err(e) = Desired::new(input.clone(), known.unwrap_or(Partition::Aws))
        && (known.is_some() || e.what != "policy ARN")
    {
        return Err(e.into());
    }
    Ok(known)
}

fn write_stdout(bytes: &[u8]) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`ecsrole check | head -1`) is not an error worth a panic.
    let _ = out.write_all(bytes).and_then(|()| out.flush());
}

/// What a run had learnt when it failed, for the JSON error object.
#[derive(Debug, Default)]
struct Known {
    region: Option<String>,
    partition: Option<Partition>,
}

/// `work`, bounded by `bound`: its output, or past the bound `Calls::timed_out`'s words for
/// what was in flight. Every whole-command bound (single-account and fleet targets) is
/// this one.
pub(crate) async fn within<T>(
    aws: &Aws,
    bound: Duration,
    work: impl std::future::Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(bound, work)
        .await
        .map_err(|_| aws.calls.timed_out(bound))
}

/// [`within`] for a command's whole run: past the bound (and `grace`), the command's
/// timeout error.
async fn bounded<T>(
    aws: &Aws,
    bound: Duration,
    grace: Duration,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    match tokio::time::timeout(bound + grace, work).await {
        Ok(result) => result,
        Err(_) => Err(CommandTimedOut(aws.calls.timed_out(bound)).into()),
    }
}

/// A whole command cut short by `--timeout` (kind `timeout`): `Calls::timed_out`'s words.
#[derive(Debug)]
pub(crate) struct CommandTimedOut(pub(crate) String);

impl std::fmt::Display for CommandTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandTimedOut {}

/// Input the CLI itself refuses (kind `invalid_input`), before any call.
#[derive(Debug)]
pub(crate) struct BadInput(pub(crate) String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// The stable `kind` of a failure: the first error in its chain that has one.
fn error_kind(e: &anyhow::Error) -> &'static str {
    for cause in e.chain() {
        if let Some(e) = cause.downcast_ref::<ecsrole_core::Error>() {
            return e.kind();
        }
        if let Some(e) = cause.downcast_ref::<ecsrole_batch::Error>() {
            return e.kind();
        }
        if cause.is::<ecsrole_core::InputError>() || cause.is::<BadInput>() {
            return "invalid_input";
        }
        if cause.is::<CommandTimedOut>() {
            return "timeout";
        }
        if cause.is::<std::io::Error>() {
            return "io_error";
        }
    }
    "error"
}

/// The one JSON object every command prints on stdout when it fails with `--output json`.
fn error_document(cli: &Cli, kind: &str, message: &str, known: &Known) -> serde_json::Value {
    serde_json::json!({
        "command": cli.command.name(),
        "error": {
            "kind": kind,
            "message": message,
        },
        "region": known.region,
        "partition": known.partition.map(|p| p.as_str()),
        "account_id": serde_json::Value::Null,
    })
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
    if format(cli) == Output::Sarif
        && !matches!(
            command,
            Command::Check(_) | Command::Plan(_) | Command::Diagnose(_)
        )
    {
        return Err(BadInput(format!(
            "--output sarif is for check, plan and diagnose (and their fleet runs), not {}: expected human or json",
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
        let engine = Engine::new(Iam::new(&aws), desired);
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

/// Fleet mode's selection, validated before any call: `None` when no fleet option was
/// given (a run in the caller's own account). A selection that was given always stays
/// fleet mode: one that can only end with no account (no organisation listing asked for,
/// every account given excluded, or none given at all: an empty `--accounts` file) is an
/// error here, before any call, never a run in the caller's own account.
fn fleet_selection(
    f: &args::FleetArgs,
) -> anyhow::Result<Option<(Vec<String>, ecsrole_core::org::OrgSelection)>> {
    let (accounts, sel) = (fleet::accounts(f)?, fleet::org_selection(f)?);
    if !f.asked() {
        return Ok(None);
    }
    let left = accounts.iter().filter(|a| !sel.exclude.contains(a)).count();
    if sel.is_empty() && left == 0 {
        let mut given = vec![];
        if !f.accounts.is_empty() {
            given.push(format!("--account {}", f.accounts.join(" --account ")));
        }
        if let Some(path) = &f.accounts_file {
            given.push(format!("--accounts {}", path.display()));
        }
        if !f.exclude_accounts.is_empty() {
            given.push(format!(
                "--exclude-account {}",
                f.exclude_accounts.join(" --exclude-account ")
            ));
        }
        let given = if given.is_empty() {
            "an empty selection in the config file".to_owned()
        } else {
            given.join(", ")
        };
        return Err(BadInput(format!(
            "no account to run in: the fleet selection ({given}) gives {} account id{} and excludes {}; \
             expected at least one account id that is not excluded (nothing was sent: an empty \
             selection never runs in the caller's own account)",
            accounts.len(),
            if accounts.len() == 1 { "" } else { "s" },
            accounts.len() - left,
        ))
        .into());
    }
    Ok(Some((accounts, sel)))
}

/// The policy `ecsrole permissions` prints, from the core's one table.
fn permissions(a: &args::PermissionsArgs, desired: &Desired) -> serde_json::Value {
    use ecsrole_core::command::Command as P;
    use ecsrole_core::permissions;
    // clap admits only the table's command names and `all`.
    let commands: Vec<P> = if a.commands.iter().any(|c| c == "all") {
        P::ALL.to_vec()
    } else {
        a.commands.iter().filter_map(|c| P::parse(c)).collect()
    };
    permissions::policy(&commands, desired, &a.assume_role_name)
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

/// What destroy would delete and what stops it: the engine's reads and refusals, then,
/// when the instance profile exists, the compute environments in `--regions` that use it
/// (a failed read of them is a refusal too: what cannot be seen may be in use).
async fn destroy_plan(
    cli: &Cli,
    a: &args::DestroyArgs,
    aws: &Aws,
    engine: &Engine,
) -> anyhow::Result<ecsrole_core::DestroyPlan> {
    use ecsrole_core::Error as E;
    let mut plan = engine.destroy_plan(a.force).await?;
    // Nothing to protect; or refused already (a dry run lists every refusal).
    if plan.profile_arn.is_none() || (plan.stopped() && !a.dry_run) {
        return Ok(plan);
    }
    let regions = match &a.regions {
        Some(r) => ecsrole_core::fleet::parse_regions(r)?,
        None => vec![
            aws.config
                .region()
                .map(|r| r.as_ref().to_owned())
                .unwrap_or_default(),
        ],
    };
    let profile = plan.instance_profile_name.clone();
    match ecsrole_batch::in_use::environments_using(aws, &regions, &profile).await {
        Ok(usage) => {
            if !usage.users.is_empty() {
                plan.refuse(&E::ProfileInUse {
                    profile: profile.clone(),
                    environments: usage.users.iter().map(ToString::to_string).collect(),
                });
            }
            if !usage.no_batch.is_empty() && !cli.command.out().is_some_and(|o| o.quiet) {
                eprintln!(
                    "note: {} has no Batch API (HTTP 501) in {}: no compute environment there can use instance profile {profile}",
                    aws.endpoint_name("Batch"),
                    usage.no_batch.join(", ")
                );
            }
        }
        Err(e) => plan.refuse(&E::ProfileUseUnknown {
            profile,
            detail: e.to_string(),
        }),
    }
    Ok(plan)
}

/// check's exit code: 1 when a question about the role's policies was not decided (a
/// verdict cannot rest on it), else 0 compliant, 2 drift.
pub(crate) fn check_code(report: &ecsrole_core::findings::Report) -> u8 {
    match report.standing() {
        ecsrole_core::Standing::Compliant => EXIT_OK,
        ecsrole_core::Standing::Drift => EXIT_DRIFT,
        ecsrole_core::Standing::Undecided => EXIT_ERROR,
    }
}

/// plan's exit code: 1 when a question was not decided (nothing can be said of the role),
/// else 2 when there are changes to make, 0 when there are none.
pub(crate) fn plan_code(plan: &PlanOutcome) -> u8 {
    if !plan.undecided.is_empty() {
        EXIT_ERROR
    } else if plan.actions.is_empty() {
        EXIT_OK
    } else {
        EXIT_DRIFT
    }
}

/// apply's exit code, after its writes and their re-read: 0 only when the re-read finds no
/// error and decides every question; else 1 (not proven: as "apply did not converge").
pub(crate) fn apply_code(applied: &PlanOutcome) -> u8 {
    if applied.undecided.is_empty() && !applied.findings.iter().any(|f| f.is_error()) {
        EXIT_OK
    } else {
        EXIT_ERROR
    }
}

/// check, plan, apply, destroy: bounded as a whole by `--timeout`.
async fn role_command(
    cli: &Cli,
    aws: &Aws,
    engine: &Engine,
    reporter: &mut report::Reporter,
) -> anyhow::Result<u8> {
    Ok(match &cli.command {
        Command::Check(_) => {
            let report = engine.check().await?;
            let not_evaluated = Scps::single_account().not_evaluated();
            let out = render::CheckOutput {
                report: &report,
                not_evaluated: &not_evaluated,
            };
            emit(cli, &out, |o| render::check(o.report));
            if format(cli) == Output::Human {
                note(cli, &not_evaluated);
            }
            reporter.set(report::check(&report));
            let code = check_code(&report);
            reporter.record(aws, code, &out);
            code
        }
        Command::Plan(a) => {
            let plan = engine.plan(a.change.plan_options()).await?;
            emit(cli, &plan, render::plan);
            reporter.set(report::plan(&plan, "plan"));
            let code = plan_code(&plan);
            reporter.record(aws, code, &plan);
            code
        }
        Command::Apply(a) => {
            let applied = engine.apply(a.options()).await?;
            emit(cli, &applied, render::plan);
            reporter.set(report::plan(&applied, "apply"));
            let code = apply_code(&applied);
            reporter.record(aws, code, &applied);
            code
        }
        Command::Destroy(a) => {
            let plan = destroy_plan(cli, a, aws, engine).await?;
            if a.dry_run {
                emit(cli, &plan, render::destroy_plan);
                return Ok(if plan.stopped() { EXIT_ERROR } else { EXIT_OK });
            }
            let out = engine.destroy(plan).await?;
            emit(cli, &out, render::destroy);
            EXIT_OK
        }
        other => anyhow::bail!("{} is not a role command", other.name()),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn colour_on_a_terminal_unless_no_color_is_set() {
        use std::ffi::OsStr;
        assert!(super::colour(true, None));
        assert!(super::colour(true, Some(OsStr::new(""))), "empty: not set");
        assert!(!super::colour(true, Some(OsStr::new("1"))));
        assert!(!super::colour(false, None), "a pipe or a file");
    }
}
