//! `verify` and `cleanup` against moto. What is left is asked of the emulator directly
//! (describe calls), never taken from ecsrole's own report.
//!
//! moto differs from AWS here (docs/emulators.md): it needs an explicit service role
//! (ecsrole always passes one: the service-linked role's ARN), its CEs are VALID at once,
//! and it runs no ECS agent, so at level `instance` a test plays the agent by registering
//! a container instance itself. AWS-only paths are covered by the mock tests in
//! crates/batch/src/mock_tests.rs.

use std::io::{BufReader, Read};
use std::time::{Duration, Instant};

use crate::harness::{
    Ctx, finish, launch_instance, left_of_run, play_the_ecs_agent, profile_arn, read_until,
    run_id_of, start_instance_run,
};

async fn compliant_role(ctx: &Ctx) {
    let apply = ctx.ecsrole(&["apply", "-q"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
}

#[tokio::test]
async fn batch_levels_ce_and_job_verify_and_leave_nothing() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify").await;
    compliant_role(&ctx).await;

    let ce = ctx.ecsrole(&["verify", "--level", "ce", "--output", "json"]);
    assert_eq!(ce.code, 0, "{}\n{}", ce.stdout, ce.stderr);
    let json = ce.json();
    assert_eq!(
        (json["verified"].as_bool(), json["level"].as_str()),
        (Some(true), Some("ce"))
    );
    let run = json["run_id"].as_str().unwrap().to_owned();
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());

    let job = ctx.ecsrole(&["verify", "--level", "job"]);
    assert_eq!(job.code, 0, "{}\n{}", job.stdout, job.stderr);
    let run = run_id_of(&job.stderr);
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
    for step in [
        "create_job_queue",
        "job_succeeded",
        "delete_job_queue",
        "delete_compute_environment",
        "deregister_job_definition",
    ] {
        assert!(
            job.stderr.contains(&format!("✓ {step}")),
            "{step} missing:\n{}",
            job.stderr
        );
    }
    ctx.settings().bind(|| {
        insta::assert_snapshot!("verify_ce_json", ce.transcript());
        insta::assert_snapshot!("verify_job_human", job.transcript());
    });
}

#[tokio::test]
async fn batch_drift_exits_2_before_creating_anything() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_drift").await;
    let human = ctx.ecsrole(&["verify", "--level", "ce"]);
    let json = ctx.ecsrole(&["verify", "--level", "ce", "--output", "json"]);
    assert_eq!((human.code, json.code), (2, 2));
    let out = json.json();
    assert_eq!(
        out["steps"].as_array().unwrap().len(),
        1,
        "only check ran: {out}"
    );
    assert_eq!(out["failure"], "drift");
    assert_eq!(out["findings"][0]["code"], "role_missing");
    let run = out["run_id"].as_str().unwrap();
    assert_eq!(left_of_run(&ctx, run).await, Vec::<String>::new());
    ctx.settings().bind(|| {
        insta::assert_snapshot!("verify_drift_human", human.transcript());
        insta::assert_snapshot!("verify_drift_json", json.transcript());
    });
}

