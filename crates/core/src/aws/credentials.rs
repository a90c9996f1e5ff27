//! The credentials every client of one [`Aws`](super::Aws) shares: resolved once, reused
//! until near expiry.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};

/// Cached credentials are resolved again when less than this remains before they expire.
pub const REFRESH_BEFORE: Duration = Duration::from_secs(5 * 60);

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
}
