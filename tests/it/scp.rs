//! Service control policies on moto's Organizations: which levels each fleet target's
//! account gets (root first, then its OUs top-down, then the account), that a run reads
//! each root's, OU's and account's list and each policy once however many accounts share
//! them, and the once-per-run note of what was not evaluated.

use aws_sdk_organizations::Client;
use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType};
use ecsrole_core::aws::{Aws, Calls};
use ecsrole_core::org::Organizations;
use ecsrole_core::partition::Partition;
use ecsrole_core::scp::Scps;
use serde_json::{Value, json};

use crate::harness::{Ctx, needs_organizations};
use crate::harness::{account, ou};

/// The SCP the tests attach to an OU: the ECS agent could not register its instance.
const DENY_REGISTER: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"NoEcsAgent","Effect":"Deny","Action":"ecs:RegisterContainerInstance","Resource":"*"}]}"#;

/// An organisation of the test's own, SCPs enabled, its management account a fresh one.
struct Org {
    /// Acts as the management account.
    ctx: Ctx,
    client: Client,
    root: String,
    management: String,
}

async fn organisation(test: &str) -> Org {
    let management = crate::harness::accounts(&Ctx::new(test).await, 1).remove(0);
    let ctx = Ctx::in_account(test, &management).await;
    let client = Client::new(&ctx.sdk_config().await);
    client
        .create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = client.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    client
        .enable_policy_type()
        .root_id(&root)
        .policy_type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    Org {
        ctx,
        client,
        root,
        management,
    }
}

/// An SCP `name` with `document`, attached to `target`; its id.
async fn attach_scp(org: &Client, name: &str, document: &str, target: &str) -> String {
    let id = org
        .create_policy()
        .name(name)
        .description("ecsrole test")
        .content(document)
        .r#type(PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap()
        .policy()
        .and_then(|p| p.policy_summary())
        .and_then(|s| s.id())
        .unwrap()
        .to_owned();
    org.attach_policy()
        .policy_id(&id)
        .target_id(target)
        .send()
        .await
        .unwrap();
    id
}

