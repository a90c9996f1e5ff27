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
    if crate::harness::backend() == crate::harness::Backend::LocalStack {
        assert!(
            human
                .stderr
                .contains("has no Batch API (HTTP 501) in us-east-1"),
            "free LocalStack's Batch answers 501: {}",
            human.stderr
        );
    }
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

/// Tags the scene's role and profile as ecsrole's, so that only the compute environments
/// can stop destroy.
async fn owned(ctx: &Ctx) {
    let tag = || {
        aws_sdk_iam::types::Tag::builder()
            .key("managed-by")
            .value("ecsrole")
            .build()
            .unwrap()
    };
    ctx.iam
        .tag_role()
        .role_name(&ctx.role)
        .tags(tag())
        .send()
        .await
        .unwrap();
    ctx.iam
        .tag_instance_profile()
        .instance_profile_name(&ctx.role)
        .tags(tag())
        .send()
        .await
        .unwrap();
}

/// A compute environment that names the instance profile (by ARN in
/// `instanceRole`, or only through its launch template) stops destroy, named, with nothing
/// deleted; so does a Batch that cannot be read (what cannot be seen may be in use);
/// `--dry-run` says what would be deleted and what stops it, and the real run lists the
/// same; EC2 instances and launch templates with the profile stop it too; `--force`
/// overrides ownership only, `--delete-profile-in-use` what uses the profile, and each
/// override is printed.
/// In an account of its own: the test lists every compute environment there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_destroy_refuses_while_a_compute_environment_uses_the_profile() {
    use crate::harness::proxy::Fault;
    crate::harness::needs_batch();
    let s = crate::harness::Scene::new("destroy_in_use").await;
    let ctx = &s.ctx;
    owned(ctx).await;
    let before = ctx.state().await;

    // Nothing uses it: the dry run would delete it all, nothing stops it.
    let dry = ctx.ecsrole(&["destroy", "--dry-run", "--output", "json"]);
    assert_eq!(dry.code, 0, "{dry:?}");
    let plan = dry.json();
    assert_eq!(plan["refusals"], serde_json::json!([]), "{plan}");
    assert_eq!(plan["actions"].as_array().unwrap().len(), 4, "{plan}");
    assert_eq!(ctx.state().await, before, "a dry run deletes nothing");

    // Batch cannot be read (a 500 at each of the SDK's 3 attempts): refused, nothing
    // deleted.
    let seen = s
        .proxy
        .log()
        .iter()
        .filter(|a| *a == "describecomputeenvironments")
        .count();
    for nth in seen + 1..=seen + 3 {
        s.proxy
            .fail("describecomputeenvironments", nth, Fault::ServerError);
    }
    let blind = ctx.ecsrole(&["destroy"]);
    s.proxy
        .assert_fired("describecomputeenvironments", seen + 3);
    s.proxy.heal();
    assert_eq!(blind.code, 1, "{blind:?}");
    assert!(
        blind
            .stderr
            .contains("cannot tell whether something uses it")
            && blind.stderr.contains("batch:DescribeComputeEnvironments"),
        "{}",
        blind.stderr
    );
    assert_eq!(ctx.state().await, before, "nothing was deleted");

    // Only its launch template names the profile; its instanceRole is another profile.
    let r = ctx.role.clone();
    let other = format!("{r}-other");
    s.profile(&other, None).await;
    s.ec2(
        "ec2:CreateLaunchTemplate",
        &[
            ("LaunchTemplateName", "destroy-template"),
            ("LaunchTemplateData.IamInstanceProfile.Name", &r),
        ],
        &[
            "CreateLaunchTemplateResponse",
            "launchTemplate",
            "launchTemplateId",
        ],
    )
    .await;
    s.ce("by-template", &other, |c| {
        c.launch_template(
            aws_sdk_batch::types::LaunchTemplateSpecification::builder()
                .launch_template_name("destroy-template")
                .build(),
        )
    })
    .await;
    let profile_arn = ctx
        .iam
        .get_instance_profile()
        .instance_profile_name(&r)
        .send()
        .await
        .unwrap()
        .instance_profile
        .unwrap()
        .arn;
    s.ce("prod-ce", &profile_arn, |c| c).await;

    let dry = ctx.ecsrole(&["destroy", "--dry-run", "--output", "json"]);
    assert_eq!(dry.code, 1, "{dry:?}");
    let plan = dry.json();
    let refusals = plan["refusals"].as_array().unwrap();
    assert_eq!(refusals.len(), 1, "{plan}");
    assert_eq!(refusals[0]["kind"], "profile_in_use");
    let message = refusals[0]["message"].as_str().unwrap();
    assert!(
        message.contains("prod-ce (us-east-1, VALID ENABLED, instanceRole)")
            && message.contains(
                "by-template (us-east-1, VALID ENABLED, launch template destroy-template"
            ),
        "{message}"
    );
    let refused = ctx.ecsrole(&["destroy"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("prod-ce") && refused.stderr.contains("by-template"),
        "{}",
        refused.stderr
    );
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert_eq!(ctx.state().await, before, "nothing was deleted");

    let human = ctx.ecsrole(&["destroy", "--dry-run"]);
    assert_eq!(human.code, 1);
    assert!(
        human.stdout.contains("Would delete (4):") && human.stdout.contains("Stopped by (1):"),
        "{}",
        human.stdout
    );

    // Not ecsrole's either (made by hand): the real run lists every refusal its dry run
    // lists, the one about what uses the profile included, each with its own flag.
    ctx.iam
        .untag_instance_profile()
        .instance_profile_name(&r)
        .tag_keys("managed-by")
        .send()
        .await
        .unwrap();
    let before = ctx.state().await;
    let dry = ctx.ecsrole(&["destroy", "--dry-run", "--output", "json"]);
    let kinds = |v: &serde_json::Value| -> Vec<String> {
        v["refusals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["kind"].as_str().unwrap(),
                    r["overridden_by"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        kinds(&dry.json()),
        [
            "not_owned --force",
            "profile_in_use --delete-profile-in-use"
        ],
        "{dry:?}"
    );
    let refused = ctx.ecsrole(&["destroy"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("is not tagged managed-by=ecsrole")
            && refused.stderr.contains("prod-ce")
            && refused.stderr.contains("pass --delete-profile-in-use"),
        "the real run shows both refusals: {}",
        refused.stderr
    );
    let as_json = ctx.ecsrole(&["destroy", "--output", "json"]);
    assert_eq!(as_json.code, 1, "{as_json:?}");
    let error = &as_json.json()["error"];
    assert_eq!(
        error["refusals"].as_array().map(Vec::len),
        Some(2),
        "{error}"
    );
    assert!(
        !error["message"].as_str().unwrap().contains("\nerror:"),
        "one message, no human line breaks: {error}"
    );

    // An EC2 instance running with the profile is named too; --force overrides ownership,
    // never what uses the profile.
    let instance = s
        .ec2(
            "ec2:RunInstances",
            &[
                ("ImageId", "ami-03cf127a"),
                ("MinCount", "1"),
                ("MaxCount", "1"),
                ("InstanceType", "t2.micro"),
                ("IamInstanceProfile.Name", &r),
            ],
            &["RunInstancesResponse", "instancesSet", "item", "instanceId"],
        )
        .await
        .remove(0);
    // An Auto Scaling group with no instance yet, launching through a launch configuration
    // that sets the profile.
    let scaling = ctx.autoscaling().await;
    scaling
        .query_texts(
            "autoscaling:CreateLaunchConfiguration",
            &[
                ("LaunchConfigurationName", "destroy-lc"),
                ("ImageId", "ami-03cf127a"),
                ("InstanceType", "t2.micro"),
                ("IamInstanceProfile", &r),
            ],
            &[
                "CreateLaunchConfigurationResponse",
                "ResponseMetadata",
                "RequestId",
            ],
        )
        .await
        .unwrap();
    scaling
        .query_texts(
            "autoscaling:CreateAutoScalingGroup",
            &[
                ("AutoScalingGroupName", "destroy-asg"),
                ("LaunchConfigurationName", "destroy-lc"),
                ("MinSize", "0"),
                ("MaxSize", "0"),
                ("AvailabilityZones.member.1", "us-east-1a"),
            ],
            &[
                "CreateAutoScalingGroupResponse",
                "ResponseMetadata",
                "RequestId",
            ],
        )
        .await
        .unwrap();
    let forced = ctx.ecsrole(&["destroy", "--force"]);
    assert_eq!(forced.code, 1, "{forced:?}");
    assert!(
        forced.stderr.contains(
            "Auto Scaling group destroy-asg (us-east-1, via launch configuration destroy-lc)"
        ),
        "{}",
        forced.stderr
    );
    assert!(
        forced
            .stderr
            .contains(&format!("EC2 instance {instance} (us-east-1, running)"))
            && forced.stderr.contains("launch template destroy-template")
            && !forced.stderr.contains("not tagged managed-by=ecsrole"),
        "the instance and the template are named; ownership was overridden: {}",
        forced.stderr
    );
    assert_eq!(ctx.state().await, before, "nothing was deleted");

    // Both flags: deleted, and every override printed.
    let both = ctx.ecsrole(&["destroy", "--force", "--delete-profile-in-use"]);
    assert_eq!(both.code, 0, "{both:?}");
    assert!(
        both.stdout.contains("Deleted despite (2):")
            && both.stdout.contains("not_owned (overridden by --force)")
            && both
                .stdout
                .contains("profile_in_use (overridden by --delete-profile-in-use)"),
        "{}",
        both.stdout
    );
    let state = ctx.state().await;
    assert_eq!((state.trust, state.profile_roles), (None, None));
}
