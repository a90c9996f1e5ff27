//! `verify`: proves the role works with AWS Batch, step by step, and always tears down
//! what it created: on success, failure, timeout and interruption alike.

use std::collections::HashMap;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::Mutex;
use std::time::Duration;

use aws_sdk_batch::types::JobStatus;
use ecsrole_core::findings::{self, Finding};
use ecsrole_core::{Engine, Iam};
use serde::Serialize;
use tokio::time::Instant;

use crate::api::{BatchApi, CeSpec, Described, is_updating};
use crate::ec2::{Ec2, Network};
use crate::error::Error;
use ecsrole_core::poll::{self, Backoff, Poll, PollError};

/// Every name a verify run gives starts with this; `cleanup` looks for it.
pub const NAME_PREFIX: &str = "ecsrole-verify-";
/// Every resource a verify run creates carries this tag with the run id.
pub const RUN_TAG: &str = "ecsrole:verify-run";
/// How long Batch may take to see a just-created role or profile (IAM propagation).
pub const PROPAGATION_BOUND: Duration = Duration::from_secs(60);

/// How far verify goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The compute environment becomes VALID.
    Ce,
    /// A container instance registers in the compute environment's ECS cluster.
    Instance,
    /// A job runs to SUCCEEDED.
    Job,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ce => "ce",
            Level::Instance => "instance",
            Level::Job => "job",
        }
    }

    /// The proving steps of a run at this level, in order (teardown not included): what a
    /// report lists as skipped when a run stops before reaching them.
    pub fn steps(self) -> &'static [&'static str] {
        match self {
            Level::Ce => &[
                "check",
                "network",
                "service_role",
                "create_compute_environment",
                "compute_environment_valid",
            ],
            Level::Instance => &[
                "check",
                "network",
                "service_role",
                "create_compute_environment",
                "compute_environment_valid",
                "scale_up",
                "container_instance_registered",
            ],
            Level::Job => &[
                "check",
                "network",
                "service_role",
                "create_compute_environment",
                "compute_environment_valid",
                "create_job_queue",
                "job_queue_valid",
                "register_job_definition",
                "submit_job",
                "job_succeeded",
            ],
        }
    }
}

/// The names of one run's resources, derived from its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunNames {
    pub run_id: String,
    pub compute_environment: String,
    pub job_queue: String,
    pub job_definition: String,
}

impl RunNames {
    pub fn new(run_id: &str) -> RunNames {
        let name = format!("{NAME_PREFIX}{run_id}");
        RunNames {
            run_id: run_id.to_owned(),
            compute_environment: name.clone(),
            job_queue: name.clone(),
            job_definition: name,
        }
    }

    /// A fresh random run id: 10 hex digits.
    pub fn new_run_id() -> String {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos(),
        );
        h.write_u32(std::process::id());
        format!("{:010x}", h.finish() & 0xff_ffff_ffff)
    }

    pub fn tags(&self) -> HashMap<String, String> {
        HashMap::from([
            (RUN_TAG.to_owned(), self.run_id.clone()),
            (
                ecsrole_core::names::OWNER_TAG_KEY.to_owned(),
                ecsrole_core::names::OWNER_TAG_VALUE.to_owned(),
            ),
        ])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    Ok,
    Failed,
    Interrupted,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRecord {
    pub name: &'static str,
    pub status: StepStatus,
    pub elapsed_ms: u64,
    pub detail: String,
}

/// Told about each step as it starts and ends (the CLI draws progress from it).
pub trait Progress: Send + Sync {
    fn started(&self, name: &'static str);
    fn finished(&self, step: &StepRecord);
}

/// Progress that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: &'static str) {}
    fn finished(&self, _: &StepRecord) {}
}

/// Why a run did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureKind {
    /// `check` found drift; nothing was created.
    Drift,
    /// The role was shown not to work.
    RoleBroken,
    /// Something else went wrong (network, permissions of the operator, timeout).
    Error,
    /// SIGINT or SIGTERM.
    Interrupted,
}

#[derive(Debug, Clone)]
pub(crate) struct Failure {
    kind: FailureKind,
    pub(crate) message: String,
    findings: Vec<Finding>,
}

impl Failure {
    fn new(kind: FailureKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
            findings: vec![],
        }
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Failure {
        Failure::new(FailureKind::Error, e.to_string())
    }
}

