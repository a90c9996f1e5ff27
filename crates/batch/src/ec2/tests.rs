//! The EC2 client without a server: parsing, classification, retries and bounds.

use std::sync::atomic::{AtomicUsize, Ordering};

use std::time::Duration;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::retry::{Limits, backoff, bounded, retryable};
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
        Err::<(), SdkError<Ec2Error, HttpResponse>>(SdkError::dispatch_failure(ConnectorError::io(
            io.into(),
        )))
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
        form(
            "ec2:DescribeVpcs",
            API_VERSION,
            &[("Filter.1.Name", "is default")]
        ),
        "Action=DescribeVpcs&Version=2016-11-15&Filter.1.Name=is%20default"
    );
}
