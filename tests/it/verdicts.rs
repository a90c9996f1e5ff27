//! Issue 18's table, on moto: each role set up through IAM, then `check` and `plan`. The
//! verdicts are IAM's (the evaluator's), not the statement shapes': public and denied roles
//! exit 2, an EC2 allow that only depends on what EC2 sends exits 0 with a warning naming
//! it, and `plan` shows the same findings as `check`.

use aws_sdk_iam::Client;

use crate::harness::{Ctx, ECS_POLICY};

const EC2_ALLOW: &str =
    r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#;

fn doc(statements: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

async fn iam(ctx: &Ctx) -> Client {
    Client::new(&ctx.sdk_config().await)
}

async fn role(ctx: &Ctx, trust: &str) {
    ctx.create_role(trust, &[]).await;
    ctx.attach(ECS_POLICY).await;
    ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
}

fn findings(run: &crate::harness::Run) -> Vec<(String, String, String)> {
    run.json()["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {run:?}"))
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn codes(run: &crate::harness::Run) -> Vec<String> {
    findings(run).into_iter().map(|(c, _, _)| c).collect()
}

/// `check` exits `code` with these finding codes, and `plan --output json` shows the same
/// findings.
fn judged(ctx: &Ctx, code: i32, expected: &[&str]) -> crate::harness::Run {
    let check = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(check.code, code, "{check:?}");
    assert_eq!(codes(&check), expected, "{check:?}");
    ctx.assert_permitted(&check);
    let plan = ctx.ecsrole(&["plan", "--output", "json"]);
    if plan.code == 0 {
        assert_eq!(
            findings(&plan),
            findings(&check),
            "plan and check differ: {plan:?}"
        );
    }
    check
}

#[tokio::test]
async fn negated_principal_conditions_let_other_accounts_in() {
    let ctx = Ctx::new("v-negated").await;
    role(&ctx, &doc(&[EC2_ALLOW, r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}}"#])).await;
    judged(&ctx, 2, &["trust_policy_public"]);
}

#[tokio::test]
async fn for_all_values_with_the_key_absent_lets_anyone_in() {
    let ctx = Ctx::new("v-forall").await;
    role(&ctx, &doc(&[EC2_ALLOW, r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}}"#])).await;
    judged(&ctx, 2, &["trust_policy_public"]);
}

#[tokio::test]
async fn a_pattern_that_matches_every_arn_lets_anyone_in() {
    let ctx = Ctx::new("v-like").await;
    role(&ctx, &doc(&[EC2_ALLOW, r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringLike":{"aws:PrincipalArn":"*"}}}"#])).await;
    let run = judged(&ctx, 2, &["trust_policy_public"]);
    assert!(findings(&run)[0].2.contains("statement #2"), "{run:?}");
}

#[tokio::test]
async fn a_deny_that_holds_whatever_ec2_sends_denies_and_apply_refuses() {
    let ctx = Ctx::new("v-deny").await;
    role(&ctx, &doc(&[EC2_ALLOW, r#"{"Sid":"OnlyOther","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}"#])).await;
    let run = judged(&ctx, 2, &["trust_policy_missing_ec2"]);
    assert!(findings(&run)[0].2.contains("OnlyOther"), "{run:?}");
    let apply = ctx.ecsrole(&["apply"]);
    assert_eq!(
        apply.code, 1,
        "apply cannot fix a Deny without the replace: {apply:?}"
    );
    assert!(apply.stderr.contains("--replace-trust-policy"), "{apply:?}");
}

#[tokio::test]
async fn a_boundary_that_allows_only_s3_denies_the_agent() {
    let ctx = Ctx::new("v-boundary").await;
    role(&ctx, Ctx::trust_ec2()).await;
    let iam = iam(&ctx).await;
    let arn = iam
        .create_policy()
        .policy_name(format!("{}-s3only", ctx.role))
        .policy_document(doc(&[
            r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
        ]))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    iam.put_role_permissions_boundary()
        .role_name(&ctx.role)
        .permissions_boundary(&arn)
        .send()
        .await
        .unwrap();
    let run = judged(&ctx, 2, &["agent_permission_denied"]);
    let message = &findings(&run)[0].2;
    assert!(
        message.contains("ecs:RegisterContainerInstance")
            && message.contains("the permissions boundary does not allow it"),
        "{message}"
    );
}

#[tokio::test]
async fn an_inline_deny_of_the_registry_token_denies_the_agent() {
    let ctx = Ctx::new("v-inline").await;
    role(&ctx, Ctx::trust_ec2()).await;
    iam(&ctx)
        .await
        .put_role_policy()
        .role_name(&ctx.role)
        .policy_name("no-ecr")
        .policy_document(doc(&[r#"{"Sid":"NoToken","Effect":"Deny","Action":"ecr:GetAuthorizationToken","Resource":"*"}"#]))
        .send()
        .await
        .unwrap();
    let run = judged(&ctx, 2, &["agent_permission_denied"]);
    let message = &findings(&run)[0].2;
    assert!(
        message.contains("ecr:GetAuthorizationToken")
            && message.contains("inline policy no-ecr")
            && message.contains("NoToken")
            && !message.contains("ecs:Poll"),
        "{message}"
    );
}

#[tokio::test]
async fn a_negated_condition_ec2_always_meets_is_allowed() {
    let ctx = Ctx::new("v-only").await;
    role(&ctx, &doc(&[r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"444455556666"}}}"#])).await;
    judged(&ctx, 0, &[]);
}

#[tokio::test]
async fn an_ec2_allow_that_depends_is_a_warning_naming_it_and_plan_keeps_it() {
    let ctx = Ctx::new("v-depends").await;
    let trust = doc(&[
        r#"{"Sid":"OnlyTls","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"true"}}}"#,
    ]);
    role(&ctx, &trust).await;
    let run = judged(&ctx, 0, &["trust_policy_conditional"]);
    let message = &findings(&run)[0].2;
    assert!(
        message.contains("aws:SecureTransport") && message.contains("OnlyTls"),
        "{message}"
    );
    // plan says so too, human and JSON, and plans no change of the deliberate condition.
    let plan = ctx.ecsrole(&["plan"]);
    assert_eq!(plan.code, 0, "{plan:?}");
    assert!(
        plan.stdout.contains("trust_policy_conditional")
            && plan
                .stdout
                .contains("Nothing to do: the role is compliant, with the 1 warning(s) above."),
        "{plan:?}"
    );
    let apply = ctx.ecsrole(&["apply", "--output", "json"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert_eq!(codes(&apply), ["trust_policy_conditional"]);
    let doc_after = ctx.state().await.trust.unwrap();
    assert_eq!(
        doc_after["Statement"].as_array().map_or(1, Vec::len),
        1,
        "{doc_after}"
    );
}