impl From<ecsrole_core::Error> for Failure {
    fn from(e: ecsrole_core::Error) -> Failure {
        Failure::new(FailureKind::Error, e.to_string())
    }
}

/// The result of a run: `{"verified", "level", "run_id", "steps", "leftovers", ...}`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyOutcome {
    pub verified: bool,
    pub level: Level,
    pub run_id: String,
    pub steps: Vec<StepRecord>,
    /// What is left of this run (with `--keep`: what was kept on purpose).
    pub leftovers: Vec<String>,
    pub kept: bool,
    /// Why it did not verify.
    pub failure: Option<FailureKind>,
    pub error: Option<String>,
    /// The drift `check` found, when that stopped the run.
    pub findings: Vec<Finding>,
}

/// What a run is asked to do.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    pub level: Level,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub service_role: Option<String>,
    pub image: String,
    pub keep: bool,
    /// Bound on proving (teardown has its own).
    pub timeout: Duration,
    pub teardown_timeout: Duration,
    pub run_id: String,
    pub max_vcpus: i32,
    pub backoff: Backoff,
}

pub const DEFAULT_IMAGE: &str = "public.ecr.aws/docker/library/busybox:stable";

fn aws_id(what: &'static str, value: &str, prefix: &str) -> Result<(), ecsrole_core::InputError> {
    let ok = value.strip_prefix(prefix).is_some_and(|hex| {
        (8..=17).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit())
    });
    if ok {
        Ok(())
    } else {
        Err(ecsrole_core::InputError::new(
            what,
            value,
            format!("an id like {prefix}0123456789abcdef0"),
        ))
    }
}

impl VerifyOptions {
    /// Checks every id, ARN and image name before any call.
    pub fn validate(
        &self,
        partition: ecsrole_core::Partition,
    ) -> Result<(), ecsrole_core::InputError> {
        for s in &self.subnets {
            aws_id("subnet", s, "subnet-")?;
        }
        for g in &self.security_groups {
            aws_id("security group", g, "sg-")?;
        }
        if let Some(arn) = &self.service_role {
            ecsrole_core::names::validate_role_arn("service role ARN", arn, partition)?;
        }
        if self.image.is_empty() || self.image.contains(char::is_whitespace) {
            return Err(ecsrole_core::InputError::new(
                "image",
                &self.image,
                "an image reference without spaces",
            ));
        }
        Ok(())
    }

    pub fn new(level: Level) -> VerifyOptions {
        VerifyOptions {
            level,
            subnets: vec![],
            security_groups: vec![],
            service_role: None,
            image: DEFAULT_IMAGE.to_owned(),
            keep: false,
            timeout: Duration::from_secs(900),
            teardown_timeout: Duration::from_secs(900),
            run_id: RunNames::new_run_id(),
            max_vcpus: 2,
            backoff: Backoff::DEFAULT,
        }
    }
}

/// Records steps with their timings; knows the step in progress when a run is cut short.
struct Recorder<'a> {
    progress: &'a dyn Progress,
    steps: Mutex<Vec<StepRecord>>,
    current: Mutex<Option<(&'static str, Instant)>>,
}

impl<'a> Recorder<'a> {
    fn new(progress: &'a dyn Progress) -> Self {
        Recorder {
            progress,
            steps: Mutex::new(vec![]),
            current: Mutex::new(None),
        }
    }

    fn push(&self, name: &'static str, status: StepStatus, start: Instant, detail: String) {
        let record = StepRecord {
            name,
            status,
            elapsed_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            detail,
        };
        self.progress.finished(&record);
        self.steps.lock().expect("steps").push(record);
    }

    async fn step<T>(
        &self,
        name: &'static str,
        work: impl Future<Output = Result<(T, String), Failure>>,
    ) -> Result<T, Failure> {
        self.progress.started(name);
        *self.current.lock().expect("current") = Some((name, Instant::now()));
        let result = work.await;
        let (name, start) = self
            .current
            .lock()
            .expect("current")
            .take()
            .expect("a step in progress");
        match result {
            Ok((value, detail)) => {
                self.push(name, StepStatus::Ok, start, detail);
                Ok(value)
            }
            Err(f) => {
                self.push(name, StepStatus::Failed, start, f.message.clone());
                Err(f)
            }
        }
    }

    /// Closes the step a cancelled run left open.
    fn abandon(&self, status: StepStatus, detail: &str) {
        if let Some((name, start)) = self.current.lock().expect("current").take() {
            self.push(name, status, start, detail.to_owned());
        }
    }

