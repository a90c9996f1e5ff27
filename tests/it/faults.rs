//! Calls counted at a proxy (not by ecsrole), injected faults, stalls, and bad input that
//! must not reach the network. The proxy is `proxy.rs`, in front of moto.

use std::time::{Duration, Instant};

use crate::harness::proxy::Fault;
use crate::harness::{Ctx, State};

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_the_minimum_counted_at_the_proxy() {
    let (ctx, proxy) = Ctx::proxied("calls").await;
    // One round of four reads, whether the role exists or not: the one required managed
    // policy is judged by its ARN (its text is never read), and there is no inline policy.
    let reads = [
        "GetInstanceProfile",
        "GetRole",
        "ListAttachedRolePolicies",
        "ListRolePolicies",
    ];

    assert_eq!(ctx.ecsrole(&["check", "-q"]).code, 2);
    assert_eq!(sorted(proxy.log()), reads, "check: the four reads");

    proxy.clear_log();
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    let log = proxy.log();
    assert_eq!(sorted(log[..4].to_vec()), reads);
    assert_eq!(
        log[4..8],
        [
            "CreateRole",
            "AttachRolePolicy",
            "CreateInstanceProfile",
            "AddRoleToInstanceProfile",
        ],
        "apply from nothing: reads, the four writes"
    );
    assert_eq!(
        sorted(log[8..].to_vec()),
        reads,
        "then one re-read proves them (IAM consistent at once here)"
    );

    proxy.clear_log();
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    assert_eq!(sorted(proxy.log()), reads, "a second apply makes no write");
}

/// A stalled answer ends every command within `--timeout`, and every command says so in
/// one form: the bound, the call in flight, and where it was sent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_answer_ends_within_the_timeout_naming_the_call() {
    let (ctx, proxy) = Ctx::proxied("stall").await;
    let account = crate::harness::accounts(&ctx, 1).remove(0);
    let form = format!(
        "timed out after 3s (--timeout) waiting for iam:GetRole at {}",
        ctx.endpoint
    );
    let runs: [&[&str]; 3] = [
        &["check", "--timeout", "3"],
        &["destroy", "--timeout", "3"],
        &[
            "check",
            "--timeout",
            "3",
            "--account",
            &account,
            "--output",
            "json",
        ],
    ];
    for (n, args) in runs.iter().enumerate() {
        let seen = proxy.log().iter().filter(|a| *a == "GetRole").count();
        proxy.fail("GetRole", seen + 1, Fault::Stall(Duration::from_secs(60)));
        let start = Instant::now();
        let run = ctx.ecsrole(args);
        let took = start.elapsed();
        proxy.assert_fired("GetRole", seen + 1);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        let said = if n == 2 { &run.stdout } else { &run.stderr };
        // The calls in flight with it are named too (on a loaded emulator the others may
        // still be waiting as well): the stalled one among them, at the endpoint.
        let named = said.contains(&form)
            || (said.contains("timed out after 3s (--timeout) waiting for iam:GetRole, ")
                && said.contains(&format!(" at {}", ctx.endpoint)));
        assert!(named, "{args:?}: expected {form:?} in {said}");
        assert!(
            took < Duration::from_secs(15),
            "{args:?}: bounded by --timeout: {took:?}"
        );
    }
}

/// The state a fault-free apply leaves, with this run's names taken out.
fn normal(state: &State, role: &str) -> String {
    format!("{state:?}").replace(role, "[ROLE]")
}

