//! Paths no emulator can produce, with `aws-smithy-mocks` responses shaped like AWS's:
//! a compute environment going INVALID with a statusReason, an instance that never
//! registers, a job stuck in RUNNABLE, the service-linked role appearing late, and the
//! create-time rejection of the instance profile (what moto does instead of INVALID).
//! Time is paused: the bounded waits run in virtual time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_batch::operation::create_compute_environment::{
    CreateComputeEnvironmentError, CreateComputeEnvironmentOutput,
};
use aws_sdk_batch::operation::delete_compute_environment::DeleteComputeEnvironmentOutput;
use aws_sdk_batch::operation::describe_compute_environments::DescribeComputeEnvironmentsOutput;
use aws_sdk_batch::operation::describe_job_definitions::DescribeJobDefinitionsOutput;
use aws_sdk_batch::operation::describe_job_queues::DescribeJobQueuesOutput;
use aws_sdk_batch::operation::describe_jobs::DescribeJobsOutput;
use aws_sdk_batch::operation::update_compute_environment::UpdateComputeEnvironmentOutput;
use aws_sdk_batch::types::error::ClientException;
use aws_sdk_batch::types::{CeState, CeStatus, ComputeEnvironmentDetail, JobDetail, JobStatus};
use aws_sdk_iam::operation::get_instance_profile::GetInstanceProfileOutput;
use aws_sdk_iam::operation::get_policy::GetPolicyOutput;
use aws_sdk_iam::operation::get_policy_version::GetPolicyVersionOutput;
use aws_sdk_iam::operation::get_role::GetRoleOutput;
use aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput;
use aws_sdk_iam::operation::list_role_policies::ListRolePoliciesOutput;
use aws_sdk_iam::operation::list_roles::ListRolesOutput;
use aws_sdk_iam::types::{AttachedPolicy, InstanceProfile, Policy, PolicyVersion, Role};
use aws_smithy_mocks::{
    MockResponse, MockResponseInterceptor, Rule, RuleMode, create_mock_http_client, mock,
};
use aws_smithy_types::DateTime;
use ecsrole_core::{Calls, Desired, DesiredInput, Engine, Iam, Partition};

mod canned_ec2;

use crate::api::BatchApi;
use crate::run::RUN_TAG;
use crate::{
    FailureKind, Level, Silent, Step, StepRecord, StepStatus, Verifier, VerifyOptions,
    VerifyOutcome,
};

const ACCOUNT: &str = "111122223333";
const PROFILE_ARN: &str = "arn:aws:iam::111122223333:instance-profile/ecsInstanceRole";
const SLR_ARN: &str =
    "arn:aws:iam::111122223333:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch";
const CLUSTER: &str =
    "arn:aws:ecs:us-east-1:111122223333:cluster/AWSBatch-ecsrole-verify-run_c0ffee00";

macro_rules! client {
    ($krate:ident, $rules:expr) => {{
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        for rule in $rules {
            interceptor = interceptor.with_rule(rule);
        }
        let conf = $krate::Config::builder()
            .behavior_version($krate::config::BehaviorVersion::latest())
            .region($krate::config::Region::new("us-east-1"))
            .credentials_provider($krate::config::Credentials::new(
                "AKIDMOCK", "mock", None, None, "mock",
            ))
            .http_client(create_mock_http_client())
            .interceptor(interceptor)
            .build();
        $krate::Client::from_conf(conf)
    }};
}

/// A compliant role, as IAM returns it (trust policy URL-encoded), created at the epoch.
fn iam_rules() -> Vec<Rule> {
    iam_rules_created(DateTime::from_secs(0))
}