    fn into_steps(self) -> Vec<StepRecord> {
        self.steps.into_inner().expect("steps")
    }
}

/// Everything verify and cleanup talk to.
pub struct Verifier {
    pub engine: Engine,
    pub iam: Iam,
    pub batch: BatchApi,
    /// `None` when no EC2 lookup may be made (then subnets and groups must be given).
    pub ec2: Option<Ec2>,
    pub region: String,
}

fn lower(s: &str) -> String {
    s.to_ascii_lowercase()
}

/// Does `message` mention any of `needles` (lower-case), ignoring case?
fn mentions_any(message: &str, needles: &[&str]) -> bool {
    let m = lower(message);
    needles.iter().any(|k| m.contains(k))
}

/// Does this message blame the instance profile or instance role?
fn about_instance_role(message: &str) -> bool {
    mentions_any(
        message,
        &[
            "iaminstanceprofile",
            "instance profile",
            "instancerole",
            "instance role",
        ],
    )
}

/// The transient errors of IAM propagation (../shared/FACTS.md), as Batch reports them.
fn propagation_error(e: &ecsrole_core::Error) -> bool {
    let ecsrole_core::Error::Service { message, .. } = e else {
        return false;
    };
    about_instance_role(message)
        || mentions_any(
            message,
            &[
                "unable to assume",
                "service linked role",
                "service-linked role",
                "not authorized to perform: sts:assumerole",
                "invalid principal",
            ],
        )
}

fn already_exists(e: &ecsrole_core::Error) -> bool {
    matches!(e, ecsrole_core::Error::Service { message, .. } if mentions_any(message, &["already exist"]))
}

impl Verifier {
    /// Runs verify: proves up to `opts.level` (bounded by `opts.timeout`, cut short by
    /// `interrupt`), then tears down everything of the run unless `opts.keep`.
    pub async fn verify(
        &self,
        opts: &VerifyOptions,
        progress: &dyn Progress,
        interrupt: impl Future<Output = String>,
    ) -> VerifyOutcome {
        let names = RunNames::new(&opts.run_id);
        let rec = Recorder::new(progress);
        let deadline = Instant::now() + opts.timeout;
        // The waits inside end at the deadline with their own diagnosis; this outer bound
        // only catches a call that is still running then.
        let outer = deadline + Duration::from_secs(5);
        // Boxed: the flow's futures are large, and debug builds run them on small stacks.
        let prove = Box::pin(self.prove(opts, &names, &rec, deadline));
        let result = tokio::select! {
            r = tokio::time::timeout_at(outer, prove) => match r {
                Ok(r) => r,
                Err(_) => Err(Failure::new(FailureKind::Error, format!("timed out after {:?} (--timeout)", opts.timeout))),
            },
            signal = interrupt => Err(Failure::new(FailureKind::Interrupted, format!("interrupted by {signal}"))),
        };
        if let Err(f) = &result {
            let status = if f.kind == FailureKind::Interrupted {
                StepStatus::Interrupted
            } else {
                StepStatus::Failed
            };
            rec.abandon(status, &f.message);
        }
        let drift = matches!(&result, Err(f) if f.kind == FailureKind::Drift);
        let leftovers = if drift {
            vec![]
        } else if opts.keep {
            self.leftovers(&names).await.unwrap_or_default()
        } else {
            self.teardown(
                &names,
                &rec,
                Instant::now() + opts.teardown_timeout,
                opts.backoff,
            )
            .await
        };
        let (failure, error, findings) = match result {
            Ok(()) => (None, None, vec![]),
            Err(f) => (Some(f.kind), Some(f.message), f.findings),
        };
        VerifyOutcome {
            verified: failure.is_none(),
            level: opts.level,
            run_id: names.run_id,
            steps: rec.into_steps(),
            leftovers,
            kept: opts.keep && !drift,
            failure,
            error,
            findings,
        }
    }