#[tokio::test]
async fn batch_keep_then_cleanup_removes_everything() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_keep").await;
    compliant_role(&ctx).await;
    let kept = ctx.ecsrole(&["verify", "--level", "job", "--keep", "--output", "json"]);
    assert_eq!(kept.code, 0, "{}", kept.stderr);
    let json = kept.json();
    let run = json["run_id"].as_str().unwrap().to_owned();
    assert_eq!(json["kept"], true);
    // The run asks for Amazon Linux 2023 explicitly.
    let kept_ce = ctx
        .batch
        .describe_compute_environments()
        .compute_environments(format!("ecsrole-verify-{run}"))
        .send()
        .await
        .unwrap();
    let images: Vec<&str> = kept_ce.compute_environments()[0]
        .compute_resources()
        .unwrap()
        .ec2_configuration()
        .iter()
        .filter_map(|c| c.image_type())
        .collect();
    assert_eq!(images, ["ECS_AL2023"]);
    let mut left = left_of_run(&ctx, &run).await;
    left.sort();
    assert_eq!(
        left.len(),
        3,
        "CE, queue and job definition are kept: {left:?}"
    );

    // Someone else's compute environment (not tagged, not named ecsrole-verify-*): cleanup
    // must leave it alone.
    let theirs = format!("theirs-{}", ctx.role);
    let slr = ctx
        .iam
        .list_roles()
        .path_prefix("/aws-service-role/batch.amazonaws.com/")
        .send()
        .await
        .unwrap();
    let profile = ctx
        .iam
        .get_instance_profile()
        .instance_profile_name(&ctx.role)
        .send()
        .await
        .unwrap();
    let net = crate::harness::ec2()
        .await
        .default_network()
        .await
        .unwrap()
        .unwrap();
    let resources = aws_sdk_batch::types::ComputeResource::builder()
        .r#type(aws_sdk_batch::types::CrType::Ec2)
        .minv_cpus(0)
        .maxv_cpus(2)
        .instance_types("optimal")
        .set_subnets(Some(net.subnets))
        .set_security_group_ids(Some(net.security_groups))
        .instance_role(profile.instance_profile().unwrap().arn())
        .build();
    ctx.batch
        .create_compute_environment()
        .compute_environment_name(&theirs)
        .r#type(aws_sdk_batch::types::CeType::Managed)
        .service_role(slr.roles()[0].arn())
        .compute_resources(resources)
        .send()
        .await
        .unwrap();

    // Kept resources are leased: a plain cleanup (another pipeline's, say) leaves them,
    // and says until when.
    let dry = ctx.ecsrole_raw(&["cleanup", "--dry-run", "--output", "json"]);
    assert_eq!(dry.code, 0, "{}", dry.stderr);
    let leased: Vec<String> = dry.json()["leased"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["resource"].as_str().unwrap().to_owned())
        .collect();
    for kind in ["job-queue", "compute-environment"] {
        assert!(
            leased.contains(&format!("{kind}/ecsrole-verify-{run}")),
            "{kind} leased: {}",
            dry.stdout
        );
    }
    let plain = ctx.ecsrole_raw(&["cleanup"]);
    assert_eq!(plain.code, 0, "{}\n{}", plain.stdout, plain.stderr);
    assert_eq!(
        left_of_run(&ctx, &run).await.len(),
        3,
        "a running lease is left alone"
    );

    let clean = ctx.ecsrole_raw(&["cleanup", "--run", &run]);
    assert_eq!(clean.code, 0, "{}\n{}", clean.stdout, clean.stderr);
    assert!(
        clean
            .stdout
            .contains(&format!("job-queue/ecsrole-verify-{run}")),
        "{}",
        clean.stdout
    );
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
    let theirs_left = ctx
        .batch
        .describe_compute_environments()
        .compute_environments(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(
        theirs_left.compute_environments().len(),
        1,
        "someone else's compute environment is never touched"
    );
    let again = ctx.ecsrole_raw(&["cleanup", "--run", &run, "--output", "json"]);
    assert_eq!(again.code, 0);
    assert_eq!(again.json()["found"], serde_json::json!([]));
}

#[tokio::test]
async fn batch_sigint_mid_run_leaves_nothing() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_sigint").await;
    compliant_role(&ctx).await;
    // moto runs no ECS agent: level instance waits for a registration that never comes.
    let (child, stderr, run) = start_instance_run(&ctx, "120");
    let name = format!("ecsrole-verify-{run}");
    assert!(
        left_of_run(&ctx, &run)
            .await
            .contains(&format!("ce {name}")),
        "the CE exists mid-run"
    );
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let (code, stdout, rest) = finish(child, stderr);
    assert_eq!(code, 1, "{stdout}\n{rest}");
    assert!(stdout.contains("interrupted by SIGINT"), "{stdout}");
    assert!(rest.contains("■ container_instance_registered"), "{rest}");
    assert!(rest.contains("✓ delete_compute_environment"), "{rest}");
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
}

