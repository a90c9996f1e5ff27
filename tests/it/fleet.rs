//! Fleet mode against moto: each assumed-role session acts in its own account there.

use std::time::Duration;

use crate::harness::proxy::Fault;
use crate::harness::{Ctx, accounts};

/// The summary's counts are these (its `concurrency`, which depends on timing, aside).
fn assert_counts(summary: &serde_json::Value, want: serde_json::Value) {
    let mut got = summary.clone();
    let concurrency = got.as_object_mut().unwrap().remove("concurrency");
    assert_eq!(got, want, "{summary}");
    assert!(
        concurrency.unwrap()["lowest"].as_u64() >= Some(1),
        "{summary}"
    );
}

/// The target lines of a fleet run's JSON output, and its last line, the summary.
/// The errors of the targets that failed, one per line, for a failure message.
fn errors(targets: &[serde_json::Value]) -> String {
    targets
        .iter()
        .filter(|t| t["exit_code"] == 1)
        .map(|t| format!("{}: {}", t["account_id"], t["error"]))
        .collect::<Vec<_>>()
        .join("\n")
}

fn lines(stdout: &str) -> (Vec<serde_json::Value>, serde_json::Value) {
    let mut all: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let last = all.pop().expect("a summary line");
    (all, last["summary"].clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_and_apply_across_accounts() {
    let ctx = Ctx::new("fleet").await;
    let ids = accounts(&ctx, 3);
    let file = std::env::temp_dir().join(format!("{}.accounts", ctx.role));
    std::fs::write(
        &file,
        format!(
            "# two from a file\n{}\n\n{}  # and a comment\n",
            ids[1], ids[2]
        ),
    )
    .unwrap();
    let file = file.to_str().unwrap();

    let applied = ctx.ecsrole(&["apply", "-q", "--account", &ids[0]]);
    assert_eq!(applied.code, 0, "{applied:?}");
    let check = ctx.ecsrole(&[
        "check",
        "--account",
        &ids[0],
        "--accounts",
        file,
        "--output",
        "json",
    ]);
    assert_eq!(check.code, 2, "drift, no error: {check:?}");
    let (got, summary) = lines(&check.stdout);
    assert_eq!(got.len(), 3, "one line per account");
    assert_counts(
        &summary,
        serde_json::json!({"targets": 3, "ok": 1, "drift": 2, "error": 0, "role_broken": 0, "exit_code": 2, "retried": 0, "skipped": 0}),
    );
    for line in &got {
        let account = line["account_id"].as_str().unwrap();
        let compliant = line["result"]["compliant"].as_bool().unwrap();
        assert_eq!(compliant, account == ids[0], "{line}");
        if compliant {
            // The ARNs IAM returned carry the assumed account: the session acted there.
            assert_eq!(line["result"]["account_id"], account, "{line}");
        }
    }
    let human = ctx.ecsrole(&["check", "--account", &ids[0], "--accounts", file]);
    assert_eq!(human.code, 2);
    assert!(
        human.stdout.contains("3 target(s): 1 ok, 2 drift, 0 error"),
        "{}",
        human.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_account_does_not_stop_the_others() {
    let (ctx, proxy) = Ctx::proxied("fleet_fail").await;
    let ids = accounts(&ctx, 3);
    // moto loads the AWS managed policies the first time an account is touched (2 to 4 s
    // on these machines), and stalls every other request meanwhile (other tests touch
    // fresh accounts in parallel): touch these accounts first, and give each target a
    // bound well above that, so that only the stalled call hits it.
    let warm = ctx.ecsrole(&[
        "check",
        "-q",
        "--account",
        &ids[0],
        "--account",
        &ids[1],
        "--account",
        &ids[2],
    ]);
    assert_eq!(warm.code, 2, "{warm:?}");
    proxy.clear_log();
    // The first account's GetRole stalls (60 s) past the per-target timeout: both of the
    // attempts that fit in it (the SDK's 10 s attempt timeout, then a retry).
    proxy.fail("GetRole", 1, Fault::Stall(Duration::from_secs(60)));
    proxy.fail("GetRole", 2, Fault::Stall(Duration::from_secs(60)));
    let run = ctx.ecsrole(&[
        "check",
        "--account",
        &ids[0],
        "--account",
        &ids[1],
        "--account",
        &ids[2],
        "--concurrency",
        "1",
        // Long enough for the healthy accounts on a busy emulator (the whole suite on 2
        // cores: 10 s was seen to run out); the stall outlasts it.
        "--timeout",
        "20",
        "--output",
        "json",
    ]);
    proxy.assert_fired("GetRole", 1);
    let (got, summary) = lines(&run.stdout);
    assert_eq!(got.len(), 3, "{run:?}");
    let codes: Vec<u64> = got
        .iter()
        .map(|l| l["exit_code"].as_u64().unwrap())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == 1).count(),
        1,
        "{codes:?} {run:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == 2).count(),
        2,
        "the others ran: {codes:?}"
    );
    // Errors win: a target that could not be decided is never hidden behind drift.
    assert_eq!(run.code, 1, "{run:?}");
    // The stall outlasts --timeout: no room to try the account again.
    assert_counts(
        &summary,
        serde_json::json!({"targets": 3, "ok": 0, "drift": 2, "error": 1, "role_broken": 0, "exit_code": 1, "retried": 0, "skipped": 0}),
    );
    let failed = got.iter().find(|l| l["exit_code"] == 1).unwrap();
    assert!(
        failed["error"].as_str().unwrap().contains("iam:GetRole"),
        "{failed}"
    );
    // One session per account; on the whole suite's loaded emulator the SDK may repeat an
    // AssumeRole attempt that ran past its attempt timeout (seen once: 4).
    let sessions = proxy.log().iter().filter(|a| *a == "AssumeRole").count();
    assert!(
        (3..=5).contains(&sessions),
        "one session per account: {sessions}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_fleet_input_sends_no_request() {
    let (ctx, proxy) = Ctx::proxied("fleet_input").await;
    for (args, expected) in [
        (
            &["check", "--account", "12345"][..],
            "invalid account id \"12345\"",
        ),
        (
            &["check", "--accounts", "/nonexistent/accounts.txt"],
            "cannot read accounts file",
        ),
        (
            &[
                "check",
                "--account",
                "111122223333",
                "--regions",
                "us-east-1",
            ],
            "unexpected argument '--regions'",
        ),
        (
            &[
                "verify",
                "--account",
                "111122223333",
                "--regions",
                "us-east-1,mars",
            ],
            "invalid region \"mars\"",
        ),
        (
            &[
                "check",
                "--account",
                "111122223333",
                "--assume-role-name",
                "a b",
            ],
            "invalid assume-role name",
        ),
        (
            &["destroy", "--account", "111122223333"],
            "unexpected argument '--account'",
        ),
        (&["check", "--concurrency", "0"], "--concurrency"),
    ] {
        let run = ctx.ecsrole_raw(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
}

/// A fleet selection that ends with no account (an empty or comments-only accounts file,
/// every account excluded, from flags or the config file) is exit 1 before any call: it
/// never turns into a run in the caller's own account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_selection_is_refused_before_any_call() {
    let (ctx, proxy) = Ctx::proxied("fleet_empty").await;
    let id = accounts(&ctx, 1).remove(0);
    let dir = ctx.temp_dir();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let empty = write("empty.txt", "");
    let comments = write(
        "comments.txt",
        "# generated: no account today\n\n   # none\n",
    );
    let one = write("one.txt", &format!("{id}\n"));
    let config = |name: &str, text: &str| write(name, text);
    let cfg_empty = config("empty.toml", "accounts = []\n");
    let cfg_file = config("file.toml", "accounts_file = \"empty.txt\"\n");
    let cfg_excluded = config(
        "excluded.toml",
        &format!("accounts = [\"{id}\"]\nexclude_accounts = [\"{id}\"]\n"),
    );
    let cases: Vec<Vec<&str>> = vec![
        vec!["apply", "--accounts", &empty],
        vec!["apply", "--accounts", &comments],
        vec!["apply", "--accounts", &comments, "--exclude-account", &id],
        vec!["apply", "--account", &id, "--exclude-account", &id],
        vec!["apply", "--accounts", &one, "--exclude-account", &id],
        vec!["apply", "--exclude-account", &id],
        vec!["verify", "--level", "ce", "--accounts", &empty],
        vec!["check", "--accounts", &empty, "--output", "json"],
        vec!["apply", "--config", &cfg_empty],
        vec!["apply", "--config", &cfg_file],
        vec!["apply", "--config", &cfg_excluded],
    ];
    for args in cases {
        let run = ctx.ecsrole(&args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("no account to run in")
                && run.stderr.contains("expected at least one account id"),
            "{args:?}: {}",
            run.stderr
        );
        if let Some(file) = args.iter().position(|a| *a == "--accounts") {
            assert!(run.stderr.contains(args[file + 1]), "{}", run.stderr);
        }
        if args.contains(&"json") {
            let doc = run.json();
            assert_eq!(doc["error"]["kind"], "invalid_input", "{args:?}: {doc}");
        } else {
            assert!(run.stdout.is_empty(), "{args:?}: {run:?}");
        }
        assert_eq!(proxy.log(), Vec::<String>::new(), "{args:?}: no request");
    }
    // Nothing was created in the caller's own account either.
    let err = ctx
        .iam
        .get_role()
        .role_name(&ctx.role)
        .send()
        .await
        .expect_err("no role was created");
    assert!(
        err.as_service_error()
            .is_some_and(|e| e.is_no_such_entity_exception()),
        "{err:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_fleet_verify_assumes_once_per_account() {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("fleet_verify").await;
    let ids = accounts(&ctx, 2);
    for id in &ids {
        let applied = ctx.ecsrole(&["apply", "-q", "--account", id]);
        assert_eq!(applied.code, 0, "{applied:?}");
    }
    proxy.clear_log();
    let run = ctx.ecsrole(&[
        "verify",
        "--level",
        "ce",
        "--account",
        &ids[0],
        "--account",
        &ids[1],
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let (got, summary) = lines(&run.stdout);
    assert_eq!(got.len(), 2, "one line per account: {run:?}");
    assert_eq!(summary["ok"], 2, "{run:?}");
    for line in &got {
        assert_eq!(line["exit_code"], 0, "{line}");
    }
    let log = proxy.qualified_log();
    let count = |action: &str| log.iter().filter(|a| *a == action).count();
    // The EC2 client shares the target's cached identity: one session per account, not
    // one per EC2 query (or attempt).
    assert_eq!(count("sts:AssumeRole"), ids.len(), "{log:?}");
    for action in [
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    ] {
        assert_eq!(count(action), ids.len(), "{action}: {log:?}");
    }
}

/// A reproduction: on a moto that loads the AWS managed policies into every new
/// account (seconds of its one CPU-bound thread each), `apply` to 60 fresh accounts at
/// `--concurrency 16` used to end with 3 to 60 accounts timed out. The fleet now runs fewer
/// at once when calls are slow or throttled and tries a failed target again while its
/// `--timeout` lasts: every account converges in one run, as a `check` afterwards shows.
/// Then, through the proxy throttling 30% of IAM's requests, 20 accounts are applied again
/// under another role name: all converge, and the proxy sees fewer requests in flight once
/// the throttling has been felt. A moto of the test's own: the others are not slowed
/// (`own_moto_`: xtask runs it in the moto run only, and lists it as skipped elsewhere).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_moto_slow_and_throttling_backends_converge_in_one_run() {
    let moto = crate::harness::OwnMoto::start(true)
        .expect("no ECSROLE_TEST_MOTO_SERVER: run the tests with `cargo xtask test`, which runs own_moto_* tests in its moto run and lists them as skipped elsewhere");
    let ctx = Ctx::at("fleet_slow", &moto.url).await;
    let ids: Vec<String> = accounts(&ctx, 60);
    let file = std::env::temp_dir().join(format!("{}.accounts", ctx.role));
    std::fs::write(&file, ids.join("\n")).unwrap();
    let file = file.to_str().unwrap();
    let fleet = |ctx: &Ctx, command: &str, file: &str| {
        ctx.ecsrole(&[
            command,
            "--accounts",
            file,
            "--assume-role-name",
            "OrgAccess",
            "--concurrency",
            "16",
            "--output",
            "json",
        ])
    };

    let applied = fleet(&ctx, "apply", file);
    let (targets, summary) = lines(&applied.stdout);
    assert_eq!(applied.code, 0, "{summary}\n{}", errors(&targets));
    assert_eq!((&summary["ok"], &summary["error"]), (&60.into(), &0.into()));
    eprintln!("60 fresh accounts: {summary}");
    let checked = fleet(&ctx, "check", file);
    assert_eq!(checked.code, 0, "{}", checked.stdout);

    let mut ctx = Ctx::at("fleet_throttled", &moto.url).await;
    let proxy = ctx.through_proxy().await;
    proxy.throttle_share("iam", 30);
    let twenty = std::env::temp_dir().join(format!("{}.accounts", ctx.role));
    std::fs::write(&twenty, ids[..20].join("\n")).unwrap();
    let twenty = twenty.to_str().unwrap();
    let started = tokio::time::Instant::now();
    let applied = fleet(&ctx, "apply", twenty);
    let (targets, summary) = lines(&applied.stdout);
    assert_eq!(applied.code, 0, "{summary}\n{}", errors(&targets));
    assert_eq!((&summary["ok"], &summary["error"]), (&20.into(), &0.into()));
    assert!(
        proxy
            .injected()
            .iter()
            .filter(|i| i.what == "Throttle")
            .count()
            > 20,
        "the throttling fired"
    );
    assert!(
        summary["concurrency"]["cuts"].as_u64().unwrap() > 0,
        "{summary}"
    );
    // In flight: the peak of the first second (16 targets starting) against the peak of
    // the second half of the run, once the throttling has been felt.
    let log = proxy.in_flight_log();
    let end = log.last().unwrap().0;
    let half = started + (end - started) / 2;
    let first = log
        .iter()
        .filter(|(t, _)| *t < started + std::time::Duration::from_secs(1))
        .map(|(_, n)| *n)
        .max()
        .unwrap();
    let late = log
        .iter()
        .filter(|(t, _)| *t >= half)
        .map(|(_, n)| *n)
        .max()
        .unwrap();
    eprintln!("throttled: {summary}; in flight: {first} at first, at most {late} later");
    assert!(
        late < first,
        "in flight did not drop: {first} at first, {late} later"
    );
    let checked = fleet(&ctx, "check", twenty);
    assert_eq!(checked.code, 0, "{}", checked.stdout);
}

/// A fleet run as a whole ends within `--timeout` for each wave of
/// `--concurrency` targets. Behind the proxy throttling every IAM request, the adaptive
/// limit falls and the targets would run one after another (24 × their bound); instead
/// the run ends near 3 waves × 2 s, every target has its line (the ones never started say
/// why), and the summary comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_run_ends_within_its_overall_bound() {
    let mut ctx = Ctx::new("fleet_bound").await;
    let proxy = ctx.through_proxy().await;
    let ids = accounts(&ctx, 24);
    // A fresh moto builds its STS and IAM state on the first requests (seconds): warm them
    // before the 2 s bounds, so the bound meets only the throttling.
    let warm = ctx.ecsrole(&["check", "--account", &ids[0]]);
    assert_eq!(warm.code, 2, "{warm:?}");
    proxy.throttle_share("iam", 100);
    // And every target's GetRole stalls past its 2 s: a target always takes its whole
    // --timeout, however fast the throttled reads beside it give up (with four reads in
    // one round, one often exhausts its retries first and ends the target at once).
    let seen = proxy.log().iter().filter(|a| *a == "GetRole").count();
    for n in 1..=48 {
        proxy.fail("GetRole", seen + n, Fault::Stall(Duration::from_secs(30)));
    }
    let file = std::env::temp_dir().join(format!("{}.accounts", ctx.role));
    std::fs::write(&file, ids.join("\n")).unwrap();
    let started = std::time::Instant::now();
    let run = ctx.ecsrole(&[
        "check",
        "--accounts",
        file.to_str().unwrap(),
        "--concurrency",
        "8",
        "--timeout",
        "2",
        "--output",
        "json",
    ]);
    let took = started.elapsed();
    proxy.assert_fired("GetRole", seen + 1);
    let (targets, summary) = lines(&run.stdout);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(targets.len(), 24, "{}", run.stdout);
    assert_eq!(summary["targets"], 24);
    let not_run = targets
        .iter()
        .filter(|t| {
            t["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("not run: the fleet run's bound of 6s"))
        })
        .count();
    eprintln!("fleet bound: {not_run} of 24 targets not run, {took:.1?}");
    assert!(not_run > 0, "{}", run.stdout);
    assert!(
        took < std::time::Duration::from_secs(14),
        "6 s, the bound of a run still going and a process start: {took:?}"
    );
}