    async fn prove(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let profile_arn = rec
            .step("check", async {
                let actual = self.engine.read().await?;
                let report = findings::check(self.engine.desired(), &actual);
                if !report.compliant {
                    let codes: Vec<_> = report.findings.iter().map(|f| f.code.as_str()).collect();
                    return Err(Failure {
                        kind: FailureKind::Drift,
                        message: format!(
                            "the role is not compliant ({}): run `ecsrole plan`",
                            codes.join(", ")
                        ),
                        findings: report.findings,
                    });
                }
                let arn = actual.instance_profile.map(|p| p.arn).unwrap_or_default();
                Ok((arn.clone(), format!("compliant; instance profile {arn}")))
            })
            .await?;

        let network = rec
            .step("network", async {
                let net = self.network(opts).await?;
                let detail = format!(
                    "{}subnets {}; security groups {}",
                    net.vpc
                        .as_ref()
                        .map_or(String::new(), |v| format!("default VPC {v}: ")),
                    net.subnets.join(","),
                    net.security_groups.join(",")
                );
                Ok((net, detail))
            })
            .await?;

        let service_role = rec
            .step("service_role", async {
                match &opts.service_role {
                    Some(arn) => Ok((arn.clone(), format!("{arn} (--service-role)"))),
                    None => {
                        let (arn, created) = self.iam.batch_service_linked_role().await?;
                        let how = if created { "created" } else { "exists" };
                        Ok((arn.clone(), format!("{arn} (service-linked role, {how})")))
                    }
                }
            })
            .await?;

        let tags = names.tags();
        let spec = CeSpec {
            name: &names.compute_environment,
            instance_profile_arn: &profile_arn,
            service_role_arn: &service_role,
            subnets: &network.subnets,
            security_groups: &network.security_groups,
            max_vcpus: opts.max_vcpus,
            tags: &tags,
        };
        rec.step("create_compute_environment", async {
            let arn = self
                .create_compute_environment(&spec, deadline, opts.backoff)
                .await?;
            Ok(((), arn))
        })
        .await?;

        let cluster = rec
            .step("compute_environment_valid", async {
                let name = &names.compute_environment;
                let found = poll::until(deadline, opts.backoff, || async {
                    let ce = self.batch.describe_compute_environments(&[name]).await?;
                    Ok::<_, Failure>(match ce.into_iter().find(|c| !c.gone()) {
                        None => Poll::Pending("not visible yet".into()),
                        Some(c) if c.status == "VALID" => Poll::Ready(c),
                        Some(c) if c.status == "INVALID" => {
                            let kind = if about_instance_role(&c.status_reason) {
                                FailureKind::RoleBroken
                            } else {
                                FailureKind::Error
                            };
                            return Err(Failure::new(
                                kind,
                                format!(
                                    "compute environment {name} is INVALID: {}",
                                    c.status_reason
                                ),
                            ));
                        }
                        Some(c) => Poll::Pending(format!("status {}", c.status)),
                    })
                })
                .await
                .map_err(|e| waited(e, &format!("compute environment {name}"), "become VALID"))?;
                let cluster = found.ecs_cluster_arn.clone().unwrap_or_default();
                Ok((cluster.clone(), format!("VALID; ECS cluster {cluster}")))
            })
            .await?;

        match opts.level {
            Level::Ce => Ok(()),
            Level::Instance => {
                self.prove_instance(opts, names, rec, deadline, &cluster)
                    .await
            }
            Level::Job => self.prove_job(opts, names, rec, deadline).await,
        }
    }

    async fn network(&self, opts: &VerifyOptions) -> Result<Network, Error> {
        if !opts.subnets.is_empty() && !opts.security_groups.is_empty() {
            return Ok(Network {
                vpc: None,
                subnets: opts.subnets.clone(),
                security_groups: opts.security_groups.clone(),
            });
        }
        let no_vpc = || Error::NoDefaultVpc {
            region: self.region.clone(),
        };
        let Some(ec2) = &self.ec2 else {
            return Err(no_vpc());
        };
        let mut net = ec2.default_network().await?.ok_or_else(no_vpc)?;
        let vpc = net.vpc.clone().unwrap_or_default();
        if !opts.subnets.is_empty() {
            net.subnets = opts.subnets.clone();
        }
        if !opts.security_groups.is_empty() {
            net.security_groups = opts.security_groups.clone();
        }
        if net.subnets.is_empty() {
            return Err(Error::IncompleteDefaultVpc {
                vpc,
                what: "no default subnets",
            });
        }
        if net.security_groups.is_empty() {
            return Err(Error::IncompleteDefaultVpc {
                vpc,
                what: "no default security group",
            });
        }
        Ok(net)
    }

