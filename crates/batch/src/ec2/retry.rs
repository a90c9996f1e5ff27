//! How one EC2 query is bounded and retried, as the SDK does for its own clients: the
//! configuration's connect, attempt and call timeouts, at most its attempts, backing off,
//! and only what may pass on another try. Failures come out as the SDK's `SdkError`, so
//! `ecsrole_core::aws::call` classifies them like every other call's.

use std::future::Future;
use std::time::Duration;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use ecsrole_core::aws;
use hyper::body::Bytes;

/// The error codes EC2 (and the query protocols generally) use for throttling: retried.
const THROTTLING_CODES: [&str; 6] = [
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
];

pub(super) fn raw_response(status: u16, body: Bytes) -> HttpResponse {
    let status = StatusCode::try_from(status)
        .unwrap_or_else(|_| StatusCode::try_from(500).expect("500 is a valid status code"));
    HttpResponse::new(status, SdkBody::from(body))
}

/// A failure to get an answer: a timeout when the connection (or anything under it)
/// timed out, otherwise an I/O failure. Both are retried; `classify` names the endpoint.
pub(super) fn connector_error(e: hyper_util::client::legacy::Error) -> ConnectorError {
    let mut timed_out = false;
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = cur {
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            timed_out |= io.kind() == std::io::ErrorKind::TimedOut;
        }
        cur = err.source();
    }
    if timed_out {
        ConnectorError::timeout(e.into())
    } else {
        ConnectorError::io(e.into())
    }
}

/// Worth another attempt: no answer (connection failure or attempt timeout), a 5xx, or
/// throttling. Anything else is the answer.
pub(super) fn retryable<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
    match e {
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => true,
        SdkError::ServiceError(s) => {
            s.raw().status().is_server_error()
                || s.err()
                    .code()
                    .is_some_and(|c| THROTTLING_CODES.contains(&c))
        }
        _ => false,
    }
}

/// The pause before retry `n` (1-based): 200 ms, doubling, at most 2 s.
pub(super) fn backoff(n: u32) -> Duration {
    (Duration::from_millis(200) * 2u32.saturating_pow(n.saturating_sub(1)))
        .min(Duration::from_secs(2))
}

/// The bounds of one call: those of the configuration (which `Aws::load` fills from
/// `ecsrole_core::aws`, shortened by `--timeout`), else `ecsrole_core::aws`'s own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Limits {
    pub(super) connect: Duration,
    pub(super) attempt: Duration,
    pub(super) call: Duration,
    pub(super) attempts: u32,
}

impl Limits {
    pub(super) const DEFAULT: Limits = Limits {
        connect: aws::CONNECT_TIMEOUT,
        attempt: aws::ATTEMPT_TIMEOUT,
        call: aws::CALL_TIMEOUT,
        attempts: aws::MAX_ATTEMPTS,
    };

    pub(super) fn of(config: &aws_config::SdkConfig) -> Limits {
        let d = Limits::DEFAULT;
        let Some(t) = config.timeout_config() else {
            return d;
        };
        let attempts = config
            .retry_config()
            .map_or(d.attempts, |r| r.max_attempts())
            .clamp(1, aws::MAX_ATTEMPTS);
        Limits {
            connect: t.connect_timeout().unwrap_or(d.connect),
            attempt: t.operation_attempt_timeout().unwrap_or(d.attempt),
            call: t.operation_timeout().unwrap_or(d.call),
            attempts,
        }
    }
}

/// Runs `attempt` at most `limits.attempts` times, each bounded by `limits.attempt`,
/// pausing [`backoff`] between them and retrying only what `retryable` accepts; the whole
/// is bounded by `limits.call`. Timeouts come back as `SdkError::TimeoutError`.
pub(super) async fn bounded<T, E, F, Fut>(
    limits: Limits,
    mut attempt: F,
    retryable: impl Fn(&SdkError<E, HttpResponse>) -> bool,
) -> Result<T, SdkError<E, HttpResponse>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
{
    let attempts = async {
        let mut n = 1;
        loop {
            let out = match tokio::time::timeout(limits.attempt, attempt()).await {
                Ok(out) => out,
                Err(_) => Err(SdkError::timeout_error(format!(
                    "no answer within {:?} (attempt {n})",
                    limits.attempt
                ))),
            };
            match out {
                Err(e) if n < limits.attempts && retryable(&e) => {
                    tracing::debug!(attempt = n, error = %e, "retrying");
                    tokio::time::sleep(backoff(n)).await;
                    n += 1;
                }
                done => return done,
            }
        }
    };
    match tokio::time::timeout(limits.call, attempts).await {
        Ok(out) => out,
        Err(_) => Err(SdkError::timeout_error(format!(
            "no answer within {:?}, retries included",
            limits.call
        ))),
    }
}
