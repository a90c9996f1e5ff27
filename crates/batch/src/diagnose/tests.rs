//! The judgements moto cannot produce, on facts built by hand (the integration tests in
//! tests/it/diagnose.rs cover the reads and what moto can produce).

use std::collections::{HashMap, HashSet};
use std::time::{Duration, SystemTime};

use aws_sdk_batch::types::JobStatus;
use ecsrole_core::Partition;
use ecsrole_core::state::{ProfileState, RoleState};

use super::read::{Facts, ProfileRead, RoleRead, profile_name};
use super::*;
use crate::api::{Compute, Described, Job, Kind, State, Status};
use crate::ec2::Instance;
use ecsrole_core::Severity;

const PROFILE_ARN: &str = "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole";
const CLUSTER: &str = "arn:aws:ecs:us-east-1:123456789012:cluster/ce_Batch_1";

fn ce(name: &str) -> Described {
    Described {
        name: name.into(),
        arn: format!("arn:aws:batch:us-east-1:123456789012:compute-environment/{name}"),
        status: Status::Valid,
        status_reason: String::new(),
        state: State::Enabled,
        ecs_cluster_arn: Some(CLUSTER.into()),
        tags: HashMap::new(),
        service_role: None,
        compute: Some(Compute {
            managed: true,
            kind: Kind::Ec2,
            instance_role: Some("ecsInstanceRole".into()),
            subnets: vec!["subnet-1".into()],
            security_groups: vec!["sg-1".into()],
            max_vcpus: Some(4),
            desired_vcpus: Some(0),
            ..Compute::default()
        }),
        environments: vec![],
        eks: false,
    }
}

fn facts(environments: Vec<Described>) -> Facts {
    let trust = ecsrole_core::trust::ec2_trust_policy(Partition::Aws);
    Facts {
        environments,
        queues: vec![],
        jobs: vec![],
        profiles: HashMap::from([(
            "ecsInstanceRole".to_owned(),
            ProfileRead::Found(ProfileState {
                arn: PROFILE_ARN.into(),
                path: "/".into(),
                created: None,
                roles: vec!["ecsInstanceRole".into()],
                tags: vec![],
            }),
        )]),
        roles: HashMap::from([(
            "ecsInstanceRole".to_owned(),
            RoleRead {
                role: Some(RoleState {
                    arn: "arn:aws:iam::123456789012:role/ecsInstanceRole".into(),
                    path: "/".into(),
                    created: None,
                    trust_policy: trust,
                    tags: vec![],
                    permissions_boundary: None,
                }),
                attached: vec![Partition::Aws.ecs_instance_policy_arn()],
                policies: vec![],
            },
        )]),
        network: crate::network::NetworkFacts::default(),
        instance_types: vec![],
        unmanaged: HashMap::new(),
        region: "us-east-1".into(),
        service_roles: HashMap::new(),
        service_linked_role: Some(Some(
            "arn:aws:iam::123456789012:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch".into(),
        )),
        templates: HashMap::new(),
        subnets: HashSet::from(["subnet-1".to_owned()]),
        security_groups: HashSet::from(["sg-1".to_owned()]),
        registered: HashMap::new(),
        instances: vec![],
        now: SystemTime::now(),
        scps: None,
        scps_failed: None,
    }
}

fn options() -> DiagnoseOptions {
    DiagnoseOptions {
        selection: Selection::default(),
        policies: vec![Partition::Aws.ecs_instance_policy_arn()],
        registration_allowance: Duration::from_secs(300),
        concurrency: 4,
        scps: None,
        scps_failed: None,
        hint: ecsrole_core::Hint::default(),
    }
}

fn codes(d: &Diagnosis) -> Vec<(&'static str, Severity)> {
    d.findings()
        .map(|(_, f)| (f.code.as_str(), f.severity))
        .collect()
}

#[test]
fn a_healthy_environment_has_no_finding() {
    let d = judge(&facts(vec![ce("ok")]), &options(), Partition::Aws);
    assert_eq!(codes(&d), []);
    assert_eq!((d.errors, d.warnings), (0, 0));
}

