//! Shared accounts: several verify runs and a `cleanup` at the same time in one account.
//! Leases keep cleanup off runs in progress; a run whose resources are taken away says so
//! (exit 1); a young instance profile is waited out, an old one is the role. What is left is
//! asked of the emulator, never taken from ecsrole's word.

use std::time::{Duration, SystemTime};

use aws_sdk_batch::types::{
    ContainerProperties, JobDefinitionType, ResourceRequirement, ResourceType,
};

use crate::harness::Ctx;
use crate::harness::left_of_run;
use crate::harness::{finish, play_the_ecs_agent, start_instance_run};

/// As ecsrole writes its expiry tags (whole seconds), which cleanup echoes.
fn rfc3339(t: SystemTime) -> String {
    ecsrole_batch::lease::format(t)
}

/// Registers job definition `name` (the cheapest Batch resource) with `tags`.
async fn job_definition(ctx: &Ctx, name: &str, tags: &[(&str, String)]) {
    let requirement =
        |t: ResourceType, v: &str| ResourceRequirement::builder().r#type(t).value(v).build();
    let container = ContainerProperties::builder()
        .image("busybox")
        .command("true")
        .resource_requirements(requirement(ResourceType::Vcpu, "1"))
        .resource_requirements(requirement(ResourceType::Memory, "128"))
        .build();
    let mut req = ctx
        .batch
        .register_job_definition()
        .job_definition_name(name)
        .r#type(JobDefinitionType::Container)
        .container_properties(container);
    for (k, v) in tags {
        req = req.tags(*k, v);
    }
    req.send().await.unwrap();
}

/// The names of the ACTIVE job definitions among `names`.
async fn active(ctx: &Ctx, names: &[&String]) -> Vec<String> {
    let mut out = vec![];
    for name in names {
        let found = ctx
            .batch
            .describe_job_definitions()
            .job_definition_name(name.as_str())
            .status("ACTIVE")
            .send()
            .await
            .unwrap();
        if !found.job_definitions().is_empty() {
            out.push((*name).clone());
        }
    }
    out
}

