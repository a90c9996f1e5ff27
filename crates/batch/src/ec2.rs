//! A small EC2 client: `verify` finds the default VPC's network with three describe calls,
//! made over EC2's Query protocol with SigV4; tests reuse it to send other queries
//! (RunInstances, while playing the ECS agent).
//!
//! Why not aws-sdk-ec2: it takes over 4 minutes and 8 GB to compile here, for a handful of
//! calls. Everything used here is already compiled for the other SDK clients: the HTTP stack
//! (hyper-util's client over hyper-rustls), the signer (aws-sigv4) and the XML reader
//! (aws-smithy-xml). What the SDK would give is rebuilt on the rails every other call runs
//! on: each query goes through [`ecsrole_core::aws::call`] (recorded, named in errors,
//! classified), with the connect, attempt and call timeouts and the bounded retries that
//! the configuration gives the SDK clients, over one HTTP client shared by clones, signed
//! with a cached identity (in fleet mode the provider is an STS AssumeRole: one session per
//! account, shared with the SDK clients, not one per query).

use std::borrow::Cow;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::ErrorMetadata;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_xml::decode::{Document, ScopedDecoder, XmlDecodeError, try_data};
use ecsrole_core::aws::{self, Aws, CachedCredentials, Calls};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::Error;

const API_VERSION: &str = "2016-11-15";

/// The error codes EC2 (and the query protocols generally) use for throttling: retried.
const THROTTLING_CODES: [&str; 6] = [
    "RequestLimitExceeded",
    "Throttling",
    "ThrottlingException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
];

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

/// A minimal EC2 Query client. Clones share the HTTP client and the cached identity.
#[derive(Clone)]
pub struct Ec2 {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: String,
    region: String,
    calls: Calls,
    limits: Limits,
    /// The configuration's provider behind a cache (`None`: no provider configured). An
    /// `Aws` from `Aws::load` or `fleet::assume` already carries a cached provider shared
    /// with the SDK clients; this layer keeps any other configuration (tests build their
    /// own) from asking its provider on every query.
    identity: Option<CachedCredentials>,
    /// Built on the first query (loading the native roots costs a little, and a verify run
    /// given its subnets and groups never queries EC2), then shared.
    client: OnceLock<Result<HttpClient, String>>,
}

impl std::fmt::Debug for Ec2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2")
            .field("endpoint", &self.inner.endpoint)
            .field("region", &self.inner.region)
            .finish_non_exhaustive()
    }
}

/// The network a verify run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub vpc: Option<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}

