//! Where signed requests go: every endpoint is resolved as the
//! SDK's clients resolve theirs (EC2 too, through aws-config), a run says where they go
//! whenever that is not AWS, and a config file ecsrole finds by itself in the working
//! directory may not redirect them.
//!
//! Each run here is `check`, which calls IAM only: the endpoints it names for the other
//! services are read off its note, and nothing is sent to them.

use std::process::Command;

use crate::harness::{Ctx, Run, isolate};

/// `ecsrole ARGS --role-name <role>` with the harness's isolated environment (IAM at
/// `endpoint` through `AWS_ENDPOINT_URL`, unless `env` says otherwise), plus `env` (an
/// empty value unsets the variable).
fn check(ctx: &Ctx, endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    ecsrole(ctx, endpoint, &[&["check"], args].concat(), env)
}

fn ecsrole(ctx: &Ctx, endpoint: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
    cmd.args(args).args(["--role-name", &ctx.role]);
    isolate(&mut cmd, endpoint);
    for (k, v) in env {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    let out = cmd.output().expect("run ecsrole");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn notes(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("note: signed requests"))
        .collect()
}

const NOWHERE: &str = "http://127.0.0.1:1";

#[tokio::test]
async fn every_endpoint_is_resolved_as_the_sdk_does_and_named_when_not_aws() {
    let ctx = Ctx::new("endpoints").await;
    let emulator = ctx.endpoint.clone();
    let all = format!("note: signed requests go to {emulator}, not to AWS");

    // The plain case: AWS_ENDPOINT_URL for every service, named once; -q says nothing.
    let plain = check(&ctx, &emulator, &[], &[]);
    assert_eq!(plain.code, 2, "{plain:?}");
    assert_eq!(notes(&plain), [all.as_str()], "{}", plain.stderr);
    let quiet = check(&ctx, &emulator, &["-q"], &[]);
    assert_eq!(quiet.code, 2);
    assert_eq!(quiet.stderr, "", "-q is quiet");

    // Rung 1: --endpoint-url beats AWS_ENDPOINT_URL_EC2 (the old EC2 client read the
    // variable first, and sent verify's EC2 calls to it).
    let flag = check(
        &ctx,
        NOWHERE,
        &["--endpoint-url", &emulator],
        &[("AWS_ENDPOINT_URL_EC2", NOWHERE)],
    );
    assert_eq!(flag.code, 2, "{flag:?}");
    assert_eq!(notes(&flag), [all.as_str()], "{}", flag.stderr);

    // Rung 2: AWS_ENDPOINT_URL_<SERVICE> beats AWS_ENDPOINT_URL for its service only.
    let service = check(&ctx, &emulator, &[], &[("AWS_ENDPOINT_URL_EC2", NOWHERE)]);
    assert_eq!(service.code, 2, "{service:?}");
    assert_eq!(
        notes(&service),
        [
            format!(
                "note: signed requests for IAM, STS, Batch, ECS, Auto Scaling, Organizations go to {emulator}, not to AWS"
            ),
            format!("note: signed requests for EC2 go to {NOWHERE}, not to AWS"),
        ],
        "{}",
        service.stderr
    );

    // Rung 3: the profile's `services` section, below both variables (the SDK reads the
    // service's variable, then AWS_ENDPOINT_URL, then the profile's service, then its
    // `endpoint_url`).
    let dir = ctx.temp_dir();
    let config = dir.join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile svc]\nregion = us-east-1\nservices = local\n\n[services local]\nec2 =\n  endpoint_url = {NOWHERE}\niam =\n  endpoint_url = {emulator}\n"
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let in_profile = [
        ("AWS_CONFIG_FILE", config),
        ("AWS_PROFILE", "svc"),
        ("AWS_ENDPOINT_URL", ""),
    ];
    let profile = check(&ctx, &emulator, &[], &in_profile);
    assert_eq!(profile.code, 2, "{profile:?}");
    assert_eq!(
        notes(&profile),
        [
            format!("note: signed requests for IAM go to {emulator}, not to AWS"),
            format!("note: signed requests for EC2 go to {NOWHERE}, not to AWS"),
        ],
        "{}",
        profile.stderr
    );
    let mut over_env = in_profile.to_vec();
    over_env.push(("AWS_ENDPOINT_URL_EC2", "http://127.0.0.1:2"));
    let over = check(&ctx, &emulator, &[], &over_env);
    assert!(
        notes(&over)
            .contains(&"note: signed requests for EC2 go to http://127.0.0.1:2, not to AWS"),
        "the service's variable beats the profile: {}",
        over.stderr
    );
    over_env.pop();
    over_env.pop();
    over_env.push(("AWS_ENDPOINT_URL", "http://127.0.0.1:3"));
    let global = check(&ctx, &emulator, &["--timeout", "5"], &over_env);
    assert!(
        notes(&global)
            .contains(&"note: signed requests for IAM, STS, Batch, ECS, EC2, Organizations go to http://127.0.0.1:3, not to AWS")
            || notes(&global)
                .contains(&"note: signed requests go to http://127.0.0.1:3, not to AWS"),
        "AWS_ENDPOINT_URL beats the profile's services section: {}",
        global.stderr
    );

    // Rung 4: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=false is false; =true drops the
    // variables and the profile, never --endpoint-url.
    let not_ignored = check(
        &ctx,
        &emulator,
        &[],
        &[("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false")],
    );
    assert_eq!(not_ignored.code, 2, "{not_ignored:?}");
    assert_eq!(notes(&not_ignored), [all.as_str()]);
    let ignored = check(
        &ctx,
        NOWHERE,
        &["--endpoint-url", &emulator],
        &[
            ("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"),
            ("AWS_ENDPOINT_URL_EC2", NOWHERE),
        ],
    );
    assert_eq!(ignored.code, 2, "{ignored:?}");
    assert_eq!(notes(&ignored), [all.as_str()], "{}", ignored.stderr);
}

