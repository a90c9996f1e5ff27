//! `check` and `plan`: every finding code, each produced by a real IAM call.

use crate::harness::{Ctx, ECS_POLICY};

#[tokio::test]
async fn nothing_exists() {
    let ctx = Ctx::new("nothing").await;
    let human = ctx.ecsrole(&["check"]);
    let json = ctx.ecsrole(&["check", "--output", "json"]);
    let plan = ctx.ecsrole(&["plan"]);
    let plan_json = ctx.ecsrole(&["plan", "--output", "json"]);
    assert_eq!(
        (human.code, json.code, plan.code, plan_json.code),
        (2, 2, 2, 2)
    );
    let codes: Vec<_> = json.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        codes,
        [
            "role_missing",
            "managed_policy_not_attached",
            "instance_profile_missing"
        ]
    );
    ctx.settings().bind(|| {
        insta::assert_snapshot!("nothing_exists_check_human", human.transcript());
        insta::assert_snapshot!("nothing_exists_check_json", json.transcript());
        insta::assert_snapshot!("nothing_exists_plan_human", plan.transcript());
        insta::assert_snapshot!("nothing_exists_plan_json", plan_json.transcript());
    });
    // check and plan are read-only.
    assert_eq!(ctx.state().await.trust, None);
}

#[tokio::test]
async fn compliant_role_made_outside_ecsrole() {
    let ctx = Ctx::new("compliant").await;
    ctx.create_compliant(&[]).await;
    let run = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let plan = ctx.ecsrole(&["plan"]);
    assert_eq!(plan.code, 0);
    ctx.settings().bind(|| {
        insta::assert_snapshot!("compliant_check_json", run.transcript());
        insta::assert_snapshot!("compliant_plan_human", plan.transcript());
    });
}

/// Sets up one kind of drift through IAM, snapshots check, applies, and checks the
/// emulator (not ecsrole) for the result.
async fn drift_case(name: &str, setup: impl AsyncFnOnce(&Ctx), code: &str, exit: i32) -> Ctx {
    let ctx = Ctx::new(name).await;
    setup(&ctx).await;
    let human = ctx.ecsrole(&["check"]);
    let json = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(human.code, exit, "{}", human.stderr);
    assert!(
        json.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == code),
        "{code} missing: {}",
        json.stdout
    );
    ctx.settings().bind(|| {
        insta::assert_snapshot!(format!("{name}_check_human"), human.transcript());
        insta::assert_snapshot!(format!("{name}_check_json"), json.transcript());
    });
    ctx
}