    /// Creates the compute environment, riding out IAM propagation (only the named
    /// transient errors, bounded). "Already exists" means an earlier attempt's answer was
    /// lost (the name carries this run's fresh id, so nobody else made it): done.
    async fn create_compute_environment(
        &self,
        spec: &CeSpec<'_>,
        deadline: Instant,
        backoff: Backoff,
    ) -> Result<String, Failure> {
        let bound = deadline.min(Instant::now() + PROPAGATION_BOUND);
        let result = poll::until(bound, backoff, || async move {
            match self.batch.create_compute_environment(spec).await {
                Ok(arn) => Ok(Poll::Ready(arn)),
                Err(Error::Core(e)) if propagation_error(&e) => Ok(Poll::Pending(e.to_string())),
                Err(Error::Core(e)) if already_exists(&e) => {
                    let found = self
                        .batch
                        .describe_compute_environments(&[spec.name])
                        .await?;
                    Ok(Poll::Ready(
                        found.first().map(|c| c.arn.clone()).unwrap_or_default(),
                    ))
                }
                Err(e) => Err(Failure::from(e)),
            }
        })
        .await;
        match result {
            Ok(arn) => Ok(arn),
            Err(PollError::Failed(f)) => Err(f),
            Err(PollError::TimedOut { waited, last }) => {
                let kind = if about_instance_role(&last) {
                    FailureKind::RoleBroken
                } else {
                    FailureKind::Error
                };
                Err(Failure::new(
                    kind,
                    format!(
                        "Batch kept rejecting the compute environment for {waited:.0?} (IAM propagation allowance): {last}"
                    ),
                ))
            }
        }
    }

    async fn prove_instance(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
        cluster: &str,
    ) -> Result<(), Failure> {
        rec.step("scale_up", async {
            self.batch
                .set_desired_vcpus(&names.compute_environment, 1)
                .await?;
            Ok((
                (),
                "minvCpus 1, desiredvCpus 1: Batch launches one instance".to_owned(),
            ))
        })
        .await?;
        rec.step("container_instance_registered", async {
            let found = poll::until(deadline, opts.backoff, || async {
                let arns = self.batch.container_instances(cluster).await?;
                Ok::<_, Error>(match arns.into_iter().next() {
                    Some(arn) => Poll::Ready(arn),
                    None => Poll::Pending("0 container instances in the cluster".into()),
                })
            })
            .await;
            match found {
                Ok(arn) => Ok(((), format!("container instance {arn} registered"))),
                Err(PollError::Failed(e)) => Err(e.into()),
                Err(PollError::TimedOut { waited, last }) => Err(Failure::new(
                    FailureKind::RoleBroken,
                    format!(
                        "no container instance registered in ECS cluster {cluster} within {waited:.0?}: the instance role most likely lacks ECS permissions (is AmazonEC2ContainerServiceforEC2Role attached?), or the instances cannot reach ECS; seen: compute environment VALID, desiredvCpus 1, {last}"
                    ),
                )),
            }
        })
        .await
    }

