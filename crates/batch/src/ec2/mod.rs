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

use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
use aws_smithy_xml::decode::XmlDecodeError;
use ecsrole_core::aws::{self, Aws, CachedCredentials, Calls};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::error::Error;

mod answer;
mod autoscaling;
mod retry;
#[cfg(test)]
mod tests;
pub mod tree;

pub use autoscaling::Group;

pub use answer::{Ec2Error, records, texts};
use retry::{Limits, bounded, connector_error, raw_response, retryable};
use tree::{Node, tree};

const API_VERSION: &str = "2016-11-15";

/// The HTTP client: plain for an `http://` endpoint (an emulator: no TLS, so the system's
/// root certificates are never read), else rustls with the native roots.
#[derive(Clone)]
enum HttpClient {
    Plain(Client<HttpConnector, Full<Bytes>>),
    Tls(Client<HttpsConnector<HttpConnector>, Full<Bytes>>),
}

impl HttpClient {
    fn request(
        &self,
        req: http::Request<Full<Bytes>>,
    ) -> hyper_util::client::legacy::ResponseFuture {
        match self {
            HttpClient::Plain(c) => c.request(req),
            HttpClient::Tls(c) => c.request(req),
        }
    }
}

/// A minimal EC2 Query client. Clones share the HTTP client and the cached identity.
#[derive(Clone)]
pub struct Ec2 {
    inner: Arc<Inner>,
}

struct Inner {
    /// The signing name and the API version of the query API spoken: EC2's, or Auto
    /// Scaling's (the same protocol).
    service: &'static str,
    version: &'static str,
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

/// An EC2 instance, as far as verify and diagnose look at it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instance {
    pub id: String,
    /// `pending`, `running`, `stopped`, `terminated`...
    pub state: String,
    pub launched: Option<SystemTime>,
    /// The instance profile associated with it.
    pub instance_profile_arn: Option<String>,
    pub subnet: Option<String>,
    pub tags: std::collections::HashMap<String, String>,
}

/// An instance type's size, as `DescribeInstanceTypes` gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceType {
    pub name: String,
    pub vcpus: i64,
    pub memory_mib: i64,
    pub gpus: i64,
}

/// What `Ec2::existing` looks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkKind {
    Subnet,
    SecurityGroup,
}

/// The network a verify run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub vpc: Option<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}

/// One launch template version and the instance profile it sets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateProfile {
    pub id: String,
    pub name: String,
    pub version: String,
    pub profile: Option<String>,
}

impl Ec2 {
    /// A client for `aws`'s region and credentials; its calls are recorded in `aws.calls`.
    pub fn new(aws: &Aws) -> Ec2 {
        let config = &aws.config;
        let region = config
            .region()
            .map_or("us-east-1".to_owned(), |r| r.to_string());
        // Resolved as the SDK's clients resolve theirs (aws-config answers), else EC2's
        // own endpoint with the configured FIPS and dual-stack settings.
        let endpoint = aws.configured_endpoint("EC2").unwrap_or_else(|| {
            ecsrole_core::aws::ec2_default_endpoint(
                &region,
                config.use_fips().unwrap_or(false),
                config.use_dual_stack().unwrap_or(false),
            )
        });
        Ec2::speaking(aws, "ec2", API_VERSION, endpoint, region)
    }

    /// A client of Auto Scaling's query API (the same protocol as EC2's), for `aws`'s
    /// region: what uses an instance profile through a launch configuration.
    pub fn autoscaling(aws: &Aws) -> Ec2 {
        let region = aws
            .config
            .region()
            .map_or("us-east-1".to_owned(), |r| r.to_string());
        let endpoint = aws
            .configured_endpoint("Auto Scaling")
            .unwrap_or_else(|| ecsrole_core::aws::autoscaling_default_endpoint(&region));
        Ec2::speaking(aws, "autoscaling", "2011-01-01", endpoint, region)
    }

    fn speaking(
        aws: &Aws,
        service: &'static str,
        version: &'static str,
        endpoint: String,
        region: String,
    ) -> Ec2 {
        let config = &aws.config;
        Ec2 {
            inner: Arc::new(Inner {
                service,
                version,
                endpoint,
                region,
                calls: aws.calls.clone(),
                limits: Limits::of(config),
                identity: config.credentials_provider().map(CachedCredentials::new),
                client: OnceLock::new(),
            }),
        }
    }

    /// The region its queries are signed for.
    pub fn region(&self) -> &str {
        &self.inner.region
    }

