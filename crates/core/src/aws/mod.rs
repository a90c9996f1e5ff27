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
mod http;
mod pressure;

pub use call::{Calls, call, call_opt, call_paged};
pub use clock::{AwsClock, Offset, REPORTED_SKEW};
pub use credentials::{CachedCredentials, REFRESH_BEFORE};
pub use pressure::Throttles;

/// The services ecsrole calls, by the SDK's service id (what `AWS_ENDPOINT_URL_<ID>` and
/// the profile's `services` section name).
pub const SERVICES: [&str; 7] = [
    "IAM",
    "STS",
    "Batch",
    "ECS",
    "EC2",
    "Auto Scaling",
    "Organizations",
];

/// Is `url` one of AWS's own endpoints (by host: `*.amazonaws.com`, `*.amazonaws.com.cn`,
/// `*.api.aws`, the isolated partitions' domains)? A VPC endpoint's DNS name is one too.
pub fn is_aws_endpoint(url: &str) -> bool {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = match host.rsplit_once(':') {
        Some((h, port)) if port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
    .to_ascii_lowercase();
    [
        ".amazonaws.com",
        ".amazonaws.com.cn",
        ".api.aws",
        ".api.amazonwebservices.com.cn",
        ".c2s.ic.gov",
        ".sc2s.sgov.gov",
    ]
    .iter()
    .any(|d| host.ends_with(d))
}

/// EC2's own endpoint in `region`, as the SDK's endpoint rules give it (FIPS and
/// dual-stack variants included).
pub fn ec2_default_endpoint(region: &str, fips: bool, dual_stack: bool) -> String {
    let china = region.starts_with("cn-");
    let suffix = match (china, dual_stack) {
        (true, false) => "amazonaws.com.cn",
        (true, true) => "api.amazonwebservices.com.cn",
        (false, false) => "amazonaws.com",
        (false, true) => "api.aws",
    };
    let name = if fips { "ec2-fips" } else { "ec2" };
    format!("https://{name}.{region}.{suffix}")
}

/// Auto Scaling's endpoint in `region` when none is configured (its own query API).
pub fn autoscaling_default_endpoint(region: &str) -> String {
    let suffix = if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    };
    format!("https://autoscaling.{region}.{suffix}")
}

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
async fn check_profile(what: &'static str, name: &str) -> Result<(), InputError> {
    use aws_runtime::env_config::file::EnvConfigFiles;
    use aws_types::os_shim_internal::{Env, Fs};
    let files = "the AWS config files (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/config and ~/.aws/credentials)";
    let set =
        aws_config::profile::load(&Fs::real(), &Env::real(), &EnvConfigFiles::default(), None)
            .await
            .map_err(|e| {
                InputError::new(
                    what,
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
        what,
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
            // TLS only for the requests that need it (`http.rs`).
            .http_client(http::client())
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS));
        if let Some(r) = &opts.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(p) = &opts.profile {
            check_profile("profile", p).await?;
            loader = loader.profile_name(p);
        } else if let Some(p) = std::env::var("AWS_PROFILE")
            .ok()
            .filter(|p| !p.is_empty() && p != "default")
        {
            // As the AWS CLI does ("The config profile (prod) could not be found"): a
            // profile the environment names and the files lack is an error, never the
            // environment's keys instead. (`default` may be absent: then the chain decides.)
            check_profile("AWS_PROFILE", &p).await?;
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
        let calls = Calls::default();
        let what = if opts.call_timeout.is_some_and(|b| b <= CALL_TIMEOUT) {
            "--timeout"
        } else {
            "the per-call bound"
        };
        calls.set_bound(call, what);
        Ok(Aws {
            config,
            partition,
            calls,
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

    /// The endpoint configured for `service_id` (the SDK's service id: `IAM`, `EC2`,
    /// `Batch`...), resolved exactly as the SDK's generated clients resolve theirs
    /// (`From<&SdkConfig>`): `--endpoint-url` (client configuration) first; else
    /// `AWS_ENDPOINT_URL_<SERVICE>` and the profile's `services` section, through
    /// aws-config's own service configuration (which honours
    /// `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`); else `AWS_ENDPOINT_URL` or the profile's
    /// `endpoint_url`. `None`: AWS's own endpoint for the region.
    pub fn configured_endpoint(&self, service_id: &str) -> Option<String> {
        let c = &self.config;
        if c.get_origin("endpoint_url").is_client_config() {
            return c.endpoint_url().map(str::to_owned);
        }
        let key = aws_types::service_config::ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build()
            .expect("every field is set");
        c.service_config()
            .and_then(|conf| conf.load_config(key))
            .or_else(|| c.endpoint_url().map(str::to_owned))
    }

    /// The endpoints configured that are not AWS's, each with the services sent there
    /// (of [`SERVICES`]): what the "signed requests go to" note names.
    pub fn foreign_endpoints(&self) -> Vec<(String, Vec<&'static str>)> {
        let mut out: Vec<(String, Vec<&'static str>)> = vec![];
        for service in SERVICES {
            let Some(url) = self.configured_endpoint(service) else {
                continue;
            };
            if is_aws_endpoint(&url) {
                continue;
            }
            match out.iter_mut().find(|(u, _)| *u == url) {
                Some((_, services)) => services.push(service),
                None => out.push((url, vec![service])),
            }
        }
        out
    }

    /// What a failed connection names: the configured endpoint, or the service's default.
    pub fn endpoint_name(&self, service: &str) -> String {
        match self.configured_endpoint(service) {
            Some(url) => url,
            None => format!("the {service} endpoint of partition {}", self.partition),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_endpoints_by_host() {
        for aws in [
            "https://iam.amazonaws.com",
            "https://ec2.us-east-1.amazonaws.com/",
            "https://vpce-0123-abcd.batch.eu-west-1.vpce.amazonaws.com",
            "https://ec2.cn-north-1.amazonaws.com.cn",
            "https://ec2.us-east-1.api.aws",
            "https://IAM.AMAZONAWS.COM:443",
        ] {
            assert!(is_aws_endpoint(aws), "{aws}");
        }
        for other in [
            "http://127.0.0.1:4566",
            "http://localhost:5000",
            "https://amazonaws.com.evil.example",
            "https://iam.amazonaws.com.evil.example/",
            "https://evil.example/?.amazonaws.com",
            "https://x.amazonaws.com@evil.example",
        ] {
            assert!(!is_aws_endpoint(other), "{other}");
        }
    }

    #[test]
    fn ec2_endpoints_follow_fips_and_dual_stack() {
        assert_eq!(
            ec2_default_endpoint("us-east-1", false, false),
            "https://ec2.us-east-1.amazonaws.com"
        );
        assert_eq!(
            ec2_default_endpoint("us-east-1", true, false),
            "https://ec2-fips.us-east-1.amazonaws.com"
        );
        assert_eq!(
            ec2_default_endpoint("us-east-1", false, true),
            "https://ec2.us-east-1.api.aws"
        );
        assert_eq!(
            ec2_default_endpoint("us-east-1", true, true),
            "https://ec2-fips.us-east-1.api.aws"
        );
        assert_eq!(
            ec2_default_endpoint("cn-north-1", false, false),
            "https://ec2.cn-north-1.amazonaws.com.cn"
        );
    }

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
