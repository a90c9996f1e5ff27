//! `verify` and `cleanup`: progress on stderr, result on stdout, signals turned into
//! teardown.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use ecsrole_batch::api::BatchApi;
use ecsrole_batch::ec2::Ec2;
use ecsrole_batch::lease::Sweep;
use ecsrole_batch::{Level, Progress, Step, StepRecord, StepStatus, Verifier, VerifyOptions};
use ecsrole_core::poll::Backoff;
use ecsrole_core::{Aws, Engine, Iam};

use crate::args::{CleanupArgs, Output, VerifyArgs, VerifyLevel};
use crate::{Cli, EXIT_ERROR, EXIT_OK, print, render};

/// Progress lines on stderr, for people (not with -q or --output json).
struct Stderr {
    show: bool,
    /// On a terminal the "in progress" line is redrawn in place by the result.
    tty: bool,
    /// The run's proving bound, which a waiting line names.
    bound: Duration,
    /// The step in flight's ticker: it says how long the step has waited.
    ticker: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// How often a step in flight says it is still waiting when stderr is not a terminal.
const WAITING_EVERY: Duration = Duration::from_secs(30);

impl Stderr {
    /// While `name` runs: on a terminal its line shows the time waited, redrawn each
    /// second; otherwise a line every [`WAITING_EVERY`]; each names the bound.
    fn tick(&self, name: Step) {
        let (tty, bound) = (self.tty, self.bound);
        let started = tokio::time::Instant::now();
        let every = if tty {
            Duration::from_secs(1)
        } else {
            WAITING_EVERY
        };
        let task = tokio::spawn(async move {
            loop {
                tokio::time::sleep(every).await;
                let waited = started.elapsed().as_secs();
                let mut err = std::io::stderr().lock();
                let _ = if tty {
                    write!(
                        err,
                        "\r\x1b[2K  … {name}: waiting {waited}s (bound {}s)",
                        bound.as_secs()
                    )
                } else {
                    writeln!(
                        err,
                        "  … {name}: still waiting after {waited}s (bound {}s)",
                        bound.as_secs()
                    )
                };
                let _ = err.flush();
            }
        });
        if let Some(old) = self.ticker.lock().expect("ticker lock").replace(task) {
            old.abort();
        }
    }
}

impl Progress for Stderr {
    fn started(&self, name: Step) {
        if self.show && self.tty {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "  … {name}");
            let _ = err.flush();
        }
        if self.show {
            self.tick(name);
        }
    }

    fn finished(&self, step: &StepRecord) {
        if let Some(t) = self.ticker.lock().expect("ticker lock").take() {
            t.abort();
        }
        if self.show {
            let mark = match step.status {
                StepStatus::Ok => "✓",
                StepStatus::Failed => "✗",
                StepStatus::Interrupted => "■",
                StepStatus::Retried => "↻",
            };
            let clear = if self.tty { "\r\x1b[2K" } else { "" };
            let _ = writeln!(
                std::io::stderr().lock(),
                "{clear}  {mark} {:<30} {:>8.1}s  {}",
                step.name,
                step.elapsed_ms as f64 / 1000.0,
                step.detail
            );
        }
    }
}

/// The verify options the flags ask for (validated by the caller).
pub(crate) fn options(cli: &Cli, a: &VerifyArgs, bound: Duration) -> VerifyOptions {
    let level = match a.level {
        VerifyLevel::Ce => Level::Ce,
        VerifyLevel::Instance => Level::Instance,
        VerifyLevel::Job => Level::Job,
    };
    VerifyOptions {
        subnets: a.subnets.clone(),
        security_groups: a.security_groups.clone(),
        service_role: a.service_role.clone(),
        image: a.image.clone(),
        keep: a.keep,
        timeout: bound,
        propagation_allowance: Duration::from_secs(a.propagation_allowance),
        registration_allowance: Duration::from_secs(a.registration_allowance),
        hint: crate::hint(cli),
        ..VerifyOptions::new(level)
    }
}

pub(crate) fn verifier(aws: &Aws, engine: Engine) -> Verifier {
    Verifier {
        engine,
        iam: Iam::new(aws),
        batch: BatchApi::new(aws),
        ec2: Some(Ec2::new(aws)),
        region: aws
            .config
            .region()
            .map_or_else(String::new, |r| r.to_string()),
    }
}

