//! The role commands: check, plan, apply, destroy (with its in-use refusals), and the
//! permissions policy.

#[allow(unused_imports)]
use crate::*;

/// check, plan, apply, destroy: bounded as a whole by `--timeout`.
pub(crate) async fn role_command(
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
            let strict = cli
                .command
                .out()
                .is_some_and(|o| o.fail_on == args::FailOn::Warning);
            let hint = crate::hint(cli).with_role(engine.desired());
            emit(cli, &out, |o| render::check(o.report, strict, &hint));
            if format(cli) == Output::Human {
                note(cli, &not_evaluated);
            }
            crate::outcome::record(reporter, aws, &out)
        }
        Command::Plan(a) => {
            let plan = engine.plan(a.change.plan_options()).await?;
            let apply = crate::hint(cli)
                .with_role(engine.desired())
                .command("apply", &a.change.flags());
            emit(cli, &plan, |p| render::plan(p, &apply));
            crate::outcome::record(reporter, aws, &plan)
        }
        Command::Apply(a) => {
            let applied = engine.apply(a.options()).await?;
            emit(cli, &applied, |p| render::plan(p, ""));
            crate::outcome::record(reporter, aws, &applied)
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

/// What destroy would delete and what stops it: the engine's reads and refusals, then,
/// when the instance profile exists, the compute environments, EC2 instances and launch
/// templates in `--regions` that use it (a failed read of them is a refusal too: what
/// cannot be seen may be in use).
pub(crate) async fn destroy_plan(
    cli: &Cli,
    a: &args::DestroyArgs,
    aws: &Aws,
    engine: &Engine,
) -> anyhow::Result<ecsrole_core::DestroyPlan> {
    let mut plan = engine.destroy_plan(a.force).await?;
    plan.delete_in_use = a.delete_profile_in_use;
    // Nothing to protect. Otherwise read what uses it even when something else refuses
    // already: the real run lists every refusal its dry run lists.
    if plan.profile_arn.is_none() {
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
    let no_batch = ecsrole_batch::in_use::refuse_if_in_use(aws, &regions, &mut plan).await;
    if !no_batch.is_empty() && !cli.command.out().is_some_and(|o| o.quiet) {
        eprintln!(
            "note: {} has no Batch API (HTTP 501) in {}: no compute environment there can use instance profile {}",
            aws.endpoint_name("Batch"),
            no_batch.join(", "),
            plan.instance_profile_name
        );
    }
    Ok(plan)
}

/// The policy `ecsrole permissions` prints, from the core's one table.
pub(crate) fn permissions(a: &args::PermissionsArgs, desired: &Desired) -> serde_json::Value {
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