/// The role is judged as check judges it: its inline policies, and the SCPs when the run
/// read them; what check cannot decide is undecided here too, never "no finding".
#[test]
fn the_role_is_judged_with_its_policies_and_the_scps() {
    use ecsrole_core::state::{PolicySource, PolicyText, RolePolicy, Scp, ScpLevel};
    let doc = |effect: &str, action: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"*"}}]}}"#
        )
    };
    let mut f = facts(vec![ce("ce")]);
    let role = f.roles.get_mut("ecsInstanceRole").unwrap();
    role.policies = vec![RolePolicy {
        source: PolicySource::Inline {
            name: "no-ecs".into(),
        },
        text: PolicyText::Read(doc("Deny", "ecs:*")),
    }];
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(codes(&d), [("agent_permission_denied", Severity::Error)]);
    assert!(
        d.compute_environments[0].findings[0]
            .message
            .contains("no-ecs")
    );

    let mut f = facts(vec![ce("ce")]);
    let level = |policies: Vec<Scp>| ScpLevel {
        target: "root r-1".into(),
        policies,
    };
    let scp = |name: &str, document: String| Scp {
        id: format!("p-{name}"),
        name: name.into(),
        document,
    };
    f.scps = Some(vec![level(vec![
        scp("FullAWSAccess", doc("Allow", "*")),
        scp("no-agent", doc("Deny", "ecs:RegisterContainerInstance")),
    ])]);
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(codes(&d), [("scp_denies_agent", Severity::Error)]);
    assert!(
        d.compute_environments[0].findings[0]
            .message
            .contains("no-agent")
    );

    let mut f = facts(vec![ce("ce")]);
    f.scps_failed = Some("reading them failed: ServiceException".into());
    let d = judge(&f, &options(), Partition::Aws);
    assert!(d.undecided > 0, "{d:?}");
    let why = &d.compute_environments[0].undecided[0];
    assert!(
        why.contains("role ecsInstanceRole") && why.contains("ServiceException"),
        "{why}"
    );
}

/// A Fargate environment has no instance role and so no role
/// finding (its identity says so); Amazon Linux 2 images are warned about, AL2023 is not.
#[test]
fn fargate_has_no_role_finding_and_al2_images_are_warned_about() {
    let mut fargate = ce("fargate");
    if let Some(c) = fargate.compute.as_mut() {
        c.kind = Kind::Fargate { spot: false };
        c.instance_role = Some("no-such-profile".into());
    }
    let d = judge(&facts(vec![fargate]), &options(), Partition::Aws);
    assert_eq!(codes(&d), []);
    assert_eq!(d.compute_environments[0].identity, "none");

    for (image, warned) in [
        ("ECS_AL2", true),
        ("ECS_AL2_NVIDIA", true),
        ("ECS_AL2023", false),
        ("ECS_AL2023_NVIDIA", false),
    ] {
        let mut e = ce("img");
        if let Some(c) = e.compute.as_mut() {
            c.image_types = vec![image.into()];
        }
        let d = judge(&facts(vec![e]), &options(), Partition::Aws);
        let want: &[(&str, Severity)] = if warned {
            &[("image_end_of_support", Severity::Warning)]
        } else {
            &[]
        };
        assert_eq!(codes(&d), want, "{image}");
        if warned {
            let f = d.findings().next().unwrap().1;
            assert!(
                f.message.contains("2026-06-30") && f.message.contains("ECS AL2023"),
                "{}",
                f.message
            );
        }
        assert_eq!(d.compute_environments[0].identity, "instance_profile");
    }
    let mut unmanaged = ce("mine");
    if let Some(c) = unmanaged.compute.as_mut() {
        c.managed = false;
    }
    let d = judge(&facts(vec![unmanaged]), &options(), Partition::Aws);
    assert_eq!(d.compute_environments[0].identity, "yours");
}

const INFRA_ARN: &str = "arn:aws:iam::123456789012:role/ecsInfrastructureRole";

