//! `diagnose`: findings on stdout (human, grouped by compute environment, or JSON), JUnit
//! with `--report`. Exit 0 no error finding, 2 at least one, 1 could not decide.

use std::time::Duration;

use ecsrole_batch::api::BatchApi;
use ecsrole_batch::diagnose::{DiagnoseOptions, Diagnoser, Diagnosis, Selection};
use ecsrole_batch::ec2::Ec2;
use ecsrole_core::{Aws, Desired, Iam};

use crate::args::DiagnoseArgs;
use crate::{Cli, EXIT_DRIFT, EXIT_ERROR, EXIT_OK, emit, render, report};

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

/// As check's: a question left undecided is 1 (nothing can be said), else an error
/// finding is 2.
pub(crate) fn exit_code(d: &Diagnosis) -> u8 {
    if d.undecided > 0 {
        EXIT_ERROR
    } else if d.errors > 0 {
        EXIT_DRIFT
    } else {
        EXIT_OK
    }
}

/// A fleet table's one line for a target's diagnosis.
pub(crate) fn summary(d: &Diagnosis) -> String {
    if d.undecided > 0 {
        return format!(
            "not decided: {} question(s) about the roles' policies",
            d.undecided
        );
    }
    if d.errors == 0 {
        return format!("no error ({} warning(s))", d.warnings);
    }
    let mut codes: Vec<&str> = vec![];
    for (_, f) in d.findings().filter(|(_, f)| f.is_error()) {
        if !codes.contains(&f.code.as_str()) {
            codes.push(f.code.as_str());
        }
    }
    format!("{} error(s): {}", d.errors, codes.join(", "))
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
    reporter.set(report::diagnose(&d));
    reporter.record(aws, exit_code(&d), &d);
    Ok(exit_code(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecided_is_1_before_errors_are_2() {
        let d = |errors, undecided| Diagnosis {
            account_id: None,
            region: None,
            compute_environments: vec![],
            job_queues: vec![],
            jobs: vec![],
            errors,
            warnings: 1,
            undecided,
        };
        assert_eq!(exit_code(&d(0, 0)), EXIT_OK);
        assert_eq!(exit_code(&d(1, 0)), EXIT_DRIFT);
        assert_eq!(exit_code(&d(1, 1)), EXIT_ERROR);
        assert_eq!(exit_code(&d(0, 2)), EXIT_ERROR);
        assert!(summary(&d(0, 2)).starts_with("not decided: 2 question(s)"));
        assert_eq!(summary(&d(0, 0)), "no error (1 warning(s))");
        assert_eq!(summary(&d(1, 0)), "1 error(s): ");
    }
}
