//! `ecsrole-load`: the bench's load without ecsrole (`cargo xtask bench`), made with the
//! AWS SDK, so every request is SigV4-signed as real clients sign them. Loopback
//! emulators only. Prints one JSON line: `ok` counts successful (2xx) answers only;
//! `errors` counts the rest, `first_error` names one.
//!
//! ```text
//! ecsrole-load setup --endpoint URL --role NAME --accounts FIRST..END [--clients 16]
//!     in each account: the role (trusted by EC2) and its instance profile holding it,
//!     so that the reads of `fleet` answer 2xx there
//! ecsrole-load fleet --endpoint URL --role NAME --accounts FIRST..END [--clients 16]
//!     `clients` accounts in flight, each: STS AssumeRole into
//!     arn:aws:iam::<account>:role/OrganizationAccountAccessRole, then GetRole,
//!     ListAttachedRolePolicies, GetInstanceProfile and ListRolePolicies concurrently with
//!     the session's credentials (the requests of `ecsrole check --accounts ...`)
//! ecsrole-load floor --endpoint URL --role NAME [--runs 50]
//!     one warm client (the environment's credentials), rounds of the same four reads
//!     concurrently: the median round in ms is the emulator's own latency
//! ecsrole-load judge --dir localstack/bench/evaluator [--runs 50]
//!     no I/O: `check`'s judgement of the role in DIR (judge.rs), the median run in ms
//! ```
//!
//! Every call is bounded as ecsrole bounds its own: 3 s to connect, 10 s per attempt, at
//! most 3 attempts, 30 s in all.

#![allow(clippy::print_stdout)] // a command-line tool: stdout is its output

use std::ops::Range;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_iam::Client;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_types::error::display::DisplayErrorContext;
use serde_json::json;

const USAGE: &str = "usage: ecsrole-load setup|fleet|floor --endpoint URL --role NAME \
                     [--accounts FIRST..END] [--clients N] [--runs N]\n       \
                     ecsrole-load judge --dir DIR [--runs N]";

mod judge;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

struct Args {
    mode: String,
    endpoint: String,
    role: String,
    accounts: Range<u64>,
    clients: usize,
    runs: usize,
    dir: String,
}

