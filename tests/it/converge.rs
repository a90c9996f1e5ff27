//! Exit 0 must be true: apply converges or refuses before writing, security findings,
//! paths, parallel runs in one account, destroy that cannot stop half-way. Through the
//! counting proxy where a write must not happen; the emulator is asked what it holds.

use crate::harness::proxy::Fault;
use crate::harness::{Ctx, ECS_POLICY};

/// An EC2 allow, and a Deny that takes it away.
const DENY_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Sid":"NoEc2","Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

/// An EC2 allow, and an allow for every AWS principal.
const PUBLIC_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;

async fn role_with_trust(ctx: &Ctx, trust: &str) {
    ctx.create_role(trust, &[]).await;
    ctx.attach(ECS_POLICY).await;
    ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
}

fn codes(run: &crate::harness::Run) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect()
}

/// No request in the log changed anything.
/// Every call a read: IAM's Get/List, and the Batch and EC2 describes destroy makes to
/// see what uses the profile.
fn reads_only(log: &[String]) -> bool {
    log.iter().all(|a| {
        ["Get", "List", "Describe", "describe"]
            .iter()
            .any(|p| a.starts_with(p))
    })
}

fn statements(trust: &Option<serde_json::Value>) -> usize {
    trust.as_ref().unwrap()["Statement"]
        .as_array()
        .map_or(1, Vec::len)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deny_in_the_trust_policy_is_refused_before_any_write_and_replaced_on_request() {
    let (ctx, proxy) = Ctx::proxied("deny").await;
    role_with_trust(&ctx, DENY_TRUST).await;
    let before = ctx.state().await;
    let check = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert_eq!(codes(&check), ["trust_policy_missing_ec2"]);

    proxy.clear_log();
    let plan = ctx.ecsrole(&["plan"]);
    let apply = ctx.ecsrole(&["apply"]);
    assert_eq!((plan.code, apply.code), (1, 1), "{plan:?}\n{apply:?}");
    for run in [&plan, &apply] {
        assert!(
            run.stderr.contains(r#"statement #2 ("NoEc2")"#)
                && run.stderr.contains("--replace-trust-policy")
                && run.stderr.contains("nothing was changed"),
            "{}",
            run.stderr
        );
    }
    assert!(reads_only(&proxy.log()), "no write: {:?}", proxy.log());
    assert_eq!(ctx.state().await, before, "nothing changed");

    let replace_plan = ctx.ecsrole(&["plan", "--replace-trust-policy"]);
    assert_eq!(replace_plan.code, 2, "{replace_plan:?}");
    let replaced = ctx.ecsrole(&["apply", "--replace-trust-policy", "--output", "json"]);
    assert_eq!(replaced.code, 0, "{replaced:?}");
    assert_eq!(
        replaced.json()["actions"][0]["action"],
        "replace_trust_policy"
    );
    let after = ctx.state().await;
    assert_eq!(statements(&after.trust), 1, "{:?}", after.trust);
    assert_eq!(ctx.ecsrole(&["check"]).code, 0);
    // Nothing more to do, and no statement grows back.
    let again = ctx.ecsrole(&["apply", "--output", "json"]);
    assert_eq!(again.json()["actions"], serde_json::json!([]));
    assert_eq!(statements(&ctx.state().await.trust), 1);
    ctx.settings().bind(|| {
        insta::assert_snapshot!("deny_plan_refused", plan.transcript());
        insta::assert_snapshot!("deny_plan_replace", replace_plan.transcript());
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apply_that_does_not_converge_exits_1_naming_what_is_left() {
    let (ctx, proxy) = Ctx::proxied("swallow").await;
    // The attach is answered with success and never reaches IAM.
    proxy.fail("AttachRolePolicy", 1, Fault::Swallow);
    let run = ctx.ecsrole(&["apply", "--wait-timeout", "2"]);
    proxy.assert_fired("AttachRolePolicy", 1);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("apply did not converge")
            && run.stderr.contains("managed_policy_not_attached"),
        "{}",
        run.stderr
    );
    // With --no-wait: one re-read, the same verdict.
    let (ctx, proxy) = Ctx::proxied("swallow_nowait").await;
    proxy.fail("AttachRolePolicy", 1, Fault::Swallow);
    let run = ctx.ecsrole(&["apply", "--no-wait"]);
    proxy.assert_fired("AttachRolePolicy", 1);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("--no-wait"), "{}", run.stderr);
    // Healed, a re-run converges.
    proxy.heal();
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    assert_eq!(ctx.state().await.policies, [ECS_POLICY]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_anyone_can_assume_is_drift_and_only_a_replace_fixes_it() {
    let (ctx, proxy) = Ctx::proxied("public").await;
    role_with_trust(&ctx, PUBLIC_TRUST).await;
    let human = ctx.ecsrole(&["check"]);
    let json = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!((human.code, json.code), (2, 2), "{human:?}");
    assert_eq!(codes(&json), ["trust_policy_public"]);
    proxy.clear_log();
    let refused = ctx.ecsrole(&["apply"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("trust_policy_public") && refused.stderr.contains("statement #2"),
        "{}",
        refused.stderr
    );
    assert!(reads_only(&proxy.log()), "{:?}", proxy.log());
    let replaced = ctx.ecsrole(&["apply", "--replace-trust-policy"]);
    assert_eq!(replaced.code, 0, "{replaced:?}");
    let after = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!((after.code, codes(&after).len()), (0, 0), "{after:?}");
    ctx.settings().bind(|| {
        insta::assert_snapshot!("public_check_human", human.transcript());
        insta::assert_snapshot!("public_replaced_human", replaced.transcript());
    });

    // A Deny whose negated condition holds for EC2 whether or not it sends the key (the
    // key absent, or the role's own account): the Deny applies, so EC2 is denied.
    let ctx = Ctx::new("conddeny").await;
    role_with_trust(
        &ctx,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}]}"#,
    )
    .await;
    let run = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(codes(&run), ["trust_policy_missing_ec2"]);
}

#[tokio::test]
async fn paths_other_than_the_one_asked_for_are_reported() {
    let ctx = Ctx::new("paths").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q", "--path", "/batch/"]).code, 0);
    let default = ctx.ecsrole(&["check", "--output", "json"]);
    let other = ctx.ecsrole(&["check", "--path", "/other/", "--output", "json"]);
    let same = ctx.ecsrole(&["check", "--path", "/batch/", "--output", "json"]);
    for run in [&default, &other] {
        assert_eq!(run.code, 0, "warnings only: {run:?}");
        assert_eq!(
            codes(run),
            ["role_path_differs", "instance_profile_path_differs"]
        );
        assert!(run.stdout.contains("pass --path /batch/"), "{}", run.stdout);
    }
    assert_eq!((same.code, codes(&same).len()), (0, 0), "{same:?}");
    ctx.settings()
        .bind(|| insta::assert_snapshot!("paths_check_other_json", other.transcript()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_applies_on_a_fresh_name_all_converge() {
    let ctx = Ctx::new("race").await;
    let runs: Vec<_> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| ctx.ecsrole(&["apply", "-q"])))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in &runs {
        assert_eq!(run.code, 0, "{run:?}");
    }
    let state = ctx.state().await;
    assert_eq!(statements(&state.trust), 1, "{:?}", state.trust);
    assert_eq!(state.policies, [ECS_POLICY]);
    assert_eq!(state.profile_roles, Some(vec![ctx.role.clone()]));
    assert_eq!(ctx.ecsrole(&["check", "-q"]).code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn destroy_refuses_a_role_another_profile_holds_and_deletes_nothing() {
    let (ctx, proxy) = Ctx::proxied("dother").await;
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    let other = format!("{}-other", ctx.role);
    ctx.create_profile(&other, Some(&ctx.role)).await;
    let before = ctx.state().await;
    proxy.clear_log();
    let refused = ctx.ecsrole(&["destroy"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains(&other) && refused.stderr.contains("nothing was deleted"),
        "{}",
        refused.stderr
    );
    assert!(reads_only(&proxy.log()), "{:?}", proxy.log());
    assert_eq!(ctx.state().await, before);

    let forced = ctx.ecsrole(&["destroy", "--force", "--output", "json"]);
    assert_eq!(forced.code, 0, "{forced:?}");
    assert_eq!(forced.json()["destroyed"], true);
    let state = ctx.state().await;
    assert_eq!((state.trust, state.profile_roles), (None, None));
    let left = ctx
        .iam
        .get_instance_profile()
        .instance_profile_name(&other)
        .send()
        .await
        .expect("the other profile is emptied, not deleted");
    assert!(left.instance_profile().unwrap().roles().is_empty());
    let nothing = ctx.ecsrole(&["destroy", "--output", "json"]);
    assert_eq!(nothing.code, 0);
    assert_eq!(nothing.json()["destroyed"], false);
    ctx.settings()
        .bind(|| insta::assert_snapshot!("destroy_other_profile_refused", refused.transcript()));
}