/// With stderr not a terminal, a step that waits longer than 30 s says
/// every 30 s what it waits for, for how long, and the bound; and on an emulator a level
/// instance that cannot be proven says why.
#[tokio::test]
async fn batch_a_long_wait_says_it_is_still_waiting() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_waiting").await;
    compliant_role(&ctx).await;
    let run = ctx.ecsrole(&["verify", "--level", "instance", "--timeout", "40"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("… container_instance_registered: still waiting after 30s (bound 40s)"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout
            .contains("is not AWS: an emulator (moto, LocalStack) launches no instances"),
        "{}",
        run.stdout
    );
    let id = run_id_of(&run.stderr);
    assert_eq!(left_of_run(&ctx, &id).await, Vec::<String>::new());
}

/// A dropped SSH session. Its stderr closed (the terminal is gone), then
/// SIGHUP: verify tears down as for SIGTERM, and says so on stdout.
#[tokio::test]
async fn batch_sighup_with_the_terminal_gone_still_tears_down() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_sighup").await;
    compliant_role(&ctx).await;
    let (mut child, stderr, run) = start_instance_run(&ctx, "120");
    drop(stderr);
    let kill = std::process::Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1), "{status:?}: {out}");
    assert!(out.contains("interrupted by SIGHUP"), "{out}");
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
}

#[tokio::test]
async fn batch_instance_level_with_the_test_playing_the_ecs_agent() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_agent").await;
    compliant_role(&ctx).await;
    let (child, stderr, run) = start_instance_run(&ctx, "60");
    // Play the ECS agent on an instance like the one Batch would have launched: moto
    // launches none for a scale-up and runs no agent, so the test launches an instance and
    // registers it as a container instance in the CE's cluster.
    play_the_ecs_agent(&ctx, &run).await;
    let (code, stdout, rest) = finish(child, stderr);
    assert_eq!(code, 0, "{stdout}\n{rest}");
    assert!(stdout.starts_with("Verified at level instance"), "{stdout}");
    assert!(rest.contains("✓ container_instance_registered"), "{rest}");
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
}

/// moto launches no instance for a scale-up: nothing points at the role, so exit 1 with
/// what was seen, not 3.
#[tokio::test]
async fn batch_an_instance_never_launched_is_not_blamed_on_the_role() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_noagent").await;
    compliant_role(&ctx).await;
    let run = ctx.ecsrole(&["verify", "--level", "instance", "--timeout", "3"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .lines()
            .next()
            .into_iter()
            .chain(run.stderr.lines().nth(1))
            .any(|l| l.starts_with("warning: level instance") && l.contains("--level ce")),
        "said before the run starts: {}",
        run.stderr
    );
    for seen in [
        "no container instance registered",
        "nothing read points at the role",
        "seen: ec2:DescribeInstances: no instance tagged ecsrole:verify-run=",
        "seen: ecs:ListContainerInstances: 0 container instance(s)",
        "1. http://127.0.0.1:",
        "is not AWS: an emulator (moto, LocalStack) launches no instances",
        "2. capacity",
    ] {
        assert!(run.stdout.contains(seen), "{seen}: {}", run.stdout);
    }
    let id = run_id_of(&run.stderr);
    assert_eq!(left_of_run(&ctx, &id).await, Vec::<String>::new());
    ctx.settings()
        .bind(|| insta::assert_snapshot!("verify_instance_never_registers", run.transcript()));
}

/// An instance of the run has run with the role's profile past the registration allowance
/// and never registered (the test launches it as Batch would, and plays no agent): the
/// role, exit 3.
#[tokio::test]
async fn batch_an_instance_that_never_registers_is_the_role() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_stuck").await;
    let (code, stdout, rest, run, instance, profile) = overdue_instance(&ctx, &[]).await;
    assert_eq!(code, 3, "{stdout}\n{rest}");
    for seen in [
        "the evidence points at the role",
        &format!("instance {instance} has run with instance profile {profile}"),
        "never registered with ECS",
        "its network was shown able to reach ECS",
        &format!("seen: ec2:DescribeInstances: {instance} running"),
        "seen: ec2 network: subnet-",
    ] {
        assert!(stdout.contains(seen), "{seen}: {stdout}");
    }
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
}

