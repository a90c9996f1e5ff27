//! A fault-injecting proxy in front of the emulator, on 127.0.0.1: it logs every request
//! (so tests count calls where ecsrole cannot lie about them) and applies per-test rules
//! such as "the 1st CreateRole gets HTTP 500". It records every fault it injects, so a
//! test can prove its fault fired (a misspelt action name would otherwise test nothing).
//! Built on hyper (test code, not product code).

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};

/// What the proxy does to a request a rule matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// HTTP 500 with an empty body.
    ServerError,
    /// HTTP 400 `Throttling`, as IAM sends it (the SDK retries it).
    Throttle,
    /// The connection is dropped without an answer, before the emulator sees the request.
    Reset,
    /// The emulator handles the request, then the connection is dropped: the answer is lost.
    LostAnswer,
    /// No answer for this long, then the connection is dropped. The request never reaches
    /// the emulator, so a stalled create cannot land after the test has looked.
    Stall(Duration),
    /// An IAM write answered with success that never reaches the emulator: what a bug that
    /// makes a write silently not take effect looks like from outside.
    Swallow,
}

#[derive(Debug, Clone)]
struct Rule {
    action: String,
    /// 1-based: the Nth request for the action (0: every one whose body holds `needle`).
    nth: usize,
    needle: Option<String>,
    fault: Fault,
}

/// A canned error answer for every request of an action until a moment.
#[derive(Debug, Clone)]
struct Window {
    action: String,
    until: tokio::time::Instant,
    status: u16,
    content_type: &'static str,
    error_type: String,
    body: String,
}

/// A fault the proxy injected: into the `nth` request (1-based) for `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Injected {
    pub action: String,
    pub nth: usize,
    /// The fault (`ServerError`, `Stall(60s)`), or the canned answer of a window
    /// (`ClientException`, `NoSuchEntity`).
    pub what: String,
}

/// Rewrites the JSON answers of an action: what the emulator cannot produce (an INVALID
/// compute environment, say) made from a real answer.
/// It is given the request's JSON too (`Null` when the request is not JSON).
type Rewrite = Arc<dyn Fn(&serde_json::Value, &mut serde_json::Value) + Send + Sync>;

#[derive(Default)]
struct State {
    seen: HashMap<String, usize>,
    rules: Vec<Rule>,
    /// Batch actions refused, before the emulator sees them, when the judge says why.
    refusers: Vec<(String, Refuser)>,
    windows: Vec<Window>,
    /// (created by, hidden action, for how long): IAM's eventual consistency.
    hides: Vec<(String, String, Duration)>,
    /// While ecsrole runs a command: the actions its permission table grants it. Any other
    /// action is refused with AccessDenied, as AWS would under the published policy, and
    /// recorded as a violation the harness fails the test on.
    granted: Option<(String, BTreeSet<String>)>,
    violations: Vec<String>,
    /// Every request seen, as `service:Action`, in order.
    log: Vec<String>,
    /// Every fault injected, in order.
    injected: Vec<Injected>,
    rewrites: Vec<(String, Rewrite)>,
    /// (signing service, percent, requests seen): that share of the service's requests is
    /// throttled, spread evenly.
    throttled_share: Option<(String, u64, u64)>,
    /// Requests being answered now, and each change of that count, in order.
    in_flight: usize,
    in_flight_log: Vec<(tokio::time::Instant, usize)>,
    /// Every answer's `Date` is this machine's time plus this many seconds: AWS's clock
    /// as a machine whose own clock is off would see it.
    date_offset: Option<i64>,
}

/// Counts a request as in flight while it is being answered.
struct Flight<'a>(&'a Mutex<State>);

