//! `ecsrole permissions` and the table behind it. Every proxied test already runs ecsrole
//! under its command's rows of the table (the proxy refuses anything else and the harness
//! fails the test); this test drives every command, so that every row the code calls is
//! shown to be needed and nothing it calls is missing.

use std::collections::BTreeSet;

use ecsrole_core::command::Command;
use ecsrole_core::permissions::called_by;

use crate::harness::Ctx;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_permissions_cover_every_call_and_every_row_is_used() {
    crate::harness::needs_batch();
    let (ctx, proxy) = Ctx::proxied("perm").await;
    let fresh = crate::harness::accounts(&ctx, 1).remove(0);
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
    // With a policy of the account's own attached: its document is read (GetPolicy,
    // GetPolicyVersion), which the required AWS managed policy never is.
    let own = ctx
        .iam
        .create_policy()
        .policy_name(format!("{}-own", ctx.role))
        .policy_document(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#)
        .send()
        .await
        .unwrap()
        .policy
        .and_then(|p| p.arn)
        .unwrap();
    ctx.attach(&own).await;
    ok(&["check"], &[2]);
    ok(&["plan"], &[2]);
    ok(&["apply"], &[0]);
    ok(&["verify", "--level", "job"], &[0]);
    ok(&["verify", "--level", "instance", "--timeout", "3"], &[1]);
    ok(&["verify", "--level", "job", "--keep"], &[0]);
    // diagnose, on an environment with a launch template (its one call verify does not make).
    let diagnosed = diagnosed_environment(&ctx).await;
    let run = ctx.ecsrole_raw(&["diagnose", "--compute-environment", &diagnosed]);
    // Its service role is the instance role, which Batch cannot assume.
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("service_role_not_trusted"), "{run:?}");
    // diagnose's other reads: a waiting job's instance types (moto's jobs never wait: the
    // proxy rewrites the answer to RUNNABLE) and an UNMANAGED environment's instances.
    let (job, unmanaged) = waiting_job_and_unmanaged(&ctx, &diagnosed).await;
    proxy.rewrite("describejobs", |v: &mut serde_json::Value| {
        for j in v["jobs"].as_array_mut().into_iter().flatten() {
            j["status"] = "RUNNABLE".into();
        }
    });
    let run = ctx.ecsrole_raw(&[
        "diagnose",
        "--job",
        &job,
        "--compute-environment",
        &unmanaged,
    ]);
    assert!([0, 2].contains(&run.code), "{run:?}");
    ctx.batch
        .update_job_queue()
        .job_queue(&diagnosed)
        .state(aws_sdk_batch::types::JqState::Disabled)
        .send()
        .await
        .unwrap();
    ctx.batch
        .delete_job_queue()
        .job_queue(&diagnosed)
        .send()
        .await
        .unwrap();
    for ce in [&diagnosed, &unmanaged] {
        ctx.batch
            .delete_compute_environment()
            .compute_environment(ce)
            .send()
            .await
            .unwrap();
    }
    let cleanup = ctx.ecsrole_raw(&["cleanup"]);
    assert_eq!(cleanup.code, 0, "{cleanup:?}");
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
    // `verify --keep`'s environment still uses the profile: deleting it takes its flag.
    ok(&["destroy", "--force"], &[1]);
    ok(&["destroy", "--force", "--delete-profile-in-use"], &[0]);

    // Fleet mode over an organisation (its management account one of the test's own).
    let org_log = organization_runs(&ctx).await;

    let seen: BTreeSet<String> = proxy
        .qualified_log()
        .iter()
        .chain(&org_log)
        .map(|a| a.to_ascii_lowercase())
        .collect();
    let called: BTreeSet<String> = ecsrole_core::permissions::rows()
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

/// `check --organization` and `check --ou` in an organisation of one OU with one account
/// (SCPs enabled); the requests they made.
async fn organization_runs(ctx: &Ctx) -> Vec<String> {
    use aws_sdk_organizations::types::OrganizationFeatureSet;
    let management = crate::harness::accounts(ctx, 2).remove(1);
    let mut org_ctx = Ctx::in_account("perm_org", &management).await;
    let org = aws_sdk_organizations::Client::new(&org_ctx.sdk_config().await);
    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .unwrap();
    let root = org.list_roots().send().await.unwrap().roots()[0]
        .id()
        .unwrap()
        .to_owned();
    let unit = crate::harness::ou(&org, &root, "unit").await;
    // SCPs enabled and an account in the unit: the runs read the SCPs over its path.
    org.enable_policy_type()
        .root_id(&root)
        .policy_type(aws_sdk_organizations::types::PolicyType::ServiceControlPolicy)
        .send()
        .await
        .unwrap();
    crate::harness::account(&org, "member", &unit, &root).await;
    let proxy = org_ctx.through_proxy().await;
    for args in [&["check", "--organization"][..], &["check", "--ou", &unit]] {
        let run = org_ctx.ecsrole(args);
        // No role in the accounts (drift).
        assert!([1, 2].contains(&run.code), "{args:?}: {run:?}");
    }
    proxy.qualified_log()
}

/// A queue (named as `ce`) on `ce` with a job submitted to it, and an UNMANAGED
/// environment with an instance registered in its cluster: the job's id and the
/// environment's name.
async fn waiting_job_and_unmanaged(ctx: &Ctx, ce: &str) -> (String, String) {
    use aws_sdk_batch::types::{
        CeType, ComputeEnvironmentOrder, ContainerProperties, JobDefinitionType,
        ResourceRequirement, ResourceType,
    };
    let need = |t, v: &str| ResourceRequirement::builder().r#type(t).value(v).build();
    let role_arn = ctx
        .iam
        .get_role()
        .role_name(&ctx.role)
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_owned();
    ctx.batch
        .create_job_queue()
        .job_queue_name(ce)
        .state(aws_sdk_batch::types::JqState::Enabled)
        .priority(1)
        .compute_environment_order(
            ComputeEnvironmentOrder::builder()
                .order(1)
                .compute_environment(ce)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let def = ctx
        .batch
        .register_job_definition()
        .job_definition_name(format!("{ce}-def"))
        .r#type(JobDefinitionType::Container)
        .container_properties(
            ContainerProperties::builder()
                .image("busybox")
                .resource_requirements(need(ResourceType::Vcpu, "1"))
                .resource_requirements(need(ResourceType::Memory, "128"))
                .build(),
        )
        .send()
        .await
        .unwrap()
        .job_definition_arn()
        .unwrap()
        .to_owned();
    let job = ctx
        .batch
        .submit_job()
        .job_name("waiting")
        .job_queue(ce)
        .job_definition(&def)
        .send()
        .await
        .unwrap()
        .job_id()
        .unwrap()
        .to_owned();
    let name = format!("{ce}-um");
    let arn = ctx
        .batch
        .create_compute_environment()
        .compute_environment_name(&name)
        .r#type(CeType::Unmanaged)
        .service_role(&role_arn)
        .send()
        .await
        .unwrap()
        .compute_environment_arn()
        .unwrap()
        .to_owned();
    let cluster = crate::harness::cluster_of(&ctx.batch, &arn).await;
    let instance = crate::harness::run_instance(&crate::harness::ec2().await, None, None).await;
    crate::harness::register_instance(&ctx.ecs, &cluster, &instance).await;
    (job, name)
}

/// A compute environment with the test's instance profile and a launch template; its name.
async fn diagnosed_environment(ctx: &Ctx) -> String {
    use aws_sdk_batch::types::{CeType, ComputeResource, CrType, LaunchTemplateSpecification};
    let ec2 = crate::harness::ec2().await;
    let network = ec2.default_network().await.unwrap().unwrap();
    let template = format!("{}-lt", ctx.role);
    ec2.query_texts(
        "ec2:CreateLaunchTemplate",
        &[
            ("LaunchTemplateName", &template),
            ("LaunchTemplateData.InstanceType", "t2.micro"),
        ],
        &[
            "CreateLaunchTemplateResponse",
            "launchTemplate",
            "launchTemplateId",
        ],
    )
    .await
    .unwrap();
    let role_arn = ctx
        .iam
        .get_role()
        .role_name(&ctx.role)
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_owned();
    let name = format!("{}-diag", ctx.role);
    ctx.batch
        .create_compute_environment()
        .compute_environment_name(&name)
        .r#type(CeType::Managed)
        // moto needs a service role that exists; Batch's trust is not its concern here.
        .service_role(&role_arn)
        .compute_resources(
            ComputeResource::builder()
                .r#type(CrType::Ec2)
                .minv_cpus(0)
                .maxv_cpus(4)
                .desiredv_cpus(0)
                .instance_types("optimal")
                .set_subnets(Some(network.subnets))
                .set_security_group_ids(Some(network.security_groups))
                .instance_role(&ctx.role)
                .launch_template(
                    LaunchTemplateSpecification::builder()
                        .launch_template_name(&template)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    name
}

#[tokio::test]
async fn the_policy_is_printed_without_a_request() {
    let (ctx, proxy) = Ctx::proxied("perm_print").await;
    let all = ctx.ecsrole_raw(&["permissions"]);
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
    for row in ecsrole_core::permissions::rows() {
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

/// What parliament (pinned in the tools venv, with its community auditors, down to INFO)
/// may say about a policy `ecsrole permissions` prints, and why each is inherent in the
/// command. Any other finding fails the test. (command, issue, escalation type or "").
const EXPLAINED: &[(&str, &str, &str)] = &[
    // apply creates the role and profile, writes the trust policy, attaches the required
    // policies and passes the role to EC2; destroy deletes them; verify creates Batch's
    // service-linked role and passes roles to Batch. Each statement is scoped to the named
    // role and profile ARNs (AttachRolePolicy further by an iam:PolicyARN condition,
    // PassRole by iam:PassedToService): managing this one role is the job.
    ("apply", "PERMISSIONS_MANAGEMENT_ACTIONS", ""),
    ("destroy", "PERMISSIONS_MANAGEMENT_ACTIONS", ""),
    ("verify", "PERMISSIONS_MANAGEMENT_ACTIONS", ""),
    ("all", "PERMISSIONS_MANAGEMENT_ACTIONS", ""),
    // rescue recreates the roles and profiles stuck compute environments name, whatever
    // their names, and removes them again: role/* and instance-profile/*, but
    // AttachRolePolicy only for the ECS instance policies and AWSBatchServiceRole
    // (iam:PolicyARN) and PassRole only to EC2 (iam:PassedToService).
    ("rescue", "PERMISSIONS_MANAGEMENT_ACTIONS", ""),
    // A fleet run's own side is sts:AssumeRole, which returns credentials by design;
    // scoped to the --assume-role-name role.
    ("fleet", "CREDENTIALS_EXPOSURE", ""),
    ("all", "CREDENTIALS_EXPOSURE", ""),
    // `all` holds apply's AttachRolePolicy and UpdateAssumeRolePolicy (on the managed role
    // only) beside the fleet's sts:AssumeRole (on --assume-role-name only): Rhino's pairs
    // by action name, but the resources never meet. Granting `all` to one principal is the
    // operator's choice; the per-command policies do not pair them.
    ("all", "PRIVILEGE_ESCALATION", "AttachRolePolicy"),
    ("all", "PRIVILEGE_ESCALATION", "UpdateRolePolicyToAssumeIt"),
];

/// Every command's policy, linted by parliament the way an IAM reviewer would.
#[tokio::test]
async fn every_commands_policy_passes_parliament() {
    let ctx = Ctx::new("parliament").await;
    let python = std::env::var_os("ECSROLE_TEST_TOOLS_PYTHON")
        .expect("ECSROLE_TEST_TOOLS_PYTHON is unset: `cargo xtask test` sets it to its tools venv");
    let parliament = std::path::Path::new(&python).with_file_name("parliament");
    let mut names: Vec<&str> = Command::ALL.iter().map(|c| c.as_str()).collect();
    names.push("all");
    let mut seen = BTreeSet::new();
    for name in names {
        let policy = ctx.ecsrole_raw(&["permissions", "--command", name]);
        assert_eq!(policy.code, 0, "{policy:?}");
        let out = std::process::Command::new(&parliament)
            .args([
                "--json",
                "--minimum_severity",
                "INFO",
                "--include-community-auditors",
            ])
            .arg("--string")
            .arg(&policy.stdout)
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run parliament from the tools venv");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() || !stdout.trim().is_empty(),
            "parliament failed on {name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in stdout.lines().filter(|l| !l.trim().is_empty()) {
            let finding: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("parliament printed {line:?}: {e}"));
            let issue = finding["issue"].as_str().unwrap_or_default();
            let kind = finding["location"]["type"].as_str().unwrap_or_default();
            assert!(
                EXPLAINED.contains(&(name, issue, kind)),
                "parliament on `ecsrole permissions --command {name}`: unexplained finding {finding}\n{}",
                policy.stdout
            );
            seen.insert((name, issue.to_owned(), kind.to_owned()));
        }
    }
    // An explanation nothing needs is stale.
    for (name, issue, kind) in EXPLAINED {
        assert!(
            seen.contains(&(*name, issue.to_string(), kind.to_string())),
            "explained but not found any more: {name} {issue} {kind}"
        );
    }
}
