//! What one verify run is asked to do, and the names and tags of what it creates.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

use ecsrole_core::poll::Backoff;

use crate::level::Level;

/// Every name a verify run gives starts with this; `cleanup` looks for it.
pub const NAME_PREFIX: &str = "ecsrole-verify-";
/// Every resource a verify run creates carries this tag with the run id.
pub const RUN_TAG: &str = "ecsrole:verify-run";
/// How long Batch may take to see a just-created role or profile (IAM propagation).
pub const PROPAGATION_BOUND: Duration = Duration::from_secs(60);

/// How long proving may take unless `--timeout` says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(900);
/// How long teardown may take after proving ended (CE deletion takes minutes on AWS).
pub const TEARDOWN_TIMEOUT: Duration = Duration::from_secs(900);

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
            timeout: DEFAULT_TIMEOUT,
            teardown_timeout: TEARDOWN_TIMEOUT,
            run_id: RunNames::new_run_id(),
            max_vcpus: 2,
            backoff: Backoff::DEFAULT,
        }
    }
}