/// `./ecsrole.toml` may not set `endpoint_url` (exit 1 naming the file,
/// nothing sent); named with `--config` it may, and the run says where requests go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_config_file_found_in_the_working_directory_may_not_redirect_signed_requests() {
    let (ctx, proxy) = Ctx::proxied("endpoint_file").await;
    let dir = ctx.temp_dir();
    std::fs::write(
        dir.join("ecsrole.toml"),
        format!("endpoint_url = \"{}\"\n", ctx.endpoint),
    )
    .unwrap();
    let found = ctx.ecsrole_in(&dir, &["check", "--role-name", &ctx.role]);
    assert_eq!(found.code, 1, "{found:?}");
    assert!(
        found.stderr.contains("ecsrole.toml")
            && found.stderr.contains("may not redirect signed requests")
            && found.stderr.contains("--config"),
        "{}",
        found.stderr
    );
    assert!(found.stdout.is_empty());
    assert_eq!(proxy.log(), Vec::<String>::new(), "nothing was sent");

    let named = ctx.ecsrole_in(
        &dir,
        &[
            "check",
            "--role-name",
            &ctx.role,
            "--config",
            "ecsrole.toml",
        ],
    );
    assert_eq!(named.code, 2, "{named:?}");
    assert!(
        named.stderr.contains(&format!(
            "note: signed requests go to {}, not to AWS",
            ctx.endpoint
        )),
        "{}",
        named.stderr
    );
}

/// The reproduction of item 6: `AWS_ENDPOINT_URL_EC2` pointing nowhere and
/// `--endpoint-url` at the emulator. verify's EC2 calls (the default network) follow the
/// flag, as the SDK clients' calls do: the run verifies.
#[tokio::test]
async fn batch_verify_sends_ec2_calls_where_endpoint_url_says() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("endpoint_ec2").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    let emulator = ctx.endpoint.clone();
    let run = ecsrole(
        &ctx,
        NOWHERE,
        &[
            "verify",
            "--level",
            "ce",
            "--endpoint-url",
            &emulator,
            "--output",
            "json",
        ],
        &[("AWS_ENDPOINT_URL_EC2", NOWHERE)],
    );
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.json()["verified"], true);
}

/// Through the proxy rewriting every answer's `Date`: "AWS's clock" is 125
/// s behind this machine's. The run measures on AWS's clock and says how far off this
/// machine is; within 30 s it says nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clock_off_from_aws_is_read_from_the_date_of_the_answers() {
    let (ctx, proxy) = Ctx::proxied("clock").await;
    proxy.shift_date(-125);
    let run = ctx.ecsrole(&["check"]);
    assert_eq!(run.code, 2, "{run:?}");
    let note = run
        .stderr
        .lines()
        .find(|l| l.starts_with("note: this machine's clock"))
        .unwrap_or_else(|| panic!("no clock note: {}", run.stderr));
    let secs: u64 = note
        .split_whitespace()
        .find_map(|w| w.strip_suffix('s').and_then(|n| n.parse().ok()))
        .unwrap();
    assert!(
        (124..=127).contains(&secs) && note.contains("ahead of AWS's"),
        "{note}"
    );
    proxy.shift_date(5);
    let close = ctx.ecsrole(&["check"]);
    assert!(!close.stderr.contains("clock"), "{}", close.stderr);
}

/// The lease a verify run writes is on AWS's clock: with "AWS" an hour ahead of this
/// machine, the kept compute environment's `ecsrole:expires` is an hour past this
/// machine's time plus the run's bounds, so another machine's cleanup, on AWS's clock,
/// does not take it early.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_a_lease_is_written_on_aws_clock() {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("clock_lease").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    proxy.shift_date(3600);
    let before = std::time::SystemTime::now();
    let kept = ctx.ecsrole(&[
        "verify",
        "--level",
        "ce",
        "--keep",
        "--timeout",
        "60",
        "--output",
        "json",
    ]);
    assert_eq!(kept.code, 0, "{kept:?}");
    let run = kept.json()["run_id"].as_str().unwrap().to_owned();
    let name = format!("ecsrole-verify-{run}");
    let ce = ctx
        .batch
        .describe_compute_environments()
        .compute_environments(&name)
        .send()
        .await
        .unwrap();
    let tags = ce.compute_environments()[0].tags().unwrap().clone();
    let expires = aws_smithy_types::DateTime::from_str(
        &tags["ecsrole:expires"],
        aws_smithy_types::date_time::Format::DateTime,
    )
    .unwrap();
    let expires = std::time::SystemTime::try_from(expires).unwrap();
    let ahead = expires.duration_since(before).unwrap().as_secs();
    // 3600 (AWS's clock) + 60 (--timeout) + 900 (teardown bound).
    assert!(
        (4550..=4600).contains(&ahead),
        "expires {ahead}s after the run started on this machine's clock"
    );
    proxy.heal();
    let clean = ctx.ecsrole_raw(&["cleanup", "--run", &run]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert!(clean.stdout.contains("Deleted ("), "{clean:?}");
    // Again, or a typo: nothing of that run, said by its name (and where it looked).
    let again = ctx.ecsrole_raw(&["cleanup", "--run", &run]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again.stdout.contains(&format!("Nothing of run {run} here"))
            && again.stdout.contains("region us-east-1"),
        "{again:?}"
    );
}