/// The same, in a subnet with no way to ECS: the network, not the role,
/// exit 1 naming the subnet; the network is read only then.
#[tokio::test]
async fn batch_an_instance_that_never_registers_in_a_closed_subnet_is_the_network() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_closed").await;
    let net = crate::harness::closed_network(&crate::harness::ec2().await).await;
    let args = ["--subnet", &net.subnet, "--security-group", &net.group];
    let (code, stdout, rest, run, instance, profile) = overdue_instance(&ctx, &args).await;
    assert_eq!(code, 1, "{stdout}\n{rest}");
    for seen in [
        "nothing read points at the role (exit 1, not 3)",
        &format!(
            "1. the network (subnet_no_route_out): subnet {}",
            net.subnet
        ),
        &format!(
            "seen: ec2 network: {}: route table {}, no way to ECS",
            net.subnet, net.table
        ),
        &format!("instance {instance} has run with instance profile {profile}"),
    ] {
        assert!(stdout.contains(seen), "{seen}: {stdout}");
    }
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
}

/// A `verify --level instance` run (with `args`) in which the test launches the run's
/// instance with the role's profile, as Batch would, and plays no agent, so it outlives
/// the registration allowance (1 s) unregistered: exit code, stdout, the rest of stderr,
/// the run id, the instance and the profile ARN.
async fn overdue_instance(
    ctx: &Ctx,
    args: &[&str],
) -> (i32, String, String, String, String, String) {
    compliant_role(ctx).await;
    let mut all = vec![
        "verify",
        "--level",
        "instance",
        "--timeout",
        "8",
        "--registration-allowance",
        "1",
    ];
    all.extend_from_slice(args);
    let mut child = ctx.spawn(&all);
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let first = read_until(&mut stderr, |l| l.starts_with("verify run "));
    let run = run_id_of(&first.join("\n"));
    read_until(&mut stderr, |l| l.contains("scale_up"));
    let profile = profile_arn(ctx).await;
    let instance = launch_instance(&run, Some(&profile)).await;
    let (code, stdout, rest) = finish(child, stderr);
    (code, stdout, rest, run, instance, profile)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_verify_input_is_named_before_any_call() {
    let (ctx, proxy) = Ctx::proxied("verify_input").await;
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "verify",
                "--subnet",
                "subnet-xyz",
                "--security-group",
                "sg-0123456789abcdef0",
            ],
            "invalid subnet \"subnet-xyz\"",
        ),
        (
            &["verify", "--security-group", "default"],
            "invalid security group \"default\"",
        ),
        (
            &["verify", "--service-role", "AWSBatchServiceRole"],
            "invalid service role ARN \"AWSBatchServiceRole\"",
        ),
        (&["verify", "--level", "everything"], "everything"),
        (&["verify", "--image", ""], "invalid image"),
    ];
    for (args, expected) in cases {
        let run = ctx.ecsrole_raw(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("cannot reach"),
            "{args:?} made a call: {}",
            run.stderr
        );
    }
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
}

/// A verify that fails before its first create (here at `check`: the endpoint accepts
/// connections and never answers) says it created nothing, lists no teardown step and
/// nothing left behind, exits 1, and ends within its bound: it makes no teardown calls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verify_that_created_nothing_tears_nothing_down() {
    let ctx = Ctx::new("verify_nothing").await;
    // A listener that never accepts: connections queue up and no answer ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", silent.local_addr().unwrap());
    for output in ["human", "json"] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_ecsrole-it"));
        cmd.args([
            "verify",
            "--level",
            "ce",
            "--timeout",
            "4",
            "--output",
            output,
            "--role-name",
            &ctx.role,
        ]);
        let started = Instant::now();
        let run = crate::harness::run_isolated(cmd, &url);
        let took = started.elapsed();
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            took < Duration::from_secs(12),
            "within the 4 s bound and a margin, no teardown calls: took {took:?}\n{run:?}"
        );
        for step in [
            "delete_job_queue",
            "delete_compute_environment",
            "leftovers",
        ] {
            assert!(!run.stderr.contains(step), "{step} listed: {run:?}");
        }
        assert!(!run.stdout.contains("LEFT BEHIND"), "{run:?}");
        if output == "json" {
            let json = run.json();
            assert_eq!(json["created"], false, "{json}");
            assert_eq!(json["leftovers"], serde_json::json!([]), "{json}");
            let steps: Vec<_> = json["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["name"].as_str().unwrap().to_owned())
                .collect();
            assert_eq!(steps, ["check"], "{json}");
        } else {
            assert!(
                run.stdout.contains("Nothing was created"),
                "says so: {run:?}"
            );
        }
    }
    drop(silent);
}

