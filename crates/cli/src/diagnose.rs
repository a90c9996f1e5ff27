//! `diagnose`: findings on stdout (human, grouped by compute environment, or JSON), JUnit
//! with `--report`. Exit 0 no error finding, 2 at least one, 1 could not decide.

use std::time::Duration;

use ecsrole_batch::api::BatchApi;
use ecsrole_batch::diagnose::{DiagnoseOptions, Diagnoser, Diagnosis, Selection};
use ecsrole_batch::ec2::Ec2;
use ecsrole_core::{Aws, Desired, Iam};

use crate::args::DiagnoseArgs;
use crate::{Cli, EXIT_DRIFT, EXIT_OK, emit, render, report};

/// Reads in flight at once in one account and region.
const CONCURRENCY: usize = 16;

pub(crate) fn options(a: &DiagnoseArgs, desired: &Desired) -> DiagnoseOptions {
    DiagnoseOptions {
        selection: Selection {
            compute_environments: a.compute_environments.clone(),
            job_queues: a.job_queues.clone(),
            jobs: a.jobs.clone(),
        },
        policies: desired.policies.clone(),
        registration_allowance: Duration::from_secs(a.registration_allowance),
        concurrency: CONCURRENCY,
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

pub(crate) fn exit_code(d: &Diagnosis) -> u8 {
    if d.errors > 0 { EXIT_DRIFT } else { EXIT_OK }
}

pub(crate) async fn run(
    cli: &Cli,
    a: &DiagnoseArgs,
    aws: &Aws,
    desired: &Desired,
    reporter: &mut report::Reporter,
) -> anyhow::Result<u8> {
    let d = diagnoser(aws).diagnose(&options(a, desired)).await?;
    emit(cli, &d, render::diagnose);
    reporter.set(report::diagnose(&d));
    reporter.record(aws, exit_code(&d), &d);
    Ok(exit_code(&d))
}