    async fn prove_job(
        &self,
        opts: &VerifyOptions,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
    ) -> Result<(), Failure> {
        let tags = names.tags();
        let ce = &names.compute_environment;
        let queue = rec
            .step("create_job_queue", async {
                let ce_arn = self
                    .batch
                    .describe_compute_environments(&[ce])
                    .await?
                    .first()
                    .map(|c| c.arn.clone())
                    .unwrap_or_else(|| ce.clone());
                let arn = match self
                    .batch
                    .create_job_queue(&names.job_queue, &ce_arn, &tags)
                    .await
                {
                    // A lost answer, retried: this run's queue exists.
                    Err(Error::Core(e)) if already_exists(&e) => self
                        .describe(Kind::JobQueue, &names.job_queue)
                        .await?
                        .map_or_else(|| names.job_queue.clone(), |q| q.arn),
                    other => other?,
                };
                Ok((arn.clone(), arn))
            })
            .await?;
        rec.step("job_queue_valid", async {
            let q = &names.job_queue;
            poll::until(deadline, opts.backoff, || async {
                let found = self.batch.describe_job_queues(&[q]).await?;
                Ok::<_, Error>(match found.into_iter().find(|x| !x.gone()) {
                    Some(x) if x.status == "VALID" => Poll::Ready(()),
                    Some(x) => Poll::Pending(format!("status {} {}", x.status, x.status_reason)),
                    None => Poll::Pending("not visible yet".into()),
                })
            })
            .await
            .map_err(|e| waited(e, &format!("job queue {q}"), "become VALID"))?;
            Ok(((), "VALID".to_owned()))
        })
        .await?;
        let definition = rec
            .step("register_job_definition", async {
                let arn = self
                    .batch
                    .register_job_definition(&names.job_definition, &opts.image, &tags)
                    .await?;
                Ok((
                    arn.clone(),
                    format!("{arn} ({}, command `true`)", opts.image),
                ))
            })
            .await?;
        let job = rec
            .step("submit_job", async {
                let id = self
                    .batch
                    .submit_job(&names.job_definition, &queue, &definition)
                    .await?;
                Ok((id.clone(), format!("job {id}")))
            })
            .await?;
        rec.step("job_succeeded", async {
            let last_status = Mutex::new(JobStatus::Submitted);
            let job = &job;
            let result = poll::until(deadline, opts.backoff, || {
                let last_status = &last_status;
                async move {
                    let Some((status, reason)) = self.batch.describe_job(job).await? else {
                        return Ok(Poll::Pending("not visible yet".into()));
                    };
                    *last_status.lock().expect("status") = status.clone();
                    match status {
                        JobStatus::Succeeded => Ok(Poll::Ready(())),
                        JobStatus::Failed => {
                            let role = mentions_any(&reason, &["cannotpull", "ecr", "accessdenied"]);
                            let hint = if role {
                                "the instance role needs ECR permissions to pull the image (AmazonEC2ContainerServiceforEC2Role grants them)"
                            } else {
                                "check --image and that its command can run"
                            };
                            Err(Failure::new(
                                if role { FailureKind::RoleBroken } else { FailureKind::Error },
                                format!("job {job} FAILED: {reason}; hint: {hint}"),
                            ))
                        }
                        s => Ok(Poll::Pending(format!("status {} {reason}", s.as_str()))),
                    }
                }
            })
            .await;
            match result {
                Ok(()) => Ok(((), format!("job {job} SUCCEEDED"))),
                Err(PollError::Failed(f)) => Err(f),
                Err(PollError::TimedOut { waited, last })
                    if *last_status.lock().expect("status") == JobStatus::Runnable =>
                {
                    Err(Failure::new(
                    FailureKind::RoleBroken,
                    format!(
                        "job {job} stuck in RUNNABLE for {waited:.0?} ({last}): no instance took it, so instances most likely never registered with ECS: the instance role lacks ECS permissions (is AmazonEC2ContainerServiceforEC2Role attached?)"
                    ),
                ))
                }
                Err(PollError::TimedOut { waited, last }) => Err(Failure::new(
                    FailureKind::Error,
                    format!("job {job} did not finish within {waited:.0?} (last seen: {last})"),
                )),
            }
        })
        .await
    }

    /// Deletes this run's resources in Batch's order: job queue (disable, wait, delete,
    /// wait until gone), compute environment (same), job definitions. Each step runs even
    /// when an earlier one failed. Returns what is left, looked up afresh.
    async fn teardown(
        &self,
        names: &RunNames,
        rec: &Recorder<'_>,
        deadline: Instant,
        backoff: Backoff,
    ) -> Vec<String> {
        // Each resource is looked up once; a failed look-up still attempts the delete.
        for (kind, name, step) in [
            (Kind::JobQueue, &names.job_queue, "delete_job_queue"),
            (
                Kind::ComputeEnvironment,
                &names.compute_environment,
                "delete_compute_environment",
            ),
        ] {
            let known = match self.describe(kind, name).await {
                Ok(None) => continue,
                Ok(found) => found,
                Err(_) => None,
            };
            let _ = rec
                .step(step, async {
                    self.retire(kind, name, known, deadline, backoff).await?;
                    Ok(((), format!("{name} disabled, deleted, gone")))
                })
                .await;
        }
        let definitions = self
            .batch
            .active_job_definitions(Some(&names.job_definition))
            .await;
        if !matches!(&definitions, Ok(d) if d.is_empty()) {
            let _ = rec
                .step("deregister_job_definition", async {
                    let found = match definitions {
                        Ok(found) => found,
                        Err(_) => {
                            self.batch
                                .active_job_definitions(Some(&names.job_definition))
                                .await?
                        }
                    };
                    for (arn, _) in &found {
                        self.batch.deregister_job_definition(arn).await?;
                    }
                    let arns: Vec<_> = found.into_iter().map(|(a, _)| a).collect();
                    Ok(((), arns.join(", ")))
                })
                .await;
        }
        rec.step("leftovers", async {
            let left = self.leftovers(names).await?;
            let detail = if left.is_empty() {
                format!("nothing tagged {RUN_TAG}={} is left", names.run_id)
            } else {
                format!("left behind: {}; run `ecsrole cleanup`", left.join(", "))
            };
            Ok((left, detail))
        })
        .await
        .unwrap_or_else(|f| {
            vec![format!(
                "unknown (the leftover check failed: {})",
                f.message
            )]
        })
    }

