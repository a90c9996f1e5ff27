//! `apply` from nothing, idempotence, and what it creates as seen by IAM.

use crate::harness::{Ctx, ECS_POLICY};

#[tokio::test]
async fn apply_from_nothing_then_again() {
    let ctx = Ctx::new("apply").await;
    let first = ctx.ecsrole(&["apply", "--path", "/batch/", "--tag", "team=data"]);
    assert_eq!(first.code, 0, "{}", first.stderr);

    let state = ctx.state().await;
    assert_eq!(state.role_path.as_deref(), Some("/batch/"));
    assert_eq!(
        state.role_tags,
        Some(vec![
            ("team".into(), "data".into()),
            ("managed-by".into(), "ecsrole".into())
        ])
    );
    assert_eq!(state.policies, [ECS_POLICY]);
    assert_eq!(state.profile_roles, Some(vec![ctx.role.clone()]));
    let trust = state.trust.clone().unwrap();
    assert_eq!(
        trust["Statement"][0]["Principal"]["Service"], "ec2.amazonaws.com",
        "{trust}"
    );

    let check = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(check.code, 0, "{}", check.stdout);
    // The second apply finds nothing to do and changes nothing.
    let second = ctx.ecsrole(&["apply", "--output", "json", "-vv"]);
    assert_eq!(second.code, 0);
    assert_eq!(second.json()["actions"], serde_json::json!([]));
    assert_eq!(second.json()["applied"], true);
    assert_eq!(ctx.state().await, state);
    let calls: Vec<&str> = second
        .stderr
        .lines()
        .filter(|l| l.contains("calling"))
        .filter_map(|l| l.split("action=").nth(1))
        .map(|a| a.trim().trim_matches('"'))
        .collect();
    let mut sorted = calls.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "iam:GetInstanceProfile",
            "iam:GetRole",
            "iam:ListAttachedRolePolicies",
            "iam:ListRolePolicies"
        ],
        "the second apply makes the four reads (the required policy is judged by its ARN) and nothing else: {}",
        second.stderr
    );
    ctx.settings().bind(|| {
        insta::assert_snapshot!("apply_first_human", first.transcript());
        insta::assert_snapshot!("apply_check_after_json", check.transcript());
        insta::assert_snapshot!("apply_second_json", second.json().to_string());
    });
}

#[tokio::test]
async fn apply_no_wait_and_separate_profile_name() {
    let ctx = Ctx::new("nowait").await;
    let profile = format!("{}-p", ctx.role);
    let run = ctx.ecsrole(&[
        "apply",
        "--no-wait",
        "--instance-profile-name",
        &profile,
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["instance_profile_name"], profile.as_str());
    let got = ctx
        .iam
        .get_instance_profile()
        .instance_profile_name(&profile)
        .send()
        .await
        .unwrap();
    let roles: Vec<_> = got
        .instance_profile()
        .unwrap()
        .roles()
        .iter()
        .map(|r| r.role_name())
        .collect();
    assert_eq!(roles, [ctx.role.as_str()]);
    assert_eq!(
        ctx.ecsrole(&["check", "--instance-profile-name", &profile])
            .code,
        0
    );
}

/// `--kind ecs-managed-instances` is the same engine with another policy
/// and a name rule. apply creates a role with the managed instances policy (and not the
/// EC2 one), check with that kind passes and the default kind says the EC2 policy is
/// missing; a name ECS cannot pass is bad input before any write.
#[tokio::test]
async fn managed_instances_role_is_created_and_checked() {
    let mut ctx = Ctx::new("apply_mi").await;
    ctx.role = format!("ecsInstanceRole-{}", ctx.role);
    let mi = "arn:aws:iam::aws:policy/AmazonECSInstanceRolePolicyForManagedInstances";
    let kind = ["--kind", "ecs-managed-instances"];
    let apply = ctx.ecsrole(&[&["apply"][..], &kind].concat());
    assert_eq!(apply.code, 0, "{apply:?}");
    let state = ctx.state().await;
    assert_eq!(state.policies, [mi], "{state:?}");
    assert_eq!(state.profile_roles, Some(vec![ctx.role.clone()]));
    let check = ctx.ecsrole(&[&["check", "--output", "json"][..], &kind].concat());
    assert_eq!(check.code, 0, "{check:?}");
    let default = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(default.code, 2, "{default:?}");
    let codes: Vec<String> = default.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        codes.contains(&"managed_policy_not_attached".to_owned()),
        "{codes:?}"
    );
    assert!(default.stdout.contains(ECS_POLICY), "{}", default.stdout);

    let mut bad = Ctx::new("apply_mi_bad").await;
    bad.role = format!("batch-{}", bad.role);
    let run = bad.ecsrole(&[&["apply"][..], &kind].concat());
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains(&bad.role) && run.stderr.contains("starting with ecsInstanceRole"),
        "{}",
        run.stderr
    );
    assert_eq!(bad.state().await.role_path, None, "nothing was written");
    let verify = ctx.ecsrole(&[&["verify"][..], &kind].concat());
    assert_eq!(verify.code, 1, "{verify:?}");
    assert!(
        verify.stderr.contains("ecs-ec2: verify proves"),
        "{}",
        verify.stderr
    );
}
