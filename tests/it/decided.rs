//! The roles whose verdicts used to be sampled, on moto: each set up through IAM with the
//! AWS SDK, then `check` through the CLI. Each row gives IAM's answer, and its reverse
//! exits 0. The roles' tags, AWS's clock, policy Version, outsiders in any account and
//! open OIDC/Cognito issuers are all decided, never "depends".

use serde_json::Value;

use crate::harness::{Ctx, ECS_POLICY};

const EC2_ALLOW: &str =
    r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#;

fn doc(statements: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

/// A role with `trust` and `tags`, the ECS policy, an inline policy and its profile.
async fn role(ctx: &Ctx, trust: &str, tags: &[(&str, &str)], inline: Option<&str>) {
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

/// `check` exits `code` and its findings' codes are `expected`; the JSON.
fn checked(ctx: &Ctx, code: i32, expected: &[&str]) -> Value {
    let run = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(run.code, code, "{run:?}");
    let json = run.json();
    let codes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("no findings in {run:?}"))
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, expected, "{run:?}");
    json
}

const DENY_UNLESS_PLATFORM: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}]}"#;

#[tokio::test]
async fn a_deny_on_a_tag_the_role_lacks_is_a_denial() {
    let ctx = Ctx::new("d-tag").await;
    role(&ctx, &doc(&[EC2_ALLOW]), &[], Some(DENY_UNLESS_PLATFORM)).await;
    let json = checked(&ctx, 2, &["agent_permission_denied"]);
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
    role(
        &ctx,
        &doc(&[EC2_ALLOW]),
        &[("team", "platform")],
        Some(DENY_UNLESS_PLATFORM),
    )
    .await;
    checked(&ctx, 0, &[]);
}

#[tokio::test]
async fn two_known_tags_that_differ_deny_and_agree_allow() {
    let deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/owner}"}}}]}"#;
    let ctx = Ctx::new("d-vars").await;
    role(
        &ctx,
        &doc(&[EC2_ALLOW]),
        &[("team", "batch"), ("owner", "platform")],
        Some(deny),
    )
    .await;
    checked(&ctx, 2, &["agent_permission_denied"]);
    let ctx = Ctx::new("d-vars-ok").await;
    role(
        &ctx,
        &doc(&[EC2_ALLOW]),
        &[("team", "batch"), ("owner", "batch")],
        Some(deny),
    )
    .await;
    checked(&ctx, 0, &[]);
}

#[tokio::test]
async fn every_other_account_is_public_with_an_outsider_as_witness() {
    let ctx = Ctx::new("d-other").await;
    role(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"999999999999"}}}"#,
        ]),
        &[],
        None,
    )
    .await;
    let json = checked(&ctx, 2, &["trust_policy_public"]);
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
    role(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}"#,
        ]),
        &[],
        None,
    )
    .await;
    checked(&ctx, 0, &["trust_policy_extra_principal"]);
}

#[tokio::test]
async fn an_external_id_of_the_callers_own_account_is_public() {
    let ctx = Ctx::new("d-extid").await;
    role(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"${aws:PrincipalAccount}"}}}"#,
        ]),
        &[],
        None,
    )
    .await;
    let json = checked(&ctx, 2, &["trust_policy_public"]);
    let message = json["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("sts:ExternalId="), "{message}");
}

#[tokio::test]
async fn version_2008_reads_variables_as_text() {
    let ctx = Ctx::new("d-2008").await;
    role(
        &ctx,
        r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotEquals":{"aws:SourceAccount":"${aws:SourceAccount}"}}}]}"#,
        &[],
        None,
    )
    .await;
    checked(&ctx, 2, &["trust_policy_missing_ec2"]);
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
    role(
        &ctx,
        &trust(
            r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#,
        ),
        &[],
        None,
    )
    .await;
    checked(&ctx, 2, &["trust_policy_public"]);
    let ctx = Ctx::new("d-gh-ok").await;
    role(
        &ctx,
        &trust(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com","token.actions.githubusercontent.com:sub":"repo:my-org/my-repo:ref:refs/heads/main"}}"#),
        &[],
        None,
    )
    .await;
    checked(&ctx, 0, &["trust_policy_extra_principal"]);
}

#[tokio::test]
async fn cognito_without_an_audience_is_public() {
    let ctx = Ctx::new("d-cognito").await;
    role(
        &ctx,
        &doc(&[
            EC2_ALLOW,
            r#"{"Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}}"#,
        ]),
        &[],
        None,
    )
    .await;
    checked(&ctx, 2, &["trust_policy_public"]);
}
