//! The table of roles whose verdicts are IAM's, on moto: each role set up through IAM, then `check` and `plan`. The
//! verdicts are IAM's (the evaluator's), not the statement shapes': public and denied roles
//! exit 2, an EC2 allow that only depends on what EC2 sends exits 0 with a warning naming
//! it, and `plan` shows the same findings as `check`.
//!
//! Then the roles whose verdicts used to be sampled: the role's tags, AWS's clock, policy
//! Version, outsiders in any account and open OIDC/Cognito issuers are all decided, never
//! "depends"; each row gives IAM's answer and its reverse exits 0.

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
    role_with(ctx, trust, &[], None).await;
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
    // No write of ecsrole's fixes it: plan and apply refuse, naming it; nothing written.
    let before = ctx.state().await;
    for command in ["plan", "apply"] {
        let run = ctx.ecsrole(&[command]);
        assert_eq!(run.code, 1, "{command}: {run:?}");
        assert!(
            run.stderr
                .contains("no change ecsrole makes fixes this: agent_permission_denied"),
            "{command}: {run:?}"
        );
    }
    assert_eq!(ctx.state().await, before, "nothing written");
}

/// A question the evaluator cannot decide (a key compared both as text and as an address):
/// check, plan and apply all exit 1 naming it; none says the role is fine.
#[tokio::test]
async fn an_undecided_question_is_exit_1_for_check_plan_and_apply() {
    let ctx = Ctx::new("v-undecided").await;
    let odd = doc(&[
        r#"{"Sid":"Odd","Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringLike":{"aws:SourceIp":"10.*"},"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}"#,
    ]);
    role_with(&ctx, Ctx::trust_ec2(), &[], Some(&odd)).await;
    for command in ["check", "plan", "apply"] {
        let run = ctx.ecsrole(&[command, "--output", "json"]);
        assert_eq!(run.code, 1, "{command}: {run:?}");
        let undecided = run.json()["undecided"].to_string();
        assert!(
            undecided.contains("aws:SourceIp"),
            "{command} names the question: {run:?}"
        );
    }
    let plan = ctx.ecsrole(&["plan"]);
    assert!(
        plan.stdout.contains("not known to be compliant")
            && plan.stdout.contains("could not decide"),
        "{plan:?}"
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

/// A role with `trust` and `tags`, the ECS policy, an inline policy and its profile.
async fn role_with(ctx: &Ctx, trust: &str, tags: &[(&str, &str)], inline: Option<&str>) {
    ctx.create_role(trust, tags).await;
    ctx.attach(ECS_POLICY).await;
    if let Some(inline) = inline {
        ctx.iam
            .put_role_policy()
            .role_name(&ctx.role)
            .policy_name("extra")
            .policy_document(inline)
            .send()
            .await
            .unwrap();
    }
    ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
}

const DENY_UNLESS_PLATFORM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}]}"#;

#[tokio::test]
async fn a_deny_on_a_tag_the_role_lacks_is_a_denial() {
    let ctx = Ctx::new("d-tag").await;
    role_with(&ctx, &doc(&[EC2_ALLOW]), &[], Some(DENY_UNLESS_PLATFORM)).await;
    let json = judged(&ctx, 2, &["agent_permission_denied"]).json();
    assert!(
        json["findings"][0]["witnesses"][0]["context"]
            .to_string()
            .contains("aws:PrincipalTag/team"),
        "the witness names the tag: {json}"
    );
    // The role's own tags, read back from the emulator, are what decided it.
    let got = ctx
        .iam
        .get_role()
        .role_name(&ctx.role)
        .send()
        .await
        .unwrap();
    assert!(got.role.unwrap().tags.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn the_same_deny_on_a_role_with_the_tag_passes() {
    let ctx = Ctx::new("d-tag-ok").await;
    role_with(
        &ctx,
        &doc(&[EC2_ALLOW]),
        &[("team", "platform")],
        Some(DENY_UNLESS_PLATFORM),
    )
    .await;
    judged(&ctx, 0, &[]);
}

#[tokio::test]
async fn two_known_tags_that_differ_deny_and_agree_allow() {
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/owner}"}}}]}"#;
    let ctx = Ctx::new("d-vars").await;
    role_with(
        &ctx,
        &doc(&[EC2_ALLOW]),
        &[("team", "batch"), ("owner", "platform")],
        Some(deny),
    )
    .await;
    judged(&ctx, 2, &["agent_permission_denied"]);
    let ctx = Ctx::new("d-vars-ok").await;
    role_with(
        &ctx,
        &doc(&[EC2_ALLOW]),
        &[("team", "batch"), ("owner", "batch")],
        Some(deny),
    )
    .await;
    judged(&ctx, 0, &[]);
}

#[tokio::test]
async fn every_other_account_is_public_with_an_outsider_as_witness() {
    let ctx = Ctx::new("d-other").await;
    role_with(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"999999999999"}}}"#,
        ]),
        &[],
        None,
    )
    .await;
    let json = judged(&ctx, 2, &["trust_policy_public"]).json();
    let witness = &json["findings"][0]["witnesses"][0];
    let principal = witness["principal"].as_str().unwrap();
    assert!(
        principal.starts_with("arn:aws:iam::") && !principal.contains("999999999999"),
        "{witness}"
    );
}

#[tokio::test]
async fn a_named_account_is_a_warning_never_public() {
    let ctx = Ctx::new("d-named").await;
    role_with(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}"#,
        ]),
        &[],
        None,
    )
    .await;
    judged(&ctx, 0, &["trust_policy_extra_principal"]);
}

#[tokio::test]
async fn an_external_id_of_the_callers_own_account_is_public() {
    let ctx = Ctx::new("d-extid").await;
    role_with(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"${aws:PrincipalAccount}"}}}"#,
        ]),
        &[],
        None,
    )
    .await;
    let json = judged(&ctx, 2, &["trust_policy_public"]).json();
    let message = json["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("sts:ExternalId="), "{message}");
}

#[tokio::test]
async fn version_2008_reads_variables_as_text() {
    let ctx = Ctx::new("d-2008").await;
    role_with(
        &ctx,
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotEquals":{"aws:SourceAccount":"${aws:SourceAccount}"}}}]}"#,
        &[],
        None,
    )
    .await;
    judged(&ctx, 2, &["trust_policy_missing_ec2"]);
}

#[tokio::test]
async fn github_without_a_subject_is_public_and_one_repository_is_not() {
    let trust = |condition: &str| {
        doc(&[
            EC2_ALLOW,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{condition}}}"#
            ),
        ])
    };
    let ctx = Ctx::new("d-gh").await;
    role_with(
        &ctx,
        &trust(
            r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
        ),
        &[],
        None,
    )
    .await;
    judged(&ctx, 2, &["trust_policy_public"]);
    let ctx = Ctx::new("d-gh-ok").await;
    role_with(
        &ctx,
        &trust(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:my-org/my-repo:ref:refs/heads/main"}}"#),
        &[],
        None,
    )
    .await;
    judged(&ctx, 0, &["trust_policy_extra_principal"]);
}

#[tokio::test]
async fn cognito_without_an_audience_is_public() {
    let ctx = Ctx::new("d-cognito").await;
    role_with(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}"#,
        ]),
        &[],
        None,
    )
    .await;
    judged(&ctx, 2, &["trust_policy_public"]);
}
