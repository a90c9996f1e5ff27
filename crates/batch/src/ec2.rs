//! The three read-only EC2 calls `verify` needs to find the default VPC's network, made
//! over EC2's Query protocol with SigV4.
//!
//! Why not aws-sdk-ec2: it takes over 4 minutes and 8 GB to compile here, for three
//! describe calls. The HTTP stack (hyper, rustls) and the signer are the ones the SDK
//! already brings, so this costs no extra dependency build.

use std::time::{Duration, SystemTime};

use aws_config::SdkConfig;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::error::Error;

const API_VERSION: &str = "2016-11-15";
const ATTEMPTS: u32 = 3;

/// A minimal EC2 client for `DescribeVpcs`, `DescribeSubnets`, `DescribeSecurityGroups`.
#[derive(Debug, Clone)]
pub struct Ec2 {
    config: SdkConfig,
    endpoint: String,
    region: String,
}

/// The network a verify run uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    pub vpc: Option<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}

impl Ec2 {
    pub fn new(config: &SdkConfig) -> Ec2 {
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
            config: config.clone(),
            endpoint,
            region,
        }
    }

    /// The default VPC's default subnets and its `default` security group.
    pub async fn default_network(&self) -> Result<Option<Network>, Error> {
        let vpcs = self
            .query(
                "ec2:DescribeVpcs",
                "DescribeVpcs",
                &[("Filter.1.Name", "isDefault"), ("Filter.1.Value.1", "true")],
            )
            .await?;
        let Some(vpc) = elements(&vpcs, "vpcId").into_iter().next() else {
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
        let (subnets, groups) = tokio::try_join!(
            self.query("ec2:DescribeSubnets", "DescribeSubnets", &subnet_filter),
            self.query(
                "ec2:DescribeSecurityGroups",
                "DescribeSecurityGroups",
                &group_filter
            ),
        )?;
        Ok(Some(Network {
            vpc: Some(vpc),
            subnets: elements(&subnets, "subnetId"),
            security_groups: elements(&groups, "groupId"),
        }))
    }

    /// One Query call (`permission` is the IAM action errors name), signed, with a timeout
    /// per attempt and bounded retries on connection failures, 5xx and throttling. Returns
    /// the XML body.
    pub async fn query(
        &self,
        permission: &'static str,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<String, Error> {
        let name = permission;
        let mut body = format!("Action={action}&Version={API_VERSION}");
        for (k, v) in params {
            body.push('&');
            body.push_str(&encode(k));
            body.push('=');
            body.push_str(&encode(v));
        }
        let mut last = String::new();
        for attempt in 1..=ATTEMPTS {
            match tokio::time::timeout(ecsrole_core::aws::ATTEMPT_TIMEOUT, self.send(&body)).await {
                Ok(Ok((status, text))) if status < 300 => return Ok(text),
                Ok(Ok((status, text))) => {
                    let code = first(&text, "Code").unwrap_or_else(|| format!("HTTP {status}"));
                    let message = first(&text, "Message").unwrap_or_default();
                    if status < 500 && code != "RequestLimitExceeded" {
                        return Err(
                            if code.contains("UnauthorizedOperation")
                                || code.contains("AccessDenied")
                            {
                                Error::Core(ecsrole_core::Error::AccessDenied {
                                    action: name,
                                    message,
                                })
                            } else {
                                Error::Core(ecsrole_core::Error::Service {
                                    action: name,
                                    code,
                                    message,
                                })
                            },
                        );
                    }
                    last = format!("{code}: {message}");
                }
                Ok(Err(e)) => last = e,
                Err(_) => last = "no answer".into(),
            }
            if attempt < ATTEMPTS {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
        }
        Err(Error::Core(ecsrole_core::Error::Other {
            action: name,
            detail: format!(
                "{ATTEMPTS} attempts against {} failed: {last}",
                self.endpoint
            ),
        }))
    }

    async fn send(&self, body: &str) -> Result<(u16, String), String> {
        let provider = self
            .config
            .credentials_provider()
            .ok_or("no credentials provider configured")?;
        let creds = provider
            .provide_credentials()
            .await
            .map_err(|e| format!("no AWS credentials: {e}"))?;
        let identity = Identity::from(creds);
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| e.to_string())?
            .into();
        let url = format!("{}/", self.endpoint.trim_end_matches('/'));
        let content_type = "application/x-www-form-urlencoded; charset=utf-8";
        let signable = SignableRequest::new(
            "POST",
            &url,
            [("content-type", content_type)].into_iter(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| e.to_string())?;
        let (instructions, _) = sign(signable, &params)
            .map_err(|e| e.to_string())?
            .into_parts();
        let mut request = http::Request::builder()
            .method("POST")
            .uri(&url)
            .header("content-type", content_type)
            .body(Full::new(hyper::body::Bytes::from(body.to_owned())))
            .map_err(|e| e.to_string())?;
        instructions.apply_to_request_http1x(&mut request);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()
            .map_err(|e| e.to_string())?
            .https_or_http()
            .enable_http1()
            .build();
        let client = Client::builder(TokioExecutor::new()).build(connector);
        let response = client
            .request(request)
            .await
            .map_err(|e| format!("cannot reach {url}: {e}"))?;
        let status = response.status().as_u16();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
    }
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

/// Every `<tag>value</tag>` in document order, without duplicates.
pub fn elements(xml: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out: Vec<String> = vec![];
    let mut rest = xml;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let Some(j) = rest.find(&close) else { break };
        let value = rest[..j].trim().to_owned();
        if !out.contains(&value) {
            out.push(value);
        }
        rest = &rest[j + close.len()..];
    }
    out
}

fn first(xml: &str, tag: &str) -> Option<String> {
    elements(xml, tag).into_iter().next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_ids_in_order_without_duplicates() {
        let xml = r#"<DescribeSecurityGroupsResponse><securityGroupInfo><item><groupId>sg-1</groupId>
            <ipPermissions><item><groups><item><groupId>sg-1</groupId></item></groups></item></ipPermissions></item>
            <item><groupId> sg-2 </groupId></item></securityGroupInfo></DescribeSecurityGroupsResponse>"#;
        assert_eq!(elements(xml, "groupId"), ["sg-1", "sg-2"]);
        assert!(elements(xml, "vpcId").is_empty());
        let err = "<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>no</Message></Error></Errors></Response>";
        assert_eq!(first(err, "Code").as_deref(), Some("UnauthorizedOperation"));
    }

    #[test]
    fn query_encoding() {
        assert_eq!(encode("Filter.1.Value.1"), "Filter.1.Value.1");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
    }
}
