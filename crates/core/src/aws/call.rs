//! The one wrapper every AWS call goes through: recorded while in flight (so a timeout can
//! name it), its failure classified into an [`Error`] that names the action.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::concurrent::{Limit, SLOW_CALL};
use crate::error::Error;

/// The calls a command has made and has in flight; the CLI names the in-flight ones when
/// the whole-command timeout fires.
#[derive(Debug, Clone, Default)]
pub struct Calls(Arc<Mutex<CallsInner>>);

#[derive(Debug, Default)]
struct CallsInner {
    /// (action, endpoint) of each call started and not finished.
    in_flight: Vec<(&'static str, String)>,
    made: usize,
    /// Every call's operation timeout, and what sets it (`--timeout`, or the per-call
    /// bound when that is shorter).
    bound: Option<(Duration, &'static str)>,
    /// Fleet mode: the shared bound each call's outcome is reported to.
    limit: Option<Arc<Limit>>,
    clock: super::AwsClock,
}

impl Calls {
    /// Calls whose outcomes (throttled, timed out, slow, or fine) adapt `limit`.
    pub fn reporting_to(limit: Arc<Limit>) -> Calls {
        Calls(Arc::new(Mutex::new(CallsInner {
            limit: Some(limit),
            ..CallsInner::default()
        })))
    }

    /// AWS's clock, as the answers to these calls show it.
    pub fn clock(&self) -> super::AwsClock {
        self.0.lock().expect("calls lock").clock.clone()
    }

    /// What an SDK client of these calls should carry (fleet mode: the throttle observer).
    pub fn throttles(&self) -> Option<super::Throttles> {
        let limit = self.0.lock().expect("calls lock").limit.clone();
        limit.map(super::Throttles)
    }

    fn report(&self, elapsed: Duration, out: &Result<(), &Error>) {
        let limit = self.0.lock().expect("calls lock").limit.clone();
        let Some(limit) = limit else { return };
        match out {
            Err(e) if e.is_overload() => limit.congested(&e.to_string()),
            Err(_) => {}
            Ok(()) if elapsed > SLOW_CALL => limit.congested("a slow call"),
            Ok(()) => limit.fine(),
        }
    }

    /// Records every call's operation timeout and what sets it, which timeouts name.
    pub fn set_bound(&self, bound: Duration, what: &'static str) {
        self.0.lock().expect("calls lock").bound = Some((bound, what));
    }

    fn bound(&self) -> Option<(Duration, &'static str)> {
        self.0.lock().expect("calls lock").bound
    }

    fn enter(&self, action: &'static str, endpoint: &str) -> CallGuard {
        let mut inner = self.0.lock().expect("calls lock");
        inner.in_flight.push((action, endpoint.to_owned()));
        inner.made += 1;
        CallGuard {
            calls: self.clone(),
            action,
            finished: false,
        }
    }

    /// How many calls were started (each may have retried).
    pub fn made(&self) -> usize {
        self.0.lock().expect("calls lock").made
    }

    /// The message for a whole-command (or per-target) timeout: the bound, the calls it
    /// cut short, and how many had been made.
    pub fn timed_out(&self, bound: Duration) -> String {
        let in_flight = self.0.lock().expect("calls lock").in_flight.clone();
        let during = if in_flight.is_empty() {
            "between calls".to_owned()
        } else {
            let mut at: Vec<(String, Vec<&str>)> = vec![];
            for (action, endpoint) in &in_flight {
                match at.iter_mut().find(|(e, _)| e == endpoint) {
                    Some((_, actions)) => actions.push(action),
                    None => at.push((endpoint.clone(), vec![action])),
                }
            }
            let calls: Vec<String> = at
                .iter()
                .map(|(endpoint, actions)| format!("{} at {endpoint}", actions.join(", ")))
                .collect();
            format!("waiting for {}", calls.join("; "))
        };
        format!(
            "timed out after {}s (--timeout) {during}; {} call(s) had been made",
            bound.as_secs_f64().round(),
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
        if let Some(i) = inner.in_flight.iter().position(|(a, _)| *a == self.action) {
            inner.in_flight.remove(i);
        }
    }
}

/// Every page of a paginated call that takes a next token, each page through [`call`]:
/// `page(token)` sends one request, `take` collects its items and returns its next token.
pub async fn call_paged<P, E, T, Fut>(
    calls: &Calls,
    endpoint: &str,
    action: &'static str,
    page: impl Fn(Option<String>) -> Fut,
    take: impl Fn(P, &mut Vec<T>) -> Option<String>,
) -> Result<Vec<T>, Error>
where
    Fut: Future<Output = Result<P, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut out = vec![];
    let mut token = None;
    loop {
        let p = call(calls, endpoint, action, page(token.take())).await?;
        match take(p, &mut out) {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => return Ok(out),
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
    let mut guard = calls.enter(action, endpoint);
    tracing::debug!(action, "calling");
    let started = tokio::time::Instant::now();
    // SDK operation futures are large; boxing keeps every caller's future small (debug
    // builds poll them on 2 MiB thread stacks).
    let out = Box::pin(fut).await;
    guard.finished = true;
    match &out {
        Ok(_) => tracing::debug!(action, "ok"),
        Err(e) => tracing::debug!(action, error = %DisplayErrorContext(e), "failed"),
    }
    let out = out.map_err(|e| match classify(action, endpoint, e) {
        Error::Timeout {
            action, endpoint, ..
        } => Error::Timeout {
            action,
            endpoint,
            after: calls.bound(),
        },
        other => other,
    });
    calls.report(started.elapsed(), &out.as_ref().map(|_| ()));
    out
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
        SdkError::TimeoutError(_) => Error::Timeout {
            action,
            endpoint: endpoint.to_owned(),
            after: None,
        },
        SdkError::DispatchFailure(d) if d.is_timeout() => Error::Timeout {
            action,
            endpoint: endpoint.to_owned(),
            after: None,
        },
        SdkError::DispatchFailure(d) if d.is_io() => Error::Unreachable {
            action,
            endpoint: endpoint.to_owned(),
            detail: root_cause(&err),
        },
        // An endpoint without the service (an emulator's edition without it) says so.
        SdkError::ServiceError(_)
            if err.raw_response().map(|r| r.status().as_u16()) == Some(501) =>
        {
            Error::NotImplemented {
                action,
                endpoint: endpoint.to_owned(),
            }
        }
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
