//! `diagnose`: findings on stdout (human, grouped by compute environment, or JSON), JUnit
//! with `--report`. Exit 0 no error finding, 2 at least one, 1 could not decide.

use std::time::Duration;

use ecsrole_batch::api::BatchApi;
use ecsrole_batch::diagnose::{DiagnoseOptions, Diagnoser, Selection};
use ecsrole_batch::ec2::Ec2;
use ecsrole_core::{Aws, Desired, Iam};

use crate::args::DiagnoseArgs;
use crate::{Cli, emit, render, report};

/// Reads in flight at once in one account and region.
const CONCURRENCY: usize = 16;

pub(crate) fn options(cli: &Cli, a: &DiagnoseArgs, desired: &Desired) -> DiagnoseOptions {
    DiagnoseOptions {
        selection: Selection {
            compute_environments: a.compute_environments.clone(),
            job_queues: a.job_queues.clone(),
            jobs: a.jobs.clone(),
        },
        policies: desired.policies.clone(),
        registration_allowance: Duration::from_secs(a.registration_allowance),
        concurrency: CONCURRENCY,
        scps: None,
        scps_failed: None,
        hint: crate::hint(cli),
    }
}

pub(crate) fn diagnoser(aws: &Aws) -> Diagnoser {
    Diagnoser {
        iam: Iam::new(aws),
        batch: BatchApi::new(aws),
        ec2: Ec2::new(aws),
        partition: aws.partition,
    }
}

pub(crate) async fn run(
    cli: &Cli,
    a: &DiagnoseArgs,
    aws: &Aws,
    desired: &Desired,
    reporter: &mut report::Reporter,
) -> anyhow::Result<u8> {
    let opts = options(cli, a, desired);
    let diagnoser = diagnoser(aws);
    let (d, account) = tokio::join!(
        diagnoser.diagnose(&opts),
        ecsrole_core::org::caller_account(aws)
    );
    let mut d = d?;
    d.account_id = account.ok();
    if d.is_empty() {
        // Nothing here: most often the wrong region or account, never "no error".
        eprintln!(
            "warning: {}: no compute environment or job queue to diagnose; is this the account and region you meant (--region, --profile)?",
            crate::render::place(d.account_id.as_deref(), d.region.as_deref())
        );
    }
    emit(cli, &d, render::diagnose);
    Ok(crate::outcome::record(reporter, aws, &d))
}