impl Ec2 {
    /// A client for `aws`'s region and credentials; its calls are recorded in `aws.calls`.
    pub fn new(aws: &Aws) -> Ec2 {
        let config = &aws.config;
        let region = config
            .region()
            .map_or("us-east-1".to_owned(), |r| r.to_string());
        // The standard endpoint variables, most specific first.
        let endpoint = std::env::var("AWS_ENDPOINT_URL_EC2")
            .ok()
            .filter(|_| std::env::var_os("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_none())
            .or_else(|| config.endpoint_url().map(str::to_owned))
            .unwrap_or_else(|| {
                let suffix = if region.starts_with("cn-") {
                    "amazonaws.com.cn"
                } else {
                    "amazonaws.com"
                };
                format!("https://ec2.{region}.{suffix}")
            });
        Ec2 {
            inner: Arc::new(Inner {
                endpoint,
                region,
                calls: aws.calls.clone(),
                limits: Limits::of(config),
                identity: config.credentials_provider().map(CachedCredentials::new),
                client: OnceLock::new(),
            }),
        }
    }

    /// The default VPC's default subnets and its `default` security group.
    pub async fn default_network(&self) -> Result<Option<Network>, Error> {
        let vpcs = self
            .query_texts(
                "ec2:DescribeVpcs",
                &[("Filter.1.Name", "isDefault"), ("Filter.1.Value.1", "true")],
                &["DescribeVpcsResponse", "vpcSet", "item", "vpcId"],
            )
            .await?;
        let Some(vpc) = vpcs.into_iter().next() else {
            return Ok(None);
        };
        let subnet_filter = [
            ("Filter.1.Name", "vpc-id"),
            ("Filter.1.Value.1", vpc.as_str()),
            ("Filter.2.Name", "default-for-az"),
            ("Filter.2.Value.1", "true"),
        ];
        let group_filter = [
            ("Filter.1.Name", "vpc-id"),
            ("Filter.1.Value.1", vpc.as_str()),
            ("Filter.2.Name", "group-name"),
            ("Filter.2.Value.1", "default"),
        ];
        let (subnets, security_groups) = tokio::try_join!(
            self.query_texts(
                "ec2:DescribeSubnets",
                &subnet_filter,
                &["DescribeSubnetsResponse", "subnetSet", "item", "subnetId"],
            ),
            self.query_texts(
                "ec2:DescribeSecurityGroups",
                &group_filter,
                &SECURITY_GROUP_IDS,
            ),
        )?;
        Ok(Some(Network {
            vpc: Some(vpc),
            subnets,
            security_groups,
        }))
    }

    /// One query, `action` being the IAM action (`ec2:RunInstances`); returns the text of
    /// every element of the answer at `path` (see [`texts`]). An answer that is not such a
    /// document fails the call, named.
    pub async fn query_texts(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
        path: &[&str],
    ) -> Result<Vec<String>, Error> {
        self.call(action, params, |xml| texts(xml, path)).await
    }

    /// The query through `aws::call`: signed, bounded, retried, its answer read by `read`.
    async fn call<T>(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
        read: impl Fn(&str) -> Result<T, XmlDecodeError>,
    ) -> Result<T, Error> {
        let body = form(action, params);
        let fut = async {
            let bytes = bounded(self.inner.limits, || self.attempt(&body), retryable).await?;
            let text = String::from_utf8_lossy(&bytes);
            read(&text).map_err(|e| SdkError::response_error(e, raw_response(200, bytes.clone())))
        };
        Ok(aws::call(&self.inner.calls, &self.inner.endpoint, action, fut).await?)
    }

    /// One attempt: the body of a 2xx answer, or the failure as the SDK would report it.
    async fn attempt(&self, body: &str) -> Result<Bytes, SdkError<Ec2Error, HttpResponse>> {
        let identity = self.inner.identity.as_ref().ok_or_else(|| {
            SdkError::construction_failure(CredentialsError::not_loaded(
                "no credentials provider configured",
            ))
        })?;
        let credentials = identity
            .get()
            .await
            .map_err(SdkError::construction_failure)?;
        let request = self
            .signed(body, credentials)
            .map_err(SdkError::construction_failure)?;
        let client = self.client().map_err(SdkError::construction_failure)?;
        let response = client
            .request(request)
            .await
            .map_err(|e| SdkError::dispatch_failure(connector_error(e)))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| SdkError::dispatch_failure(ConnectorError::io(e.into())))?
            .to_bytes();
        if (200..300).contains(&status) {
            return Ok(bytes);
        }
        let error = Ec2Error::from_answer(status, &bytes);
        Err(SdkError::service_error(error, raw_response(status, bytes)))
    }

    fn signed(
        &self,
        body: &str,
        credentials: Credentials,
    ) -> Result<http::Request<Full<Bytes>>, Box<dyn std::error::Error + Send + Sync>> {
        let identity = Identity::from(credentials);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.inner.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()?
            .into();
        let url = format!("{}/", self.inner.endpoint.trim_end_matches('/'));
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let signable = SignableRequest::new(
            "POST",
            &url,
            [("content-type", content_type)].into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )?;
        let (instructions, _) = sign(signable, &params)?.into_parts();
        let mut request = http::Request::builder()
            .method("POST")
            .uri(&url)
            .header("content-type", content_type)
            .body(Full::new(Bytes::from(body.to_owned())))?;
        instructions.apply_to_request_http1x(&mut request);
        Ok(request)
    }

    /// The shared HTTP client (clones of a legacy `Client` share its connection pool).
    fn client(&self) -> Result<HttpClient, String> {
        self.inner
            .client
            .get_or_init(|| {
                let mut http = HttpConnector::new();
                http.enforce_http(false);
                http.set_connect_timeout(Some(self.inner.limits.connect));
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_native_roots()
                    .map_err(|e| format!("cannot load the system's root certificates: {e}"))?
                    .https_or_http()
                    .enable_http1()
                    .wrap_connector(http);
                Ok(Client::builder(TokioExecutor::new()).build(https))
            })
            .clone()
    }
}

/// `DescribeSecurityGroups`: the groups' own ids, never those their rules reference.
const SECURITY_GROUP_IDS: [&str; 4] = [
    "DescribeSecurityGroupsResponse",
    "securityGroupInfo",
    "item",
    "groupId",
];

/// The form body of a query: `Action` (the IAM action without its `ec2:` prefix),
/// `Version`, then the parameters.
fn form(action: &str, params: &[(&str, &str)]) -> String {
    let name = action.strip_prefix("ec2:").unwrap_or(action);
    let mut body = format!("Action={name}&Version={API_VERSION}");
    for (k, v) in params {
        body.push('&');
        body.push_str(&encode(k));
        body.push('=');
        body.push_str(&encode(v));
    }
    body
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn raw_response(status: u16, body: Bytes) -> HttpResponse {
    let status = StatusCode::try_from(status)
        .unwrap_or_else(|_| StatusCode::try_from(500).expect("500 is a valid status code"));
    HttpResponse::new(status, SdkBody::from(body))
}

/// A failure to get an answer: a timeout when the connection (or anything under it)
/// timed out, otherwise an I/O failure. Both are retried; `classify` names the endpoint.
fn connector_error(e: hyper_util::client::legacy::Error) -> ConnectorError {
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
fn retryable<E: ProvideErrorMetadata>(e: &SdkError<E, HttpResponse>) -> bool {
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
fn backoff(n: u32) -> Duration {
    (Duration::from_millis(200) * 2u32.saturating_pow(n.saturating_sub(1)))
        .min(Duration::from_secs(2))
}

/// The bounds of one call: those of the configuration (which `Aws::load` fills from
/// `ecsrole_core::aws`, shortened by `--timeout`), else `ecsrole_core::aws`'s own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Limits {
    connect: Duration,
    attempt: Duration,
    call: Duration,
    attempts: u32,
}

impl Limits {
    const DEFAULT: Limits = Limits {
        connect: aws::CONNECT_TIMEOUT,
        attempt: aws::ATTEMPT_TIMEOUT,
        call: aws::CALL_TIMEOUT,
        attempts: aws::MAX_ATTEMPTS,
    };

    fn of(config: &aws_config::SdkConfig) -> Limits {
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
async fn bounded<T, E, F, Fut>(
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

/// An EC2 error answer: its code and message, when the body is an error document
/// (`Response > Errors > Error`, or the `ErrorResponse > Error` of the other query
/// protocols); neither for anything else, such as an HTML error page.
#[derive(Debug, thiserror::Error)]
#[error("{}", self.describe())]
pub struct Ec2Error {
    status: u16,
    meta: ErrorMetadata,
}

impl Ec2Error {
    pub fn from_answer(status: u16, body: &[u8]) -> Ec2Error {
        let xml = String::from_utf8_lossy(body);
        let field = |name: &str| {
            [
                &["Response", "Errors", "Error", name][..],
                &["ErrorResponse", "Error", name],
            ]
            .into_iter()
            .find_map(|path| texts(&xml, path).ok()?.into_iter().next())
        };
        let mut meta = ErrorMetadata::builder();
        if let Some(code) = field("Code") {
            meta = meta.code(code);
        }
        if let Some(message) = field("Message") {
            meta = meta.message(message);
        }
        Ec2Error {
            status,
            meta: meta.build(),
        }
    }

    fn describe(&self) -> String {
        match (self.meta.code(), self.meta.message()) {
            (Some(code), Some(message)) => format!("{code}: {message}"),
            (Some(code), None) => code.to_owned(),
            _ => format!("HTTP {} without an EC2 error document", self.status),
        }
    }
}

impl ProvideErrorMetadata for Ec2Error {
    fn meta(&self) -> &ErrorMetadata {
        &self.meta
    }
}

/// The text of every element at `path` (element names from the root element down), in
/// document order: `["DescribeVpcsResponse", "vpcSet", "item", "vpcId"]` gives each VPC's
/// id and nothing nested deeper or elsewhere. Fails on a document that is not well-formed
/// XML, whose root is not `path[0]`, or where an element at `path` holds elements.
pub fn texts(xml: &str, path: &[&str]) -> Result<Vec<String>, XmlDecodeError> {
    // The decoder skips what it cannot tokenize and stops quietly at a truncated end; a
    // pass over the tokens finds both first (the depth after the last token is 0 only
    // when every element was closed).
    let mut depth = 0;
    for token in Document::new(xml) {
        depth = token?.1;
    }
    if depth != 0 {
        return Err(XmlDecodeError::custom(
            "the document ends inside an element",
        ));
    }
    let [root, rest @ ..] = path else {
        return Ok(vec![]);
    };
    let mut doc = Document::new(xml);
    let mut scope = doc.root_element()?;
    if !scope.start_el().matches(root) {
        return Err(XmlDecodeError::custom(format!(
            "expected <{root}>, found <{}>",
            scope.start_el().local()
        )));
    }
    let mut out = vec![];
    collect(&mut scope, rest, &mut out)?;
    Ok(out)
}

fn collect(
    scope: &mut ScopedDecoder<'_, '_>,
    path: &[&str],
    out: &mut Vec<String>,
) -> Result<(), XmlDecodeError> {
    let [name, rest @ ..] = path else {
        out.push(try_data(scope).map(Cow::into_owned)?.trim().to_owned());
        return Ok(());
    };
    while let Some(mut child) = scope.next_tag() {
        if child.start_el().matches(name) {
            collect(&mut child, rest, out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A real-shaped answer (as EC2 and moto send it): the default group's inbound rule
    /// allows traffic from members of the group itself and of another group.
    const DEFAULT_GROUP: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
    <requestId>request-id</requestId>
    <securityGroupInfo>
        <item>
            <ownerId>123456789012</ownerId>
            <groupId>sg-default</groupId>
            <groupName>default</groupName>
            <groupDescription>default VPC security group</groupDescription>
            <vpcId>vpc-1</vpcId>
            <ipPermissions>
                <item>
                    <ipProtocol>-1</ipProtocol>
                    <groups>
                        <item>
                            <userId>123456789012</userId>
                            <groupId>sg-default</groupId>
                        </item>
                        <item>
                            <userId>210987654321</userId>
                            <groupId>sg-other</groupId>
                            <groupName>other</groupName>
                        </item>
                    </groups>
                    <ipRanges/>
                </item>
            </ipPermissions>
            <ipPermissionsEgress>
                <item>
                    <ipProtocol>-1</ipProtocol>
                    <groups>
                        <item><groupId>sg-egress</groupId></item>
                    </groups>
                    <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>
                </item>
            </ipPermissionsEgress>
            <tagSet/>
        </item>
    </securityGroupInfo>
</DescribeSecurityGroupsResponse>"#;

    #[test]
    fn only_the_groups_own_id_not_those_its_rules_reference() {
        assert_eq!(
            texts(DEFAULT_GROUP, &SECURITY_GROUP_IDS).unwrap(),
            ["sg-default"]
        );
    }

    #[test]
    fn texts_by_path() {
        let vpcs = "<DescribeVpcsResponse><vpcSet><item><vpcId> vpc-1 </vpcId><tagSet><item><vpcId>no</vpcId></item></tagSet></item><item><vpcId>vpc-&amp;2</vpcId></item></vpcSet></DescribeVpcsResponse>";
        let path = ["DescribeVpcsResponse", "vpcSet", "item", "vpcId"];
        assert_eq!(texts(vpcs, &path).unwrap(), ["vpc-1", "vpc-&2"]);
        let none = "<DescribeVpcsResponse><requestId>x</requestId><vpcSet/></DescribeVpcsResponse>";
        assert!(texts(none, &path).unwrap().is_empty());
        let err = texts("<Other><vpcSet/></Other>", &path).unwrap_err();
        assert!(err.to_string().contains("DescribeVpcsResponse"), "{err}");
        assert!(texts("<DescribeVpcsResponse><vpcSet>", &path).is_err());
        assert!(texts("<DescribeVpcsResponse>", &path).is_err());
        assert!(texts("<DescribeVpcsResponse><vpcSet><item><vpcId>vp", &path).is_err());
        assert!(texts("not xml at all <", &path).is_err());
    }

    #[test]
    fn error_document() {
        let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message></Error></Errors><RequestID>request-id</RequestID></Response>"#;
        let e = Ec2Error::from_answer(403, body);
        assert_eq!(e.code(), Some("UnauthorizedOperation"));
        assert_eq!(
            e.message(),
            Some("You are not authorized to perform this operation.")
        );
        let throttled = Ec2Error::from_answer(
            503,
            b"<ErrorResponse><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></ErrorResponse>",
        );
        assert_eq!(throttled.code(), Some("RequestLimitExceeded"));
        assert_eq!(throttled.to_string(), "RequestLimitExceeded: slow down");
    }

    #[test]
    fn html_500_is_an_error_without_a_code() {
        let html = br#"<!doctype html>
<html lang=en><title>500 Internal Server Error</title>
<h1>Internal Server Error</h1><br>
<p>The server encountered an internal error & was unable to complete your request.</p>"#;
        let e = Ec2Error::from_answer(500, html);
        assert_eq!((e.code(), e.message()), (None, None));
        assert_eq!(e.to_string(), "HTTP 500 without an EC2 error document");
        let e = Ec2Error::from_answer(502, &[0xff, 0xfe, b'<']);
        assert_eq!(e.code(), None);
        let raw = raw_response(500, Bytes::from_static(html));
        assert!(retryable(&SdkError::service_error(
            Ec2Error::from_answer(500, html),
            raw
        )));
    }

    fn answer(status: u16, body: &'static [u8]) -> SdkError<Ec2Error, HttpResponse> {
        SdkError::service_error(
            Ec2Error::from_answer(status, body),
            raw_response(status, Bytes::from_static(body)),
        )
    }

    #[tokio::test]
    async fn failures_are_classified_like_sdk_calls() {
        let calls = Calls::default();
        let endpoint = "http://127.0.0.1:1";
        let denied = aws::call(&calls, endpoint, "ec2:DescribeVpcs", async {
            Err::<(), _>(answer(
                403,
                b"<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>",
            ))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(&denied, ecsrole_core::Error::AccessDenied { action: "ec2:DescribeVpcs", message } if message == "no"),
            "{denied:?}"
        );
        let html = aws::call(&calls, endpoint, "ec2:DescribeVpcs", async {
            Err::<(), _>(answer(500, b"<html><body>boom</body></html>"))
        })
        .await
        .unwrap_err();
        assert!(
            html.to_string()
                .contains("unrecognised response (HTTP 500)"),
            "{html}"
        );
        let timeout = aws::call(&calls, endpoint, "ec2:DescribeSubnets", async {
            Err::<(), SdkError<Ec2Error, HttpResponse>>(SdkError::timeout_error("slow"))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(timeout, ecsrole_core::Error::Timeout { .. }),
            "{timeout:?}"
        );
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let unreachable = aws::call(&calls, endpoint, "ec2:DescribeSubnets", async {
            Err::<(), SdkError<Ec2Error, HttpResponse>>(SdkError::dispatch_failure(
                ConnectorError::io(io.into()),
            ))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(&unreachable, ecsrole_core::Error::Unreachable { endpoint: e, .. } if e == endpoint),
            "{unreachable:?}"
        );
        let no_creds = aws::call(&calls, endpoint, "ec2:DescribeSubnets", async {
            Err::<(), SdkError<Ec2Error, HttpResponse>>(SdkError::construction_failure(
                CredentialsError::not_loaded("nothing here"),
            ))
        })
        .await
        .unwrap_err();
        assert!(
            matches!(no_creds, ecsrole_core::Error::NoCredentials { .. }),
            "{no_creds:?}"
        );
        assert_eq!(calls.made(), 5);
    }

    fn service_error(status: u16, code: &str) -> SdkError<Ec2Error, HttpResponse> {
        let body = format!(
            "<Response><Errors><Error><Code>{code}</Code><Message>m</Message></Error></Errors></Response>"
        );
        SdkError::service_error(
            Ec2Error::from_answer(status, body.as_bytes()),
            raw_response(status, Bytes::from(body)),
        )
    }

    #[tokio::test(start_paused = true)]
    async fn retries_only_what_may_pass_and_at_most_max_attempts() {
        let tries = AtomicUsize::new(0);
        let out = bounded(
            Limits::DEFAULT,
            || async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0 => Err(service_error(503, "Unavailable")),
                    1 => Err(service_error(400, "RequestLimitExceeded")),
                    _ => Ok("done"),
                }
            },
            retryable,
        )
        .await;
        assert_eq!((out.unwrap(), tries.load(Ordering::SeqCst)), ("done", 3));

        let tries = AtomicUsize::new(0);
        let out: Result<(), _> = bounded(
            Limits::DEFAULT,
            || async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err(service_error(400, "InvalidParameterValue"))
            },
            retryable,
        )
        .await;
        assert_eq!(out.unwrap_err().code(), Some("InvalidParameterValue"));
        assert_eq!(tries.load(Ordering::SeqCst), 1, "a 4xx is the answer");

        let tries = AtomicUsize::new(0);
        let out: Result<(), _> = bounded(
            Limits::DEFAULT,
            || async {
                tries.fetch_add(1, Ordering::SeqCst);
                Err(service_error(500, "InternalError"))
            },
            retryable,
        )
        .await;
        assert_eq!(out.unwrap_err().code(), Some("InternalError"));
        assert_eq!(tries.load(Ordering::SeqCst) as u32, aws::MAX_ATTEMPTS);
    }

    #[tokio::test(start_paused = true)]
    async fn a_silent_server_times_out_within_the_call_bound() {
        let start = tokio::time::Instant::now();
        let tries = AtomicUsize::new(0);
        let out: Result<(), SdkError<Ec2Error, HttpResponse>> = bounded(
            Limits::DEFAULT,
            || {
                tries.fetch_add(1, Ordering::SeqCst);
                std::future::pending()
            },
            retryable,
        )
        .await;
        assert!(matches!(out, Err(SdkError::TimeoutError(_))), "{out:?}");
        assert!(
            start.elapsed() <= aws::CALL_TIMEOUT,
            "{:?}",
            start.elapsed()
        );
        assert!(tries.load(Ordering::SeqCst) as u32 <= aws::MAX_ATTEMPTS);
    }

    #[tokio::test]
    async fn limits_follow_the_configuration() {
        let bare = aws_config::SdkConfig::builder().build();
        assert_eq!(Limits::of(&bare), Limits::DEFAULT);
        let short = Aws::load(&ecsrole_core::AwsOptions {
            region: Some("us-east-1".into()),
            endpoint_url: Some("http://127.0.0.1:1".into()),
            call_timeout: Some(Duration::from_secs(3)),
            ..Default::default()
        })
        .await
        .unwrap();
        let secs = Duration::from_secs;
        assert_eq!(
            Limits::of(&short.config),
            Limits {
                connect: secs(3),
                attempt: secs(3),
                call: secs(3),
                attempts: aws::MAX_ATTEMPTS
            }
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::from_millis(200));
        assert_eq!(backoff(2), Duration::from_millis(400));
        assert_eq!(backoff(10), Duration::from_secs(2));
    }

    #[test]
    fn query_encoding() {
        assert_eq!(encode("Filter.1.Value.1"), "Filter.1.Value.1");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert_eq!(
            form("ec2:DescribeVpcs", &[("Filter.1.Name", "is default")]),
            "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=is%20default"
        );
    }
}
