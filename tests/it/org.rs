//! Fleet targets from AWS Organizations, on moto's: an organisation of its own (its
//! management account an account of the test's own), nested OUs, an excluded account, one
//! removed from the organisation and one closed (SUSPENDED). What ecsrole selects is
//! compared with what boto3 lists for the same request (the tools venv's).

use std::collections::BTreeSet;

use aws_sdk_organizations::Client;

use crate::harness::{Ctx, account, ou};

/// The account ids of a fleet run's target lines.
fn targets(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["account_id"].as_str().map(str::to_owned))
        .collect()
}

/// boto3's answer for the same selection: ACTIVE accounts under `parents` (recursively),
/// or of the whole organisation when none, minus `exclude`.
fn boto3(
    ctx: &Ctx,
    credentials: &aws_credential_types::Credentials,
    parents: &[&str],
    exclude: &str,
) -> BTreeSet<String> {
    // Never a silent pass without the comparison: `cargo xtask test` always sets it.
    let python = std::env::var_os("ECSROLE_TEST_TOOLS_PYTHON").expect(
        "ECSROLE_TEST_TOOLS_PYTHON is unset: `cargo xtask test` installs the tools' Python (boto3) and sets it; without it the selection cannot be compared with boto3's",
    );
    const SCRIPT: &str = r#"
import sys, boto3
org = boto3.client("organizations")
parents, exclude = [p for p in sys.argv[1].split(",") if p], sys.argv[2]
def accounts(parent):
    for page in org.get_paginator("list_accounts_for_parent").paginate(ParentId=parent):
        yield from page["Accounts"]
    for page in org.get_paginator("list_organizational_units_for_parent").paginate(ParentId=parent):
        for unit in page["OrganizationalUnits"]:
            yield from accounts(unit["Id"])
if parents:
    found = [a for p in parents for a in accounts(p)]
else:
    found = [a for page in org.get_paginator("list_accounts").paginate() for a in page["Accounts"]]
for a in found:
    if a["Status"] == "ACTIVE" and a["Id"] != exclude:
        print(a["Id"])
"#;
    let out = std::process::Command::new(python)
        .args(["-c", SCRIPT, &parents.join(","), exclude])
        .env_clear()
        .env("AWS_ENDPOINT_URL", ctx.emulator())
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", credentials.access_key_id())
        .env("AWS_SECRET_ACCESS_KEY", credentials.secret_access_key())
        .env(
            "AWS_SESSION_TOKEN",
            credentials.session_token().unwrap_or_default(),
        )
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_organization_and_ous_select_the_active_accounts_boto3_lists() {
    crate::harness::needs_organizations();
    let management = crate::harness::accounts(&Ctx::new("org_management").await, 1).remove(0);
    let mut ctx = Ctx::in_account("org", &management).await;
    let org = Client::new(&ctx.sdk_config().await);
    org.create_organization()
        .feature_set(aws_sdk_organizations::types::OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = org.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let team = ou(&org, &root, "team").await;
    let nested = ou(&org, &team, "nested").await;
    let in_team = account(&org, "in-team", &team, &root).await;
    let in_nested = account(&org, "in-nested", &nested, &root).await;
    let at_root = account(&org, "at-root", &root, &root).await;
    let excluded = account(&org, "excluded", &team, &root).await;
    let removed = account(&org, "removed", &team, &root).await;
    org.remove_account_from_organization()
        .account_id(&removed)
        .send()
        .await
        .unwrap();
    let closed = account(&org, "closed", &nested, &root).await;
    org.close_account()
        .account_id(&closed)
        .send()
        .await
        .unwrap();
    let credentials = ctx.credentials().unwrap();
    let proxy = ctx.through_proxy().await;

    // --ou: the OU and the one nested in it; the excluded, removed and closed ones left out.
    let run = ctx.ecsrole(&[
        "check",
        "--ou",
        &team,
        "--exclude-account",
        &excluded,
        "--output",
        "json",
    ]);
    assert_eq!(
        run.code, 2,
        "drift in each (no role there), no error: {run:?}"
    );
    let got = targets(&run.stdout);
    assert_eq!(
        got,
        BTreeSet::from([in_team.clone(), in_nested.clone()]),
        "{run:?}"
    );
    let summary: serde_json::Value =
        serde_json::from_str(run.stdout.lines().last().unwrap()).unwrap();
    assert_eq!(summary["summary"]["skipped"], 1, "{summary}");
    assert_eq!(
        summary["summary"]["skipped_accounts"][0],
        serde_json::json!({"account_id": closed, "status": "SUSPENDED"})
    );
    let want = boto3(&ctx, &credentials, &[&team], &excluded);
    assert_eq!(got, want, "ecsrole and boto3 disagree");

    // --organization: every ACTIVE account, the management account included, reached
    // with the caller's own credentials (no AssumeRole for it).
    proxy.clear_log();
    let run = ctx.ecsrole(&[
        "check",
        "--organization",
        "--exclude-account",
        &excluded,
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let got = targets(&run.stdout);
    assert_eq!(
        got,
        BTreeSet::from([management.clone(), in_team, in_nested.clone(), at_root]),
        "{run:?}"
    );
    let assumed = proxy
        .qualified_log()
        .iter()
        .filter(|a| *a == "sts:AssumeRole")
        .count();
    assert_eq!(assumed, got.len() - 1, "{:?}", proxy.qualified_log());
    let want = boto3(&ctx, &credentials, &[], &excluded);
    assert_eq!(got, want, "ecsrole and boto3 disagree");

    // An OU whose every ACTIVE account is excluded: exit 1 after the listing, naming what
    // was left out; only the listing's reads were sent (no role read or write anywhere,
    // the caller's own account included).
    proxy.clear_log();
    let run = ctx.ecsrole(&["apply", "--ou", &nested, "--exclude-account", &in_nested]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("no account to run in") && run.stderr.contains("1 excluded"),
        "{run:?}"
    );
    let sent = proxy.qualified_log();
    assert!(
        sent.iter()
            .all(|a| a.starts_with("organizations:") || a == "sts:GetCallerIdentity"),
        "{sent:?}"
    );

    // Bad ids are named before any call.
    proxy.clear_log();
    let run = ctx.ecsrole(&["check", "--ou", "ou-nope"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("\"ou-nope\"") && run.stderr.contains("ou-ab12-cdef3456"),
        "{run:?}"
    );
    let run = ctx.ecsrole(&["check", "--organization", "--exclude-account", "12"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("excluded account id \"12\""), "{run:?}");
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request");
}