impl<'a> Flight<'a> {
    fn enter(state: &'a Mutex<State>) -> Flight<'a> {
        let mut s = state.lock().unwrap();
        s.in_flight += 1;
        let n = s.in_flight;
        s.in_flight_log.push((tokio::time::Instant::now(), n));
        Flight(state)
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock().unwrap();
        s.in_flight -= 1;
        let n = s.in_flight;
        s.in_flight_log.push((tokio::time::Instant::now(), n));
    }
}

/// Says why a Batch request (its JSON) is refused, or `None` to let it through.
type Refuser = Arc<dyn Fn(&serde_json::Value) -> Option<String> + Send + Sync>;

/// A running proxy. Dropped with the test's runtime.
#[derive(Clone)]
pub struct Proxy {
    pub url: String,
    state: Arc<Mutex<State>>,
}

/// The signing service of a request, from its SigV4 credential scope
/// (`Credential=AKID/DATE/REGION/SERVICE/aws4_request`).
fn service_of(parts: &hyper::http::request::Parts) -> String {
    parts
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .and_then(|c| c.split('/').nth(3))
        .unwrap_or("?")
        .to_owned()
}

/// The API action of a request: the `X-Amz-Target` operation (ECS), the `/v1/<op>` path
/// (Batch), or the `Action=` form field (IAM, STS, EC2).
fn action_of(parts: &hyper::http::request::Parts, body: &[u8]) -> String {
    if let Some(target) = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
    {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    if let Some(op) = parts.uri.path().strip_prefix("/v1/") {
        return op.to_owned();
    }
    String::from_utf8_lossy(body)
        .split('&')
        .find_map(|kv| kv.strip_prefix("Action="))
        .unwrap_or("?")
        .to_owned()
}

const NO_SUCH_ENTITY: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>Instance Profile cannot be found.</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>";

const THROTTLING: &str = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>";

/// AWS's answer to an action the caller's policy does not grant, in the protocol of the
/// request: JSON for Batch and ECS, XML for the query protocols (IAM, STS, EC2).
fn access_denied(parts: &hyper::http::request::Parts, qualified: &str) -> Response<Full<Bytes>> {
    let message = format!("not granted by ecsrole's permission table: {qualified}");
    let json = parts.headers.contains_key("x-amz-target") || parts.uri.path().starts_with("/v1/");
    let (content_type, body) = if json {
        (
            "application/json",
            serde_json::json!({"__type": "AccessDeniedException", "message": message}).to_string(),
        )
    } else {
        (
            "text/xml",
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>{message}</Message></Error><RequestId>0</RequestId></ErrorResponse>"
            ),
        )
    };
    Response::builder()
        .status(403)
        .header("content-type", content_type)
        .header("x-amzn-errortype", "AccessDeniedException")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

impl Proxy {
    /// Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`).
    pub async fn start(upstream: &str) -> Proxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let state = Arc::new(Mutex::new(State::default()));
        let proxy = Proxy {
            url: format!("http://{addr}"),
            state: state.clone(),
        };
        let upstream = upstream.trim_end_matches('/').to_owned();
        let client: Client<HttpConnector, Full<Bytes>> =
            Client::builder(TokioExecutor::new()).build_http();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (state, client, upstream) = (state.clone(), client.clone(), upstream.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                        let (state, client, upstream) =
                            (state.clone(), client.clone(), upstream.clone());
                        async move { handle(req, &state, &client, &upstream).await }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        proxy
    }

    /// The Nth request (1-based) for `action` gets `fault`.
    pub fn fail(&self, action: &str, nth: usize, fault: Fault) {
        self.state.lock().unwrap().rules.push(Rule {
            action: action.to_owned(),
            nth,
            needle: None,
            fault,
        });
    }

    /// Every request for `action` whose body holds `needle` (an account id in an
    /// AssumeRole) gets `fault`.
    pub fn fail_every(&self, action: &str, needle: &str, fault: Fault) {
        self.state.lock().unwrap().rules.push(Rule {
            action: action.to_owned(),
            nth: 0,
            needle: Some(needle.to_owned()),
            fault,
        });
    }

    /// Every `action` request `judge` finds a reason for gets a Batch-style (REST-JSON)
    /// `ClientException` with that reason, and never reaches the emulator (what AWS refuses
    /// that moto does not: deleting an environment a queue still uses).
    pub fn refuse_batch(
        &self,
        action: &str,
        judge: impl Fn(&serde_json::Value) -> Option<String> + Send + Sync + 'static,
    ) {
        self.state
            .lock()
            .unwrap()
            .refusers
            .push((action.to_owned(), Arc::new(judge)));
    }

    /// Every `action` request for the next `window` gets a Batch-style (REST-JSON)
    /// `ClientException` with `message`.
    pub fn batch_error_for(&self, action: &str, window: Duration, message: &str) {
        self.state.lock().unwrap().windows.push(Window {
            action: action.to_owned(),
            until: tokio::time::Instant::now() + window,
            status: 400,
            content_type: "application/json",
            error_type: "ClientException".into(),
            body: serde_json::json!({"__type": "ClientException", "message": message}).to_string(),
        });
    }

    /// Every `action` request for the next `window` gets AWS's `AccessDeniedException` in
    /// the JSON protocols' form (Organizations, Batch, ECS): a caller whose policy lacks it.
    /// Every `action` request for the next `window` gets HTTP 503 `ServiceUnavailable`
    /// in the JSON protocol (Organizations, ...): retried, then the call fails.
    pub fn unavailable_json_for(&self, action: &str, window: Duration) {
        self.state.lock().unwrap().windows.push(Window {
            action: action.to_owned(),
            until: tokio::time::Instant::now() + window,
            status: 503,
            content_type: "application/x-amz-json-1.1",
            error_type: "ServiceException".into(),
            body: serde_json::json!({
                "__type": "ServiceException",
                "Message": format!("The service is unavailable ({action}).")
            })
            .to_string(),
        });
    }

    pub fn deny_json_for(&self, action: &str, window: Duration) {
        self.state.lock().unwrap().windows.push(Window {
            action: action.to_owned(),
            until: tokio::time::Instant::now() + window,
            status: 400,
            content_type: "application/x-amz-json-1.1",
            error_type: "AccessDeniedException".into(),
            body: serde_json::json!({
                "__type": "AccessDeniedException",
                "Message": format!("You don't have permissions to access this resource ({action}).")
            })
            .to_string(),
        });
    }

    /// After a successful `created_by`, `hidden` requests get IAM's `NoSuchEntity` for
    /// `window`: the propagation delay of a just-created resource.
    pub fn hide_after(&self, created_by: &str, hidden: &str, window: Duration) {
        self.state
            .lock()
            .unwrap()
            .hides
            .push((created_by.to_owned(), hidden.to_owned(), window));
    }

    /// Every successful JSON answer to `action` is passed through `edit` (recorded as an
    /// injection when it changed the answer).
    pub fn rewrite(
        &self,
        action: &str,
        edit: impl Fn(&mut serde_json::Value) + Send + Sync + 'static,
    ) {
        self.exchange(action, move |_, answer| edit(answer));
    }

    /// Like `rewrite`, with the request's JSON as well: for rules that remember what was
    /// asked (a delete, an update) to shape later answers.
    pub fn exchange(
        &self,
        action: &str,
        edit: impl Fn(&serde_json::Value, &mut serde_json::Value) + Send + Sync + 'static,
    ) {
        self.state
            .lock()
            .unwrap()
            .rewrites
            .push((action.to_owned(), Arc::new(edit)));
    }

    /// From now on `percent` of the requests signed for `service` (`iam`) are throttled,
    /// spread evenly over them.
    pub fn throttle_share(&self, service: &str, percent: u64) {
        self.state.lock().unwrap().throttled_share = Some((service.to_owned(), percent, 0));
    }

    /// How many requests were being answered at once, at each change, from the start.
    pub fn in_flight_log(&self) -> Vec<(tokio::time::Instant, usize)> {
        self.state.lock().unwrap().in_flight_log.clone()
    }

    /// Forgets the rules (the log stays).
    /// Every answer's `Date` header says this machine's time plus `seconds` from now on
    /// (negative: this machine's clock is ahead of "AWS's").
    pub fn shift_date(&self, seconds: i64) {
        self.state.lock().unwrap().date_offset = Some(seconds);
    }

    /// Forgets the faults armed with `fail` and `fail_every` (the rewrites stay).
    pub fn forget_faults(&self) {
        self.state.lock().unwrap().rules.clear();
    }

    pub fn heal(&self) {
        let mut s = self.state.lock().unwrap();
        s.rules.clear();
        s.windows.clear();
        s.hides.clear();
        s.rewrites.clear();
        s.date_offset = None;
    }

    /// Every request seen, as its action, in order.
    pub fn log(&self) -> Vec<String> {
        let s = self.state.lock().unwrap();
        s.log
            .iter()
            .map(|q| q.split_once(':').map_or(q.as_str(), |(_, a)| a).to_owned())
            .collect()
    }

    /// Every request seen, as `service:Action` (the signing service), in order.
    pub fn qualified_log(&self) -> Vec<String> {
        self.state.lock().unwrap().log.clone()
    }

    /// From now on, only these `service:Action`s are answered (compared without case:
    /// Batch's REST paths are lower case); the others get AccessDenied and are recorded
    /// against `command`.
    pub fn grant(&self, command: &str, actions: BTreeSet<String>) {
        let actions = actions.iter().map(|a| a.to_ascii_lowercase()).collect();
        self.state.lock().unwrap().granted = Some((command.to_owned(), actions));
    }

    /// The calls refused since the last look, as "`command` called service:Action".
    pub fn take_violations(&self) -> Vec<String> {
        std::mem::take(&mut self.state.lock().unwrap().violations)
    }

    pub fn clear_log(&self) {
        let mut s = self.state.lock().unwrap();
        s.log.clear();
        s.seen.clear();
        s.injected.clear();
    }

    /// Every fault injected since the start (or the last `clear_log`), in order.
    pub fn injected(&self) -> Vec<Injected> {
        self.state.lock().unwrap().injected.clone()
    }

    /// How many requests for `action` got an injected fault or canned answer.
    pub fn hits(&self, action: &str) -> usize {
        self.injected()
            .iter()
            .filter(|i| i.action == action)
            .count()
    }

    /// Panics unless a fault was injected into the `nth` request for `action`: a test whose
    /// fault never fired tested nothing.
    pub fn assert_fired(&self, action: &str, nth: usize) {
        let injected = self.injected();
        assert!(
            injected.iter().any(|i| i.action == action && i.nth == nth),
            "the fault armed for request {nth} of {action} never fired; injected: {injected:?}; requests seen: {:?}",
            self.log()
        );
    }
}

async fn handle(
    req: Request<Incoming>,
    state: &Mutex<State>,
    client: &Client<HttpConnector, Full<Bytes>>,
    upstream: &str,
) -> Result<Response<Full<Bytes>>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let _flight = Flight::enter(state);
    let action = action_of(&parts, &body);
    let service = service_of(&parts);
    let qualified = format!("{service}:{action}");
    let (fault, window) = {
        let mut s = state.lock().unwrap();
        s.log.push(qualified.clone());
        if let Some((command, granted)) = &s.granted
            && !granted.contains(&qualified.to_ascii_lowercase())
        {
            let violation = format!("`{command}` called {qualified}");
            s.violations.push(violation);
            return Ok(access_denied(&parts, &qualified));
        }
        let now = tokio::time::Instant::now();
        let window = s
            .windows
            .iter()
            .find(|w| w.action == action && w.until > now)
            .cloned();
        let n = {
            let count = s.seen.entry(action.clone()).or_default();
            *count += 1;
            *count
        };
        let mut fault = s
            .rules
            .iter()
            .find(|r| {
                r.action == action
                    && match &r.needle {
                        None => r.nth == n,
                        Some(needle) => String::from_utf8_lossy(&body).contains(needle.as_str()),
                    }
            })
            .map(|r| r.fault);
        if let Some((svc, percent, seen)) = &mut s.throttled_share
            && *svc == service
        {
            if (*seen * *percent) % 100 < *percent {
                fault = fault.or(Some(Fault::Throttle));
            }
            *seen += 1;
        }
        let what = match (&window, fault) {
            (Some(w), _) => Some(w.error_type.clone()),
            (None, Some(f)) => Some(format!("{f:?}")),
            (None, None) => None,
        };
        if let Some(what) = what {
            s.injected.push(Injected {
                action: action.clone(),
                nth: n,
                what,
            });
        }
        (fault, window)
    };
    if let Some(w) = window {
        return Ok(Response::builder()
            .status(w.status)
            .header("content-type", w.content_type)
            .header("x-amzn-errortype", w.error_type)
            .body(Full::new(Bytes::from(w.body)))
            .unwrap());
    }
    // Judged with the state unlocked: a judge may read the log.
    let refusers: Vec<Refuser> = {
        let s = state.lock().unwrap();
        s.refusers
            .iter()
            .filter(|(a, _)| *a == action)
            .map(|(_, j)| j.clone())
            .collect()
    };
    if fault.is_none() && !refusers.is_empty() {
        let asked: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        if let Some(message) = refusers.iter().find_map(|judge| judge(&asked)) {
            let body = serde_json::json!({"__type": "ClientException", "message": message});
            return Ok(Response::builder()
                .status(400)
                .header("content-type", "application/json")
                .header("x-amzn-errortype", "ClientException")
                .body(Full::new(Bytes::from(body.to_string())))
                .unwrap());
        }
    }
    match fault {
        Some(Fault::ServerError) => {
            return Ok(Response::builder()
                .status(500)
                .body(Full::new(Bytes::new()))
                .unwrap());
        }
        Some(Fault::Throttle) => {
            return Ok(Response::builder()
                .status(400)
                .header("content-type", "text/xml")
                .body(Full::new(Bytes::from_static(THROTTLING.as_bytes())))
                .unwrap());
        }
        Some(Fault::Reset) => return Err(std::io::Error::other("injected connection reset")),
        Some(Fault::Swallow) => {
            let body = format!(
                "<{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata></{action}Response>"
            );
            return Ok(Response::builder()
                .status(200)
                .header("content-type", "text/xml")
                .body(Full::new(Bytes::from(body)))
                .unwrap());
        }
        Some(Fault::Stall(d)) => {
            tokio::time::sleep(d).await;
            return Err(std::io::Error::other("injected stall"));
        }
        Some(Fault::LostAnswer) | None => {}
    }
    let uri = format!(
        "{upstream}{}",
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut forward = Request::builder().method(parts.method).uri(uri);
    for (k, v) in &parts.headers {
        forward = forward.header(k, v);
    }
    let request_json: serde_json::Value =
        serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
    let response = client
        .request(forward.body(Full::new(body)).unwrap())
        .await
        .map_err(std::io::Error::other)?;
    if fault == Some(Fault::LostAnswer) {
        return Err(std::io::Error::other("injected lost answer"));
    }
    if response.status().is_success() {
        let mut s = state.lock().unwrap();
        let hidden: Vec<_> = s
            .hides
            .iter()
            .filter(|(by, _, _)| *by == action)
            .map(|(_, hidden, d)| (hidden.clone(), *d))
            .collect();
        for (hidden, d) in hidden {
            s.windows.push(Window {
                action: hidden,
                until: tokio::time::Instant::now() + d,
                status: 404,
                content_type: "text/xml",
                error_type: "NoSuchEntity".into(),
                body: NO_SUCH_ENTITY.into(),
            });
        }
    }
    let (mut parts, body) = response.into_parts();
    let mut body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let edits: Vec<Rewrite> = {
        let s = state.lock().unwrap();
        s.rewrites
            .iter()
            .filter(|(a, _)| *a == action)
            .map(|(_, e)| e.clone())
            .collect()
    };
    if parts.status.is_success()
        && !edits.is_empty()
        && let Ok(mut json) = if body.is_empty() {
            // An empty answer (moto's to some deletes): the edits still see the request.
            Ok(serde_json::Value::Null)
        } else {
            serde_json::from_slice::<serde_json::Value>(&body)
        }
    {
        let before = json.clone();
        for edit in &edits {
            edit(&request_json, &mut json);
        }
        if json != before {
            let mut s = state.lock().unwrap();
            let nth = s.seen.get(&action).copied().unwrap_or(0);
            s.injected.push(Injected {
                action: action.clone(),
                nth,
                what: "rewritten".into(),
            });
            body = Bytes::from(json.to_string());
            parts.headers.remove("content-length");
        }
    }
    let offset = state.lock().unwrap().date_offset;
    if let Some(offset) = offset {
        let now = std::time::SystemTime::now();
        let shifted = if offset >= 0 {
            now + Duration::from_secs(offset.unsigned_abs())
        } else {
            now - Duration::from_secs(offset.unsigned_abs())
        };
        let date = aws_smithy_types::DateTime::from(shifted)
            .fmt(aws_smithy_types::date_time::Format::HttpDate)
            .unwrap();
        parts.headers.insert("date", date.parse().unwrap());
    }
    Ok(Response::from_parts(parts, Full::new(body)))
}
