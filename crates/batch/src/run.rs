//! What one verify run is asked to do, and the names and tags of what it creates.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use ecsrole_core::poll::Backoff;

use crate::level::Level;

// The names and tags of what a run creates, which `cleanup` looks for (defined with the
// lease they carry).
pub use crate::lease::{EXPIRES_TAG, NAME_PREFIX, RUN_TAG};
/// How long a just-created instance profile (or role) may be invisible to Batch: an
/// INVALID naming the profile is waited out while it is younger than this.
pub const PROPAGATION_ALLOWANCE: Duration = Duration::from_secs(120);
/// How long an instance may run before it must have registered with ECS (boot, agent
/// start, registration): an instance older than this that never registered is evidence
/// against the role.
pub const REGISTRATION_ALLOWANCE: Duration = Duration::from_secs(300);

/// How long proving may take unless `--timeout` says otherwise. Sized for the real
/// service's pace (the walk `tests/it/pace.rs` replays, time-compressed): a managed
/// compute environment is CREATING for about 30 s to 2 min; after a scale-up Batch takes a
/// minute or two to launch the instance (UPDATING meanwhile), the ECS-optimised AL2023 AMI
/// boots and its agent registers 1 to 3 min later ([`REGISTRATION_ALLOWANCE`] gives it 5);
/// a job then walks SUBMITTED, PENDING, RUNNABLE (until capacity registers), STARTING (the
/// image pull, tens of seconds), RUNNING, SUCCEEDED. About 5 to 8 minutes in all at level
/// job; 15 leaves room for a slow Spot or capacity-constrained zone.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(900);
/// How long teardown may take after proving ended: disabling is UPDATING for seconds to a
/// minute, and a compute environment is DELETING for 2 to 10 minutes on AWS (its
/// instances are terminated and its ECS cluster deleted first), a queue for about a minute.
pub const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(900);

/// The names of one run's resources, derived from its id, and the end of its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunNames {
    pub run_id: String,
    /// The first compute environment's name; a run that must let Batch validate again
    /// creates `<name>-2`, `<name>-3`... (see [`RunNames::compute_environment_attempt`]).
    pub compute_environment: String,
    pub job_queue: String,
    pub job_definition: String,
    /// When the run's lease ends, on this machine's clock: its start, plus its proving
    /// timeout, plus its teardown bound. The tag carries it on AWS's clock ([`Self::tags`]).
    pub expires: SystemTime,
}

impl RunNames {
    pub fn new(run_id: &str, expires: SystemTime) -> RunNames {
        let name = format!("{NAME_PREFIX}{run_id}");
        RunNames {
            run_id: run_id.to_owned(),
            compute_environment: name.clone(),
            job_queue: name.clone(),
            job_definition: name,
            expires,
        }
    }

    /// The name of the `n`th compute environment of the run (1-based).
    pub fn compute_environment_attempt(&self, n: u32) -> String {
        if n <= 1 {
            self.compute_environment.clone()
        } else {
            format!("{}-{n}", self.compute_environment)
        }
    }

    /// A run id as `verify` makes them (10 hex digits), for `cleanup --run`.
    pub fn validate_run_id(id: &str) -> Result<(), ecsrole_core::InputError> {
        if id.len() == 10 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
            Ok(())
        } else {
            Err(ecsrole_core::InputError::new(
                "run id",
                id,
                "the 10 hex digits verify prints (`verify run 0123456789`)",
            ))
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

    /// The tags of everything the run creates: owner, run, lease (its end on AWS's clock,
    /// which another machine's cleanup compares with AWS's clock too).
    pub fn tags(&self, clock: &ecsrole_core::aws::AwsClock) -> HashMap<String, String> {
        HashMap::from([
            (RUN_TAG.to_owned(), self.run_id.clone()),
            (
                ecsrole_core::names::OWNER_TAG_KEY.to_owned(),
                ecsrole_core::names::OWNER_TAG_VALUE.to_owned(),
            ),
            (
                EXPIRES_TAG.to_owned(),
                crate::lease::format(clock.to_aws(self.expires)),
            ),
        ])
    }
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
    pub propagation_allowance: Duration,
    pub registration_allowance: Duration,
    /// Where the run went, for the commands its messages name (`ecsrole plan`,
    /// `ecsrole cleanup --run`).
    pub hint: ecsrole_core::Hint,
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
    /// The names and the lease of a run of these options starting now.
    pub fn names(&self) -> RunNames {
        RunNames::new(
            &self.run_id,
            SystemTime::now() + self.timeout + self.teardown_timeout,
        )
    }

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
            timeout: DEFAULT_TIMEOUT,
            teardown_timeout: TEARDOWN_TIMEOUT,
            run_id: RunNames::new_run_id(),
            max_vcpus: 2,
            backoff: Backoff::DEFAULT,
            propagation_allowance: PROPAGATION_ALLOWANCE,
            registration_allowance: REGISTRATION_ALLOWANCE,
            hint: ecsrole_core::Hint::default(),
        }
    }
}
