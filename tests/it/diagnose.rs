//! `diagnose` against moto, each test in an account of its own (diagnose with no selector
//! reads the whole region), every run through the proxy, so each call it makes must be in
//! its permission table.
//!
//! moto produces most causes directly: a deleted profile, a profile without its role, a
//! role without the policy, a launch template with another profile, DISABLED, maxvCpus 0,
//! a deleted subnet or service role, a queue whose environment was deleted, desiredvCpus
//! with no instance registered. What it cannot (docs/emulators.md: its environments
//! are always VALID, it refuses a role ARN as instanceRole, its jobs never wait in RUNNABLE)
//! comes from the proxy rewriting moto's real answers; those tests say so.

use std::collections::HashMap;

use aws_sdk_batch::types::{
    CeState, CeType, ComputeResource, CrType, JqState, LaunchTemplateSpecification,
};
use serde_json::Value;

use crate::harness::{BATCH_TRUST, Ctx, ECS_POLICY, Scene};

/// The codes of each compute environment, queue or job (by name or id) in a JSON result.
fn codes(v: &Value) -> HashMap<String, Vec<String>> {
    let mut out = HashMap::new();
    for (list, key) in [
        ("compute_environments", "name"),
        ("job_queues", "name"),
        ("jobs", "id"),
    ] {
        for item in v[list].as_array().unwrap() {
            let codes = item["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["code"].as_str().unwrap().to_owned())
                .collect();
            out.insert(item[key].as_str().unwrap().to_owned(), codes);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_names_each_cause_moto_can_produce() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_causes").await;
    let r = s.ctx.role.clone();
    let ctx = &s.ctx;

    // Healthy.
    s.ce("healthy", &r, |c| c).await;
    // The profile deleted after the environment was made.
    s.profile(&format!("{r}-gone"), None).await;
    s.ce("profile-deleted", &format!("{r}-gone"), |c| c).await;
    ctx.iam
        .delete_instance_profile()
        .instance_profile_name(format!("{r}-gone"))
        .send()
        .await
        .unwrap();
    // The role taken out of the profile.
    s.profile(&format!("{r}-empty"), Some(&r)).await;
    s.ce("profile-empty", &format!("{r}-empty"), |c| c).await;
    ctx.iam
        .remove_role_from_instance_profile()
        .instance_profile_name(format!("{r}-empty"))
        .role_name(&r)
        .send()
        .await
        .unwrap();
    // A role without the ECS policy (detached after the fact).
    let bare = format!("{r}-bare");
    Scene::role(ctx, &bare, Ctx::trust_ec2()).await;
    ctx.iam
        .attach_role_policy()
        .role_name(&bare)
        .policy_arn(ECS_POLICY)
        .send()
        .await
        .unwrap();
    s.profile(&bare, Some(&bare)).await;
    s.ce("policy-detached", &bare, |c| c).await;
    ctx.iam
        .detach_role_policy()
        .role_name(&bare)
        .policy_arn(ECS_POLICY)
        .send()
        .await
        .unwrap();
    // A launch template that sets another profile.
    s.profile(&format!("{r}-other"), Some(&r)).await;
    let other = format!("{r}-other");
    s.ec2(
        "ec2:CreateLaunchTemplate",
        &[
            ("LaunchTemplateName", "diag-template"),
            ("LaunchTemplateData.IamInstanceProfile.Name", &other),
        ],
        &[
            "CreateLaunchTemplateResponse",
            "launchTemplate",
            "launchTemplateId",
        ],
    )
    .await;
    s.ce("template", &r, |c| {
        c.launch_template(
            LaunchTemplateSpecification::builder()
                .launch_template_name("diag-template")
                .build(),
        )
    })
    .await;
    // DISABLED; maxvCpus 0.
    s.ce_with("disabled", &r, CeState::Disabled, &s.service_role, |c| c)
        .await;
    s.ce("no-vcpus", &r, |c| c.maxv_cpus(0)).await;
    // A subnet deleted after the environment was made.
    let vpc = s
        .ec2(
            "ec2:DescribeSubnets",
            &[("SubnetId.1", &s.subnet)],
            &["DescribeSubnetsResponse", "subnetSet", "item", "vpcId"],
        )
        .await
        .remove(0);
    let doomed = s
        .ec2(
            "ec2:CreateSubnet",
            &[("VpcId", &vpc), ("CidrBlock", "172.31.200.0/24")],
            &["CreateSubnetResponse", "subnet", "subnetId"],
        )
        .await
        .remove(0);
    s.ce("subnet-deleted", &r, |c| {
        c.set_subnets(Some(vec![doomed.clone()]))
    })
    .await;
    s.ec2(
        "ec2:DeleteSubnet",
        &[("SubnetId", &doomed)],
        &["DeleteSubnetResponse", "return"],
    )
    .await;
    // A service role deleted, one that trusts EC2 instead of Batch.
    let gone_svc = Scene::role(ctx, &format!("{r}-svc-gone"), BATCH_TRUST).await;
    s.ce_with(
        "service-role-deleted",
        &r,
        CeState::Enabled,
        &gone_svc,
        |c| c,
    )
    .await;
    ctx.iam
        .delete_role()
        .role_name(format!("{r}-svc-gone"))
        .send()
        .await
        .unwrap();
    let ec2_svc = Scene::role(ctx, &format!("{r}-svc-ec2"), Ctx::trust_ec2()).await;
    s.ce_with(
        "service-role-untrusted",
        &r,
        CeState::Enabled,
        &ec2_svc,
        |c| c,
    )
    .await;
    // Capacity wanted, nothing registers (moto's instances carry no profile: none of them
    // counts as the environment's own).
    s.ce("no-registration", &r, |c| c.desiredv_cpus(1)).await;
    // A queue whose only environment was deleted; a DISABLED queue.
    let doomed_ce = s.ce("deleted", &r, |c| c).await;
    s.queue("orphan", &doomed_ce, JqState::Enabled).await;
    ctx.batch
        .delete_compute_environment()
        .compute_environment("deleted")
        .send()
        .await
        .unwrap();
    s.queue("paused", "healthy", JqState::Disabled).await;

    let run = s.diagnose(&["--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    let got = codes(&run.json());
    let want: &[(&str, &[&str])] = &[
        ("healthy", &[]),
        ("profile-deleted", &["instance_profile_not_found"]),
        ("profile-empty", &["instance_profile_missing_role"]),
        ("policy-detached", &["managed_policy_not_attached"]),
        ("template", &["launch_template_profile_ignored"]),
        ("disabled", &["compute_environment_disabled"]),
        ("no-vcpus", &["compute_environment_max_vcpus_zero"]),
        ("subnet-deleted", &["subnet_missing"]),
        ("service-role-deleted", &["service_role_missing"]),
        ("service-role-untrusted", &["service_role_not_trusted"]),
        ("no-registration", &["instances_not_registered"]),
        ("orphan", &["job_queue_no_compute_environment"]),
        ("paused", &["job_queue_disabled"]),
    ];
    for (name, codes) in want {
        assert_eq!(
            got.get(*name).map(Vec::as_slice),
            Some(&codes.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>()[..]),
            "{name}: {got:?}"
        );
    }
    assert_eq!(got.len(), want.len(), "{got:?}");
    // Read-only: every request it made was a Describe, Get or List.
    let log = s.proxy.log();
    assert!(
        log.iter()
            .all(|a| ["Describe", "Get", "List", "describe", "get", "list"]
                .iter()
                .any(|p| a.starts_with(p))),
        "{log:?}"
    );
    let human = s.diagnose(&[]);
    assert_eq!(human.code, 2);
    ctx.settings()
        .bind(|| insta::assert_snapshot!("diagnose_causes", human.transcript()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_selects_and_exits_by_what_it_finds() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_select").await;
    let r = s.ctx.role.clone();
    let ok = s.ce("fine", &r, |c| c).await;
    s.queue("fine-queue", &ok, JqState::Enabled).await;
    s.ce_with("off", &r, CeState::Disabled, &s.service_role, |c| c)
        .await;

    // Healthy, by name and by ARN; the queue brings its environment.
    for args in [
        &["--compute-environment", "fine"][..],
        &["--compute-environment", &ok],
        &["--job-queue", "fine-queue"],
    ] {
        let run = s.diagnose(&[args, &["--output", "json"][..]].concat());
        assert_eq!(run.code, 0, "{args:?}: {run:?}");
        let v = run.json();
        assert_eq!(v["compute_environments"][0]["name"], "fine", "{v}");
        assert_eq!(v["compute_environments"].as_array().unwrap().len(), 1);
    }
    // A warning alone exits 0.
    let run = s.diagnose(&["--compute-environment", "off"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.contains("compute_environment_disabled"),
        "{run:?}"
    );
    // A region with nothing in it is said plainly, with the account and region read.
    let empty = s.diagnose(&["--region", "eu-west-1"]);
    assert_eq!(empty.code, 0, "{empty:?}");
    let place = format!("account {}, region eu-west-1", s.account);
    assert!(
        empty.stdout.contains(&place)
            && empty.stdout.contains("nothing to diagnose here")
            && !empty.stdout.contains("no error")
            && empty.stderr.contains("warning:"),
        "{empty:?}"
    );
    // What does not exist is named, exit 1, before any judgement.
    let run = s.diagnose(&["--compute-environment", "nosuch"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr
            .contains("no compute environment \"nosuch\" in this account and region"),
        "{run:?}"
    );
    let run = s.diagnose(&["--job", "00000000-0000-0000-0000-000000000000"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("no job"), "{run:?}");
    // A job brings its queue and its environment.
    let def = s.definition().await;
    let job = s
        .ctx
        .batch
        .submit_job()
        .job_name("diag-job")
        .job_queue("fine-queue")
        .job_definition(&def)
        .send()
        .await
        .unwrap();
    let id = job.job_id().unwrap();
    let run = s.diagnose(&["--job", id, "--output", "json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let v = run.json();
    assert_eq!(v["jobs"][0]["id"], id);
    assert_eq!(v["job_queues"][0]["name"], "fine-queue");
    assert_eq!(v["compute_environments"][0]["name"], "fine");
}

/// diagnose judges the role a compute environment's profile holds as check judges it: its
/// inline policies and its permissions boundary are read and evaluated, so a role check
/// fails never passes here (an inline Deny of ecs:*, then a boundary without ecs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_judges_the_role_as_check_does() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_as_check").await;
    let r = s.ctx.role.clone();
    s.ce("denied-ce", &r, |c| c).await;
    let statement = |effect: &str, action: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"*"}}]}}"#
        )
    };
    s.ctx
        .iam
        .put_role_policy()
        .role_name(&r)
        .policy_name("no-ecs")
        .policy_document(statement("Deny", "ecs:*"))
        .send()
        .await
        .unwrap();
    let both = |why: &str| {
        let check = s.ctx.ecsrole(&["check", "--output", "json"]);
        let run = s.diagnose(&["--compute-environment", "denied-ce", "--output", "json"]);
        assert_eq!((check.code, run.code), (2, 2), "{why}: {check:?} {run:?}");
        let of_check: Vec<String> = check.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["code"].as_str().map(str::to_owned))
            .collect();
        assert!(
            of_check.contains(&"agent_permission_denied".to_owned()),
            "{why}: {check:?}"
        );
        let v = run.json();
        assert!(
            codes(&v)["denied-ce"].contains(&"agent_permission_denied".to_owned()),
            "{why}: {v}"
        );
        let text = s.diagnose(&["--compute-environment", "denied-ce"]);
        assert!(text.stdout.contains(why), "{why}: {text:?}");
    };
    both("no-ecs");
    // A boundary that allows only S3, the inline Deny gone.
    s.ctx
        .iam
        .delete_role_policy()
        .role_name(&r)
        .policy_name("no-ecs")
        .send()
        .await
        .unwrap();
    let boundary = s
        .ctx
        .iam
        .create_policy()
        .policy_name(format!("{r}-s3only"))
        .policy_document(statement("Allow", "s3:*"))
        .send()
        .await
        .unwrap()
        .policy
        .unwrap()
        .arn
        .unwrap();
    s.ctx
        .iam
        .put_role_permissions_boundary()
        .role_name(&r)
        .permissions_boundary(&boundary)
        .send()
        .await
        .unwrap();
    both("permissions boundary");
}

/// moto refuses a role ARN as instanceRole and is always VALID: the proxy rewrites its
/// DescribeComputeEnvironments answer into what AWS gives for that mistake.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_explains_an_invalid_environment_proxy_rewritten() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_invalid").await;
    let r = s.ctx.role.clone();
    s.ce("broken", &r, |c| c).await;
    let role_arn = s
        .ctx
        .iam
        .get_role()
        .role_name(&r)
        .send()
        .await
        .unwrap()
        .role()
        .unwrap()
        .arn()
        .to_owned();
    s.proxy
        .rewrite("describecomputeenvironments", move |v: &mut Value| {
            for ce in v["computeEnvironments"].as_array_mut().unwrap() {
                ce["status"] = "INVALID".into();
                ce["statusReason"] =
                    "CLIENT_ERROR - The ECS Instance Role should be an ECS Instance Profile ARN."
                        .into();
                ce["computeResources"]["instanceRole"] = role_arn.clone().into();
            }
        });
    let run = s.diagnose(&["--compute-environment", "broken", "--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    s.proxy.assert_fired("describecomputeenvironments", 1);
    let v = run.json();
    let findings = &v["compute_environments"][0]["findings"];
    assert_eq!(findings[0]["code"], "compute_environment_invalid", "{v}");
    assert_eq!(
        findings[0]["explained_by"],
        serde_json::json!(["instance_role_is_a_role"]),
        "{v}"
    );
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("should be an ECS Instance Profile ARN"),
        "{v}"
    );
    assert_eq!(findings[1]["code"], "instance_role_is_a_role", "{v}");
    let human = s.diagnose(&["--compute-environment", "broken"]);
    s.ctx
        .settings()
        .bind(|| insta::assert_snapshot!("diagnose_invalid", human.transcript()));

    // Fleet mode: this account and an empty one; the exit code is the worst target's.
    let empty = crate::harness::accounts(&Ctx::new("diag_invalid_empty").await, 1).remove(0);
    let run = s.diagnose(&[
        "--account",
        &s.account,
        "--account",
        &empty,
        "--output",
        "json",
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(
        (&summary["targets"], &summary["drift"], &summary["ok"]),
        (&2.into(), &1.into(), &1.into()),
        "{}",
        run.stdout
    );
    let broken = lines
        .iter()
        .find(|l| l["account_id"] == s.account.as_str())
        .unwrap();
    assert_eq!(
        broken["result"]["compute_environments"][0]["findings"][0]["code"],
        "compute_environment_invalid"
    );
}

/// Jobs in moto never wait: the proxy rewrites DescribeJobs into a RUNNABLE job with
/// Batch's reason and a need of 64 vCPUs against the environment's 4.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_explains_a_runnable_job_proxy_rewritten() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_runnable").await;
    let r = s.ctx.role.clone();
    let ce = s.ce("small", &r, |c| c).await;
    s.queue("small-queue", &ce, JqState::Enabled).await;
    let def = s.definition().await;
    let id = s
        .ctx
        .batch
        .submit_job()
        .job_name("big")
        .job_queue("small-queue")
        .job_definition(&def)
        .send()
        .await
        .unwrap()
        .job_id()
        .unwrap()
        .to_owned();
    s.proxy.rewrite("describejobs", |v: &mut Value| {
        for j in v["jobs"].as_array_mut().unwrap() {
            j["status"] = "RUNNABLE".into();
            j["statusReason"] =
                "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - CE(s) associated with the job queue cannot meet the CPU requirement of the job.".into();
            j["container"]["resourceRequirements"] =
                serde_json::json!([{"type": "VCPU", "value": "64"}, {"type": "MEMORY", "value": "1024"}]);
        }
    });
    let run = s.diagnose(&["--job", &id, "--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    s.proxy.assert_fired("describejobs", 1);
    let v = run.json();
    assert_eq!(
        codes(&v).get(&id).cloned().unwrap_or_default(),
        ["job_runnable", "job_needs_exceed_capacity"],
        "{v}"
    );
    assert_eq!(v["jobs"][0]["findings"][0]["severity"], "error");
    let human = s.diagnose(&["--job", &id]);
    s.ctx
        .settings()
        .bind(|| insta::assert_snapshot!("diagnose_runnable", human.transcript()));
}

/// Instances launched as Batch would (tagged with the environment's computeResources.tags):
/// one with the environment's profile that has outrun the registration allowance, one with
/// another profile. moto registers nothing, as an instance whose role falls short.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_sees_instances_that_never_register() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_instances").await;
    let r = s.ctx.role.clone();
    s.profile(&format!("{r}-stale"), Some(&r)).await;
    s.ce("tagged", &r, |c| {
        c.desiredv_cpus(1)
            .tags("team", "diag")
            .set_subnets(Some(vec![s.subnet.clone()]))
    })
    .await;
    let arn_of = |name: String| {
        let iam = s.ctx.iam.clone();
        async move {
            iam.get_instance_profile()
                .instance_profile_name(name)
                .send()
                .await
                .unwrap()
                .instance_profile()
                .unwrap()
                .arn()
                .to_owned()
        }
    };
    let own = arn_of(r.clone()).await;
    let stale = arn_of(format!("{r}-stale")).await;
    for profile in [&own, &stale] {
        s.ec2(
            "ec2:RunInstances",
            &[
                ("ImageId", "ami-03cf127a"),
                ("MinCount", "1"),
                ("MaxCount", "1"),
                ("InstanceType", "t2.micro"),
                ("SubnetId", &s.subnet),
                ("IamInstanceProfile.Arn", profile),
                ("TagSpecification.1.ResourceType", "instance"),
                ("TagSpecification.1.Tag.1.Key", "team"),
                ("TagSpecification.1.Tag.1.Value", "diag"),
            ],
            &["RunInstancesResponse", "instancesSet", "item", "instanceId"],
        )
        .await;
    }
    // Within the allowance only the other profile is wrong.
    let run = s.diagnose(&["--output", "json"]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(
        codes(&run.json())["tagged"],
        ["instance_profile_mismatch"],
        "{run:?}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let run = s.diagnose(&["--registration-allowance", "0", "--output", "json"]);
    let v = run.json();
    assert_eq!(
        codes(&v)["tagged"],
        ["instance_profile_mismatch", "instances_not_registered"],
        "{v}"
    );
    let message = v["compute_environments"][0]["findings"][1]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains(&own) && message.contains("likely causes"),
        "{message}"
    );
}

/// On moto: a Fargate environment has no role finding (identity
/// `none`), an `ECS_AL2` one has the image warning, a healthy default-subnet `ECS_AL2023`
/// one has neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_judges_each_environment_kind_and_image() {
    use aws_sdk_batch::types::Ec2Configuration;
    crate::harness::needs_batch();
    let s = Scene::new("diag_kinds").await;
    let r = s.ctx.role.clone();
    let image = |t: &str| Ec2Configuration::builder().image_type(t).build();
    s.ce("al2", &r, |c| c.ec2_configuration(image("ECS_AL2")))
        .await;
    s.ce("al2023", &r, |c| c.ec2_configuration(image("ECS_AL2023")))
        .await;
    s.ctx
        .batch
        .create_compute_environment()
        .compute_environment_name("fargate")
        .r#type(CeType::Managed)
        .service_role(&s.service_role)
        .compute_resources(
            ComputeResource::builder()
                .r#type(CrType::Fargate)
                .maxv_cpus(4)
                .subnets(&s.subnet)
                .security_group_ids(&s.group)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let run = s.diagnose(&["--output", "json"]);
    let json = run.json();
    let by = codes(&json);
    assert_eq!(by["al2"], ["image_end_of_support"], "{json}");
    assert_eq!(by["al2023"], Vec::<String>::new(), "{json}");
    assert_eq!(by["fargate"], Vec::<String>::new(), "{json}");
    let identity = |name: &str| {
        json["compute_environments"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["identity"]
            .clone()
    };
    assert_eq!(identity("fargate"), "none");
    assert_eq!(identity("al2023"), "instance_profile");
    assert_eq!(run.code, 0, "warnings only: {run:?}");
}

/// On moto, directly (moto models VPCs, route tables, endpoints, security group rules and
/// network ACLs): an environment in a subnet with only its `local` route
/// is `subnet_no_route_out` naming the subnet and its route table; with every VPC endpoint
/// ECS needs it has no finding; a security group without 443 out and an ACL rule denying it
/// are findings of their own. The default-subnet environment (made AWS-like: an internet
/// gateway route) has none throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_judges_the_network() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_net").await;
    let ec2 = s.ctx.ec2().await;
    let one = |action: &'static str,
               params: Vec<(&'static str, String)>,
               path: Vec<&'static str>| {
        let ec2 = ec2.clone();
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let got = ec2.query_texts(action, &params, &path).await.unwrap();
            got.into_iter()
                .next()
                .unwrap_or_else(|| panic!("{action}: nothing at {path:?}"))
        }
    };
    let crate::harness::ClosedNetwork {
        vpc,
        subnet,
        group,
        table,
    } = crate::harness::closed_network(&ec2).await;
    let r = s.ctx.role.clone();
    s.ce("public", &r, |c| c).await;
    let (sub, grp) = (subnet.clone(), group.clone());
    s.ce("private", &r, move |c| {
        c.set_subnets(Some(vec![sub]))
            .set_security_group_ids(Some(vec![grp]))
    })
    .await;

    let run = s.diagnose(&["--output", "json"]);
    let json = run.json();
    let by = codes(&json);
    assert_eq!(by["public"], Vec::<String>::new(), "{json}");
    assert_eq!(by["private"], ["subnet_no_route_out"], "{json}");
    let finding = json["compute_environments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "private")
        .unwrap()["findings"][0]
        .clone();
    assert_eq!(finding["resource"], format!("subnet/{subnet}"), "{finding}");
    let message = finding["message"].as_str().unwrap();
    assert!(
        message.contains(&table) && message.contains("ecs-agent"),
        "{message}"
    );
    assert_eq!(run.code, 2, "{run:?}");

    // Every endpoint ECS needs: interface endpoints with private DNS, S3 on the table.
    for service in ecsrole_batch::network::INTERFACE_SERVICES {
        one(
            "ec2:CreateVpcEndpoint",
            vec![
                ("VpcId", vpc.clone()),
                ("ServiceName", format!("com.amazonaws.us-east-1.{service}")),
                ("VpcEndpointType", "Interface".into()),
                ("PrivateDnsEnabled", "true".into()),
                ("SubnetId.1", subnet.clone()),
            ],
            vec!["CreateVpcEndpointResponse", "vpcEndpoint", "vpcEndpointId"],
        )
        .await;
    }
    one(
        "ec2:CreateVpcEndpoint",
        vec![
            ("VpcId", vpc.clone()),
            ("ServiceName", "com.amazonaws.us-east-1.s3".into()),
            ("VpcEndpointType", "Gateway".into()),
            ("RouteTableId.1", table.clone()),
        ],
        vec!["CreateVpcEndpointResponse", "vpcEndpoint", "vpcEndpointId"],
    )
    .await;
    let run = s.diagnose(&["--output", "json"]);
    let json = run.json();
    assert_eq!(codes(&json)["private"], Vec::<String>::new(), "{json}");

    // The group allows nothing out; then a network ACL rule denies 443 out.
    one(
        "ec2:RevokeSecurityGroupEgress",
        vec![
            ("GroupId", group.clone()),
            ("IpPermissions.1.IpProtocol", "-1".into()),
            ("IpPermissions.1.IpRanges.1.CidrIp", "0.0.0.0/0".into()),
        ],
        vec!["RevokeSecurityGroupEgressResponse", "return"],
    )
    .await;
    let acl = one(
        "ec2:DescribeNetworkAcls",
        vec![
            ("Filter.1.Name", "vpc-id".into()),
            ("Filter.1.Value.1", vpc.clone()),
        ],
        vec![
            "DescribeNetworkAclsResponse",
            "networkAclSet",
            "item",
            "networkAclId",
        ],
    )
    .await;
    // Its answer holds nothing to read (moto's has no <return>): sent for its effect.
    ec2.query_texts(
        "ec2:CreateNetworkAclEntry",
        &[
            ("NetworkAclId", acl.as_str()),
            ("RuleNumber", "50"),
            ("Protocol", "6"),
            ("RuleAction", "deny"),
            ("Egress", "true"),
            ("CidrBlock", "0.0.0.0/0"),
            ("PortRange.From", "443"),
            ("PortRange.To", "443"),
        ],
        &["CreateNetworkAclEntryResponse", "return"],
    )
    .await
    .unwrap();
    let run = s.diagnose(&["--output", "json"]);
    let json = run.json();
    let mut got = codes(&json)["private"].clone();
    got.sort();
    assert_eq!(
        got,
        ["network_acl_blocks_https", "security_group_blocks_https"],
        "{json}"
    );
    assert_eq!(codes(&json)["public"], Vec::<String>::new(), "{json}");
    assert!(
        json.to_string().contains(&format!("network-acl/{acl}")),
        "{json}"
    );
}

/// moto does not model `ECS_MANAGED_INSTANCES` (docs/emulators.md): the proxy rewrites
/// moto's real answer for an EC2 environment into one of that kind whose
/// `ec2InstanceProfileArn` holds a role with the ECS EC2 policy instead of the managed
/// instances one, and whose infrastructure role is trusted by Batch, not ECS. Both are
/// errors (the first naming both policies).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_judges_a_managed_instances_role_proxy_rewritten() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_mi").await;
    let role = format!("ecsInstanceRole-{}", s.ctx.role);
    Scene::role(&s.ctx, &role, crate::harness::Ctx::trust_ec2()).await;
    s.ctx
        .iam
        .attach_role_policy()
        .role_name(&role)
        .policy_arn(ECS_POLICY)
        .send()
        .await
        .unwrap();
    s.profile(&role, Some(&role)).await;
    let profile_arn = crate::harness::profile_arn_of(&s.ctx.iam, &role).await;
    let r = s.ctx.role.clone();
    s.ce("managed", &r, |c| c).await;
    let arn = profile_arn.clone();
    // Its infrastructure role: the scene's service role, trusted by Batch, not by ECS.
    let infrastructure = s.service_role.clone();
    s.proxy
        .rewrite("describecomputeenvironments", move |v: &mut Value| {
            for ce in v["computeEnvironments"].as_array_mut().unwrap() {
                let c = &mut ce["computeResources"];
                c["type"] = "ECS_MANAGED_INSTANCES".into();
                c.as_object_mut().unwrap().remove("instanceRole");
                c["managedInstancesProvider"] = serde_json::json!({
                    "instanceLaunchTemplate": {"ec2InstanceProfileArn": arn},
                    "infrastructureRoleArn": infrastructure,
                });
            }
        });
    let run = s.diagnose(&["--output", "json"]);
    s.proxy.assert_fired("describecomputeenvironments", 1);
    let json = run.json();
    let ce = &json["compute_environments"][0];
    assert_eq!(ce["identity"], "managed_instances_profile", "{json}");
    let findings = ce["findings"].as_array().unwrap();
    let missing = findings
        .iter()
        .find(|f| f["code"] == "managed_instances_policy_missing")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(missing["severity"], "error");
    assert_eq!(missing["resource"], format!("role/{role}"));
    let m = missing["message"].as_str().unwrap();
    assert!(
        m.contains("AmazonECSInstanceRolePolicyForManagedInstances")
            && m.contains("AmazonEC2ContainerServiceforEC2Role"),
        "{m}"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f["code"] == "managed_instances_role_name"),
        "{json}"
    );
    let untrusted = findings
        .iter()
        .find(|f| f["code"] == "infrastructure_role_not_trusted")
        .unwrap_or_else(|| panic!("{json}"));
    assert!(
        untrusted["message"]
            .as_str()
            .unwrap()
            .contains("ecs.amazonaws.com")
    );
    assert_eq!(run.code, 2, "{run:?}");
}

/// A waiting job is judged against the instance types its queue's
/// environments allow, sized by moto's `DescribeInstanceTypes`: 16 GiB does not fit an
/// `m5.large` (8 GiB) though `maxvCpus` is ample; 4 GiB does. moto's jobs never wait: the
/// proxy rewrites DescribeJobs into RUNNABLE jobs with those needs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_weighs_a_jobs_needs_against_the_instance_types_proxy_rewritten() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_types").await;
    let r = s.ctx.role.clone();
    let ce = s
        .ce("m5l", &r, |c| {
            c.set_instance_types(Some(vec!["m5.large".into()]))
                .maxv_cpus(16)
        })
        .await;
    s.queue("m5-queue", &ce, JqState::Enabled).await;
    let def = s.definition().await;
    let mut ids = vec![];
    for name in ["fat", "thin"] {
        let id = s
            .ctx
            .batch
            .submit_job()
            .job_name(name)
            .job_queue("m5-queue")
            .job_definition(&def)
            .send()
            .await
            .unwrap()
            .job_id()
            .unwrap()
            .to_owned();
        ids.push(id);
    }
    s.proxy.rewrite("describejobs", |v: &mut Value| {
        for j in v["jobs"].as_array_mut().unwrap() {
            let memory = if j["jobName"] == "fat" {
                "16384"
            } else {
                "4096"
            };
            j["status"] = "RUNNABLE".into();
            j["statusReason"] = "".into();
            j["container"]["resourceRequirements"] = serde_json::json!([
                {"type": "VCPU", "value": "2"}, {"type": "MEMORY", "value": memory}
            ]);
        }
    });
    let run = s.diagnose(&["--job", &ids[0], "--job", &ids[1], "--output", "json"]);
    s.proxy.assert_fired("describejobs", 1);
    let v = run.json();
    let by = codes(&v);
    assert_eq!(
        by[&ids[0]],
        ["job_runnable", "job_needs_exceed_capacity"],
        "{v}"
    );
    assert_eq!(by[&ids[1]], ["job_runnable"], "{v}");
    let fat = v["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == ids[0].as_str())
        .unwrap();
    let m = fat["findings"][1]["message"].as_str().unwrap();
    assert!(
        m.contains("2 vCPUs, 16384 MiB")
            && m.contains("m5.large (2 vCPUs, 8192 MiB, 0 GPUs)")
            && m.contains("maxvCpus 16"),
        "{m}"
    );
    assert_eq!(run.code, 2, "{run:?}");
    assert!(
        s.proxy.log().iter().any(|a| a == "DescribeInstanceTypes"),
        "{:?}",
        s.proxy.log()
    );
}

/// On moto: an UNMANAGED environment's instances are the user's; those
/// registered in its ECS cluster are judged by the profile they run with: one without a
/// profile, one whose profile's role lacks the ECS policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_judges_an_unmanaged_environments_instances() {
    crate::harness::needs_batch();
    let s = Scene::new("diag_unmanaged").await;
    let bare = format!("{}-bare", s.ctx.role);
    Scene::role(&s.ctx, &bare, crate::harness::Ctx::trust_ec2()).await;
    s.profile(&bare, Some(&bare)).await;
    let arn = s
        .ctx
        .batch
        .create_compute_environment()
        .compute_environment_name("mine")
        .r#type(CeType::Unmanaged)
        .service_role(&s.service_role)
        .send()
        .await
        .unwrap()
        .compute_environment_arn()
        .unwrap()
        .to_owned();
    let cluster = crate::harness::cluster_of(&s.ctx.batch, &arn).await;
    let profile_arn = crate::harness::profile_arn_of(&s.ctx.iam, &bare).await;
    let mut ids = vec![];
    let ec2 = s.ctx.ec2().await;
    for profile in [None, Some(profile_arn.as_str())] {
        let id = crate::harness::run_instance(&ec2, None, profile).await;
        crate::harness::register_instance(&s.ctx.ecs, &cluster, &id).await;
        ids.push(id);
    }
    let run = s.diagnose(&["--compute-environment", "mine", "--output", "json"]);
    let json = run.json();
    let ce = &json["compute_environments"][0];
    assert_eq!(ce["identity"], "yours", "{json}");
    let findings = ce["findings"].as_array().unwrap();
    let none = findings
        .iter()
        .find(|f| f["code"] == "unmanaged_instance_no_profile")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(none["resource"], format!("instance/{}", ids[0]));
    let policy = findings
        .iter()
        .find(|f| f["code"] == "managed_policy_not_attached")
        .unwrap_or_else(|| panic!("{json}"));
    assert!(
        policy["message"].as_str().unwrap().contains(&ids[1]),
        "{policy}"
    );
    assert_eq!(run.code, 2, "{run:?}");
}