/// Over `Facts` (no emulator has ECS Managed Instances): a managed-instances
/// role that carries the ECS EC2 policy instead of the managed-instances one is an error,
/// and so is a name ECS may not pass, and an infrastructure role missing or not trusted by
/// ECS; a SPOT environment with BEST_FIT and no fleet role is
/// an error, one with SPOT_CAPACITY_OPTIMIZED is not.
#[test]
fn managed_instances_and_spot_need_their_own_identities() {
    let mut mi = ce("mi");
    if let Some(c) = mi.compute.as_mut() {
        c.kind = Kind::EcsManagedInstances;
        c.instance_role = None;
        c.managed_instances_profile = Some(PROFILE_ARN.into());
        c.infrastructure_role = Some(INFRA_ARN.into());
    }
    let mut f = facts(vec![mi.clone()]);
    f.profiles
        .insert(PROFILE_ARN.into(), f.profiles["ecsInstanceRole"].clone());
    let trust = |service: &str| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"Service": service}, "Action": "sts:AssumeRole"}]})
        .to_string()
    };
    let infra = |service: &str| RoleState {
        arn: INFRA_ARN.into(),
        path: "/".into(),
        created: None,
        trust_policy: trust(service),
        tags: vec![],
        permissions_boundary: None,
    };
    f.service_roles
        .insert(INFRA_ARN.into(), Some(infra("ecs.amazonaws.com")));
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(
        codes(&d),
        [("managed_instances_policy_missing", Severity::Error)],
        "the EC2 policy is not the managed-instances one"
    );
    assert!(
        d.findings()
            .next()
            .unwrap()
            .1
            .message
            .contains("it has AmazonEC2ContainerServiceforEC2Role")
    );
    if let Some(r) = f.roles.get_mut("ecsInstanceRole") {
        r.attached =
            vec!["arn:aws:iam::aws:policy/AmazonECSInstanceRolePolicyForManagedInstances".into()];
    }
    assert_eq!(codes(&judge(&f, &options(), Partition::Aws)), []);
    let mut untrusted = f.clone();
    untrusted
        .service_roles
        .insert(INFRA_ARN.into(), Some(infra("batch.amazonaws.com")));
    assert_eq!(
        codes(&judge(&untrusted, &options(), Partition::Aws)),
        [("infrastructure_role_not_trusted", Severity::Error)]
    );
    untrusted.service_roles.insert(INFRA_ARN.into(), None);
    assert_eq!(
        codes(&judge(&untrusted, &options(), Partition::Aws)),
        [("infrastructure_role_missing", Severity::Error)]
    );
    if let Some(c) = untrusted.environments[0].compute.as_mut() {
        c.infrastructure_role = None;
    }
    assert_eq!(
        codes(&judge(&untrusted, &options(), Partition::Aws)),
        [("infrastructure_role_missing", Severity::Error)]
    );
    let mut renamed = f.clone();
    if let Some(ProfileRead::Found(p)) = renamed.profiles.get_mut(PROFILE_ARN) {
        p.roles = vec!["batchNodes".into()];
    }
    renamed.roles.insert(
        "batchNodes".into(),
        renamed.roles["ecsInstanceRole"].clone(),
    );
    assert_eq!(
        codes(&judge(&renamed, &options(), Partition::Aws)),
        [("managed_instances_role_name", Severity::Error)]
    );

    let spot = |strategy: Option<&str>| {
        let mut s = ce("spot");
        if let Some(c) = s.compute.as_mut() {
            c.kind = Kind::Spot;
            c.allocation_strategy = strategy.map(str::to_owned);
        }
        codes(&judge(&facts(vec![s]), &options(), Partition::Aws))
    };
    assert_eq!(spot(None), [("spot_fleet_role_missing", Severity::Error)]);
    assert_eq!(
        spot(Some("BEST_FIT")),
        [("spot_fleet_role_missing", Severity::Error)]
    );
    assert_eq!(spot(Some("SPOT_CAPACITY_OPTIMIZED")), []);

    // A fleet role with the older policy: its Spot Instances are not tagged.
    let fleet_arn = "arn:aws:iam::123456789012:role/fleet";
    let mut s = ce("spot");
    if let Some(c) = s.compute.as_mut() {
        c.kind = Kind::Spot;
        c.spot_fleet_role = Some(fleet_arn.into());
    }
    let mut f = facts(vec![s]);
    let fleet = RoleState {
        arn: fleet_arn.into(),
        trust_policy: trust("spotfleet.amazonaws.com"),
        ..infra("spotfleet.amazonaws.com")
    };
    f.service_roles
        .insert(fleet_arn.into(), Some(fleet.clone()));
    let with = |policy: &str| RoleRead {
        role: Some(fleet.clone()),
        attached: vec![format!("arn:aws:iam::aws:policy/service-role/{policy}")],
        policies: vec![],
    };
    f.roles
        .insert("fleet".into(), with("AmazonEC2SpotFleetRole"));
    assert_eq!(
        codes(&judge(&f, &options(), Partition::Aws)),
        [("spot_fleet_role_untagged", Severity::Warning)]
    );
    f.roles
        .insert("fleet".into(), with("AmazonEC2SpotFleetTaggingRole"));
    assert_eq!(codes(&judge(&f, &options(), Partition::Aws)), []);
}

