//! Calls counted at a proxy (not by ecsrole), injected faults, stalls, and bad input that
//! must not reach the network. The proxy is `proxy.rs`, in front of moto.

use std::time::{Duration, Instant};

use crate::harness::{Ctx, State};
use crate::proxy::Fault;

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_the_minimum_counted_at_the_proxy() {
    let (ctx, proxy) = Ctx::proxied("calls").await;
    let reads = ["GetInstanceProfile", "GetRole", "ListAttachedRolePolicies"];

    assert_eq!(ctx.ecsrole(&["check", "-q"]).code, 2);
    assert_eq!(sorted(proxy.log()), reads, "check: the three reads");

    proxy.clear_log();
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    let log = proxy.log();
    assert_eq!(sorted(log[..3].to_vec()), reads);
    assert_eq!(
        log[3..],
        [
            "CreateRole",
            "AttachRolePolicy",
            "CreateInstanceProfile",
            "AddRoleToInstanceProfile",
            "GetInstanceProfile"
        ],
        "apply from nothing: reads, the four writes, one wait read"
    );

    proxy.clear_log();
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    assert_eq!(sorted(proxy.log()), reads, "a second apply makes no write");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_sends_no_request() {
    let (ctx, proxy) = Ctx::proxied("noreq").await;
    for args in [
        &["check", "--role-name", "bad name"][..],
        &["apply", "--path", "nopath"],
        &["apply", "--tag", "x"],
        &["check", "--extra-policy", "arn:aws:s3:::bucket"],
        &["check", "--partition", "aws-mars"],
        &["check", "--region", "nowhere"],
        &["verify", "--service-role", "role"],
        &["verify", "--subnet", "s-1"],
    ] {
        let run = ctx.ecsrole_raw(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.starts_with("error: invalid"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert_eq!(
        proxy.log(),
        Vec::<String>::new(),
        "no request reached the proxy"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_answer_ends_within_the_timeout_naming_the_call() {
    let (ctx, proxy) = Ctx::proxied("stall").await;
    proxy.fail("GetRole", 1, Fault::Stall(Duration::from_secs(60)));
    let start = Instant::now();
    let run = ctx.ecsrole(&["check", "--timeout", "3"]);
    let took = start.elapsed();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("iam:GetRole") && run.stderr.contains("timed out"),
        "{}",
        run.stderr
    );
    assert!(
        took < Duration::from_secs(15),
        "bounded by --timeout: {took:?}"
    );
}

/// The state a fault-free apply leaves, with this run's names taken out.
fn normal(state: &State, role: &str) -> String {
    format!("{state:?}").replace(role, "[ROLE]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_converges_after_any_single_fault_at_any_write() {
    let (clean, _) = Ctx::proxied("fault_ref").await;
    assert_eq!(clean.ecsrole(&["apply", "-q"]).code, 0);
    let want = normal(&clean.state().await, &clean.role);

    let writes = [
        "CreateRole",
        "AttachRolePolicy",
        "CreateInstanceProfile",
        "AddRoleToInstanceProfile",
    ];
    let faults = [
        Fault::ServerError,
        Fault::Throttle,
        Fault::Reset,
        Fault::LostAnswer,
    ];
    let mut table = vec![];
    for write in writes {
        for fault in faults {
            let (ctx, proxy) = Ctx::proxied("fault").await;
            proxy.fail(write, 1, fault);
            let first = ctx.ecsrole(&["apply", "-q"]);
            let reruns = if first.code == 0 {
                0
            } else {
                assert_eq!(first.code, 1, "{write} {fault:?}: {first:?}");
                assert!(
                    first.stderr.contains(&format!("iam:{write}")),
                    "{write} {fault:?} names the call: {}",
                    first.stderr
                );
                proxy.heal();
                let second = ctx.ecsrole(&["apply", "-q"]);
                assert_eq!(
                    second.code, 0,
                    "{write} {fault:?}: the re-run converges: {second:?}"
                );
                1
            };
            let got = normal(&ctx.state().await, &ctx.role);
            assert_eq!(
                got, want,
                "{write} {fault:?}: same end state as a fault-free apply"
            );
            assert_eq!(ctx.ecsrole(&["check", "-q"]).code, 0);
            table.push(format!("{write:<26} {fault:<12?} re-runs {reruns}"));
        }
    }
    eprintln!(
        "apply fault table ({} runs, all converged):\n{}",
        table.len(),
        table.join("\n")
    );
    assert_eq!(table.len(), 16);
}