const ECS_TASKS_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Tasks","Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[tokio::test]
async fn trust_policy_missing_ec2_is_repaired_keeping_statements() {
    let ctx = drift_case(
        "trust_missing_ec2",
        async |ctx| {
            ctx.create_role(ECS_TASKS_TRUST, &[]).await;
            ctx.attach(ECS_POLICY).await;
            ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
        },
        "trust_policy_missing_ec2",
        2,
    )
    .await;
    let apply = ctx.ecsrole(&["apply"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    ctx.settings()
        .bind(|| insta::assert_snapshot!("trust_missing_ec2_apply_human", apply.transcript()));
    let trust = ctx.state().await.trust.unwrap();
    let statements = trust["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "{trust}");
    assert_eq!(
        statements[0]["Sid"], "Tasks",
        "the existing statement is kept first: {trust}"
    );
    assert_eq!(statements[1]["Principal"]["Service"], "ec2.amazonaws.com");
    assert_eq!(ctx.ecsrole(&["check"]).code, 0);
}

#[tokio::test]
async fn trust_policy_extra_principal_is_a_warning() {
    let ctx = drift_case(
        "trust_extra_principal",
        async |ctx| {
            let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
            ctx.create_role(trust, &[]).await;
            ctx.attach(ECS_POLICY).await;
            ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
        },
        "trust_policy_extra_principal",
        0,
    )
    .await;
    let before = ctx.state().await;
    let plan = ctx.ecsrole(&["apply", "--output", "json"]);
    assert_eq!(plan.json()["actions"], serde_json::json!([]));
    assert_eq!(
        ctx.state().await,
        before,
        "apply never removes a trust statement"
    );
}

#[tokio::test]
async fn trust_policy_conditional_gets_an_unconditional_statement() {
    let ctx = drift_case(
        "trust_conditional",
        async |ctx| {
            // EC2 sends its own account or nothing: a condition on another one never holds.
            let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
            ctx.create_role(trust, &[]).await;
            ctx.attach(ECS_POLICY).await;
            ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
        },
        "trust_policy_missing_ec2",
        2,
    )
    .await;
    let plan = ctx.ecsrole(&["plan"]);
    assert!(
        plan.stdout.contains("no longer restricts EC2"),
        "plan says the condition stops restricting EC2: {plan:?}"
    );
    assert_eq!(ctx.ecsrole(&["apply"]).code, 0);
    let trust = ctx.state().await.trust.unwrap();
    assert_eq!(trust["Statement"].as_array().unwrap().len(), 2, "{trust}");
    let after = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(after.code, 0, "{}", after.stdout);
}

#[tokio::test]
async fn managed_policy_not_attached_including_extras() {
    let extra = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore";
    let ctx = Ctx::new("policy_missing").await;
    ctx.create_role(Ctx::trust_ec2(), &[]).await;
    ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
    let json = ctx.ecsrole(&["check", "--extra-policy", extra, "--output", "json"]);
    assert_eq!(json.code, 2);
    let resources: Vec<_> = json.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["resource"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        resources,
        [
            (
                "managed_policy_not_attached".to_owned(),
                ECS_POLICY.to_owned()
            ),
            ("managed_policy_not_attached".to_owned(), extra.to_owned())
        ]
    );
    let apply = ctx.ecsrole(&["apply", "--extra-policy", extra]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    ctx.settings().bind(|| {
        insta::assert_snapshot!("policy_missing_check_json", json.transcript());
        insta::assert_snapshot!("policy_missing_apply_human", apply.transcript());
    });
    let mut policies = ctx.state().await.policies;
    policies.sort();
    assert_eq!(policies, [extra, ECS_POLICY]);
}

#[tokio::test]
async fn instance_profile_missing() {
    let ctx = drift_case(
        "profile_missing",
        async |ctx| {
            ctx.create_role(Ctx::trust_ec2(), &[]).await;
            ctx.attach(ECS_POLICY).await;
        },
        "instance_profile_missing",
        2,
    )
    .await;
    let apply = ctx.ecsrole(&["apply", "--output", "json"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let actions: Vec<_> = apply.json()["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        ["create_instance_profile", "add_role_to_instance_profile"]
    );
    let state = ctx.state().await;
    assert_eq!(state.profile_roles, Some(vec![ctx.role.clone()]));
    assert_eq!(
        state.profile_tags,
        Some(vec![("managed-by".into(), "ecsrole".into())])
    );
}

#[tokio::test]
async fn instance_profile_missing_role() {
    let ctx = drift_case(
        "profile_empty",
        async |ctx| {
            ctx.create_role(Ctx::trust_ec2(), &[]).await;
            ctx.attach(ECS_POLICY).await;
            ctx.create_profile(&ctx.role, None).await;
        },
        "instance_profile_missing_role",
        2,
    )
    .await;
    assert_eq!(ctx.ecsrole(&["apply"]).code, 0);
    assert_eq!(
        ctx.state().await.profile_roles,
        Some(vec![ctx.role.clone()])
    );
}

#[tokio::test]
async fn instance_profile_other_role_needs_the_flag() {
    let ctx = drift_case(
        "profile_other",
        async |ctx| {
            ctx.create_role(Ctx::trust_ec2(), &[]).await;
            ctx.attach(ECS_POLICY).await;
            let other = format!("{}-o", ctx.role);
            ctx.iam
                .create_role()
                .role_name(&other)
                .assume_role_policy_document(Ctx::trust_ec2())
                .send()
                .await
                .unwrap();
            ctx.create_profile(&ctx.role, Some(&other)).await;
        },
        "instance_profile_other_role",
        2,
    )
    .await;
    let before = ctx.state().await;
    let refused = ctx.ecsrole(&["apply"]);
    let plan_refused = ctx.ecsrole(&["plan"]);
    assert_eq!((refused.code, plan_refused.code), (1, 1));
    assert!(
        refused.stderr.contains("--replace-profile-role"),
        "{}",
        refused.stderr
    );
    assert_eq!(ctx.state().await, before, "a refused apply writes nothing");
    let replaced = ctx.ecsrole(&["apply", "--replace-profile-role"]);
    assert_eq!(replaced.code, 0, "{}", replaced.stderr);
    ctx.settings().bind(|| {
        insta::assert_snapshot!("profile_other_apply_refused", refused.transcript());
        insta::assert_snapshot!("profile_other_apply_replace", replaced.transcript());
    });
    assert_eq!(
        ctx.state().await.profile_roles,
        Some(vec![ctx.role.clone()])
    );
}

/// The snapshots are shared by both backends once emulator values are redacted; this is
/// where the emulators differ, shown rather than hidden: the account each serves by
/// default, and whether the Batch service-linked role is there (moto names it
/// `AWSServiceRoleForbatch`; AWS, `AWSServiceRoleForBatch`).
#[tokio::test]
async fn where_the_emulators_differ() {
    use crate::harness::{Backend, backend};
    let ctx = Ctx::new("differ").await;
    ctx.create_compliant(&[]).await;
    let run = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let account = run.json()["account_id"].as_str().unwrap().to_owned();
    let expected = match backend() {
        Backend::Moto => "123456789012",
        Backend::LocalStack | Backend::LocalStackPro => "000000000000",
    };
    assert_eq!(account, expected, "{:?}", backend());
    let created = ctx
        .iam
        .create_service_linked_role()
        .aws_service_name("batch.amazonaws.com")
        .send()
        .await;
    let name = match created {
        Ok(r) => r.role().map(|r| r.role_name().to_owned()),
        // Already there from an earlier test: read its name.
        Err(_) => ctx
            .iam
            .list_roles()
            .path_prefix("/aws-service-role/batch.amazonaws.com/")
            .send()
            .await
            .unwrap()
            .roles()
            .first()
            .map(|r| r.role_name().to_owned()),
    };
    let expected = match backend() {
        Backend::Moto => "AWSServiceRoleForbatch",
        Backend::LocalStack | Backend::LocalStackPro => "AWSServiceRoleForBatch",
    };
    assert_eq!(name.as_deref(), Some(expected), "{:?}", backend());
}

/// The role's permissions policies, read as documents: an attached managed policy at its
/// default version (v2 here, not v1), the required AWS managed policy, an inline policy and
/// the permissions boundary. `check` reads them (within its permission rows, which the
/// proxy enforces); what they say is not judged here, so the role stays compliant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_roles_policies_are_read_as_documents() {
    use ecsrole_core::state::{PolicySource, PolicyText};
    use serde_json::{Value, json};

    let (ctx, proxy) = Ctx::proxied("policies").await;
    let doc = |action: &str| {
        json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": action, "Resource": "*"}
        ]})
    };
    let create_policy = async |suffix: &str, document: &Value| {
        ctx.iam
            .create_policy()
            .policy_name(format!("{}-{suffix}", ctx.role))
            .policy_document(document.to_string())
            .send()
            .await
            .unwrap()
            .policy
            .unwrap()
            .arn
            .unwrap()
    };
    let boundary = create_policy("boundary", &doc("ecs:*")).await;
    let extra = create_policy("extra", &doc("s3:GetObject")).await;
    ctx.iam
        .create_policy_version()
        .policy_arn(&extra)
        .policy_document(doc("s3:ListBucket").to_string())
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    ctx.iam
        .create_role()
        .role_name(&ctx.role)
        .assume_role_policy_document(Ctx::trust_ec2())
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();
    ctx.attach(ECS_POLICY).await;
    ctx.attach(&extra).await;
    ctx.iam
        .put_role_policy()
        .role_name(&ctx.role)
        .policy_name("inline")
        .policy_document(doc("logs:PutLogEvents").to_string())
        .send()
        .await
        .unwrap();
    ctx.create_profile(&ctx.role, Some(&ctx.role)).await;

    // The boundary allows only ecs:*: the agent's other calls are denied, and said so.
    let run = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        run.json()["findings"][0]["code"],
        "agent_permission_denied",
        "{run:?}"
    );
    let log = proxy.log();
    let count = |a: &str| log.iter().filter(|l| *l == a).count();
    assert_eq!(
        (
            count("GetPolicy"),
            count("GetPolicyVersion"),
            count("ListRolePolicies"),
            count("GetRolePolicy")
        ),
        (2, 2, 1, 1),
        "the attached policy that is not the required one (judged by its ARN), the \
         boundary, one inline policy: {log:?}"
    );

    // The same reads through the library.
    let aws = ecsrole_core::aws::Aws {
        config: ctx.sdk_config().await,
        partition: ecsrole_core::partition::Partition::Aws,
        calls: ecsrole_core::aws::Calls::default(),
    };
    let actual = ecsrole_core::Iam::new(&aws)
        .read(&ctx.role, &ctx.role)
        .await
        .unwrap();
    assert_eq!(
        actual
            .role
            .as_ref()
            .unwrap()
            .permissions_boundary
            .as_deref(),
        Some(boundary.as_str())
    );
    let read = |source: &PolicySource| -> Value {
        let policy = actual
            .role_policies
            .iter()
            .find(|p| p.source == *source)
            .unwrap_or_else(|| panic!("{source:?} not read: {:?}", actual.role_policies));
        match &policy.text {
            PolicyText::Read(text) => serde_json::from_str(text).unwrap(),
            PolicyText::Unreadable(why) => panic!("{source:?} unreadable: {why}"),
        }
    };
    let managed = |arn: &str, version: &str| PolicySource::Managed {
        arn: arn.to_owned(),
        version: version.to_owned(),
    };
    assert_eq!(
        read(&managed(&extra, "v2")),
        doc("s3:ListBucket"),
        "the default version"
    );
    assert_eq!(
        read(&PolicySource::Inline {
            name: "inline".into()
        }),
        doc("logs:PutLogEvents")
    );
    assert_eq!(
        read(&PolicySource::Boundary {
            arn: boundary.clone(),
            version: "v1".into()
        }),
        doc("ecs:*")
    );
    assert!(
        !actual
            .role_policies
            .iter()
            .any(|p| matches!(&p.source, PolicySource::Managed { arn, .. } if arn == ECS_POLICY)),
        "the required policy is judged by its ARN, not read: {:?}",
        actual.role_policies
    );
    assert_eq!(actual.role_policies.len(), 3, "{:?}", actual.role_policies);
    // In their order: the attached ones, the inline ones, the boundary last.
    assert!(matches!(
        actual.role_policies[2].source,
        PolicySource::Boundary { .. }
    ));
}

/// An `--extra-policy` that does not exist is `policy_not_found`: check says no change of
/// ecsrole's fixes it, plan refuses naming it, and apply refuses before its first write
/// (IAM, asked afterwards, has no role). A role whose inline policy denies the agent gets
/// the same line, and the finding names the policy and its statement.
#[tokio::test]
async fn a_policy_that_does_not_exist_and_an_inline_deny_are_fixed_outside_ecsrole() {
    let ctx = Ctx::new("nosuchpolicy").await;
    let nosuch = "arn:aws:iam::123456789012:policy/ecsrole-no-such-policy";
    let extra = ["--extra-policy", nosuch];
    let check = ctx.ecsrole(&[&["check", "--output", "json"][..], &extra].concat());
    assert_eq!(check.code, 2, "{check:?}");
    let findings = check.json()["findings"].clone();
    let found = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "policy_not_found")
        .unwrap_or_else(|| panic!("{findings}"));
    assert_eq!(found["resource"], nosuch);
    assert!(
        !findings.to_string().contains(&format!(
            "\"managed_policy_not_attached\",\"severity\":\"error\",\"message\":\"managed policy {nosuch}"
        )),
        "{findings}"
    );
    let human = ctx.ecsrole(&[&["check"][..], &extra].concat());
    assert!(
        human.stdout.contains("No change ecsrole makes fixes it"),
        "{}",
        human.stdout
    );
    let plan = ctx.ecsrole(&[&["plan"][..], &extra].concat());
    assert_eq!(plan.code, 1, "{plan:?}");
    assert!(
        plan.stderr.contains("policy_not_found") && plan.stderr.contains(nosuch),
        "{}",
        plan.stderr
    );
    let apply = ctx.ecsrole(&[&["apply"][..], &extra].concat());
    assert_eq!(apply.code, 1, "{apply:?}");
    assert!(
        apply.stderr.contains("policy_not_found"),
        "{}",
        apply.stderr
    );
    assert_eq!(
        ctx.state().await.trust,
        None,
        "apply wrote nothing: no role"
    );

    // Compliant, then an inline Deny of the agent's calls.
    assert_eq!(ctx.ecsrole(&["apply", "-q"]).code, 0);
    ctx.iam
        .put_role_policy()
        .role_name(&ctx.role)
        .policy_name("no-ecs")
        .policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoEcs","Effect":"Deny","Action":"ecs:*","Resource":"*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let check = ctx.ecsrole(&["check"]);
    assert_eq!(check.code, 2, "{check:?}");
    assert!(
        check.stdout.contains("No change ecsrole makes fixes it")
            && check.stdout.contains("inline policy no-ecs")
            && !check.stdout.contains("`ecsrole plan"),
        "{}",
        check.stdout
    );
}