#[test]
fn instance_role_values() {
    assert_eq!(profile_name("ecsInstanceRole"), Some("ecsInstanceRole"));
    assert_eq!(profile_name(PROFILE_ARN), Some("ecsInstanceRole"));
    assert_eq!(
        profile_name("arn:aws-cn:iam::123456789012:instance-profile/batch/p"),
        Some("p")
    );
    assert_eq!(
        profile_name("arn:aws:iam::123456789012:role/ecsInstanceRole"),
        None
    );
}

#[test]
fn an_invalid_environment_nothing_explains_says_so() {
    let mut c = ce("bad");
    c.status = Status::Invalid;
    c.status_reason = "CLIENT_ERROR - something new".into();
    let d = judge(&facts(vec![c]), &options(), Partition::Aws);
    let f = &d.compute_environments[0].findings[0];
    assert_eq!(f.code, Code::ComputeEnvironmentInvalid);
    assert!(f.explained_by.is_empty());
    assert!(
        f.message.contains("\"CLIENT_ERROR - something new\"")
            && f.message.contains("none of diagnose's checks explains it"),
        "{}",
        f.message
    );
}

#[test]
fn a_missing_profile_with_a_role_of_its_name_says_how_to_make_it() {
    let mut f = facts(vec![ce("ce")]);
    f.profiles.insert(
        "ecsInstanceRole".into(),
        ProfileRead::Missing {
            role_of_that_name: true,
        },
    );
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(codes(&d), [("instance_profile_not_found", Severity::Error)]);
    let m = &d.compute_environments[0].findings[0].message;
    assert!(m.contains("a role named ecsInstanceRole exists"), "{m}");
}

/// DELETING with its profile gone: the deletion may never finish, and the finding says
/// why; DELETING with everything there, or VALID with the profile gone, is not that.
#[test]
fn a_deletion_its_iam_left_stuck_is_named_with_what_is_gone() {
    let gone = |status| {
        let mut c = ce("ce");
        c.status = status;
        let mut f = facts(vec![c]);
        f.profiles.insert(
            "ecsInstanceRole".into(),
            ProfileRead::Missing {
                role_of_that_name: false,
            },
        );
        judge(&f, &options(), Partition::Aws)
    };
    let d = gone(Status::Deleting);
    assert_eq!(
        codes(&d),
        [
            ("compute_environment_deleting_blocked", Severity::Error),
            ("instance_profile_not_found", Severity::Error)
        ]
    );
    let f = &d.compute_environments[0].findings[0];
    assert_eq!(f.explained_by, [Code::InstanceProfileNotFound]);
    assert!(
        f.message
            .contains("DELETING while IAM it needs is gone (instance_profile_not_found)"),
        "{}",
        f.message
    );
    assert_eq!(
        codes(&gone(Status::Valid)),
        [("instance_profile_not_found", Severity::Error)]
    );
    let mut deleting = ce("ce");
    deleting.status = Status::Deleting;
    let d = judge(&facts(vec![deleting]), &options(), Partition::Aws);
    assert_eq!(codes(&d), []);
}

#[test]
fn no_service_role_and_no_service_linked_role_is_an_error() {
    let mut f = facts(vec![ce("ce")]);
    f.service_linked_role = Some(None);
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(
        codes(&d),
        [("service_linked_role_missing", Severity::Error)]
    );
}

fn instance(id: &str, profile: &str, age: Duration, now: SystemTime) -> Instance {
    Instance {
        id: id.into(),
        state: "running".into(),
        launched: Some(now - age),
        instance_profile_arn: Some(profile.into()),
        subnet: Some("subnet-1".into()),
        tags: HashMap::new(),
    }
}

#[test]
fn unregistered_instances_count_only_past_the_allowance() {
    let mut c = ce("busy");
    c.compute.as_mut().unwrap().desired_vcpus = Some(2);
    let mut f = facts(vec![c]);
    f.registered.insert(CLUSTER.into(), 0);
    f.instances = vec![instance(
        "i-young",
        PROFILE_ARN,
        Duration::from_secs(60),
        f.now,
    )];
    assert_eq!(codes(&judge(&f, &options(), Partition::Aws)), []);
    f.instances.push(instance(
        "i-old",
        PROFILE_ARN,
        Duration::from_secs(600),
        f.now,
    ));
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(codes(&d), [("instances_not_registered", Severity::Warning)]);
    let m = &d.compute_environments[0].findings[0].message;
    assert!(
        m.contains("1 instance(s) have run longer") && m.contains("i-old running for 600s"),
        "{m}"
    );
    // The role lacking what the agent needs comes first among the causes when nothing
    // else was found.
    assert!(m.contains("1. the role lacks"), "{m}");
    // Registered: nothing to say.
    f.registered.insert(CLUSTER.into(), 1);
    assert_eq!(codes(&judge(&f, &options(), Partition::Aws)), []);
}