/// A compliant role and its profile, created at `created`.
fn iam_rules_created(created: DateTime) -> Vec<Rule> {
    let trust = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    let role = move || {
        Role::builder()
            .path("/")
            .role_name("ecsInstanceRole")
            .role_id("AROAMOCK")
            .arn(format!("arn:aws:iam::{ACCOUNT}:role/ecsInstanceRole"))
            .create_date(created)
            .assume_role_policy_document(trust)
            .build()
            .unwrap()
    };
    vec![
        mock!(aws_sdk_iam::Client::get_role)
            .then_output(move || GetRoleOutput::builder().role(role()).build()),
        mock!(aws_sdk_iam::Client::list_attached_role_policies).then_output(|| {
            ListAttachedRolePoliciesOutput::builder()
                .attached_policies(
                    AttachedPolicy::builder()
                        .policy_arn(Partition::Aws.ecs_instance_policy_arn())
                        .build(),
                )
                .build()
        }),
        // The managed policy's document (its content is not what these tests are about);
        // no inline policy.
        mock!(aws_sdk_iam::Client::get_policy).then_output(|| {
            GetPolicyOutput::builder()
                .policy(Policy::builder().default_version_id("v1").build())
                .build()
        }),
        mock!(aws_sdk_iam::Client::get_policy_version).then_output(|| {
            GetPolicyVersionOutput::builder()
                .policy_version(
                    PolicyVersion::builder()
                        .document(r#"{"Version":"2012-10-17","Statement":[]}"#)
                        .build(),
                )
                .build()
        }),
        mock!(aws_sdk_iam::Client::list_role_policies).then_output(|| {
            ListRolePoliciesOutput::builder()
                .set_policy_names(Some(vec![]))
                .build()
                .unwrap()
        }),
        mock!(aws_sdk_iam::Client::get_instance_profile).then_output(move || {
            GetInstanceProfileOutput::builder()
                .instance_profile(
                    InstanceProfile::builder()
                        .path("/")
                        .instance_profile_name("ecsInstanceRole")
                        .instance_profile_id("AIPAMOCK")
                        .arn(PROFILE_ARN)
                        .create_date(created)
                        .roles(role())
                        .build()
                        .unwrap(),
                )
                .build()
        }),
        // The service-linked role exists.
        mock!(aws_sdk_iam::Client::list_roles).then_output(move || {
            ListRolesOutput::builder()
                .roles(
                    Role::builder()
                        .path("/aws-service-role/batch.amazonaws.com/")
                        .role_name("AWSServiceRoleForBatch")
                        .role_id("AROASLR")
                        .arn(SLR_ARN)
                        .create_date(DateTime::from_secs(0))
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap()
        }),
    ]
}

/// Batch's side: the run's compute environment, whose status the test decides; it
/// follows UpdateComputeEnvironment's state and disappears once deleted. No queues or
/// job definitions unless a test adds rules for them.
struct BatchSim {
    deleted: Arc<AtomicBool>,
    status: CeStatus,
    reason: &'static str,
}

const CE_NAME: &str = "ecsrole-verify-c0ffee00";

impl BatchSim {
    fn rules(&self) -> Vec<Rule> {
        let (deleted, deleted2) = (self.deleted.clone(), self.deleted.clone());
        let disabled = Arc::new(AtomicBool::new(false));
        let disabled2 = disabled.clone();
        let (status, reason) = (self.status.clone(), self.reason);
        vec![
            mock!(aws_sdk_batch::Client::create_compute_environment).then_output(|| {
                CreateComputeEnvironmentOutput::builder()
                    .compute_environment_name(CE_NAME)
                    .compute_environment_arn(format!("arn:aws:batch:us-east-1:{ACCOUNT}:compute-environment/{CE_NAME}"))
                    .build()
            }),
            mock!(aws_sdk_batch::Client::describe_compute_environments).then_compute_output(move |req| {
                let asked = req.compute_environments();
                let mut out = DescribeComputeEnvironmentsOutput::builder();
                if !deleted.load(Ordering::SeqCst) && (asked.is_empty() || asked.iter().any(|n| n == CE_NAME)) {
                    let state = if disabled.load(Ordering::SeqCst) { CeState::Disabled } else { CeState::Enabled };
                    out = out.compute_environments(
                        ComputeEnvironmentDetail::builder()
                            .compute_environment_name(CE_NAME)
                            .compute_environment_arn(format!("arn:aws:batch:us-east-1:{ACCOUNT}:compute-environment/{CE_NAME}"))
                            .ecs_cluster_arn(CLUSTER)
                            .status(status.clone())
                            .status_reason(reason)
                            .state(state)
                            .tags(RUN_TAG, "c0ffee00")
                            .build(),
                    );
                }
                out.build()
            }),
            mock!(aws_sdk_batch::Client::update_compute_environment).then_compute_output(move |req| {
                if req.state() == Some(&CeState::Disabled) {
                    disabled2.store(true, Ordering::SeqCst);
                }
                UpdateComputeEnvironmentOutput::builder().build()
            }),
            mock!(aws_sdk_batch::Client::delete_compute_environment).then_compute_output(move |_| {
                deleted2.store(true, Ordering::SeqCst);
                DeleteComputeEnvironmentOutput::builder().build()
            }),
            mock!(aws_sdk_batch::Client::describe_job_queues).then_output(|| DescribeJobQueuesOutput::builder().build()),
            mock!(aws_sdk_batch::Client::describe_job_definitions)
                .then_output(|| DescribeJobDefinitionsOutput::builder().build()),
        ]
    }
}

fn verifier(iam: &[Rule], batch: &[Rule], ecs: &[Rule]) -> Verifier {
    let calls = Calls::default();
    let iam_client = client!(aws_sdk_iam, iam.iter());
    let iam = Iam::from_client(iam_client, calls.clone(), "mock".into());
    let desired = Desired::new(DesiredInput::default(), Partition::Aws).unwrap();
    Verifier {
        engine: Engine::new(iam.clone(), desired),
        iam,
        batch: BatchApi::from_clients(
            client!(aws_sdk_batch, batch.iter()),
            client!(aws_sdk_ecs, ecs.iter()),
            calls,
            "mock".into(),
        ),
        ec2: None,
        region: "us-east-1".into(),
    }
}

fn options(level: Level) -> VerifyOptions {
    VerifyOptions {
        subnets: vec!["subnet-0123456789abcdef0".into()],
        security_groups: vec!["sg-0123456789abcdef0".into()],
        timeout: Duration::from_secs(600),
        run_id: "c0ffee00".into(),
        ..VerifyOptions::new(level)
    }
}

fn step(o: &VerifyOutcome, name: Step) -> &StepRecord {
    o.steps
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no step {name}: {:#?}", o.steps))
}

async fn never() -> String {
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn invalid_compute_environment_shows_its_status_reason_and_is_torn_down() {
    let sim = BatchSim {
        deleted: Arc::default(),
        status: CeStatus::Invalid,
        reason: "CLIENT_ERROR - Invalid IamInstanceProfile: ecsInstanceRole",
    };
    let v = verifier(&iam_rules(), &sim.rules(), &[]);
    let out = v.verify(&options(Level::Ce), &Silent, never()).await;
    assert_eq!(out.failure, Some(FailureKind::RoleBroken), "{out:#?}");
    let error = out.error.clone().unwrap();
    assert!(
        error.contains("is INVALID: CLIENT_ERROR - Invalid IamInstanceProfile: ecsInstanceRole"),
        "{error}"
    );
    assert!(
        error.contains("past the IAM propagation allowance (120s)"),
        "an old profile is not propagation: {error}"
    );
    assert_eq!(
        step(&out, Step::ComputeEnvironmentValid).status,
        StepStatus::Failed
    );
    assert_eq!(
        step(&out, Step::DeleteComputeEnvironment).status,
        StepStatus::Ok,
        "{out:#?}"
    );
    assert!(sim.deleted.load(Ordering::SeqCst));
    assert!(out.leftovers.is_empty(), "{:?}", out.leftovers);
}

#[tokio::test(start_paused = true)]
async fn an_instance_that_never_registers_is_not_blamed_on_the_role_without_evidence() {
    let sim = BatchSim {
        deleted: Arc::default(),
        status: CeStatus::Valid,
        reason: "ComputeEnvironment Healthy",
    };
    let looks = Arc::new(AtomicUsize::new(0));
    let counter = looks.clone();
    let ecs = [
        mock!(aws_sdk_ecs::Client::list_container_instances).then_compute_output(move |req| {
            assert_eq!(req.cluster(), Some(CLUSTER));
            counter.fetch_add(1, Ordering::SeqCst);
            aws_sdk_ecs::operation::list_container_instances::ListContainerInstancesOutput::builder(
            )
            .build()
        }),
    ];
    let v = verifier(&iam_rules(), &sim.rules(), &ecs);
    let out = v.verify(&options(Level::Instance), &Silent, never()).await;
    // No EC2 client here: the instances cannot be read, so nothing points at the role.
    assert_eq!(out.failure, Some(FailureKind::Error), "{out:#?}");
    let error = out.error.clone().unwrap();
    assert!(
        error.contains("no container instance registered in ECS cluster"),
        "{error}"
    );
    for seen in [
        "nothing read points at the role",
        "seen: ecs:ListContainerInstances: 0 container instance(s)",
        "seen: batch:DescribeComputeEnvironments: ecsrole-verify-c0ffee00 VALID, ENABLED",
        "seen: ec2:DescribeInstances: not read",
        "likely causes, most likely first:\n  1. capacity",
    ] {
        assert!(error.contains(seen), "{seen}: {error}");
    }
    assert!(
        looks.load(Ordering::SeqCst) > 5,
        "the wait polled with backoff"
    );
    assert_eq!(
        step(&out, Step::DeleteComputeEnvironment).status,
        StepStatus::Ok,
        "{out:#?}"
    );
    assert!(out.leftovers.is_empty());
    let proving: Vec<_> = out
        .steps
        .iter()
        .map(|s| s.name.as_str())
        .take_while(|n| !n.starts_with("delete_"))
        .collect();
    assert_eq!(
        proving,
        Level::Instance
            .steps()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        "Level::steps lists the steps run"
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_stuck_in_runnable_for_capacity_is_not_blamed_on_the_role() {
    let sim = BatchSim {
        deleted: Arc::default(),
        status: CeStatus::Valid,
        reason: "",
    };
    let queue_deleted = Arc::new(AtomicBool::new(false));
    let (qd1, qd2) = (queue_deleted.clone(), queue_deleted.clone());
    let queue_disabled = Arc::new(AtomicBool::new(false));
    let (qs1, qs2) = (queue_disabled.clone(), queue_disabled.clone());
    let mut batch = vec![
        mock!(aws_sdk_batch::Client::create_job_queue).then_output(|| {
            aws_sdk_batch::operation::create_job_queue::CreateJobQueueOutput::builder()
                .job_queue_name("q")
                .job_queue_arn("arn:aws:batch:us-east-1:111122223333:job-queue/q")
                .build()
        }),
        mock!(aws_sdk_batch::Client::describe_job_queues).then_compute_output(move |req| {
            let name = req
                .job_queues()
                .first()
                .cloned()
                .unwrap_or_else(|| CE_NAME.to_owned());
            let mut out = DescribeJobQueuesOutput::builder();
            let state = if qs1.load(Ordering::SeqCst) {
                aws_sdk_batch::types::JqState::Disabled
            } else {
                aws_sdk_batch::types::JqState::Enabled
            };
            if !qd1.load(Ordering::SeqCst) {
                out = out.job_queues(
                    aws_sdk_batch::types::JobQueueDetail::builder()
                        .job_queue_name(&name)
                        .job_queue_arn(format!(
                            "arn:aws:batch:us-east-1:{ACCOUNT}:job-queue/{name}"
                        ))
                        .status(aws_sdk_batch::types::JqStatus::Valid)
                        .state(state)
                        .tags(RUN_TAG, "c0ffee00")
                        .build(),
                );
            }
            out.build()
        }),
        mock!(aws_sdk_batch::Client::update_job_queue).then_compute_output(move |_| {
            qs2.store(true, Ordering::SeqCst);
            aws_sdk_batch::operation::update_job_queue::UpdateJobQueueOutput::builder().build()
        }),
        mock!(aws_sdk_batch::Client::delete_job_queue).then_compute_output(move |_| {
            qd2.store(true, Ordering::SeqCst);
            aws_sdk_batch::operation::delete_job_queue::DeleteJobQueueOutput::builder().build()
        }),
        mock!(aws_sdk_batch::Client::register_job_definition).then_output(|| {
            aws_sdk_batch::operation::register_job_definition::RegisterJobDefinitionOutput::builder(
            )
            .job_definition_name("d")
            .job_definition_arn("arn:aws:batch:us-east-1:111122223333:job-definition/d:1")
            .revision(1)
            .build()
        }),
        mock!(aws_sdk_batch::Client::submit_job).then_output(|| {
            aws_sdk_batch::operation::submit_job::SubmitJobOutput::builder()
                .job_name("j")
                .job_id("0b0e1e7e-0000-4000-8000-000000000000")
                .build()
        }),
        mock!(aws_sdk_batch::Client::describe_jobs).then_output(|| {
            DescribeJobsOutput::builder()
                .jobs(
                    JobDetail::builder()
                        .job_name("j")
                        .job_id("0b0e1e7e-0000-4000-8000-000000000000")
                        .job_queue("q")
                        .status(JobStatus::Runnable)
                        .status_reason("CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - Service cannot fulfill the capacity requested for instance type [m5.large]")
                        .started_at(0)
                        .job_definition("d")
                        .build(),
                )
                .build()
        }),
    ];
    // The queue rules first: MatchAny takes the first matching rule.
    batch.extend(sim.rules());
    let ecs = [
        mock!(aws_sdk_ecs::Client::list_container_instances).then_output(|| {
            aws_sdk_ecs::operation::list_container_instances::ListContainerInstancesOutput::builder(
            )
            .build()
        }),
    ];
    let v = verifier(&iam_rules(), &batch, &ecs);
    let out = v.verify(&options(Level::Job), &Silent, never()).await;
    assert_eq!(out.failure, Some(FailureKind::Error), "{out:#?}");
    let error = out.error.clone().unwrap();
    assert!(error.contains("stuck in RUNNABLE"), "{error}");
    assert!(
        error.contains("seen: batch:DescribeJobs: job 0b0e1e7e-0000-4000-8000-000000000000 RUNNABLE: \"CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"),
        "{error}"
    );
    assert!(
        error.contains("most likely first:\n  1. capacity, as Batch says (CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY"),
        "the job's reason comes first: {error}"
    );
    let order: Vec<_> = out
        .steps
        .iter()
        .map(|s| s.name.as_str())
        .filter(|n| n.starts_with("delete_"))
        .collect();
    assert_eq!(
        order,
        ["delete_job_queue", "delete_compute_environment"],
        "queue before CE"
    );
    assert!(queue_deleted.load(Ordering::SeqCst) && sim.deleted.load(Ordering::SeqCst));
    let proving: Vec<_> = out
        .steps
        .iter()
        .map(|s| s.name.as_str())
        .take_while(|n| !n.starts_with("delete_"))
        .collect();
    assert_eq!(
        proving,
        Level::Job
            .steps()
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>(),
        "Level::steps lists the steps run"
    );
}

/// A ClientException as the SDK deserializes it from AWS: code and message in the metadata.
fn client_exception(message: &str) -> CreateComputeEnvironmentError {
    let meta = aws_smithy_types::error::ErrorMetadata::builder()
        .code("ClientException")
        .message(message)
        .build();
    CreateComputeEnvironmentError::ClientException(
        ClientException::builder()
            .message(message)
            .meta(meta)
            .build(),
    )
}

#[tokio::test(start_paused = true)]
async fn a_service_linked_role_appearing_late_is_ridden_out() {
    let sim = BatchSim {
        deleted: Arc::default(),
        status: CeStatus::Valid,
        reason: "",
    };
    let create = mock!(aws_sdk_batch::Client::create_compute_environment)
        .sequence()
        .error(|| client_exception("Unable to assume service linked role arn:aws:iam::111122223333:role/aws-service-role/batch.amazonaws.com/AWSServiceRoleForBatch"))
        .times(2)
        .output(|| {
            CreateComputeEnvironmentOutput::builder()
                .compute_environment_name("ce")
                .compute_environment_arn("arn:aws:batch:us-east-1:111122223333:compute-environment/ce")
                .build()
        })
        .build();
    let mut batch = vec![create.clone()];
    batch.extend(sim.rules());
    let v = verifier(&iam_rules(), &batch, &[]);
    let out = v.verify(&options(Level::Ce), &Silent, never()).await;
    assert!(out.verified, "{out:#?}");
    assert_eq!(
        create.num_calls(),
        3,
        "two transient failures, then created"
    );
    assert!(out.leftovers.is_empty());
}

/// moto rejects an unknown instanceRole at create time with this message; AWS lets the
/// CE go INVALID instead (the first test).
fn rejecting_create() -> (Rule, BatchSim) {
    let sim = BatchSim {
        deleted: Arc::default(),
        status: CeStatus::Valid,
        reason: "",
    };
    let create =
        mock!(aws_sdk_batch::Client::create_compute_environment).then_compute_response(|_| {
            MockResponse::Error(client_exception(&format!(
                "could not find instanceRole {PROFILE_ARN}"
            )))
        });
    (create, sim)
}

#[tokio::test(start_paused = true)]
async fn a_rejected_young_instance_profile_is_retried_within_the_propagation_allowance() {
    let (create, sim) = rejecting_create();
    let mut batch = vec![create.clone()];
    batch.extend(sim.rules());
    // The profile and role were created just now: IAM may not show them to Batch yet.
    let v = verifier(
        &iam_rules_created(DateTime::from(std::time::SystemTime::now())),
        &batch,
        &[],
    );
    let start = tokio::time::Instant::now();
    let opts = VerifyOptions {
        propagation_allowance: Duration::from_secs(60),
        ..options(Level::Ce)
    };
    let out = v.verify(&opts, &Silent, never()).await;
    assert_eq!(out.failure, Some(FailureKind::RoleBroken), "{out:#?}");
    assert!(
        out.error
            .clone()
            .unwrap()
            .contains("could not find instanceRole")
    );
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(59) && waited < Duration::from_secs(70),
        "bounded by the propagation allowance: {waited:?}"
    );
    assert!(
        create.num_calls() > 3 && create.num_calls() < 20,
        "{} attempts",
        create.num_calls()
    );
    assert!(out.leftovers.is_empty());
}

/// This machine's clock is 2 minutes fast. The profile is 141 s old on
/// this machine's clock but 21 s old on AWS's (the offset the Date of the answers shows,
/// set here as the interceptor would): within the 120 s allowance, so Batch's rejection is
/// propagation, retried until the allowance is spent on AWS's clock, not exit 3 at once.
#[tokio::test(start_paused = true)]
async fn ages_are_measured_on_aws_clock_not_this_machines() {
    use ecsrole_core::aws::Offset;
    let (create, sim) = rejecting_create();
    let mut batch = vec![create.clone()];
    batch.extend(sim.rules());
    let local = std::time::SystemTime::now();
    let v = verifier(
        &iam_rules_created(DateTime::from(local - Duration::from_secs(141))),
        &batch,
        &[],
    );
    v.batch
        .clock()
        .set(Offset::Behind(Duration::from_secs(120)));
    let start = tokio::time::Instant::now();
    let out = v.verify(&options(Level::Ce), &Silent, never()).await;
    assert_eq!(out.failure, Some(FailureKind::RoleBroken), "{out:#?}");
    assert!(
        create.num_calls() > 1,
        "rejections of a 21 s old profile are retried: {} call(s)",
        create.num_calls()
    );
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_secs(90) && waited < Duration::from_secs(130),
        "until the allowance is spent on AWS's clock (~99 s): {waited:?}"
    );
    let error = out.error.clone().unwrap();
    assert!(
        error.contains("past the IAM propagation allowance"),
        "{error}"
    );
}

/// `--timeout` shorter than the propagation allowance, and Batch rejects
/// the young profile the whole time: nothing is shown about the role (exit 1, "could not
/// prove yet"), never exit 3.
#[tokio::test(start_paused = true)]
async fn a_timeout_inside_the_propagation_allowance_is_not_a_broken_role() {
    let (create, sim) = rejecting_create();
    let mut batch = vec![create.clone()];
    batch.extend(sim.rules());
    let v = verifier(
        &iam_rules_created(DateTime::from(std::time::SystemTime::now())),
        &batch,
        &[],
    );
    let opts = VerifyOptions {
        timeout: Duration::from_secs(20),
        propagation_allowance: Duration::from_secs(120),
        ..options(Level::Ce)
    };
    let out = v.verify(&opts, &Silent, never()).await;
    assert_eq!(out.failure, Some(FailureKind::Error), "{out:#?}");
    let error = out.error.clone().unwrap();
    assert!(
        error.contains("could not prove the role yet")
            && error.contains("within the IAM propagation allowance (120s)"),
        "{error}"
    );
    assert!(create.num_calls() > 1, "it retried: {}", create.num_calls());
    assert!(out.leftovers.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_rejected_old_instance_profile_is_the_role_at_once() {
    let (create, sim) = rejecting_create();
    let mut batch = vec![create.clone()];
    batch.extend(sim.rules());
    // Created at the epoch: long past any propagation.
    let v = verifier(&iam_rules(), &batch, &[]);
    let start = tokio::time::Instant::now();
    let out = v.verify(&options(Level::Ce), &Silent, never()).await;
    assert_eq!(out.failure, Some(FailureKind::RoleBroken), "{out:#?}");
    let error = out.error.clone().unwrap();
    assert!(error.contains("could not find instanceRole"), "{error}");
    assert!(
        error.contains("it is") && error.contains("s old, past the IAM propagation allowance"),
        "its age: {error}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(create.num_calls(), 1);
    assert!(out.leftovers.is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_mid_run_still_tears_down() {
    let sim = BatchSim {
        deleted: Arc::default(),
        status: CeStatus::Valid,
        reason: "",
    };
    let ecs = [
        mock!(aws_sdk_ecs::Client::list_container_instances).then_output(|| {
            aws_sdk_ecs::operation::list_container_instances::ListContainerInstancesOutput::builder(
            )
            .build()
        }),
    ];
    let v = verifier(&iam_rules(), &sim.rules(), &ecs);
    let signal = async {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "SIGINT".to_owned()
    };
    let out = v.verify(&options(Level::Instance), &Silent, signal).await;
    assert_eq!(out.failure, Some(FailureKind::Interrupted), "{out:#?}");
    assert_eq!(
        step(&out, Step::ContainerInstanceRegistered).status,
        StepStatus::Interrupted
    );
    assert_eq!(
        step(&out, Step::DeleteComputeEnvironment).status,
        StepStatus::Ok,
        "{out:#?}"
    );
    assert!(sim.deleted.load(Ordering::SeqCst));
}
