//! AWS configuration and call hygiene: every call has connect, attempt and operation
//! timeouts and bounded retries; every failure becomes an [`Error`] that names the call.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};

use crate::error::{Error, InputError};
use crate::partition::Partition;

mod call;
mod clock;
mod credentials;
mod pressure;

pub use call::{Calls, call, call_opt, call_paged};
pub use clock::{AwsClock, Offset, REPORTED_SKEW};
pub use credentials::{CachedCredentials, REFRESH_BEFORE};
pub use pressure::Throttles;

/// How to reach AWS, as the user said it. Unset fields follow the standard SDK chain
/// (environment, profile, `AWS_ENDPOINT_URL*`).
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub partition: Option<Partition>,
    /// Bound on one call, retries included (the command as a whole has its own bound).
    pub call_timeout: Option<Duration>,
}

/// The per-call limits. A server that accepts and never answers hits the attempt timeout;
/// retries are bounded by `MAX_ATTEMPTS`.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
pub const CALL_TIMEOUT: Duration = Duration::from_secs(30);
pub const MAX_ATTEMPTS: u32 = 3;

/// A region name such as `us-east-1`, `cn-north-1`, `us-gov-west-1`, `ap-southeast-5`.
pub fn validate_region(region: &str) -> Result<(), InputError> {
    let parts: Vec<&str> = region.split('-').collect();
    let ok = parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts
            .last()
            .is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(InputError::new(
            "region",
            region,
            "a region name like us-east-1, cn-north-1 or us-gov-west-1",
        ))
    }
}

/// An endpoint URL: `http://` or `https://` followed by a host.
pub fn validate_endpoint_url(url: &str) -> Result<(), InputError> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"));
    match rest {
        Some(host)
            if !host.is_empty()
                && !host.starts_with('/')
                && !host.contains(char::is_whitespace) =>
        {
            Ok(())
        }
        _ => Err(InputError::new(
            "endpoint URL",
            url,
            "http://HOST[:PORT] or https://HOST[:PORT]",
        )),
    }
}

/// A profile the user named (`--profile`, or `profile` in the config file) must be in the
/// AWS config files, read as the SDK reads them (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`): else the
/// SDK would either fall back to other credentials (the environment's come first) or dump
/// its whole provider chain. One line naming the profile instead, before any call.
async fn check_profile(name: &str) -> Result<(), InputError> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let files = "the AWS config files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials)";
    let set =
        aws_config::profile::load(&Fs::real(), &Env::real(), &EnvConfigFiles::default(), None)
            .await
            .map_err(|e| {
                InputError::new(
                    "profile",
                    name,
                    format!("a profile in {files}, which cannot be read: {e}"),
                )
            })?;
    if set.get_profile(name).is_some() {
        return Ok(());
    }
    let mut known: Vec<&str> = set.profiles().collect();
    known.sort_unstable();
    let known = if known.is_empty() {
        "they hold none".to_owned()
    } else {
        format!("they hold {}", known.join(", "))
    };
    Err(InputError::new(
        "profile",
        name,
        format!("a profile in {files}; {known}"),
    ))
}

/// A loaded AWS configuration, with the partition in force.
#[derive(Debug, Clone)]
pub struct Aws {
    pub config: SdkConfig,
    pub partition: Partition,
    pub calls: Calls,
}

impl Aws {
    /// Validates the options, then loads the standard configuration with ecsrole's timeouts
    /// and retries. Makes no network call (credentials resolve lazily, on the first call).
    pub async fn load(opts: &AwsOptions) -> Result<Aws, Error> {
        if let Some(r) = &opts.region {
            validate_region(r)?;
        }
        if let Some(u) = &opts.endpoint_url {
            validate_endpoint_url(u)?;
        }
        let call = opts.call_timeout.unwrap_or(CALL_TIMEOUT).min(CALL_TIMEOUT);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(CONNECT_TIMEOUT.min(call))
            .read_timeout(ATTEMPT_TIMEOUT.min(call))
            .operation_attempt_timeout(ATTEMPT_TIMEOUT.min(call))
            .operation_timeout(call)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &opts.profile {
            check_profile(p).await?;
            loader = loader.profile_name(p);
        }
        if let Some(u) = &opts.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        let config = loader.load().await;
        let region = config.region().map(|r| r.as_ref().to_owned());
        if let Some(r) = &region {
            validate_region(r)?;
        }
        let partition = opts
            .partition
            .or(region.as_deref().map(Partition::from_region))
            .unwrap_or(Partition::Aws);
        // IAM is global: without a configured region, sign for the partition's home region.
        let config = if region.is_none() {
            config
                .into_builder()
                .region(Region::new(partition.default_region()))
                .build()
        } else {
            config
        };
        let config = CachedCredentials::install(config);
        Ok(Aws {
            config,
            partition,
            calls: Calls::default(),
        })
    }

    /// The same configuration and credentials in another region (Batch and EC2 are
    /// regional; the calls are counted with this one's).
    pub fn in_region(&self, region: &str) -> Aws {
        if self.config.region().map(|r| r.as_ref()) == Some(region) {
            return self.clone();
        }
        Aws {
            config: self
                .config
                .clone()
                .into_builder()
                .region(Region::new(region.to_owned()))
                .build(),
            partition: self.partition,
            calls: self.calls.clone(),
        }
    }

    /// What a failed connection names: the configured endpoint, or the service's default.
    pub fn endpoint_name(&self, service: &str) -> String {
        match self.config.endpoint_url() {
            Some(url) => url.to_owned(),
            None => format!("the {service} endpoint of partition {}", self.partition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions() {
        for ok in [
            "us-east-1",
            "cn-north-1",
            "us-gov-west-1",
            "ap-southeast-5",
            "eu-central-2",
        ] {
            assert!(validate_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "useast1",
            "us-east",
            "US-EAST-1",
            "us_east_1",
            "mars-north-1x",
            "u-east-1",
        ] {
            assert!(validate_region(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn endpoints() {
        assert!(validate_endpoint_url("http://127.0.0.1:5000").is_ok());
        assert!(validate_endpoint_url("https://iam.amazonaws.com").is_ok());
        for bad in ["127.0.0.1:5000", "ftp://x", "http://", "http:///x"] {
            assert!(validate_endpoint_url(bad).is_err(), "{bad}");
        }
    }
}
