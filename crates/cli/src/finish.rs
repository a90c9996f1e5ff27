//! What a run leaves besides its output once it has ended, whatever the outcome: the
//! SARIF log (on stdout with `--output sarif`, in `--sarif FILE`), the step summary, the
//! JUnit report; `--fail-on warning` applied; the exit code they leave.

use std::time::Instant;

use crate::{Cli, EXIT_ERROR, Known, Output, args, ci, format, render, report, write_stdout};

/// Writes the run's outputs and gives the exit code: `code`, or 1 when one of them could
/// not be written.
pub(crate) fn outputs(
    cli: &Cli,
    mut report: report::Reporter,
    known: &Known,
    mut code: u8,
    error: Option<&str>,
    started: Instant,
) -> u8 {
    let out = cli.command.out();
    if out.is_some_and(|o| o.fail_on == args::FailOn::Warning) {
        code = ci::fail_on_warning(&report.ci, code);
    }
    if report.ci.partition.is_none() {
        report.ci.partition = known.partition.map(|p| p.to_string());
    }
    let name = cli.command.name();
    let sarif = || {
        let doc = ci::sarif(&report.ci, name, code, error, &sarif_location(cli));
        format!("{}\n", render::json(&doc))
    };
    // Only the commands that make SARIF write it: another refuses --output sarif before
    // any call, and prints no log beside that refusal.
    if format(cli) == Output::Sarif && cli.command.makes_sarif() {
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
        let md = ci::markdown(&report.ci, name, code, error);
        if let Err(e) = ci::append(&path, &md) {
            eprintln!("error: {e:#}");
            failed = true;
        }
    }
    // Written whatever the outcome, once --report was accepted.
    match report.write(name, error, started.elapsed()) {
        Ok(()) if !failed => code,
        Ok(()) => EXIT_ERROR,
        Err(e) => {
            eprintln!("error: {e:#}");
            EXIT_ERROR
        }
    }
}

/// The repository file SARIF results point at (see [`ci::location`]).
fn sarif_location(cli: &Cli) -> String {
    let config = cli.command.config().and_then(|c| c.config.as_deref());
    ci::location(config, std::env::var("GITHUB_WORKFLOW_REF").ok().as_deref())
}
