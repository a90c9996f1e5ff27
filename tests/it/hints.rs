//! Every hint that names a command is run as printed, and reaches the same role: the
//! drift line of `check` (its plan and its apply), and `plan`'s apply with the flag that
//! chose the change. The emulator, not ecsrole, says where the writes went.

use crate::harness::{Ctx, ECS_POLICY};

/// The command in backquotes in `text` that starts `ecsrole COMMAND`.
fn printed(text: &str, command: &str) -> String {
    let start = format!("`ecsrole {command} ");
    let at = text
        .find(&start)
        .unwrap_or_else(|| panic!("no `ecsrole {command}` hint in: {text}"));
    let rest = &text[at + 1..];
    rest[..rest.find('`').expect("closing backquote")].to_owned()
}

#[tokio::test]
async fn each_printed_hint_runs_as_printed_on_the_same_role() {
    let ctx = Ctx::new("hints").await;
    // A role made by hand, trusted by EC2, without the policy; its profile of another name.
    ctx.create_role(Ctx::trust_ec2(), &[]).await;
    let profile = format!("{}-p", ctx.role);
    ctx.create_profile(&profile, Some(&ctx.role)).await;
    let target = [
        "--role-name",
        &ctx.role,
        "--instance-profile-name",
        &profile,
        "--region",
        "us-east-1",
    ];
    let check = ctx.ecsrole_raw(&[&["check"][..], &target].concat());
    assert_eq!(check.code, 2, "{check:?}");
    let plan = printed(&check.stdout, "plan");
    let apply = printed(&check.stdout, "apply");
    for line in [&plan, &apply] {
        assert!(
            line.contains(&format!("--role-name {}", ctx.role))
                && line.contains(&format!("--instance-profile-name {profile}"))
                && line.contains("--region us-east-1"),
            "the hint names the target: {line}"
        );
    }
    let planned = ctx.run_printed(&plan);
    assert_eq!(planned.code, 2, "{plan}: {planned:?}");
    assert!(
        planned.stdout.contains("attach_role_policy"),
        "the plan the hint runs attaches the policy to the same role: {planned:?}"
    );
    let applied = ctx.run_printed(&printed(&planned.stdout, "apply"));
    assert_eq!(applied.code, 0, "{applied:?}");
    let state = ctx.state().await;
    assert_eq!(
        state.policies,
        [ECS_POLICY],
        "the role the hint named got it"
    );

    // plan's apply keeps the flag that chose the change: a profile holding another role,
    // replaced only with --replace-profile-role.
    let other = format!("{}-other", ctx.role);
    ctx.iam
        .create_role()
        .role_name(&other)
        .assume_role_policy_document(Ctx::trust_ec2())
        .send()
        .await
        .unwrap();
    let held = format!("{}-held", ctx.role);
    ctx.create_profile(&held, Some(&other)).await;
    let plan = ctx.ecsrole_raw(&[
        "plan",
        "--role-name",
        &ctx.role,
        "--instance-profile-name",
        &held,
        "--replace-profile-role",
    ]);
    assert_eq!(plan.code, 2, "{plan:?}");
    let apply = printed(&plan.stdout, "apply");
    assert!(apply.contains("--replace-profile-role"), "{apply}");
    let applied = ctx.run_printed(&apply);
    assert_eq!(applied.code, 0, "{apply}: {applied:?}");
    let roles: Vec<String> = ctx
        .iam
        .get_instance_profile()
        .instance_profile_name(&held)
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap()
        .roles
        .into_iter()
        .map(|r| r.role_name)
        .collect();
    assert_eq!(
        roles.join(","),
        ctx.role,
        "the profile the hint named holds the role"
    );
}
