//! `ecsrole permissions` and the table behind it. Every proxied test already runs ecsrole
//! under its command's rows of the table (the proxy refuses anything else and the harness
//! fails the test); this test drives every command, so that every row the code calls is
//! shown to be needed and nothing it calls is missing.

use std::collections::BTreeSet;

use ecsrole_core::permissions::{Command, TABLE, called_by};

use crate::harness::Ctx;
use crate::verify::CLEANUP;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_permissions_cover_every_call_and_every_row_is_used() {
    crate::harness::needs_batch();
    let _alone = CLEANUP.write().await;
    let (ctx, proxy) = Ctx::proxied("perm").await;
    let fresh = crate::fleet::accounts(&ctx, 1).remove(0);
    let ok = |args: &[&str], codes: &[i32]| {
        let run = ctx.ecsrole(args);
        assert!(codes.contains(&run.code), "{args:?}: {run:?}");
    };
    // A role someone else made, trusting only ECS tasks: apply adds the EC2 statement (and
    // the fresh account below covers creating a role from nothing).
    ctx.create_role(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        &[],
    )
    .await;
    ok(&["check"], &[2]);
    ok(&["plan"], &[2]);
    ok(&["apply"], &[0]);
    ok(&["verify", "--level", "job"], &[0]);
    ok(&["verify", "--level", "instance", "--timeout", "3"], &[3]);
    ok(&["verify", "--level", "job", "--keep"], &[0]);
    ok(&["cleanup"], &[0]);
    // A fresh account (the emulators give each assumed-role session its own) has no Batch
    // service-linked role: verify creates it there.
    ok(&["apply", "--account", &fresh], &[0]);
    ok(&["verify", "--level", "ce", "--account", &fresh], &[0]);
    // An inline policy, put there by someone else, is deleted with the role.
    ctx.iam
        .put_role_policy()
        .role_name(&ctx.role)
        .policy_name("inline")
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap();
    ok(&["destroy", "--force"], &[0]);

    let seen: BTreeSet<String> = proxy
        .qualified_log()
        .iter()
        .map(|a| a.to_ascii_lowercase())
        .collect();
    let called: BTreeSet<String> = TABLE
        .iter()
        .filter(|r| !r.implied)
        .map(|r| r.action.to_ascii_lowercase())
        .collect();
    // Nothing outside the table (the proxy refused it, the harness asserted it); and no
    // row the code never calls.
    assert!(seen.is_subset(&called), "{:?}", seen.difference(&called));
    assert_eq!(
        called.difference(&seen).collect::<Vec<_>>(),
        Vec::<&String>::new(),
        "rows no command called: drop them or mark them implied"
    );
}

#[tokio::test]
async fn the_policy_is_printed_without_a_request() {
    let (ctx, proxy) = Ctx::proxied("perm_print").await;
    let all = ctx.ecsrole_raw(&["permissions", "--output", "json"]);
    assert_eq!(all.code, 0, "{all:?}");
    let check = ctx.ecsrole_raw(&[
        "permissions",
        "--command",
        "check",
        "--role-name",
        "BatchInstance",
        "--path",
        "/batch/",
        "--region",
        "cn-north-1",
    ]);
    assert_eq!(check.code, 0, "{check:?}");
    let bad = ctx.ecsrole_raw(&["permissions", "--command", "nuke"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("nuke"), "{}", bad.stderr);
    assert_eq!(proxy.log(), Vec::<String>::new(), "no AWS call");

    // Every action of every command is in `all`.
    let text = all.stdout.clone();
    for row in TABLE {
        assert!(text.contains(row.action), "{}", row.action);
    }
    for c in Command::ALL {
        assert!(called_by(c).count() > 0, "{c:?}");
    }
    ctx.settings().bind(|| {
        insta::assert_snapshot!("permissions_check_cn", check.stdout);
        insta::assert_snapshot!("permissions_all", all.stdout);
    });
}