/// Runs `ecsrole <command> -q` with a fault armed at the first `write`: the fault must fire;
/// then the command succeeds (the fault was retried away), or it exits 1 naming
/// `iam:<write>` and one fault-free re-run succeeds. Returns how many re-runs it took.
fn run_through_fault(
    ctx: &Ctx,
    proxy: &crate::harness::proxy::Proxy,
    command: &[&str],
    write: &str,
    fault: Fault,
) -> usize {
    let args = [command, &["-q"]].concat();
    let first = ctx.ecsrole(&args);
    proxy.assert_fired(write, 1);
    if first.code == 0 {
        return 0;
    }
    assert_eq!(first.code, 1, "{command:?} {write} {fault:?}: {first:?}");
    assert!(
        first.stderr.contains(&format!("iam:{write}")),
        "{command:?} {write} {fault:?} names the call: {}",
        first.stderr
    );
    proxy.heal();
    let second = ctx.ecsrole(&args);
    assert_eq!(
        second.code, 0,
        "{command:?} {write} {fault:?}: the re-run finishes: {second:?}"
    );
    1
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
            let reruns = run_through_fault(&ctx, &proxy, &["apply"], write, fault);
            let got = normal(&ctx.state().await, &ctx.role);
            assert_eq!(
                got, want,
                "{write} {fault:?}: same end state as a fault-free apply"
            );
            assert_eq!(ctx.ecsrole(&["check", "-q"]).code, 0);
            table.push(format!("{write:<32} {fault:<12?} re-runs {reruns}"));
        }
    }

    // The writes apply makes only on a drifted role: the trust policy updated, another
    // role taken out of the profile (--replace-profile-role).
    let drifted = |name: &'static str| async move {
        let (ctx, proxy) = Ctx::proxied(name).await;
        ctx.create_role(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
            &[("managed-by", "ecsrole")],
        )
        .await;
        let other = format!("{}-other", ctx.role);
        ctx.iam
            .create_role()
            .role_name(&other)
            .assume_role_policy_document(Ctx::trust_ec2())
            .send()
            .await
            .unwrap();
        ctx.create_profile(&ctx.role, Some(&other)).await;
        (ctx, proxy)
    };
    let replace = ["apply", "--replace-profile-role"];
    let (clean, _) = drifted("fault_drift_ref").await;
    assert_eq!(clean.ecsrole(&replace).code, 0);
    let want = normal(&clean.state().await, &clean.role);
    for write in [
        "UpdateAssumeRolePolicy",
        "RemoveRoleFromInstanceProfile",
        "AddRoleToInstanceProfile",
    ] {
        for fault in faults {
            let (ctx, proxy) = drifted("fault_drift").await;
            proxy.fail(write, 1, fault);
            let reruns = run_through_fault(&ctx, &proxy, &replace, write, fault);
            let got = normal(&ctx.state().await, &ctx.role);
            assert_eq!(
                got, want,
                "{write} {fault:?} on a drifted role: same end state as a fault-free apply"
            );
            assert_eq!(ctx.ecsrole(&["check", "-q"]).code, 0);
            table.push(format!(
                "{write:<32} {fault:<12?} re-runs {reruns} (drifted role)"
            ));
        }
    }
    eprintln!(
        "apply fault table ({} runs, every fault fired, all converged):\n{}",
        table.len(),
        table.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_waits_out_propagation_and_gives_up_past_its_bound() {
    // The new profile is invisible for 3 s: the wait rides it out.
    let (ctx, proxy) = Ctx::proxied("propagation").await;
    proxy.hide_after(
        "CreateInstanceProfile",
        "GetInstanceProfile",
        Duration::from_secs(3),
    );
    let start = Instant::now();
    let run = ctx.ecsrole(&["apply", "-q"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        proxy.hits("GetInstanceProfile") >= 1,
        "the profile was hidden at least once: {:?}",
        proxy.injected()
    );
    assert!(
        start.elapsed() >= Duration::from_secs(2),
        "it waited: {:?}",
        start.elapsed()
    );
    let log = proxy.log();
    let waits = log
        .iter()
        .skip(3)
        .filter(|a| *a == "GetInstanceProfile")
        .count();
    assert!(waits >= 3, "polled until visible: {log:?}");

    // Invisible for longer than --wait-timeout: a clear message, exit 1; then, once IAM
    // shows it, a re-run finds nothing to do.
    let (ctx, proxy) = Ctx::proxied("propagation_slow").await;
    proxy.hide_after(
        "CreateInstanceProfile",
        "GetInstanceProfile",
        Duration::from_secs(300),
    );
    let run = ctx.ecsrole(&["apply", "--wait-timeout", "2"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        proxy.hits("GetInstanceProfile") >= 1,
        "{:?}",
        proxy.injected()
    );
    assert!(
        run.stderr.contains("apply did not converge")
            && run.stderr.contains("instance_profile_missing"),
        "{}",
        run.stderr
    );
    proxy.heal();
    let again = ctx.ecsrole(&["apply", "--output", "json"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.json()["actions"], serde_json::json!([]));
}

/// moto builds its EC2 state on the first EC2 request (2 s and more on a loaded machine):
/// tests whose bounds are a few seconds warm it first, so that the bound meets only what
/// they inject. EC2 calls are bounded by `--timeout` like every other call.
async fn warm_ec2() {
    crate::harness::ec2()
        .await
        .default_network()
        .await
        .expect("the emulator's EC2 answers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_verify_rides_out_a_late_instance_profile_at_ce_creation() {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("verify_late").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    warm_ec2().await;
    // What Batch says while a just-created profile has not propagated (moto's wording).
    proxy.batch_error_for(
        "createcomputeenvironment",
        Duration::from_secs(2),
        "could not find instanceRole arn:aws:iam::123456789012:instance-profile/x",
    );
    let run = ctx.ecsrole(&["verify", "--level", "ce", "--output", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        proxy.hits("createcomputeenvironment") >= 1,
        "Batch's rejection was injected: {:?}",
        proxy.injected()
    );
    let creates = proxy
        .log()
        .iter()
        .filter(|a| *a == "createcomputeenvironment")
        .count();
    assert!(creates >= 2, "retried the named transient error: {creates}");
    let id = run.json()["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        crate::harness::left_of_run(&ctx, &id).await,
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_verify_after_any_single_fault_leaves_nothing() {
    crate::harness::needs_batch();
    let writes = [
        "createcomputeenvironment",
        "updatecomputeenvironment",
        "deletecomputeenvironment",
        "createjobqueue",
        "updatejobqueue",
        "deletejobqueue",
        "registerjobdefinition",
        "submitjob",
        "deregisterjobdefinition",
    ];
    // Batch speaks REST-JSON: IAM's XML Throttling body would not be Batch's; 500s, resets,
    // lost answers and stalls are protocol-neutral.
    let faults = [
        Fault::ServerError,
        Fault::Reset,
        Fault::LostAnswer,
        Fault::Stall(Duration::from_secs(60)),
    ];
    // One thread per write step (each with its own runtime, so its proxy keeps serving
    // while the test waits on the ecsrole process): the stalls wait in parallel.
    let rows: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = writes
            .iter()
            .map(|&write| {
                scope.spawn(move || {
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .unwrap()
                        .block_on(verify_faults_at(write, faults))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let table: Vec<String> = rows.into_iter().flatten().collect();
    eprintln!(
        "verify fault table ({} runs, every fault fired, 0 leftovers):\n{}",
        table.len(),
        table.join("\n")
    );
}

/// Verify at level job with `fault` on the first `write`, once per fault; one table row each.
async fn verify_faults_at(write: &'static str, faults: [Fault; 4]) -> Vec<String> {
    let mut table = vec![];
    for fault in faults {
        let (ctx, proxy) = Ctx::proxied("vfault").await;
        assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
        proxy.fail(write, 1, fault);
        let start = Instant::now();
        let run = ctx.ecsrole(&[
            "verify",
            "--level",
            "job",
            "--timeout",
            "20",
            "--output",
            "json",
        ]);
        let took = start.elapsed();
        proxy.assert_fired(write, 1);
        let json = run.json();
        let id = json["run_id"].as_str().unwrap().to_owned();
        let left = crate::harness::left_of_run(&ctx, &id).await;
        assert_eq!(
            left,
            Vec::<String>::new(),
            "{write} {fault:?}: leftovers\n{}",
            run.stdout
        );
        assert!(
            took < Duration::from_secs(60),
            "{write} {fault:?}: took {took:?}"
        );
        assert_eq!(
            run.code == 0,
            json["verified"] == true,
            "{write} {fault:?}: {}",
            run.stdout
        );
        if run.code != 0 {
            assert_eq!(run.code, 1, "{write} {fault:?}: {}", run.stdout);
        }
        table.push(format!(
            "{write:<26} {:<12} exit {} in {took:.1?}",
            format!("{fault:?}"),
            run.code
        ));
    }
    table
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_after_any_single_fault_can_be_finished() {
    let writes = [
        "RemoveRoleFromInstanceProfile",
        "DeleteInstanceProfile",
        "DetachRolePolicy",
        "DeleteRolePolicy",
        "DeleteRole",
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
            let (ctx, proxy) = Ctx::proxied("dfault").await;
            assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
            // An inline policy, so that destroy makes every write it can make.
            ctx.iam
                .put_role_policy()
                .role_name(&ctx.role)
                .policy_name("inline")
                .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
                .send()
                .await
                .unwrap();
            proxy.fail(write, 1, fault);
            let reruns = run_through_fault(&ctx, &proxy, &["destroy"], write, fault);
            let state = ctx.state().await;
            assert_eq!(
                (state.trust, state.profile_roles),
                (None, None),
                "{write} {fault:?}: all gone"
            );
            table.push(format!(
                "{write:<30} {:<12} re-runs {reruns}",
                format!("{fault:?}")
            ));
        }
    }
    eprintln!(
        "destroy fault table ({} runs, every fault fired, all finished):\n{}",
        table.len(),
        table.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_a_stalled_batch_answer_ends_verify_within_its_timeout_and_tears_down() {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("vstall").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    warm_ec2().await;
    proxy.fail(
        "describecomputeenvironments",
        1,
        Fault::Stall(Duration::from_secs(120)),
    );
    let start = Instant::now();
    let run = ctx.ecsrole(&[
        "verify",
        "--level",
        "ce",
        "--timeout",
        "3",
        "--output",
        "json",
    ]);
    let took = start.elapsed();
    proxy.assert_fired("describecomputeenvironments", 1);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    let error = json["error"].as_str().unwrap();
    assert!(
        error.contains("batch:DescribeComputeEnvironments") && error.contains("timed out"),
        "{error}"
    );
    assert!(took < Duration::from_secs(20), "bounded: {took:?}");
    let id = json["run_id"].as_str().unwrap().to_owned();
    assert_eq!(
        crate::harness::left_of_run(&ctx, &id).await,
        Vec::<String>::new()
    );
}

/// The EC2 queries (no SDK behind them) ride the same rails as the SDK calls: a reset, a
/// 500 and throttling are retried; a stalled answer is cut by the timeout, which names it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_ec2_queries_retry_and_a_stall_is_named() {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("ec2_faults").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    proxy.clear_log();
    proxy.fail("DescribeVpcs", 1, Fault::Reset);
    proxy.fail("DescribeSubnets", 1, Fault::ServerError);
    proxy.fail("DescribeSecurityGroups", 1, Fault::Throttle);
    let run = ctx.ecsrole(&["verify", "--level", "ce", "--output", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let log = proxy.log();
    for action in ["DescribeVpcs", "DescribeSubnets", "DescribeSecurityGroups"] {
        proxy.assert_fired(action, 1);
        let n = log.iter().filter(|a| *a == action).count();
        assert_eq!(n, 2, "{action}: the fault, then the retry: {log:?}");
    }

    proxy.heal();
    proxy.clear_log();
    proxy.fail("DescribeVpcs", 1, Fault::Stall(Duration::from_secs(60)));
    let start = Instant::now();
    // --timeout also bounds each call (as for the SDK calls): the stalled query is cut
    // there, before the whole-run bound, and named.
    let run = ctx.ecsrole(&[
        "verify",
        "--level",
        "ce",
        "--timeout",
        "5",
        "--output",
        "json",
    ]);
    let took = start.elapsed();
    proxy.assert_fired("DescribeVpcs", 1);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let error = run.json()["error"].as_str().unwrap().to_owned();
    assert!(
        error.contains("ec2:DescribeVpcs") && error.contains("timed out"),
        "{error}"
    );
    assert!(took < Duration::from_secs(20), "bounded: {took:?}");
}

/// cleanup's every write, each with one fault: the first run ends (exit 0 when the fault
/// was retried away, else 1 naming the call), and one fault-free re-run leaves nothing of
/// the kept run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_cleanup_after_any_single_fault_can_be_finished() {
    crate::harness::needs_batch();
    let writes = [
        "updatejobqueue",
        "deletejobqueue",
        "updatecomputeenvironment",
        "deletecomputeenvironment",
        "deregisterjobdefinition",
    ];
    let rows: Vec<Vec<String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = writes
            .iter()
            .map(|&write| {
                scope.spawn(move || {
                    tokio::runtime::Builder::new_multi_thread()
                        .worker_threads(2)
                        .enable_all()
                        .build()
                        .unwrap()
                        .block_on(cleanup_faults_at(write))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let table: Vec<String> = rows.into_iter().flatten().collect();
    eprintln!(
        "cleanup fault table ({} runs, every fault fired, 0 leftovers):\n{}",
        table.len(),
        table.join("\n")
    );
}

async fn cleanup_faults_at(write: &'static str) -> Vec<String> {
    let mut table = vec![];
    for fault in [Fault::ServerError, Fault::Reset, Fault::LostAnswer] {
        let (ctx, proxy) = Ctx::proxied("cfault").await;
        assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
        let kept = ctx.ecsrole(&["verify", "--level", "job", "--keep", "--output", "json"]);
        assert_eq!(kept.code, 0, "{}", kept.stderr);
        let run = kept.json()["run_id"].as_str().unwrap().to_owned();
        assert_eq!(crate::harness::left_of_run(&ctx, &run).await.len(), 3);
        proxy.fail(write, 1, fault);
        let first = ctx.ecsrole_raw(&["cleanup", "--run", &run, "--timeout", "60"]);
        proxy.assert_fired(write, 1);
        let mut reruns = 0;
        if first.code != 0 {
            assert_eq!(first.code, 1, "{write} {fault:?}: {first:?}");
            proxy.heal();
            let second = ctx.ecsrole_raw(&["cleanup", "--run", &run, "--timeout", "60"]);
            assert_eq!(second.code, 0, "{write} {fault:?}: {second:?}");
            reruns = 1;
        }
        assert_eq!(
            crate::harness::left_of_run(&ctx, &run).await,
            Vec::<String>::new(),
            "{write} {fault:?}: nothing of the run is left"
        );
        table.push(format!("{write:<26} {fault:<12?} re-runs {reruns}"));
    }
    table
}

/// Cleanup is bounded by `--timeout` as a whole (it ignored it): a
/// stalled describe ends it within the bound, in the one timeout form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_cleanup_ends_within_its_timeout() {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("cleanup_stall").await;
    let seen = proxy
        .log()
        .iter()
        .filter(|a| *a == "describejobqueues")
        .count();
    proxy.fail(
        "describejobqueues",
        seen + 1,
        Fault::Stall(Duration::from_secs(120)),
    );
    let start = Instant::now();
    let run = ctx.ecsrole_raw(&["cleanup", "--timeout", "3"]);
    let took = start.elapsed();
    proxy.assert_fired("describejobqueues", seen + 1);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("timed out after 3s (--timeout) waiting for batch:DescribeJobQueues"),
        "{}",
        run.stderr
    );
    assert!(took < Duration::from_secs(15), "bounded: {took:?}");
}