    /// Everything of this run that still exists: by tag and by name, asked of Batch.
    pub async fn leftovers(&self, names: &RunNames) -> Result<Vec<String>, Error> {
        let (ces, queues, definitions) = tokio::try_join!(
            self.batch.describe_compute_environments(&[]),
            self.batch.describe_job_queues(&[]),
            self.batch
                .active_job_definitions(Some(&names.job_definition)),
        )?;
        let ours = |d: &Described, name: &str| {
            !d.gone() && (d.tags.get(RUN_TAG) == Some(&names.run_id) || d.name == name)
        };
        let mut left: Vec<String> = queues
            .iter()
            .filter(|q| ours(q, &names.job_queue))
            .map(|q| format!("job-queue/{} ({})", q.name, q.status))
            .collect();
        left.extend(
            ces.iter()
                .filter(|c| ours(c, &names.compute_environment))
                .map(|c| format!("compute-environment/{} ({})", c.name, c.status)),
        );
        left.extend(
            definitions
                .into_iter()
                .map(|(arn, _)| format!("job-definition {arn}")),
        );
        Ok(left)
    }

    /// The resource if it exists and is not DELETED.
    async fn describe(&self, kind: Kind, name: &str) -> Result<Option<Described>, Error> {
        let found = match kind {
            Kind::JobQueue => self.batch.describe_job_queues(&[name]).await?,
            Kind::ComputeEnvironment => self.batch.describe_compute_environments(&[name]).await?,
        };
        Ok(found.into_iter().find(|d| !d.gone()))
    }

    /// Disable, wait until settled, delete, wait until gone. `known` is the resource as
    /// just described, when the caller has it (saves a call).
    pub(crate) async fn retire(
        &self,
        kind: Kind,
        name: &str,
        known: Option<Described>,
        deadline: Instant,
        backoff: Backoff,
    ) -> Result<(), Failure> {
        let describe = || self.describe(kind, name);
        let current = match known {
            Some(d) => d,
            None => match describe().await? {
                Some(d) => d,
                None => return Ok(()),
            },
        };
        if current.state != "DISABLED" {
            match kind {
                Kind::JobQueue => self.batch.disable_job_queue(name).await?,
                Kind::ComputeEnvironment => self.batch.disable_compute_environment(name).await?,
            }
        }
        poll::until(deadline, backoff, || async {
            Ok::<_, Error>(match describe().await? {
                None => Poll::Ready(()),
                Some(d) if is_updating(&d.status) || d.state != "DISABLED" => {
                    Poll::Pending(format!("{} {}", d.status, d.state))
                }
                Some(_) => Poll::Ready(()),
            })
        })
        .await
        .map_err(|e| waited(e, &format!("{} {name}", kind.as_str()), "settle DISABLED"))?;
        match kind {
            Kind::JobQueue => self.batch.delete_job_queue(name).await?,
            Kind::ComputeEnvironment => self.batch.delete_compute_environment(name).await?,
        }
        poll::until(deadline, backoff, || async {
            Ok::<_, Error>(match describe().await? {
                None => Poll::Ready(()),
                Some(d) => Poll::Pending(format!("status {}", d.status)),
            })
        })
        .await
        .map_err(|e| waited(e, &format!("{} {name}", kind.as_str()), "disappear"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    JobQueue,
    ComputeEnvironment,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::JobQueue => "job queue",
            Kind::ComputeEnvironment => "compute environment",
        }
    }
}

fn waited<E: Into<Failure>>(e: PollError<E>, what: &str, goal: &'static str) -> Failure {
    match e {
        PollError::Failed(e) => e.into(),
        PollError::TimedOut { waited, last } => Error::TimedOut {
            what: what.to_owned(),
            goal,
            waited,
            last,
        }
        .into(),
    }
}