fn job(status: JobStatus, reason: &str, vcpus: f64) -> Job {
    Job {
        id: "j-1".into(),
        name: "j".into(),
        queue: "q".into(),
        status,
        status_reason: reason.into(),
        vcpus: Some(vcpus),
        memory_mib: Some(128),
        gpus: None,
    }
}

#[test]
fn runnable_jobs_are_errors_only_when_batch_says_misconfiguration() {
    let mut q = ce("q");
    q.compute = None;
    q.environments = vec!["ce".into()];
    let mut f = facts(vec![ce("ce")]);
    f.queues = vec![q];
    f.jobs = vec![job(
        JobStatus::Runnable,
        "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - no capacity",
        1.0,
    )];
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(codes(&d), [("job_runnable", Severity::Warning)]);
    f.jobs = vec![job(
        JobStatus::Runnable,
        "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - too big",
        1.0,
    )];
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(codes(&d), [("job_runnable", Severity::Error)]);
    // A finished job is not judged against the capacity.
    f.jobs = vec![job(JobStatus::Succeeded, "", 64.0)];
    assert_eq!(codes(&judge(&f, &options(), Partition::Aws)), []);
}

#[test]
fn a_queue_whose_environments_are_all_unusable_is_an_error() {
    let mut q = ce("q");
    q.compute = None;
    q.environments = vec!["off".into(), "gone".into()];
    let mut off = ce("off");
    off.state = State::Disabled;
    let mut f = facts(vec![off]);
    f.queues = vec![q];
    let d = judge(&f, &options(), Partition::Aws);
    let m = &d.job_queues[0].findings[0].message;
    assert_eq!(
        d.job_queues[0].findings[0].code,
        Code::JobQueueNoComputeEnvironment
    );
    assert!(
        m.contains("off is VALID, DISABLED") && m.contains("gone no longer exists"),
        "{m}"
    );
}

/// A `state` (or `status`) Batch left out of its answer is never a finding: the queue's
/// environment may be the one that runs its jobs, and the text says "not given".
#[test]
fn a_field_batch_leaves_out_never_becomes_a_finding() {
    let mut q = ce("q");
    q.compute = None;
    q.environments = vec!["quiet".into()];
    let mut quiet = ce("quiet");
    quiet.state = State::Other(String::new());
    let mut f = facts(vec![quiet]);
    f.queues = vec![q];
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(codes(&d), [], "{d:?}");
    assert_eq!(d.compute_environments[0].state, "state not given");
    // A DISABLED one beside it does not change that; a known-unusable one alone does.
    f.environments[0].state = State::Disabled;
    let d = judge(&f, &options(), Partition::Aws);
    assert!(
        codes(&d).contains(&("job_queue_no_compute_environment", Severity::Error)),
        "{d:?}"
    );
}

/// On EKS the profile's role is an EKS node role: the ECS role (trusted by
/// EC2, with the ECS policy) lacks the node policies; with them it has no finding, and the
/// ECS policy is never asked of it.
#[test]
fn an_eks_environment_judges_an_eks_node_role() {
    let mut eks = ce("eks");
    eks.eks = true;
    let mut f = facts(vec![eks]);
    let d = judge(&f, &options(), Partition::Aws);
    assert_eq!(
        codes(&d),
        [
            ("eks_node_policy_missing", Severity::Error),
            ("eks_node_policy_missing", Severity::Error),
            ("eks_node_policy_missing", Severity::Warning),
        ]
    );
    assert_eq!(d.compute_environments[0].identity, "eks_node_role");
    if let Some(r) = f.roles.get_mut("ecsInstanceRole") {
        r.attached = [
            "AmazonEKSWorkerNodePolicy",
            "AmazonEC2ContainerRegistryPullOnly",
            "AmazonEKS_CNI_Policy",
        ]
        .iter()
        .map(|p| format!("arn:aws:iam::aws:policy/{p}"))
        .collect();
    }
    assert_eq!(codes(&judge(&f, &options(), Partition::Aws)), []);
    if let Some(Some(role)) = f.roles.get_mut("ecsInstanceRole").map(|r| r.role.as_mut()) {
        role.trust_policy = role
            .trust_policy
            .replace("ec2.amazonaws.com", "ecs.amazonaws.com");
    }
    assert_eq!(
        codes(&judge(&f, &options(), Partition::Aws)),
        [("eks_node_role_not_trusted", Severity::Error)]
    );
}
