//! `destroy`: deletes what ecsrole created, refuses what it did not.

use crate::harness::Ctx;

#[tokio::test]
async fn destroy_what_apply_created() {
    let ctx = Ctx::new("destroy").await;
    assert_eq!(ctx.ecsrole(&["apply"]).code, 0);
    // An inline policy added later must not block the delete.
    ctx.iam
        .put_role_policy()
        .role_name(&ctx.role)
        .policy_name("inline")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    let human = ctx.ecsrole(&["destroy"]);
    assert_eq!(human.code, 0, "{}", human.stderr);
    let state = ctx.state().await;
    assert_eq!(
        (state.trust, state.profile_roles),
        (None, None),
        "role and profile are gone"
    );
    let again = ctx.ecsrole(&["destroy", "--output", "json"]);
    assert_eq!(again.code, 0);
    assert_eq!(again.json()["actions"], serde_json::json!([]));
    ctx.settings().bind(|| {
        insta::assert_snapshot!("destroy_human", human.transcript());
        insta::assert_snapshot!("destroy_nothing_json", again.transcript());
    });
}

#[tokio::test]
async fn destroy_refuses_an_unowned_role() {
    let ctx = Ctx::new("unowned").await;
    ctx.create_compliant(&[("team", "data")]).await;
    let before = ctx.state().await;
    let refused = ctx.ecsrole(&["destroy"]);
    assert_eq!(refused.code, 1);
    assert_eq!(ctx.state().await, before, "nothing was deleted");
    ctx.settings()
        .bind(|| insta::assert_snapshot!("destroy_refused", refused.transcript()));

    // An owned role in an unowned profile: still refused, still nothing deleted.
    let ctx2 = Ctx::new("unowned_profile").await;
    ctx2.create_role(Ctx::trust_ec2(), &[("managed-by", "ecsrole")])
        .await;
    ctx2.create_profile(&ctx2.role, Some(&ctx2.role)).await;
    let before2 = ctx2.state().await;
    let refused2 = ctx2.ecsrole(&["destroy"]);
    assert_eq!(refused2.code, 1);
    assert!(
        refused2.stderr.contains("instance-profile/"),
        "{}",
        refused2.stderr
    );
    assert_eq!(ctx2.state().await, before2);

    let forced = ctx.ecsrole(&["destroy", "--force", "--output", "json"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert_eq!(ctx.state().await.trust, None);
}
