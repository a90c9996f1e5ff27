//! `rescue` on moto, behind the proxy playing what moto does not (`harness/stuck.rs`: an
//! environment whose instance profile is gone is INVALID; its deletion stays DELETING until
//! the profile is back). What is left is asked of the emulator directly.

use aws_sdk_batch::types::{CeState, JqState};
use serde_json::Value;

use crate::harness::{Ctx, ECS_POLICY, Scene, StuckBatch, profile_arn_of};

/// A role and instance profile named `name`, made as an IaC tool would (not ecsrole's);
/// the profile's ARN.
async fn iac_profile(s: &Scene, name: &str) -> String {
    Scene::role(&s.ctx, name, Ctx::trust_ec2()).await;
    s.ctx
        .iam
        .attach_role_policy()
        .role_name(name)
        .policy_arn(ECS_POLICY)
        .send()
        .await
        .unwrap();
    s.profile(name, Some(name)).await;
    profile_arn_of(&s.ctx.iam, name).await
}

/// Deletes the role and profile `name` directly, as a parallel IaC destroy or a hand clean
/// does, and tells the proxy.
async fn delete_iam(s: &Scene, stuck: &StuckBatch, name: &str) {
    delete_profile(s, stuck, name).await;
    let iam = &s.ctx.iam;
    iam.detach_role_policy()
        .role_name(name)
        .policy_arn(ECS_POLICY)
        .send()
        .await
        .unwrap();
    iam.delete_role().role_name(name).send().await.unwrap();
}

/// Deletes the instance profile `name` only (its role leaves it and stays), and tells the
/// proxy.
async fn delete_profile(s: &Scene, stuck: &StuckBatch, name: &str) {
    let iam = &s.ctx.iam;
    iam.remove_role_from_instance_profile()
        .instance_profile_name(name)
        .role_name(name)
        .send()
        .await
        .unwrap();
    iam.delete_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .unwrap();
    stuck.profile_gone(name);
}

/// A scene with an environment on an IaC tool's profile `NAME-p` (and its role of that
/// name): the scene, the simulation, the profile's and the environment's names.
async fn iac_scene(test: &str) -> (Scene, StuckBatch, String, String) {
    let s = Scene::new(test).await;
    let stuck = StuckBatch::install(&s.proxy);
    let name = format!("{}-p", s.ctx.role);
    let profile = iac_profile(&s, &name).await;
    let ce = format!("{}-ce", s.ctx.role);
    s.ce(&ce, &profile, |r| r).await;
    (s, stuck, name, ce)
}

/// A Batch client whose calls go through the scene's proxy (it plays AWS for them too).
async fn batch_through_proxy(s: &Scene) -> aws_sdk_batch::Client {
    let mut conf = s.ctx.sdk_config().await.into_builder();
    conf.set_endpoint_url(Some(s.proxy.url.clone()));
    aws_sdk_batch::Client::new(&conf.build())
}

/// Does the emulator hold instance profile (or role) `name`?
async fn profile_exists(s: &Scene, name: &str) -> bool {
    s.ctx
        .iam
        .get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .is_ok()
}

async fn role_tags(s: &Scene, name: &str) -> Option<Vec<(String, String)>> {
    let out = s.ctx.iam.get_role().role_name(name).send().await.ok()?;
    Some(
        out.role()?
            .tags()
            .iter()
            .map(|t| (t.key().to_owned(), t.value().to_owned()))
            .collect(),
    )
}

fn json(run: &crate::harness::Run) -> Value {
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"))
}

