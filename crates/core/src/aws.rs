//! AWS configuration and call hygiene: every call has connect, attempt and operation
//! timeouts and bounded retries; every failure becomes an [`Error`] that names the call.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::error::{Error, InputError};
use crate::partition::Partition;

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

/// Cached credentials are resolved again when less than this remains before they expire.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

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

    /// What a failed connection names: the configured endpoint, or the service's default.
    pub fn endpoint_name(&self, service: &str) -> String {
        match self.config.endpoint_url() {
            Some(url) => url.to_owned(),
            None => format!("the {service} endpoint of partition {}", self.partition),
        }
    }
}

/// A credentials provider that resolves once and reuses the credentials until less than
/// [`REFRESH_BEFORE`] remains before they expire; concurrent callers wait on one
/// resolution. Clones share the cache.
///
/// Every [`Aws`] configuration carries its provider wrapped in this, so the SDK clients
/// (each also behind the SDK's identity cache) and the EC2 client, which has no SDK
/// behind it, share one identity: in fleet mode, one STS AssumeRole per account.
#[derive(Debug, Clone)]
pub struct CachedCredentials(Arc<CachedInner>);

#[derive(Debug)]
struct CachedInner {
    provider: SharedCredentialsProvider,
    cached: tokio::sync::Mutex<Option<Credentials>>,
}

impl CachedCredentials {
    pub fn new(provider: SharedCredentialsProvider) -> CachedCredentials {
        CachedCredentials(Arc::new(CachedInner {
            provider,
            cached: tokio::sync::Mutex::new(None),
        }))
    }

    /// `config` with its credentials provider (if any) behind a cache.
    pub fn install(config: SdkConfig) -> SdkConfig {
        match config.credentials_provider() {
            Some(provider) => config
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(CachedCredentials::new(
                    provider,
                )))
                .build(),
            None => config,
        }
    }

    /// The cached credentials, or fresh ones from the provider. Failures are not cached.
    pub async fn get(&self) -> Result<Credentials, CredentialsError> {
        let mut cached = self.0.cached.lock().await;
        if let Some(c) = cached.as_ref()
            && fresh(c, SystemTime::now())
        {
            return Ok(c.clone());
        }
        let credentials = self.0.provider.provide_credentials().await?;
        *cached = Some(credentials.clone());
        Ok(credentials)
    }
}

impl ProvideCredentials for CachedCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(self.get())
    }
}

fn fresh(credentials: &Credentials, now: SystemTime) -> bool {
    credentials
        .expiry()
        .is_none_or(|expiry| expiry > now + REFRESH_BEFORE)
}

/// The calls a command has made and has in flight; the CLI names the in-flight ones when
/// the whole-command timeout fires.
#[derive(Debug, Clone, Default)]
pub struct Calls(Arc<Mutex<CallsInner>>);

#[derive(Debug, Default)]
struct CallsInner {
    in_flight: Vec<&'static str>,
    made: usize,
}

impl Calls {
    fn enter(&self, action: &'static str) -> CallGuard {
        let mut inner = self.0.lock().expect("calls lock");
        inner.in_flight.push(action);
        inner.made += 1;
        CallGuard {
            calls: self.clone(),
            action,
            finished: false,
        }
    }

    /// The calls started and not finished (still running, or cancelled by the
    /// whole-command timeout), in start order.
    pub fn in_flight(&self) -> Vec<&'static str> {
        self.0.lock().expect("calls lock").in_flight.clone()
    }

    /// How many calls were started (each may have retried).
    pub fn made(&self) -> usize {
        self.0.lock().expect("calls lock").made
    }

    /// The message for a whole-command (or per-target) timeout: the bound, the calls it
    /// cut short, and how many had been made.
    pub fn timed_out(&self, bound: Duration) -> String {
        let in_flight = self.in_flight();
        let during = if in_flight.is_empty() {
            "between calls".to_owned()
        } else {
            format!("waiting for {}", in_flight.join(", "))
        };
        format!(
            "timed out after {}s (--timeout) {during}; {} call(s) had been made",
            bound.as_secs(),
            self.made()
        )
    }
}

struct CallGuard {
    calls: Calls,
    action: &'static str,
    finished: bool,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        // A call dropped before it finished was cancelled by the command's timeout: keep
        // it listed so the timeout message can name it.
        if !self.finished {
            return;
        }
        let mut inner = self.calls.0.lock().expect("calls lock");
        if let Some(i) = inner.in_flight.iter().position(|a| *a == self.action) {
            inner.in_flight.remove(i);
        }
    }
}