    /// The instance types matching any of `patterns` (`m5.large`, or `c6i.*` for a
    /// family): EC2's `instance-type` filter, every page.
    pub async fn instance_types(&self, patterns: &[String]) -> Result<Vec<InstanceType>, Error> {
        let items = self
            .items(
                "ec2:DescribeInstanceTypes",
                "instanceTypeSet",
                "instance-type",
                patterns,
            )
            .await?;
        let num = |n: Option<&Node>, field: &str| {
            n.and_then(|n| n.text_of(field))
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        };
        Ok(items
            .iter()
            .map(|t| InstanceType {
                name: t.text_of("instanceType").unwrap_or_default().to_owned(),
                vcpus: num(t.child("vCpuInfo"), "defaultVCpus"),
                memory_mib: num(t.child("memoryInfo"), "sizeInMiB"),
                gpus: t
                    .child("gpuInfo")
                    .map(|g| g.items("gpus").map(|i| num(Some(i), "count")).sum())
                    .unwrap_or(0),
            })
            .collect())
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

    /// The instances that match every one of `filters` (an EC2 filter name and the values
    /// any of which it may have: `tag:KEY`, `instance-state-name`, `subnet-id`), every page.
    pub async fn instances(&self, filters: &[(&str, &[&str])]) -> Result<Vec<Instance>, Error> {
        let mut out = vec![];
        let mut token: Option<String> = None;
        loop {
            let mut params: Vec<(String, String)> = vec![];
            for (n, (name, values)) in filters.iter().enumerate() {
                params.push((format!("Filter.{}.Name", n + 1), (*name).to_owned()));
                for (m, value) in values.iter().enumerate() {
                    params.push((
                        format!("Filter.{}.Value.{}", n + 1, m + 1),
                        (*value).to_owned(),
                    ));
                }
            }
            params.push(("MaxResults".into(), "1000".into()));
            if let Some(t) = token.take() {
                params.push(("NextToken".into(), t));
            }
            let params: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let (page, next) = self
                .call("ec2:DescribeInstances", &params, answer::instances)
                .await?;
            out.extend(page.into_iter().map(|i| Instance {
                launched: i.launch_time.as_deref().and_then(|t| {
                    let dt = aws_smithy_types::DateTime::from_str(
                        t,
                        aws_smithy_types::date_time::Format::DateTime,
                    )
                    .ok()?;
                    SystemTime::try_from(dt).ok()
                }),
                id: i.id,
                state: i.state,
                instance_profile_arn: i.instance_profile_arn,
                subnet: i.subnet,
                tags: i.tags.into_iter().collect(),
            }));
            match next {
                Some(t) => token = Some(t),
                None => return Ok(out),
            }
        }
    }

    /// Which of `ids` exist, as subnets (`kind` `subnet`) or security groups (`group`):
    /// asked by filter, so a missing id is an absence, not an error; 200 ids to a call.
    pub async fn existing(&self, kind: NetworkKind, ids: &[&str]) -> Result<Vec<String>, Error> {
        let (action, filter, path): (&'static str, &str, &[&str]) = match kind {
            NetworkKind::Subnet => (
                "ec2:DescribeSubnets",
                "subnet-id",
                &["DescribeSubnetsResponse", "subnetSet", "item", "subnetId"],
            ),
            NetworkKind::SecurityGroup => (
                "ec2:DescribeSecurityGroups",
                "group-id",
                &SECURITY_GROUP_IDS,
            ),
        };
        let mut found = vec![];
        for chunk in ids.chunks(200) {
            let mut params: Vec<(String, String)> =
                vec![("Filter.1.Name".into(), filter.to_owned())];
            for (n, id) in chunk.iter().enumerate() {
                params.push((format!("Filter.1.Value.{}", n + 1), (*id).to_owned()));
            }
            let params: Vec<(&str, &str)> = params
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            found.extend(self.query_texts(action, &params, path).await?);
        }
        Ok(found)
    }

    /// The instance profile (ARN, else name) a launch template version sets, if any.
    pub async fn launch_template_profile(
        &self,
        id: Option<&str>,
        name: Option<&str>,
        version: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let mut params = vec![("LaunchTemplateVersion.1", version.unwrap_or("$Default"))];
        if let Some(id) = id {
            params.push(("LaunchTemplateId", id));
        } else if let Some(name) = name {
            params.push(("LaunchTemplateName", name));
        }
        let item = [
            "DescribeLaunchTemplateVersionsResponse",
            "launchTemplateVersionSet",
            "item",
        ];
        let rows = self
            .call("ec2:DescribeLaunchTemplateVersions", &params, |xml| {
                records(
                    xml,
                    &item,
                    &[
                        &["launchTemplateData", "iamInstanceProfile", "arn"],
                        &["launchTemplateData", "iamInstanceProfile", "name"],
                    ],
                )
            })
            .await?;
        Ok(rows
            .into_iter()
            .next()
            .and_then(|mut r| r[0].take().or_else(|| r[1].take())))
    }

    /// Every launch template's default and latest versions in the region, each with the
    /// instance profile it sets (ARN, else name), every page: what an Auto Scaling group or
    /// a `run-instances --launch-template` launches with unless it names a version.
    pub async fn template_profiles(&self) -> Result<Vec<TemplateProfile>, Error> {
        let root = "DescribeLaunchTemplateVersionsResponse";
        let mut out: Vec<TemplateProfile> = vec![];
        let mut token: Option<String> = None;
        loop {
            let mut params = vec![
                ("LaunchTemplateVersion.1", "$Default"),
                ("LaunchTemplateVersion.2", "$Latest"),
            ];
            if let Some(t) = &token {
                params.push(("NextToken", t));
            }
            let page = self
                .call("ec2:DescribeLaunchTemplateVersions", &params, |xml| {
                    tree(xml, root)
                })
                .await?;
            for v in page.items("launchTemplateVersionSet") {
                let profile = v
                    .child("launchTemplateData")
                    .and_then(|d| d.child("iamInstanceProfile"))
                    .and_then(|p| p.text_of("arn").or_else(|| p.text_of("name")));
                let t = TemplateProfile {
                    id: v.text_of("launchTemplateId").unwrap_or_default().to_owned(),
                    name: v
                        .text_of("launchTemplateName")
                        .unwrap_or_default()
                        .to_owned(),
                    version: v.text_of("versionNumber").unwrap_or_default().to_owned(),
                    profile: profile.map(str::to_owned),
                };
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            match page.text_of("nextToken") {
                Some(t) => token = Some(t.to_owned()),
                None => return Ok(out),
            }
        }
    }

    /// Every item of `set` in the answers to `action` with `filter` (one EC2 filter and
    /// its values, 200 to a call), following `nextToken`.
    pub(crate) async fn items(
        &self,
        action: &'static str,
        set: &'static str,
        filter: &str,
        values: &[String],
    ) -> Result<Vec<Node>, Error> {
        let root = format!("{}Response", action.trim_start_matches("ec2:"));
        let mut out = vec![];
        for chunk in values.chunks(200) {
            let mut token: Option<String> = None;
            loop {
                let mut params: Vec<(String, String)> =
                    vec![("Filter.1.Name".into(), filter.to_owned())];
                for (n, v) in chunk.iter().enumerate() {
                    params.push((format!("Filter.1.Value.{}", n + 1), v.clone()));
                }
                if let Some(t) = token.take() {
                    params.push(("NextToken".into(), t));
                }
                let params: Vec<(&str, &str)> = params
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let page = self.call(action, &params, |xml| tree(xml, &root)).await?;
                let next = page.text_of("nextToken").map(str::to_owned);
                out.extend(page.items(set).cloned());
                match next {
                    Some(t) => token = Some(t),
                    None => break,
                }
            }
        }
        Ok(out)
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
    pub(crate) async fn call<T>(
        &self,
        action: &'static str,
        params: &[(&str, &str)],
        read: impl Fn(&str) -> Result<T, XmlDecodeError>,
    ) -> Result<T, Error> {
        let body = form(action, self.inner.version, params);
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
        if let Some(date) = response.headers().get("date").and_then(|d| d.to_str().ok()) {
            self.inner.calls.clock().observe(date, SystemTime::now());
        }
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
            .name(self.inner.service)
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
                if self
                    .inner
                    .endpoint
                    .to_ascii_lowercase()
                    .starts_with("http://")
                {
                    return Ok(HttpClient::Plain(
                        Client::builder(TokioExecutor::new()).build(http),
                    ));
                }
                let https = hyper_rustls::HttpsConnectorBuilder::new()
                    .with_native_roots()
                    .map_err(|e| format!("cannot load the system's root certificates: {e}"))?
                    .https_or_http()
                    .enable_http1()
                    .wrap_connector(http);
                Ok(HttpClient::Tls(
                    Client::builder(TokioExecutor::new()).build(https),
                ))
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

/// The form body of a query: `Action` (the IAM action without its `ec2:` or
/// `autoscaling:` prefix), `Version`, then the parameters.
fn form(action: &str, version: &str, params: &[(&str, &str)]) -> String {
    let name = action.split_once(':').map_or(action, |(_, n)| n);
    let mut body = format!("Action={name}&Version={version}");
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