fn parse(args: &[String]) -> Result<Args, String> {
    let mut parsed = Args {
        mode: args.first().cloned().unwrap_or_default(),
        endpoint: String::new(),
        role: String::new(),
        accounts: 0..0,
        clients: 16,
        runs: 50,
        dir: String::new(),
    };
    let mut rest = args.iter().skip(1);
    while let Some(flag) = rest.next() {
        let value = rest.next().ok_or(format!("{flag} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{flag}: {e}"));
        match flag.as_str() {
            "--endpoint" => parsed.endpoint.clone_from(value),
            "--role" => parsed.role.clone_from(value),
            "--dir" => parsed.dir.clone_from(value),
            "--clients" => parsed.clients = number()?.max(1),
            "--runs" => parsed.runs = number()?.max(1),
            "--accounts" => {
                let (a, b) = value.split_once("..").ok_or("--accounts FIRST..END")?;
                let id = |s: &str| s.parse::<u64>().map_err(|e| format!("--accounts: {e}"));
                parsed.accounts = id(a)?..id(b)?;
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if parsed.mode == "judge" {
        if parsed.dir.is_empty() {
            return Err("judge: --dir is required".into());
        }
        return Ok(parsed);
    }
    let loopback = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"];
    if !loopback.iter().any(|p| parsed.endpoint.starts_with(p)) {
        return Err(format!(
            "--endpoint {:?}: only a loopback emulator is allowed",
            parsed.endpoint
        ));
    }
    if parsed.role.is_empty() {
        return Err("--role is required".into());
    }
    Ok(parsed)
}

/// Successful answers, failures, and the first failure's text.
#[derive(Default)]
struct Tally {
    ok: u64,
    errors: u64,
    first_error: Option<String>,
}

/// A failure in one line: the service's code and message, else the whole error chain.
fn short<E: ProvideErrorMetadata + std::error::Error>(e: &E) -> String {
    match e.code() {
        Some(code) => format!("{code}: {}", e.message().unwrap_or_default()),
        None => DisplayErrorContext(e).to_string(),
    }
}

impl Tally {
    fn add<T>(&mut self, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(v) => {
                self.ok += 1;
                Some(v)
            }
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
                None
            }
        }
    }

    /// An answer from IAM; `done` says which error codes mean "already done" (setting
    /// up, a retried create whose first attempt was applied answers EntityAlreadyExists).
    fn iam<T, E>(&mut self, result: Result<T, SdkError<E>>, done: &[&str])
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let result = result.map(|_| ()).or_else(|e| match e.code() {
            Some(code) if done.contains(&code) => Ok(()),
            _ => Err(short(&e)),
        });
        self.add(result);
    }

    fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// The four reads `ecsrole check` makes on a compliant role, in one round.
async fn reads(iam: &Client, role: &str, tally: &mut Tally) {
    let (a, b, c, d) = tokio::join!(
        iam.get_role().role_name(role).send(),
        iam.list_attached_role_policies().role_name(role).send(),
        iam.get_instance_profile()
            .instance_profile_name(role)
            .send(),
        iam.list_role_policies().role_name(role).send(),
    );
    tally.iam(a, &[]);
    tally.iam(b, &[]);
    tally.iam(c, &[]);
    tally.iam(d, &[]);
}

/// One account: AssumeRole, then the reads (or, setting up, the writes that make them
/// answer 2xx).
async fn account(base: &SdkConfig, id: u64, role: &str, setup: bool) -> Tally {
    let mut tally = Tally::default();
    let provider = AssumeRoleProvider::builder(format!(
        "arn:aws:iam::{id:012}:role/OrganizationAccountAccessRole"
    ))
    .session_name("ecsrole-load")
    .configure(base)
    .build()
    .await;
    let session = provider
        .provide_credentials()
        .await
        .map_err(|e| DisplayErrorContext(&e).to_string());
    let Some(session) = tally.add(session) else {
        return tally;
    };
    let iam = Client::from_conf(
        aws_sdk_iam::config::Builder::from(base)
            .credentials_provider(session)
            .build(),
    );
    if !setup {
        reads(&iam, role, &mut tally).await;
        return tally;
    }
    let created = iam
        .create_role()
        .role_name(role)
        .assume_role_policy_document(TRUST)
        .send()
        .await;
    tally.iam(created, &["EntityAlreadyExists"]);
    let created = iam
        .create_instance_profile()
        .instance_profile_name(role)
        .send()
        .await;
    tally.iam(created, &["EntityAlreadyExists"]);
    let added = iam
        .add_role_to_instance_profile()
        .instance_profile_name(role)
        .role_name(role)
        .send()
        .await;
    // A profile holds one role: a retried add whose first attempt was applied.
    tally.iam(added, &["LimitExceeded"]);
    tally
}

/// `clients` tasks share the accounts, each taking the next one when it is done.
async fn accounts(base: SdkConfig, args: &Args, setup: bool) -> Tally {
    let next = Arc::new(AtomicU64::new(args.accounts.start));
    let (base, role) = (Arc::new(base), Arc::new(args.role.clone()));
    let tasks: Vec<_> = (0..args.clients)
        .map(|_| {
            let (next, base, role, end) =
                (next.clone(), base.clone(), role.clone(), args.accounts.end);
            tokio::spawn(async move {
                let mut tally = Tally::default();
                loop {
                    let id = next.fetch_add(1, Ordering::Relaxed);
                    if id >= end {
                        return tally;
                    }
                    tally.merge(account(&base, id, &role, setup).await);
                }
            })
        })
        .collect();
    let mut tally = Tally::default();
    for task in tasks {
        tally.merge(task.await.expect("load tasks do not panic"));
    }
    tally
}

async fn floor(base: SdkConfig, args: &Args) -> (Tally, Vec<f64>) {
    let iam = Client::new(&base);
    let mut tally = Tally::default();
    // Warm: connections, credentials, the emulator's code paths.
    for _ in 0..3 {
        reads(&iam, &args.role, &mut Tally::default()).await;
    }
    let mut rounds = Vec::with_capacity(args.runs);
    for _ in 0..args.runs {
        let start = Instant::now();
        reads(&iam, &args.role, &mut tally).await;
        rounds.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    rounds.sort_by(f64::total_cmp);
    (tally, rounds)
}

/// `judge`: one JSON line with the median, or the failure on stderr.
fn judged(args: &Args) -> ExitCode {
    let result = judge::role(std::path::Path::new(&args.dir))
        .and_then(|actual| judge::judge(&actual, args.runs));
    match result {
        Ok(judge::Judged {
            times,
            said,
            undecided,
        }) => {
            let line = json!({
                "mode": "judge",
                "runs": times.len(),
                "median_ms": times[times.len() / 2],
                "min_ms": times[0],
                "max_ms": times[times.len() - 1],
                "finding_count": said.len(),
                "undecided_count": undecided.len(),
                "findings": said,
                "undecided": undecided,
                "errors": 0,
            });
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("ecsrole-load: judge: {e}");
            ExitCode::FAILURE
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&argv) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("ecsrole-load: {e}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    if args.mode == "judge" {
        return judged(&args);
    }
    let env = |k: &str| std::env::var(k).unwrap_or_else(|_| "testing".into());
    let base = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(&args.endpoint)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(
            env("AWS_ACCESS_KEY_ID"),
            env("AWS_SECRET_ACCESS_KEY"),
            None,
            None,
            "ecsrole-load",
        ))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .read_timeout(Duration::from_secs(10))
                .operation_attempt_timeout(Duration::from_secs(10))
                .operation_timeout(Duration::from_secs(30))
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(3))
        .load()
        .await;
    let start = Instant::now();
    let line = match args.mode.as_str() {
        "setup" | "fleet" => {
            let tally = accounts(base, &args, args.mode == "setup").await;
            let seconds = start.elapsed().as_secs_f64();
            json!({
                "mode": args.mode,
                "accounts": args.accounts.end.saturating_sub(args.accounts.start),
                "clients": args.clients,
                "ok": tally.ok,
                "errors": tally.errors,
                "first_error": tally.first_error,
                "seconds": seconds,
                "ok_per_second": tally.ok as f64 / seconds,
            })
        }
        "floor" => {
            let (tally, rounds) = floor(base, &args).await;
            json!({
                "mode": "floor",
                "runs": rounds.len(),
                "median_ms": rounds[rounds.len() / 2],
                "min_ms": rounds[0],
                "max_ms": rounds[rounds.len() - 1],
                "ok": tally.ok,
                "errors": tally.errors,
                "first_error": tally.first_error,
            })
        }
        other => {
            eprintln!("ecsrole-load: unknown mode {other:?}\n{USAGE}");
            return ExitCode::FAILURE;
        }
    };
    println!("{line}");
    ExitCode::SUCCESS
}