/// A fleet run's JSON lines: the targets by account id, and the last line.
fn fleet_lines(stdout: &str) -> (std::collections::BTreeMap<String, Value>, Value) {
    let mut all: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let last = all.pop().expect("a summary line");
    let targets = all
        .into_iter()
        .map(|t| (t["account_id"].as_str().unwrap().to_owned(), t))
        .collect();
    (targets, last)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_scps_on_each_accounts_path_are_read_root_first_and_once_per_run() {
    needs_organizations();
    let mut org = organisation("scp_paths").await;
    let (c, root) = (&org.client, org.root.clone());
    let team_a = ou(c, &root, "team-a").await;
    let nested = ou(c, &team_a, "nested").await;
    let team_b = ou(c, &root, "team-b").await;
    let in_a = account(c, "in-a", &team_a, &root).await;
    let in_nested = account(c, "in-nested", &nested, &root).await;
    let in_b = account(c, "in-b", &team_b, &root).await;
    let deny_id = attach_scp(c, "deny-ecs", DENY_REGISTER, &team_a).await;
    // Not in the organisation.
    let stranger = crate::harness::accounts(&org.ctx, 1).remove(0);

    // The reads, as the library makes them, on the emulator itself.
    let aws = Aws {
        config: org.ctx.sdk_config().await,
        partition: Partition::Aws,
        calls: Calls::default(),
    };
    let asked = [
        in_a.clone(),
        in_nested.clone(),
        in_b.clone(),
        org.management.clone(),
        stranger.clone(),
    ];
    let read = Organizations::new(&aws).scps(&asked).await;
    let Scps::Read { levels, outside } = &read else {
        panic!("SCPs not read: {read:?}");
    };
    assert_eq!(outside, &vec![stranger.clone()], "{read:?}");
    assert_eq!(read.of(&stranger), None);
    assert_eq!(
        levels[&org.management],
        vec![],
        "SCPs do not apply to the management account"
    );
    let names = |account: &str| -> Vec<(String, Vec<String>)> {
        levels[account]
            .iter()
            .map(|l| {
                let mut names: Vec<String> = l.policies.iter().map(|p| p.name.clone()).collect();
                names.sort();
                (l.target.clone(), names)
            })
            .collect()
    };
    let full = || vec!["FullAWSAccess".to_owned()];
    let full_and_deny = vec!["FullAWSAccess".to_owned(), "deny-ecs".to_owned()];
    assert_eq!(
        names(&in_a),
        vec![
            (format!("root {root}"), full()),
            (format!("OU {team_a} (team-a)"), full_and_deny.clone()),
            (format!("account {in_a}"), full()),
        ]
    );
    assert_eq!(
        names(&in_nested),
        vec![
            (format!("root {root}"), full()),
            (format!("OU {team_a} (team-a)"), full_and_deny),
            (format!("OU {nested} (nested)"), full()),
            (format!("account {in_nested}"), full()),
        ]
    );
    assert_eq!(
        names(&in_b),
        vec![
            (format!("root {root}"), full()),
            (format!("OU {team_b} (team-b)"), full()),
            (format!("account {in_b}"), full()),
        ],
        "an account elsewhere does not get team-a's SCP"
    );
    // The documents: the one attached, and FullAWSAccess allowing everything.
    let deny = levels[&in_a][1]
        .policies
        .iter()
        .find(|p| p.name == "deny-ecs")
        .unwrap();
    assert_eq!(deny.id, deny_id);
    assert_eq!(
        serde_json::from_str::<Value>(&deny.document).unwrap(),
        serde_json::from_str::<Value>(DENY_REGISTER).unwrap()
    );
    let full_access: Value = serde_json::from_str(&levels[&in_b][0].policies[0].document).unwrap();
    assert_eq!(
        full_access["Statement"][0]["Effect"], "Allow",
        "{full_access}"
    );
    assert_eq!(full_access["Statement"][0]["Action"], "*", "{full_access}");

    // A fleet run reads them once: each root's, OU's and account's list once, each policy
    // once, however many accounts share them (team-a is on two paths, FullAWSAccess
    // everywhere). Held to the permission table by the proxy.
    let proxy = org.ctx.through_proxy().await;
    let run = org
        .ctx
        .ecsrole(&["check", "--organization", "--output", "json"]);
    assert_eq!(
        run.code, 2,
        "no role in any account: drift, no error: {run:?}"
    );
    let log = proxy.qualified_log();
    let count = |action: &str| {
        log.iter()
            .filter(|a| *a == &format!("organizations:{action}"))
            .count()
    };
    let members = 3; // the management account's path is not read
    let ous = 3;
    assert_eq!(count("DescribeOrganization"), 1, "{log:?}");
    assert_eq!(count("ListRoots"), 1, "{log:?}");
    assert_eq!(count("ListParents"), members + ous, "{log:?}");
    assert_eq!(count("DescribeOrganizationalUnit"), ous, "{log:?}");
    assert_eq!(
        count("ListPoliciesForTarget"),
        1 + ous + members,
        "the root, each OU and each account once: {log:?}"
    );
    assert_eq!(
        count("DescribePolicy"),
        2,
        "FullAWSAccess and deny-ecs: {log:?}"
    );
    let (targets, last) = fleet_lines(&run.stdout);
    assert_eq!(targets.len(), 4, "{run:?}");
    assert_eq!(
        last["not_evaluated"],
        json!({"policies": ["RCPs", "session policies"], "why": "ecsrole does not read them"}),
        "{last}"
    );
    assert!(
        !run.stderr.contains("were not evaluated"),
        "JSON output carries the note, stderr does not: {run:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_organizations_access_the_note_is_printed_once() {
    let outsider = crate::harness::accounts(&Ctx::new("scp_none").await, 1).remove(0);
    // An account in no organisation.
    let mut ctx = Ctx::in_account("scp_none", &outsider).await;
    let target = crate::harness::accounts(&ctx, 1).remove(0);
    let proxy = ctx.through_proxy().await;
    let note_lines = |stderr: &str| {
        stderr
            .lines()
            .filter(|l| l.contains("were not evaluated"))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    let organizations_calls = |proxy: &crate::harness::proxy::Proxy| {
        proxy
            .qualified_log()
            .into_iter()
            .filter(|a| a.starts_with("organizations:"))
            .collect::<Vec<_>>()
    };

    // Not in an organisation (moto), or no Organizations API at all (free LocalStack,
    // which answers that its plan lacks it): tried once, then the note, once.
    let why = if crate::harness::backend() == crate::harness::Backend::LocalStack {
        "the endpoint has no Organizations API ("
    } else {
        "the caller's account is not in an organisation"
    };
    let run = ctx.ecsrole(&["check", "--account", &target, "--account", &outsider]);
    assert_eq!(run.code, 2, "{run:?}");
    let notes = note_lines(&run.stderr);
    assert!(
        notes.len() == 1
            && notes[0].starts_with(&format!(
                "note: SCPs, RCPs and session policies were not evaluated: {why}"
            ))
            && notes[0].ends_with("; ecsrole reads no RCPs or session policies")
            && (crate::harness::backend() != crate::harness::Backend::LocalStack
                || notes[0].contains(
                    "does not implement organizations:DescribeOrganization (HTTP 501 Not Implemented)"
                )),
        "{run:?}"
    );
    assert_eq!(
        organizations_calls(&proxy),
        vec!["organizations:DescribeOrganization"],
        "tried once per run, not once per target"
    );
    let run = ctx.ecsrole(&["check", "--account", &target, "--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let (_, last) = fleet_lines(&run.stdout);
    assert_eq!(
        last["not_evaluated"]["policies"],
        json!(["SCPs", "RCPs", "session policies"]),
        "{last}"
    );
    assert!(
        last["not_evaluated"]["why"].as_str().unwrap().contains(why),
        "{last}"
    );
    assert_eq!(note_lines(&run.stderr), Vec::<String>::new(), "{run:?}");

    // Organizations refuses (no permission): the note names the refusal, once.
    proxy.deny_json_for("DescribeOrganization", std::time::Duration::from_secs(120));
    let run = ctx.ecsrole(&["check", "--account", &target]);
    assert_eq!(run.code, 2, "a refusal is not an error of the run: {run:?}");
    assert!(proxy.hits("DescribeOrganization") >= 1, "the refusal fired");
    let notes = note_lines(&run.stderr);
    assert_eq!(notes.len(), 1, "{run:?}");
    assert!(
        notes[0].contains("access denied calling organizations:DescribeOrganization")
            && notes[0].contains("delegated administrator"),
        "{notes:?}"
    );
    proxy.heal();

    // A single account: no Organizations call, the note once.
    proxy.clear_log();
    let run = ctx.ecsrole(&["check"]);
    assert_eq!(run.code, 2, "{run:?}");
    let notes = note_lines(&run.stderr);
    assert_eq!(notes.len(), 1, "{run:?}");
    assert!(notes[0].contains("a single-account run"), "{notes:?}");
    let run = ctx.ecsrole(&["check", "--output", "json"]);
    assert_eq!(
        run.json()["not_evaluated"]["policies"],
        json!(["SCPs", "RCPs", "session policies"]),
        "{run:?}"
    );
    assert_eq!(organizations_calls(&proxy), Vec::<String>::new());
}

/// The acceptance test of SCP evaluation: needs the evaluator that judges `Actual.scps`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn orgs_an_scp_denying_ecs_registration_fails_check_for_the_accounts_under_its_ou() {
    needs_organizations();
    let mut org = organisation("scp_deny").await;
    let (c, root) = (&org.client, org.root.clone());
    let team_a = ou(c, &root, "team-a").await;
    let nested = ou(c, &team_a, "nested").await;
    let team_b = ou(c, &root, "team-b").await;
    let in_a = account(c, "in-a", &team_a, &root).await;
    let in_nested = account(c, "in-nested", &nested, &root).await;
    let in_b = account(c, "in-b", &team_b, &root).await;
    let applied = org.ctx.ecsrole(&["apply", "--organization", "-q"]);
    assert_eq!(applied.code, 0, "{applied:?}");
    let before = org
        .ctx
        .ecsrole(&["check", "--organization", "--output", "json"]);
    assert_eq!(
        before.code, 0,
        "compliant everywhere before the SCP: {before:?}"
    );

    let scp_name = "deny-ecs-agent";
    attach_scp(c, scp_name, DENY_REGISTER, &team_a).await;
    let run = org
        .ctx
        .ecsrole(&["check", "--organization", "--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let (targets, _) = fleet_lines(&run.stdout);
    for denied in [&in_a, &in_nested] {
        let t = &targets[denied.as_str()];
        assert_eq!(t["exit_code"], 2, "{t}");
        let errors: Vec<&Value> = t["result"]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .collect();
        assert!(
            errors
                .iter()
                .any(|f| f["message"].as_str().unwrap_or_default().contains(scp_name)),
            "an error finding naming the SCP {scp_name}: {t}"
        );
    }
    for fine in [&in_b, &org.management] {
        assert_eq!(targets[fine.as_str()]["exit_code"], 0, "{run:?}");
    }

    // An account under the SCP whose role does not exist yet: check names the SCP now
    // (creating the role would not help), and the fleet table says which SCP.
    let bare = account(c, "bare", &team_a, &root).await;
    let run = org
        .ctx
        .ecsrole(&["check", "--organization", "--output", "json"]);
    let (targets, _) = fleet_lines(&run.stdout);
    let codes: Vec<&str> = targets[bare.as_str()]["result"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"role_missing") && codes.contains(&"scp_denies_agent"),
        "{codes:?}"
    );
    let table = org.ctx.ecsrole(&["check", "--organization"]);
    let row = table
        .stdout
        .lines()
        .find(|l| l.contains(bare.as_str()))
        .unwrap_or_else(|| panic!("{table:?}"));
    assert!(
        row.contains("scp_denies_agent (role/") && row.contains(scp_name),
        "the row names the SCP: {row}"
    );

    // The SCPs asked for and not read (Organizations unavailable past its retries): no
    // target may say its role is compliant, nor hide the SCP that denies it; each says
    // what was not read. Played by the proxy: moto never fails so.
    let proxy = org.ctx.through_proxy().await;
    proxy.unavailable_json_for("ListPoliciesForTarget", std::time::Duration::from_secs(300));
    let run = org
        .ctx
        .ecsrole(&["check", "--organization", "--output", "json"]);
    assert!(proxy.hits("ListPoliciesForTarget") >= 1, "the fault fired");
    assert_eq!(run.code, 1, "{run:?}");
    let (targets, last) = fleet_lines(&run.stdout);
    assert_eq!(targets.len(), 5, "{run:?}");
    for (account, t) in &targets {
        assert_eq!(t["exit_code"], 1, "{account}: {t}");
        let undecided = t["result"]["undecided"].to_string();
        // The bare account's role does not exist: what is not known is whether an SCP
        // would deny it once created.
        let names = if *account == bare {
            "whether an SCP would deny the ECS agent once the role exists".to_owned()
        } else {
            format!("the SCPs over account {account}")
        };
        assert!(
            undecided.contains(&names) && undecided.contains("ServiceException"),
            "{account} names what was not read: {t}"
        );
    }
    assert!(
        last["not_evaluated"]["why"]
            .as_str()
            .unwrap_or_default()
            .starts_with("reading them failed: "),
        "{last}"
    );
    proxy.heal();
}