/// SIGINT or SIGTERM, whichever comes first. Once listened for, neither ends the process:
/// teardown runs to its end.
pub(crate) async fn interrupted() -> String {
    use tokio::signal::unix::{SignalKind, signal};
    let wait = |kind| {
        let s = signal(kind);
        async move {
            match s {
                Ok(mut s) => {
                    s.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        }
    };
    // SIGHUP: the SSH session or terminal went away; tear down as for SIGTERM.
    tokio::select! {
        _ = tokio::signal::ctrl_c() => "SIGINT".to_owned(),
        () = wait(SignalKind::terminate()) => "SIGTERM".to_owned(),
        () = wait(SignalKind::hangup()) => "SIGHUP".to_owned(),
    }
}

pub async fn run(
    cli: &Cli,
    a: &VerifyArgs,
    aws: &Aws,
    engine: Engine,
    bound: Duration,
    report: &mut crate::report::Reporter,
) -> anyhow::Result<u8> {
    let opts = options(cli, a, bound);
    opts.validate(aws.partition)?;
    let level = opts.level;
    let human = crate::format(cli) == Output::Human;
    let progress = Stderr {
        show: human && !cli.command.out().is_some_and(|o| o.quiet),
        tty: std::io::stderr().is_terminal(),
        bound: opts.timeout,
        ticker: std::sync::Mutex::new(None),
    };
    // Known before the first call: an emulator launches no instance that joins ECS,
    // unless whatever answers there plays one.
    let batch_elsewhere = aws
        .foreign_endpoints()
        .iter()
        .find(|(_, services)| {
            services
                .iter()
                .any(|s| matches!(*s, "Batch" | "EC2" | "ECS"))
        })
        .map(|(url, _)| url.clone());
    if level == Level::Instance
        && let Some(url) = batch_elsewhere
        && !cli.command.out().is_some_and(|o| o.quiet)
    {
        eprintln!(
            "warning: level instance waits for an EC2 instance to join ECS, which {url} (not AWS) cannot launch unless it plays one: this run will most likely end at its --timeout; --level ce or --level job prove what an emulator can"
        );
    }
    if progress.show {
        eprintln!("verify run {} (level {}):", opts.run_id, level.as_str());
    }
    let interrupt = async {
        let signal = interrupted().await;
        if progress.show {
            // Not eprintln!: after SIGHUP the terminal may be gone, and a failed write
            // must not stop the teardown.
            let _ = writeln!(
                std::io::stderr().lock(),
                "  {signal}: stopping, then tearing down what this run created"
            );
        }
        signal
    };
    let verifier = verifier(aws, engine);
    let (outcome, account) = tokio::join!(
        verifier.verify(&opts, &progress, interrupt),
        ecsrole_core::org::caller_account(aws)
    );
    let mut outcome = outcome;
    outcome.account_id = account.ok();
    print(
        cli,
        &if human {
            render::verify(&outcome, &crate::hint(cli))
        } else {
            render::document(&outcome)
        },
    );
    Ok(crate::outcome::record(report, aws, &outcome))
}

pub async fn cleanup(
    cli: &Cli,
    a: &CleanupArgs,
    aws: &Aws,
    engine: Engine,
    bound: Duration,
) -> anyhow::Result<u8> {
    let deadline = tokio::time::Instant::now() + bound;
    let sweep = match (&a.run_id, a.all) {
        (Some(id), _) => {
            ecsrole_batch::RunNames::validate_run_id(id)?;
            Sweep::Run(id.clone())
        }
        (None, true) => Sweep::All,
        (None, false) => Sweep::Expired,
    };
    let verifier = verifier(aws, engine);
    let (out, account) = tokio::join!(
        verifier.cleanup(&sweep, a.dry_run, deadline, Backoff::DEFAULT),
        ecsrole_core::org::caller_account(aws)
    );
    let mut out = out?;
    out.account_id = account.ok();
    let human = crate::format(cli) == Output::Human;
    print(
        cli,
        &if human {
            render::cleanup(&out)
        } else {
            render::document(&out)
        },
    );
    Ok(if out.failed.is_empty() {
        EXIT_OK
    } else {
        EXIT_ERROR
    })
}