/// Runs one SDK call: recorded while in flight, its failure classified.
pub async fn call<T, E, F>(
    calls: &Calls,
    endpoint: &str,
    action: &'static str,
    fut: F,
) -> Result<T, Error>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut guard = calls.enter(action);
    tracing::debug!(action, "calling");
    // SDK operation futures are large; boxing keeps every caller's future small (debug
    // builds poll them on 2 MiB thread stacks).
    let out = Box::pin(fut).await;
    guard.finished = true;
    match &out {
        Ok(_) => tracing::debug!(action, "ok"),
        Err(e) => tracing::debug!(action, error = %DisplayErrorContext(e), "failed"),
    }
    out.map_err(|e| classify(action, endpoint, e))
}

/// Like [`call`], but `NoSuchEntity` means "absent" rather than failure.
pub async fn call_opt<T, E, F>(
    calls: &Calls,
    endpoint: &str,
    action: &'static str,
    fut: F,
) -> Result<Option<T>, Error>
where
    F: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    // The wrapper is generic over operations, so it matches the code rather than each
    // operation's own `is_no_such_entity_exception()`.
    call(calls, endpoint, action, async {
        match fut.await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.code() == Some("NoSuchEntity") => Ok(None),
            Err(e) => Err(e),
        }
    })
    .await
}

const ACCESS_DENIED_CODES: [&str; 4] = [
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnauthorizedAccess",
];

fn classify<E>(action: &'static str, endpoint: &str, err: SdkError<E, HttpResponse>) -> Error
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    if let Some(detail) = credentials_problem(&err) {
        return Error::NoCredentials { detail };
    }
    match &err {
        SdkError::TimeoutError(_) => Error::Timeout { action },
        SdkError::DispatchFailure(d) if d.is_timeout() => Error::Timeout { action },
        SdkError::DispatchFailure(d) if d.is_io() => Error::Unreachable {
            action,
            endpoint: endpoint.to_owned(),
            detail: root_cause(&err),
        },
        SdkError::ServiceError(_) => match err.code() {
            Some(code) if ACCESS_DENIED_CODES.contains(&code) => Error::AccessDenied {
                action,
                message: err.message().unwrap_or(code).to_owned(),
            },
            Some(code) => Error::Service {
                action,
                code: code.to_owned(),
                message: err.message().unwrap_or_default().to_owned(),
            },
            None => Error::Other {
                action,
                detail: format!(
                    "unrecognised response (HTTP {})",
                    err.raw_response().map_or(0, |r| r.status().as_u16())
                ),
            },
        },
        _ => Error::Other {
            action,
            detail: DisplayErrorContext(&err).to_string(),
        },
    }
}

fn credentials_problem(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut cur = Some(err);
    while let Some(e) = cur {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            return Some(root_cause(c));
        }
        cur = e.source();
    }
    None
}

fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// Counts how often it is asked; its credentials expire `valid_for` after issue.
    #[derive(Debug)]
    struct Counting {
        asked: Arc<AtomicUsize>,
        valid_for: Option<Duration>,
    }

    impl ProvideCredentials for Counting {
        fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
        where
            Self: 'a,
        {
            future::ProvideCredentials::new(async move {
                self.asked.fetch_add(1, Ordering::SeqCst);
                // Let the other callers reach the cache while this resolution is under way.
                tokio::task::yield_now().await;
                Ok(Credentials::new(
                    "AKID",
                    "secret",
                    None,
                    self.valid_for.map(|d| SystemTime::now() + d),
                    "counting",
                ))
            })
        }
    }

    fn cached(valid_for: Option<Duration>) -> (CachedCredentials, Arc<AtomicUsize>) {
        let asked = Arc::new(AtomicUsize::new(0));
        let provider = Counting {
            asked: asked.clone(),
            valid_for,
        };
        let cache = CachedCredentials::new(SharedCredentialsProvider::new(provider));
        (cache, asked)
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_resolution() {
        let (cache, asked) = cached(Some(Duration::from_secs(3600)));
        let clone = cache.clone();
        let (a, b, c) = tokio::join!(cache.get(), clone.get(), cache.provide_credentials());
        assert!(a.is_ok() && b.is_ok() && c.is_ok());
        cache.get().await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn credentials_near_expiry_are_resolved_again() {
        let (cache, asked) = cached(Some(Duration::from_secs(60)));
        cache.get().await.unwrap();
        cache.get().await.unwrap();
        assert_eq!(asked.load(Ordering::SeqCst), 2);
        let (cache, asked) = cached(None);
        cache.get().await.unwrap();
        cache.get().await.unwrap();
        assert_eq!(
            asked.load(Ordering::SeqCst),
            1,
            "static credentials never expire"
        );
    }

    #[test]
    fn freshness() {
        let now = SystemTime::now();
        let creds = |secs: u64| {
            Credentials::new("a", "s", None, Some(now + Duration::from_secs(secs)), "t")
        };
        assert!(fresh(&creds(3600), now));
        assert!(!fresh(&creds(299), now));
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