/// The proxy's log holds no write (only reads) since `from`.
fn no_write(s: &Scene, from: usize) {
    let writes: Vec<String> = s.proxy.qualified_log()[from..]
        .iter()
        .filter(|a| {
            let action = a.split_once(':').map_or(a.as_str(), |(_, a)| a);
            !["get", "list", "describe"]
                .iter()
                .any(|p| action.to_ascii_lowercase().starts_with(p))
        })
        .cloned()
        .collect();
    assert_eq!(writes, Vec::<String>::new(), "a dry run writes nothing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_brings_back_an_invalid_environment_and_leaves_a_healthy_one_alone() {
    crate::harness::needs_batch();
    let s = Scene::new("rescue_invalid").await;
    let stuck = StuckBatch::install(&s.proxy);
    let name = format!("{}-p", s.ctx.role);
    let profile = iac_profile(&s, &name).await;
    let bad = format!("{}-bad", s.ctx.role);
    let good = format!("{}-good", s.ctx.role);
    s.ce(&bad, &profile, |r| r).await;
    let healthy = profile_arn_of(&s.ctx.iam, &s.ctx.role).await;
    s.ce(&good, &healthy, |r| r).await;
    delete_iam(&s, &stuck, &name).await;

    // The plan: what is stuck and what it lacks; nothing written; exit 2.
    let from = s.proxy.qualified_log().len();
    let plan = s
        .ctx
        .ecsrole_raw(&["rescue", "--dry-run", "--output", "json"]);
    assert_eq!(plan.code, 2, "{plan:?}");
    let v = json(&plan);
    let listed: Vec<&str> = v["compute_environments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [bad.as_str()], "only what is stuck is listed");
    assert_eq!(v["compute_environments"][0]["status"], "INVALID");
    assert_eq!(
        v["compute_environments"][0]["missing"][0]["name"],
        name.as_str()
    );
    no_write(&s, from);
    assert!(!profile_exists(&s, &name).await);
    // As code scanning reads it: the stuck environment, under diagnose's code.
    let log = s
        .ctx
        .ecsrole_raw(&["rescue", "--dry-run", "--output", "sarif"]);
    assert_eq!(log.code, 2, "{log:?}");
    let v = crate::harness::sarif(&log, "rescue");
    let found = crate::harness::results(&v);
    assert_eq!(found.len(), 1, "{v:#}");
    assert_eq!(found[0]["ruleId"], "compute_environment_invalid");
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "ecsrole/rescue/");

    let run = s.ctx.ecsrole_raw(&["rescue", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = json(&run);
    assert_eq!(v["compute_environments"][0]["ended"], "valid", "{v:#}");
    // As Batch (the proxy playing it) sees it now, not as ecsrole said.
    let now = batch_through_proxy(&s)
        .await
        .describe_compute_environments()
        .compute_environments(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(
        now.compute_environments()[0].status().map(|s| s.as_str()),
        Some("VALID"),
        "{now:?}"
    );
    // The environment uses what was recreated: it stays, and the output says so.
    let kept: Vec<&str> = v["kept"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(
        kept.contains(&format!("instance-profile/{name}").as_str()),
        "{v:#}"
    );
    assert!(
        profile_exists(&s, &name).await,
        "the emulator holds the profile"
    );
    let tags = role_tags(&s, &name).await.expect("the role is back");
    assert!(
        tags.iter().any(|(k, _)| k == "ecsrole:rescue")
            && tags.contains(&("managed-by".into(), "ecsrole".into())),
        "{tags:?}"
    );
    // Only the stuck environment was written to.
    assert_eq!(stuck.updated(), std::slice::from_ref(&bad));
    assert_eq!(stuck.deleted(), Vec::<String>::new());

    // A second run finds nothing stuck, and a named healthy one is left alone.
    let again = s
        .ctx
        .ecsrole_raw(&["rescue", "--compute-environment", &good, "--delete"]);
    assert_eq!(again.code, 0, "{again:?}");
    assert!(
        again
            .stdout
            .contains(&format!("{good} is not stuck: left alone")),
        "{again:?}"
    );
    assert_eq!(
        stuck.deleted(),
        Vec::<String>::new(),
        "--delete leaves it alone"
    );
}

/// An environment with a queue, whose profile and role (an IaC tool's) were deleted: the
/// scene, the simulation, the profile's, the environment's and the queue's names.
async fn stuck_with_queue(test: &str) -> (Scene, StuckBatch, String, String, String) {
    let (s, stuck, name, ce) = iac_scene(test).await;
    let queue = format!("{}-q", s.ctx.role);
    s.queue(&queue, &ce, JqState::Enabled).await;
    delete_iam(&s, &stuck, &name).await;
    (s, stuck, name, ce, queue)
}

/// Terraform destroyed the role and profile in parallel with the environment: the
/// environment's deletion hangs in DELETING (after its queue was deleted). The scene, the
/// simulation, the profile's name, the environment's name and Terraform's Batch client.
async fn hung_deletion(test: &str) -> (Scene, StuckBatch, String, String, aws_sdk_batch::Client) {
    let (s, stuck, name, ce, queue) = stuck_with_queue(test).await;
    // Terraform's own calls go through the proxy (it plays AWS for them too).
    let terraform = batch_through_proxy(&s).await;
    terraform
        .update_job_queue()
        .job_queue(&queue)
        .state(JqState::Disabled)
        .send()
        .await
        .unwrap();
    terraform
        .delete_job_queue()
        .job_queue(&queue)
        .send()
        .await
        .unwrap();
    terraform
        .update_compute_environment()
        .compute_environment(&ce)
        .state(CeState::Disabled)
        .send()
        .await
        .unwrap();
    terraform
        .describe_compute_environments()
        .compute_environments(&ce)
        .send()
        .await
        .unwrap();
    terraform
        .delete_compute_environment()
        .compute_environment(&ce)
        .send()
        .await
        .unwrap();
    (s, stuck, name, ce, terraform)
}

/// The account as if the teardown had gone right: no profile, no role, no environment.
async fn as_if_torn_down(s: &Scene, name: &str, ce: &str, terraform: &aws_sdk_batch::Client) {
    assert!(!profile_exists(s, name).await, "no profile {name}");
    assert_eq!(role_tags(s, name).await, None, "no role {name}");
    let left = terraform
        .describe_compute_environments()
        .compute_environments(ce)
        .send()
        .await
        .unwrap();
    assert!(left.compute_environments().is_empty(), "{left:?}");
}

/// `rescue --delete` finishes a Terraform-style bad teardown and leaves the account as if
/// it had gone right.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_finishes_a_terraform_style_bad_teardown() {
    crate::harness::needs_batch();
    let (s, _stuck, name, ce, terraform) = hung_deletion("rescue_teardown").await;
    let seen = terraform
        .describe_compute_environments()
        .compute_environments(&ce)
        .send()
        .await
        .unwrap();
    assert_eq!(
        seen.compute_environments()[0].status().map(|s| s.as_str()),
        Some("DELETING"),
        "the proxy plays the hung deletion"
    );

    let run = s
        .ctx
        .ecsrole_raw(&["rescue", "--delete", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = json(&run);
    assert_eq!(v["compute_environments"][0]["name"], ce.as_str(), "{v:#}");
    assert_eq!(v["compute_environments"][0]["ended"], "deleted", "{v:#}");
    let removed: Vec<&str> = v["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(removed.contains(&format!("role/{name}").as_str()), "{v:#}");
    as_if_torn_down(&s, &name, &ce, &terraform).await;
}

/// Every write of rescue's, failed once (an HTTP 500, or an answer lost after the write
/// landed): the run retries it or stops naming it, and a second run finishes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_after_any_single_fault_can_be_finished() {
    use crate::harness::proxy::Fault;
    crate::harness::needs_batch();
    let writes = [
        "CreateRole",
        "AttachRolePolicy",
        "CreateInstanceProfile",
        "AddRoleToInstanceProfile",
        "RemoveRoleFromInstanceProfile",
        "DeleteInstanceProfile",
        "DetachRolePolicy",
        "DeleteRole",
    ];
    let mut table = vec![];
    for write in writes {
        for fault in [Fault::ServerError, Fault::LostAnswer] {
            let (s, _stuck, name, ce, terraform) = hung_deletion("rescue_fault").await;
            s.proxy.fail(write, 1, fault);
            let first = s.ctx.ecsrole_raw(&["rescue", "--delete", "-q"]);
            s.proxy.assert_fired(write, 1);
            let reruns = if first.code == 0 {
                0
            } else {
                assert_eq!(first.code, 1, "{write} {fault:?}: {first:?}");
                let second = s.ctx.ecsrole_raw(&["rescue", "--delete", "-q"]);
                assert_eq!(
                    second.code, 0,
                    "{write} {fault:?}: the re-run finishes: {second:?}"
                );
                1
            };
            as_if_torn_down(&s, &name, &ce, &terraform).await;
            table.push(format!(
                "{write:<30} {:<12} re-runs {reruns}",
                format!("{fault:?}")
            ));
        }
    }
    // Batch's writes, on an INVALID environment deleted with its queue (--delete).
    let batch_writes = [
        "updatecomputeenvironment",
        "updatejobqueue",
        "deletejobqueue",
        "deletecomputeenvironment",
    ];
    for write in batch_writes {
        for fault in [Fault::ServerError, Fault::LostAnswer] {
            let (s, _stuck, name, ce, queue) = stuck_with_queue("rescue_bfault").await;
            s.proxy.fail(write, 1, fault);
            let first = s.ctx.ecsrole_raw(&["rescue", "--delete", "-q"]);
            s.proxy.assert_fired(write, 1);
            let reruns = if first.code == 0 {
                0
            } else {
                assert_eq!(first.code, 1, "{write} {fault:?}: {first:?}");
                let second = s.ctx.ecsrole_raw(&["rescue", "--delete", "-q"]);
                assert_eq!(
                    second.code, 0,
                    "{write} {fault:?}: the re-run finishes: {second:?}"
                );
                1
            };
            assert!(!profile_exists(&s, &name).await, "{write} {fault:?}");
            assert_eq!(role_tags(&s, &name).await, None, "{write} {fault:?}");
            let left = s
                .ctx
                .batch
                .describe_compute_environments()
                .compute_environments(&ce)
                .send()
                .await
                .unwrap();
            assert!(
                left.compute_environments()
                    .iter()
                    .all(|c| c.status().map(|s| s.as_str()) == Some("DELETED")),
                "{write} {fault:?}: {left:?}"
            );
            let queues = s
                .ctx
                .batch
                .describe_job_queues()
                .job_queues(&queue)
                .send()
                .await
                .unwrap();
            assert!(
                queues
                    .job_queues()
                    .iter()
                    .all(|q| q.status().map(|s| s.as_str()) == Some("DELETED")),
                "{write} {fault:?}: {queues:?}"
            );
            table.push(format!(
                "{write:<30} {:<12} re-runs {reruns}",
                format!("{fault:?}")
            ));
        }
    }
    eprintln!(
        "rescue fault table ({} runs, every fault fired, all finished):\n{}",
        table.len(),
        table.join("\n")
    );
}

/// `--delete` on an INVALID environment: repaired, then its queue and it deleted in that
/// order, and what was recreated removed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_delete_removes_an_invalid_environment_after_its_queue() {
    crate::harness::needs_batch();
    let (s, stuck, name, ce, queue) = stuck_with_queue("rescue_delete").await;
    // As AWS does, the proxy refuses to delete an environment a queue still uses.
    let other = batch_through_proxy(&s).await;
    other.describe_job_queues().send().await.unwrap();
    let refused = other
        .delete_compute_environment()
        .compute_environment(&ce)
        .send()
        .await
        .expect_err("a queue uses it");
    assert!(
        format!("{:?}", refused).contains("found existing JobQueue relationship"),
        "{refused:?}"
    );

    let run = s
        .ctx
        .ecsrole_raw(&["rescue", "--delete", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = json(&run);
    assert_eq!(v["compute_environments"][0]["ended"], "deleted", "{v:#}");
    assert_eq!(
        stuck.deleted(),
        [
            format!("job-queue/{queue}"),
            format!("compute-environment/{ce}")
        ],
        "the queue first"
    );
    assert!(
        !profile_exists(&s, &name).await,
        "nothing of rescue's is left"
    );
    assert_eq!(role_tags(&s, &name).await, None);
    let queues = s
        .ctx
        .batch
        .describe_job_queues()
        .job_queues(&queue)
        .send()
        .await
        .unwrap();
    assert!(
        queues
            .job_queues()
            .iter()
            .all(|q| q.status().map(|s| s.as_str()) == Some("DELETED")),
        "{queues:?}"
    );
}

/// A role of the needed name that is not rescue's and does not work is refused, named, and
/// left as it is; the environment gets no write; exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_refuses_to_change_a_role_it_did_not_make() {
    crate::harness::needs_batch();
    let (s, stuck, name, _ce) = iac_scene("rescue_refuse").await;
    // The profile goes; the role stays, without its policy (someone else's, broken).
    delete_profile(&s, &stuck, &name).await;
    let iam = &s.ctx.iam;
    iam.detach_role_policy()
        .role_name(&name)
        .policy_arn(ECS_POLICY)
        .send()
        .await
        .unwrap();

    let run = s.ctx.ecsrole_raw(&["rescue", "--output", "json"]);
    assert_eq!(run.code, 1, "{run:?}");
    let v = json(&run);
    assert_eq!(v["compute_environments"][0]["ended"], "refused", "{v:#}");
    let detail = v["compute_environments"][0]["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("role {name} exists and is not one rescue made")),
        "{detail}"
    );
    // Left as it is: no policy attached, no tag added, no profile made, no update.
    let attached = iam
        .list_attached_role_policies()
        .role_name(&name)
        .send()
        .await
        .unwrap();
    assert!(attached.attached_policies().is_empty());
    assert_eq!(role_tags(&s, &name).await, Some(vec![]));
    assert!(!profile_exists(&s, &name).await);
    assert_eq!(stuck.updated(), Vec::<String>::new());
}

/// Two rescues of one stuck environment at once, in one account: both end with exit 0,
/// the environment is VALID, and what it uses stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_two_rescues_at_once_both_end_correctly() {
    crate::harness::needs_batch();
    let (s, stuck, name, _ce) = iac_scene("rescue_twice").await;
    delete_iam(&s, &stuck, &name).await;
    let args = ["rescue", "--output", "json"];
    let (a, b) = std::thread::scope(|t| {
        let a = t.spawn(|| s.ctx.ecsrole_raw(&args));
        let b = t.spawn(|| s.ctx.ecsrole_raw(&args));
        (a.join().unwrap(), b.join().unwrap())
    });
    for run in [&a, &b] {
        assert_eq!(run.code, 0, "{run:?}");
        let v = json(run);
        assert_eq!(v["compute_environments"][0]["ended"], "valid", "{v:#}");
    }
    assert!(
        profile_exists(&s, &name).await,
        "what the environment uses stays"
    );
    assert!(role_tags(&s, &name).await.is_some());
}

/// The environment's custom service role was deleted: rescue makes it again (trusted by
/// Batch, with AWSBatchServiceRole), the environment is VALID, and the role stays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_makes_a_gone_service_role_again() {
    crate::harness::needs_batch();
    let s = Scene::new("rescue_svc").await;
    let stuck = StuckBatch::install(&s.proxy);
    let ce = format!("{}-ce", s.ctx.role);
    let profile = profile_arn_of(&s.ctx.iam, &s.ctx.role).await;
    s.ce(&ce, &profile, |r| r).await;
    let svc = s.service_role.rsplit('/').next().unwrap().to_owned();
    s.ctx
        .iam
        .delete_role()
        .role_name(&svc)
        .send()
        .await
        .unwrap();
    stuck.service_role_gone(&svc);

    let run = s.ctx.ecsrole_raw(&["rescue", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = json(&run);
    assert_eq!(
        v["compute_environments"][0]["missing"][0]["kind"], "service_role",
        "{v:#}"
    );
    assert_eq!(v["compute_environments"][0]["ended"], "valid", "{v:#}");
    assert!(
        v["kept"]
            .as_array()
            .unwrap()
            .iter()
            .any(|k| k == &format!("role/{svc}")),
        "{v:#}"
    );
    let role = s.ctx.iam.get_role().role_name(&svc).send().await.unwrap();
    let trust = urlencoding_decode(role.role().unwrap().assume_role_policy_document().unwrap());
    assert!(trust.contains("batch.amazonaws.com"), "{trust}");
    let attached = s
        .ctx
        .iam
        .list_attached_role_policies()
        .role_name(&svc)
        .send()
        .await
        .unwrap();
    let arns: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert_eq!(
        arns,
        ["arn:aws:iam::aws:policy/service-role/AWSBatchServiceRole"]
    );
    assert_eq!(stuck.updated(), [ce]);
}

/// IAM's trust policy as the SDK returns it (URL-encoded).
fn urlencoding_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A fleet run over three accounts: one with a stuck environment (brought back), one
/// healthy (nothing to do), one unreachable (its AssumeRole never answers): each target's
/// line says so, and the run's exit code is the error's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_across_accounts_stuck_healthy_and_unreachable() {
    use crate::harness::proxy::Fault;
    use std::time::Duration;
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("rescue_fleet").await;
    let stuck = StuckBatch::install(&proxy);
    let broken = Scene::new("rescue_fleet_stuck").await;
    let name = format!("{}-p", broken.ctx.role);
    let profile = iac_profile(&broken, &name).await;
    broken
        .ce(&format!("{}-ce", broken.ctx.role), &profile, |r| r)
        .await;
    delete_iam(&broken, &stuck, &name).await;
    let healthy = Scene::new("rescue_fleet_ok").await;
    let own = profile_arn_of(&healthy.ctx.iam, &healthy.ctx.role).await;
    healthy
        .ce(&format!("{}-ce", healthy.ctx.role), &own, |r| r)
        .await;
    let unreachable = crate::harness::accounts(&ctx, 1).remove(0);
    // Its AssumeRole never answers.
    proxy.fail_every(
        "AssumeRole",
        &unreachable,
        Fault::Stall(Duration::from_secs(60)),
    );
    let run = ctx.ecsrole_raw(&[
        "rescue",
        "--account",
        &broken.account,
        "--account",
        &healthy.account,
        "--account",
        &unreachable,
        "--concurrency",
        "1",
        "--timeout",
        "25",
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 1, "errors win: {run:?}");
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let target = |account: &str| {
        lines
            .iter()
            .find(|l| l["account_id"] == account)
            .unwrap_or_else(|| panic!("no line for {account}: {run:?}"))
    };
    let b = target(&broken.account);
    assert_eq!(b["exit_code"], 0, "{b:#}");
    assert_eq!(
        b["result"]["compute_environments"][0]["ended"], "valid",
        "{b:#}"
    );
    let h = target(&healthy.account);
    assert_eq!(h["exit_code"], 0, "{h:#}");
    assert_eq!(h["result"]["compute_environments"], serde_json::json!([]));
    let u = target(&unreachable);
    assert_eq!(u["exit_code"], 1, "{u:#}");
    assert!(u["error"].is_string(), "{u:#}");
    assert!(
        profile_exists(&broken, &name).await,
        "brought back in its own account"
    );
}

/// A rescue cut short after its environment was deleted leaves what it made; the next run,
/// with nothing stuck, finds it by rescue's description and tags and removes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_what_an_interrupted_rescue_left_is_removed_by_the_next() {
    use crate::harness::proxy::Fault;
    use std::time::Duration;
    crate::harness::needs_batch();
    let (s, _stuck, name, ce, _queue) = stuck_with_queue("rescue_left").await;
    // Its removal never answers: the run ends at its bound with the IAM it made left.
    s.proxy.fail_every(
        "RemoveRoleFromInstanceProfile",
        &name,
        Fault::Stall(Duration::from_secs(90)),
    );
    let cut = s
        .ctx
        .ecsrole_raw(&["rescue", "--delete", "--timeout", "20", "-q"]);
    assert_eq!(cut.code, 1, "{cut:?}");
    assert!(profile_exists(&s, &name).await, "left by the cut run");
    let gone = s
        .ctx
        .batch
        .describe_compute_environments()
        .compute_environments(&ce)
        .send()
        .await
        .unwrap();
    assert!(
        gone.compute_environments()
            .iter()
            .all(|c| c.status().map(|s| s.as_str()) == Some("DELETED")),
        "the environment went before the cut: {gone:?}"
    );
    s.proxy.forget_faults();

    let next = s.ctx.ecsrole_raw(&["rescue", "--output", "json"]);
    assert_eq!(next.code, 0, "{next:?}");
    let v = json(&next);
    assert_eq!(v["compute_environments"], serde_json::json!([]), "{v:#}");
    let finished: Vec<&str> = v["finished"]
        .as_array()
        .unwrap_or_else(|| panic!("{v:#}"))
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(
        finished.contains(&format!("instance-profile/{name}").as_str()),
        "{v:#}"
    );
    assert!(!profile_exists(&s, &name).await);
    assert_eq!(role_tags(&s, &name).await, None);
}

/// Only the instance profile was deleted; its role (not ecsrole's) works. rescue makes a
/// profile around that role, and after `--delete` removes the profile alone: the role
/// stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_a_working_role_not_rescues_is_used_and_left_as_it_was() {
    crate::harness::needs_batch();
    let (s, stuck, name, _ce) = iac_scene("rescue_theirs").await;
    delete_profile(&s, &stuck, &name).await;
    let iam = &s.ctx.iam;

    let run = s
        .ctx
        .ecsrole_raw(&["rescue", "--delete", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = json(&run);
    assert_eq!(v["compute_environments"][0]["ended"], "deleted", "{v:#}");
    assert_eq!(
        v["created"],
        serde_json::json!([format!("instance-profile/{name}")])
    );
    assert_eq!(
        v["removed"],
        serde_json::json!([format!("instance-profile/{name}")])
    );
    assert!(!profile_exists(&s, &name).await);
    assert_eq!(
        role_tags(&s, &name).await,
        Some(vec![]),
        "the role is as it was"
    );
    let attached = iam
        .list_attached_role_policies()
        .role_name(&name)
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
}

/// The environment's service-linked role was deleted: rescue makes it again (the account's:
/// never listed as made, never removed), and the environment is VALID. A failed or lost
/// CreateServiceLinkedRole is retried or finished by a second run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_rescue_makes_the_service_linked_role_again() {
    use crate::harness::proxy::Fault;
    crate::harness::needs_batch();
    for fault in [None, Some(Fault::ServerError), Some(Fault::LostAnswer)] {
        let s = Scene::new("rescue_slr").await;
        let stuck = StuckBatch::install(&s.proxy);
        let slr = s
            .ctx
            .iam
            .create_service_linked_role()
            .aws_service_name("batch.amazonaws.com")
            .send()
            .await
            .unwrap()
            .role()
            .unwrap()
            .clone();
        let ce = format!("{}-ce", s.ctx.role);
        let profile = profile_arn_of(&s.ctx.iam, &s.ctx.role).await;
        s.ce_with(&ce, &profile, CeState::Enabled, slr.arn(), |r| r)
            .await;
        s.ctx
            .iam
            .delete_role()
            .role_name(slr.role_name())
            .send()
            .await
            .unwrap();
        stuck.service_role_gone(slr.role_name());
        if let Some(f) = fault {
            s.proxy.fail("CreateServiceLinkedRole", 1, f);
        }
        let mut run = s.ctx.ecsrole_raw(&["rescue", "--output", "json"]);
        if fault.is_some() {
            s.proxy.assert_fired("CreateServiceLinkedRole", 1);
        }
        if run.code == 1 && fault.is_some() {
            run = s.ctx.ecsrole_raw(&["rescue", "--output", "json"]);
        }
        assert_eq!(run.code, 0, "{fault:?}: {run:?}");
        let v = json(&run);
        assert_eq!(
            v["compute_environments"][0]["missing"][0]["kind"], "service_linked_role",
            "{v:#}"
        );
        assert_eq!(v["compute_environments"][0]["ended"], "valid", "{v:#}");
        assert_eq!(
            v["created"],
            serde_json::json!([]),
            "the account's, not rescue's"
        );
        let back = s
            .ctx
            .iam
            .list_roles()
            .path_prefix("/aws-service-role/batch.amazonaws.com/")
            .send()
            .await
            .unwrap();
        assert_eq!(back.roles().len(), 1, "{fault:?}: {back:?}");
    }
}