#[tokio::test]
async fn batch_cleanup_deletes_only_what_is_past_its_lease() {
    crate::harness::needs_batch();
    // An account of its own: a plain cleanup anywhere else in the suite (correctly)
    // deletes what is past its lease, and would take this test's fixtures.
    let account = crate::harness::accounts(&Ctx::new("lease_account").await, 1).remove(0);
    let ctx = Ctx::in_account("lease", &account).await;
    // Run ids no real run has: `ecsrole-verify-` + 10 hex digits of the test's own.
    let id = |n: u32| format!("{:08x}{n:02x}", ctx.role.len() as u32 * 0x1357 + n);
    let name = |n: u32| format!("ecsrole-verify-{}", id(n));
    let now = SystemTime::now();
    let past = rfc3339(now - Duration::from_secs(600)); // past the 300 s margin
    let future = rfc3339(now + Duration::from_secs(3600));
    let owned = |n: u32, expires: Option<&str>| {
        let mut tags = vec![
            ("managed-by", "ecsrole".to_owned()),
            ("ecsrole:verify-run", id(n)),
        ];
        if let Some(e) = expires {
            tags.push(("ecsrole:expires", e.to_owned()));
        }
        tags
    };
    let (expired, old, live, theirs) = (name(1), name(2), name(3), name(4));
    job_definition(&ctx, &expired, &owned(1, Some(&past))).await;
    job_definition(&ctx, &old, &owned(2, None)).await;
    job_definition(&ctx, &live, &owned(3, Some(&future))).await;
    job_definition(&ctx, &theirs, &[("team", "data".to_owned())]).await;
    let all = [&expired, &old, &live, &theirs];

    let dry = ctx.ecsrole_raw(&["cleanup", "--dry-run", "--output", "json"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    let json = dry.json();
    let found = json["found"].to_string();
    let leased = json["leased"].to_string();
    assert!(found.contains(&expired), "{json}");
    assert!(
        !found.contains(&live) && !found.contains(&theirs) && !found.contains(&old),
        "{json}"
    );
    assert!(leased.contains(&live) && leased.contains(&future), "{json}");
    // No expiry tag: it may be in use, so it is left, listed with its run and no expiry.
    let unknown = json["leased"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["resource"].as_str().unwrap().contains(&old))
        .unwrap_or_else(|| panic!("{old} listed as leased: {json}"));
    assert_eq!(unknown["expires"], serde_json::Value::Null, "{json}");
    assert_eq!(unknown["run_id"], id(2), "{json}");
    assert_eq!(
        active(&ctx, &all).await.len(),
        4,
        "a dry run deletes nothing"
    );
    let everything = ctx.ecsrole_raw(&["cleanup", "--dry-run", "--all", "--output", "json"]);
    let found = everything.json()["found"].to_string();
    assert!(found.contains(&live) && !found.contains(&theirs), "{found}");

    let clean = ctx.ecsrole_raw(&["cleanup"]);
    assert_eq!(clean.code, 0, "{clean:?}");
    assert_eq!(
        active(&ctx, &all).await,
        [old.clone(), live.clone(), theirs.clone()],
        "past its lease deleted; leased, without a lease and someone else's left"
    );
    for n in [2, 3] {
        let one = ctx.ecsrole_raw(&["cleanup", "--run", &id(n)]);
        assert_eq!(one.code, 0, "{one:?}");
    }
    assert_eq!(active(&ctx, &all).await, std::slice::from_ref(&theirs));
    ctx.batch
        .deregister_job_definition()
        .job_definition(format!("{theirs}:1"))
        .send()
        .await
        .unwrap();

    let (proxied, proxy) = Ctx::proxied("lease_input").await;
    let bad = proxied.ecsrole_raw(&["cleanup", "--run", "nope"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr.contains("invalid run id \"nope\""),
        "{}",
        bad.stderr
    );
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
}

#[tokio::test]
async fn batch_resources_taken_away_fail_the_run_with_exit_1() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("takenaway").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    let (child, stderr, run) = start_instance_run(&ctx, "60");
    // Someone else deletes the run's compute environment (moto allows it while ENABLED).
    ctx.batch
        .delete_compute_environment()
        .compute_environment(format!("ecsrole-verify-{run}"))
        .send()
        .await
        .unwrap();
    let (code, stdout, rest) = finish(child, stderr);
    assert_eq!(code, 1, "never 3: {stdout}\n{rest}");
    assert!(
        stdout.contains(&format!("compute environment ecsrole-verify-{run}, which this run created, was deleted by someone else")),
        "{stdout}"
    );
    assert_eq!(left_of_run(&ctx, &run).await, Vec::<String>::new());
}

/// The first compute environment's answers say INVALID naming the profile, as AWS does
/// while IAM propagates a just-created profile (moto is VALID at once: the proxy rewrites
/// its answers for every environment but the run's second).
fn invalid_until_recreated(proxy: &crate::harness::proxy::Proxy) {
    proxy.rewrite("describecomputeenvironments", |json| {
        for ce in json["computeEnvironments"]
            .as_array_mut()
            .into_iter()
            .flatten()
        {
            let recreated = ce["computeEnvironmentName"]
                .as_str()
                .is_some_and(|n| n.ends_with("-2"));
            if !recreated && ce["status"] == "VALID" {
                ce["status"] = "INVALID".into();
                ce["statusReason"] =
                    "CLIENT_ERROR - Invalid IamInstanceProfile: ecsInstanceRole".into();
            }
        }
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_a_young_instance_profile_is_waited_out_and_an_old_one_is_the_role() {
    crate::harness::needs_batch();
    // Young: applied just now.
    let (ctx, proxy) = Ctx::proxied("young").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    invalid_until_recreated(&proxy);
    let run = ctx.ecsrole(&["verify", "--level", "ce", "--output", "json"]);
    assert!(
        proxy.hits("describecomputeenvironments") >= 1,
        "{:?}",
        proxy.injected()
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    let valid: Vec<&serde_json::Value> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "compute_environment_valid")
        .collect();
    assert_eq!(valid.len(), 2, "{json}");
    assert_eq!(valid[0]["status"], "retried", "{json}");
    assert!(
        valid[0]["detail"]
            .as_str()
            .unwrap()
            .contains("within the IAM propagation allowance"),
        "{json}"
    );
    assert_eq!(valid[1]["status"], "ok", "{json}");
    let id = json["run_id"].as_str().unwrap();
    assert_eq!(left_of_run(&ctx, id).await, Vec::<String>::new());

    // Old: past a 1 s allowance. Exit 3 at once, saying how old the profile was.
    let (ctx, proxy) = Ctx::proxied("old").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    tokio::time::sleep(Duration::from_secs(2)).await;
    invalid_until_recreated(&proxy);
    let run = ctx.ecsrole(&[
        "verify",
        "--level",
        "ce",
        "--propagation-allowance",
        "1",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 3, "{}\n{}", run.stdout, run.stderr);
    let json = run.json();
    let error = json["error"].as_str().unwrap();
    assert!(
        error.contains("is INVALID: CLIENT_ERROR - Invalid IamInstanceProfile")
            && error.contains("s old, past the IAM propagation allowance (1s)"),
        "{error}"
    );
    let tries = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"] == "create_compute_environment")
        .count();
    assert_eq!(tries, 1, "no second environment: {json}");
    let id = json["run_id"].as_str().unwrap();
    assert_eq!(left_of_run(&ctx, id).await, Vec::<String>::new());
}

/// `cleanup` and `cleanup --all` take verify resources only: a job definition tagged
/// `managed-by=ecsrole` (what apply puts on roles, copied onto a production job), a run tag
/// on a name verify did not give, or the name with the ownership tag but no run tag, all
/// stay; a real verify resource past its lease beside them goes.
#[tokio::test]
async fn batch_cleanup_takes_only_verify_resources() {
    crate::harness::needs_batch();
    let account = crate::harness::accounts(&Ctx::new("sweep_account").await, 1).remove(0);
    let ctx = Ctx::in_account("sweep", &account).await;
    let id = |n: u32| format!("{:08x}{n:02x}", ctx.role.len() as u32 * 0x2468 + n);
    let past = rfc3339(SystemTime::now() - Duration::from_secs(600)); // past the 300 s margin
    let managed = ("managed-by", "ecsrole".to_owned());
    let prod = "prod-nightly-etl".to_owned();
    let run_tagged = "nightly-etl-tagged".to_owned();
    let untagged_run = format!("ecsrole-verify-{}", id(1));
    let verify = format!("ecsrole-verify-{}", id(2));
    let full = |n: u32| {
        vec![
            managed.clone(),
            ("ecsrole:verify-run", id(n)),
            ("ecsrole:expires", past.clone()),
        ]
    };
    job_definition(&ctx, &prod, std::slice::from_ref(&managed)).await;
    job_definition(&ctx, &run_tagged, &full(3)).await;
    job_definition(&ctx, &untagged_run, std::slice::from_ref(&managed)).await;
    let theirs = [&prod, &run_tagged, &untagged_run];

    for args in [&["cleanup"][..], &["cleanup", "--all"]] {
        job_definition(&ctx, &verify, &full(2)).await;
        let run = ctx.ecsrole_raw(args);
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        assert!(run.stdout.contains(&verify), "{args:?}: {}", run.stdout);
        assert_eq!(
            active(&ctx, &[&verify]).await,
            Vec::<String>::new(),
            "{args:?}: the verify resource past its lease is deleted"
        );
        assert_eq!(
            active(&ctx, &theirs).await,
            [prod.clone(), run_tagged.clone(), untagged_run.clone()],
            "{args:?} deleted what is not a verify resource: {}",
            run.stdout
        );
    }
    for name in theirs {
        ctx.batch
            .deregister_job_definition()
            .job_definition(format!("{name}:1"))
            .send()
            .await
            .unwrap();
    }
}

/// Three verifies (ce, job, instance) and a cleanup at the same time in one account: every
/// verify passes, the cleanup touches none of them, nothing of any is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_concurrent_runs_and_a_cleanup_stay_independent() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("together").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    let (instance, stderr, instance_run) = start_instance_run(&ctx, "60");
    let ce = ctx.spawn(&["verify", "--level", "ce", "--output", "json"]);
    let job = ctx.spawn(&["verify", "--level", "job", "--output", "json"]);
    let cleanup = ctx.ecsrole_raw(&["cleanup", "--output", "json"]);
    assert_eq!(cleanup.code, 0, "{cleanup:?}");
    let cleaned = cleanup.json();
    let touched = format!("{} {}", cleaned["found"], cleaned["deleted"]);
    assert!(
        !touched.contains(&instance_run),
        "the instance run is in progress, under its lease: {cleaned}"
    );
    play_the_ecs_agent(&ctx, &instance_run).await;
    let (code, stdout, rest) = finish(instance, stderr);
    assert_eq!(code, 0, "{stdout}\n{rest}");
    let mut ids = vec![instance_run];
    for child in [ce, job] {
        let out = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let id = json["run_id"].as_str().unwrap().to_owned();
        assert!(
            !touched.contains(&id),
            "cleanup touched run {id}: {cleaned}"
        );
        ids.push(id);
    }
    for id in &ids {
        assert_eq!(left_of_run(&ctx, id).await, Vec::<String>::new(), "{id}");
    }
}
