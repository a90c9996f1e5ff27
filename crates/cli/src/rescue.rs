//! `rescue`: what is stuck and what was done, on stdout (human or JSON), JUnit with
//! `--report`. Exit 0 nothing stuck any more, 2 still stuck (with `--dry-run`: stuck), 1
//! could not act.

use std::fmt::Write as _;
use std::time::Duration;

use ecsrole_batch::rescue::{Ended, RescueOptions, RescueOutcome, Rescuer};
use ecsrole_core::{Aws, Desired};

use crate::args::RescueArgs;
use crate::{Cli, emit, report};

pub(crate) fn options(
    cli: &Cli,
    a: &RescueArgs,
    desired: &Desired,
    bound: Duration,
) -> RescueOptions {
    RescueOptions {
        compute_environments: a.compute_environments.clone(),
        delete: a.delete,
        dry_run: a.dry_run,
        timeout: bound,
        run_id: ecsrole_batch::run::RunNames::new_run_id(),
        policies: desired.policies.clone(),
        hint: crate::hint(cli),
    }
}

pub(crate) async fn run(
    cli: &Cli,
    a: &RescueArgs,
    aws: &Aws,
    desired: &Desired,
    bound: Duration,
    reporter: &mut report::Reporter,
) -> anyhow::Result<u8> {
    let opts = options(cli, a, desired, bound);
    let rescuer = Rescuer::new(aws);
    let (out, account) = tokio::join!(
        rescuer.rescue(&opts),
        ecsrole_core::org::caller_account(aws)
    );
    let mut out = out?;
    if let Ok(account) = account {
        out.account_id = Some(account);
    }
    emit(cli, &out, human);
    Ok(crate::outcome::record(reporter, aws, &out))
}

/// The human text: where it ran, each stuck environment with what it lacked, the steps and
/// how it ended, then what was made, removed and kept.
pub(crate) fn human(o: &RescueOutcome) -> String {
    let mut out = format!(
        "rescue ({}){}\n",
        crate::render::place(o.account_id.as_deref(), o.region.as_deref()),
        if o.dry_run {
            ", dry run: nothing written"
        } else {
            ""
        }
    );
    if o.compute_environments.is_empty() {
        out.push_str(
            "nothing stuck: no compute environment is INVALID or DELETING for IAM it lacks\n",
        );
    }
    for r in &o.compute_environments {
        let _ = writeln!(
            out,
            "\ncompute environment {} ({} {:?})",
            r.name, r.status, r.status_reason
        );
        for m in &r.missing {
            let _ = writeln!(out, "  missing: {m}");
        }
        for (n, s) in r.steps.iter().enumerate() {
            let _ = writeln!(out, "  {}. {s}", n + 1);
        }
        let ended = match r.ended {
            Ended::Planned => "stuck (dry run)",
            Ended::Valid => "VALID again",
            Ended::Deleted => "gone",
            Ended::StillStuck => "still stuck",
            Ended::Refused => "refused",
            Ended::Failed => "failed",
        };
        if r.detail.is_empty() {
            let _ = writeln!(out, "  => {ended}");
        } else {
            let _ = writeln!(out, "  => {ended}: {}", r.detail);
        }
    }
    for name in &o.not_stuck {
        let _ = writeln!(
            out,
            "\nnote: compute environment {name} is not stuck: left alone"
        );
    }
    for (what, list) in [
        ("created", &o.created),
        ("removed again (nothing uses it)", &o.removed),
        ("kept (an environment still uses it)", &o.kept),
    ] {
        if !list.is_empty() {
            let names: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            let _ = writeln!(out, "{what}: {}", names.join(", "));
        }
    }
    for e in &o.errors {
        let _ = writeln!(out, "error: {e}");
    }
    out
}