/// The command `verify --keep` names for removing what it kept is run exactly as printed
/// (in the same account and region, as the hint says) and removes everything of the run.
#[tokio::test]
async fn batch_the_keep_hint_names_a_command_that_works() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("verify_hint").await;
    compliant_role(&ctx).await;
    let kept = ctx.ecsrole(&["verify", "--level", "ce", "--keep"]);
    assert_eq!(kept.code, 0, "{kept:?}");
    let line = kept
        .stdout
        .lines()
        .find(|l| l.starts_with("Kept (--keep):"))
        .unwrap_or_else(|| panic!("a hint: {kept:?}"));
    let run = kept
        .stderr
        .split("verify run ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .unwrap_or_else(|| panic!("the run id on stderr: {kept:?}"))
        .to_owned();
    assert!(
        !left_of_run(&ctx, &run).await.is_empty(),
        "kept: something to remove"
    );
    let hint = line
        .split('`')
        .nth(1)
        .unwrap_or_else(|| panic!("a command in backticks: {line}"));
    let words: Vec<&str> = hint.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"ecsrole"), "{hint}");
    let cleaned = ctx.ecsrole_raw(&words[1..]);
    assert_eq!(cleaned.code, 0, "{hint}: {cleaned:?}");
    assert_eq!(
        left_of_run(&ctx, &run).await,
        Vec::<String>::new(),
        "`{hint}` removed everything of run {run}"
    );
}

/// A job that FAILED because its image could not be pulled: the registry's refusals (a
/// typo, a missing tag, a private registry without credentials) are exit 1 naming the
/// image; only AWS refusing the instance role's principal is exit 3. moto's jobs always
/// succeed: the proxy rewrites its DescribeJobs answer to FAILED with each reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_a_job_whose_image_cannot_be_pulled_is_blamed_on_the_role_only_on_evidence_proxy_rewritten()
 {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("verify_pull").await;
    compliant_role(&ctx).await;
    let cases = [
        (
            "CannotPullContainerError: Error response from daemon: pull access denied for busyboxx, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
            1,
        ),
        (
            "CannotPullContainerError: Error response from daemon: manifest unknown: manifest unknown",
            1,
        ),
        (
            "CannotPullContainerError: Error response from daemon: Head \"https://registry.example.com/v2/app/manifests/1\": unauthorized: authentication required",
            1,
        ),
        (
            "CannotPullContainerError: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-0abc is not authorized to perform: ecr:GetAuthorizationToken",
            3,
        ),
    ];
    for (reason, code) in cases {
        let reason_owned = reason.to_owned();
        proxy.rewrite("describejobs", move |v: &mut serde_json::Value| {
            for j in v["jobs"].as_array_mut().into_iter().flatten() {
                j["status"] = "FAILED".into();
                j["statusReason"] = reason_owned.clone().into();
            }
        });
        let run = ctx.ecsrole(&["verify", "--level", "job", "--image", "busyboxx"]);
        assert_eq!(run.code, code, "{reason}: {run:?}");
        if code == 1 {
            assert!(
                run.stdout.contains("image busyboxx")
                    && run.stdout.contains("nothing here is about the role"),
                "{run:?}"
            );
        }
        let run_id = run_id_of(&run.stderr);
        assert_eq!(left_of_run(&ctx, &run_id).await, Vec::<String>::new());
    }
    proxy.heal();
}
