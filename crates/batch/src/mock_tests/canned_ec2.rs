//! verify's exit-3 decision with the instances and the network read: EC2's answers were
//! recorded from moto 5.2.5 (`moto_ec2/`: its default VPC, one of its subnets, its default
//! security group, and an instance it ran with an instance profile and the run's tag) and
//! are served here by a small HTTP server on 127.0.0.1, in place of EC2. What the
//! instance's age, state, profile and the ECS registrations are is the test's choice: no
//! emulator lets an instance run past an allowance without registering.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_sdk_batch::operation::describe_compute_environments::DescribeComputeEnvironmentsOutput;
use aws_sdk_batch::types::{
    CeState, CeStatus, CeType, ComputeEnvironmentDetail, ComputeResource, CrType,
};
use aws_sdk_ecs::operation::list_container_instances::ListContainerInstancesOutput;
use aws_smithy_mocks::{Rule, mock};
use aws_smithy_types::date_time::Format;
use ecsrole_core::{Aws, Calls, Partition};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{CE_NAME, CLUSTER, iam_rules, options, verifier};
use crate::ec2::Ec2;
use crate::evidence::Stuck;
use crate::outcome::{Failure, FailureKind};
use crate::verify::Checked;
use crate::{Level, Verifier};

const PROFILE: &str = "arn:aws:iam::123456789012:instance-profile/recordedProfile";
const SUBNET: &str = "subnet-457b11bb250eede25";
const GROUP: &str = "sg-466865238911df96c";
const ALLOWANCE: Duration = Duration::from_secs(300);

/// EC2 as moto answered, by action.
fn recorded() -> HashMap<&'static str, String> {
    HashMap::from([
        (
            "DescribeSubnets",
            include_str!("moto_ec2/subnets.xml").to_owned(),
        ),
        (
            "DescribeRouteTables",
            include_str!("moto_ec2/route_tables.xml").to_owned(),
        ),
        (
            "DescribeVpcEndpoints",
            include_str!("moto_ec2/vpc_endpoints.xml").to_owned(),
        ),
        (
            "DescribeNetworkAcls",
            include_str!("moto_ec2/network_acls.xml").to_owned(),
        ),
        (
            "DescribeNatGateways",
            include_str!("moto_ec2/nat_gateways.xml").to_owned(),
        ),
        (
            "DescribeSecurityGroups",
            include_str!("moto_ec2/security_groups.xml").to_owned(),
        ),
        (
            "DescribeInstances",
            include_str!("moto_ec2/instances.xml").to_owned(),
        ),
    ])
}

/// The recorded instance, launched `age` ago, in `state`, with `profile`.
fn instance(age: Duration, state: &str, profile: &str) -> String {
    let launched = aws_smithy_types::DateTime::from(SystemTime::now() - age)
        .fmt(Format::DateTime)
        .unwrap();
    let xml = include_str!("moto_ec2/instances.xml");
    let at = |open: &str, close: &str| {
        let i = xml.find(open).unwrap() + open.len();
        let j = i + xml[i..].find(close).unwrap();
        (i, j)
    };
    let (t0, t1) = at("<launchTime>", "</launchTime>");
    let (s0, s1) = at("<instanceState><code>16</code><name>", "</name>");
    let (p0, p1) = at("<iamInstanceProfile><arn>", "</arn>");
    assert!(t1 < s0 || s1 < t0, "the fields do not overlap");
    let mut spans = [
        (t0, t1, launched.as_str()),
        (s0, s1, state),
        (p0, p1, profile),
    ];
    spans.sort_by_key(|s| s.0);
    let mut out = String::new();
    let mut last = 0;
    for (i, j, with) in spans {
        out.push_str(&xml[last..i]);
        out.push_str(with);
        last = j;
    }
    out.push_str(&xml[last..]);
    out
}

/// A server on 127.0.0.1 answering EC2's query API from `answers`; each request's body is
/// kept in `asked`. An action it has no answer for is EC2's `UnsupportedOperation`.
struct Canned {
    url: String,
    asked: Arc<Mutex<Vec<String>>>,
}

async fn serve(answers: HashMap<&'static str, String>) -> Canned {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let asked = Arc::new(Mutex::new(vec![]));
    let kept = asked.clone();
    let answers = Arc::new(answers);
    tokio::spawn(async move {
        loop {
            let Ok((mut conn, _)) = listener.accept().await else {
                return;
            };
            let (answers, kept) = (answers.clone(), kept.clone());
            tokio::spawn(async move {
                let mut buf = vec![];
                let mut chunk = [0u8; 4096];
                let body = loop {
                    let n = conn.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).into_owned();
                    let Some(end) = text.find("\r\n\r\n") else {
                        continue;
                    };
                    let length = text[..end]
                        .lines()
                        .find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("content-length")
                                .then(|| v.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if buf.len() >= end + 4 + length {
                        break text[end + 4..end + 4 + length].to_owned();
                    }
                };
                let action = body
                    .split('&')
                    .find_map(|p| p.strip_prefix("Action="))
                    .unwrap_or_default()
                    .to_owned();
                kept.lock().unwrap().push(body);
                let (status, xml) = match answers.get(action.as_str()) {
                    Some(xml) => ("200 OK", xml.clone()),
                    None => (
                        "400 Bad Request",
                        format!(
                            "<Response><Errors><Error><Code>UnsupportedOperation</Code><Message>{action} is not canned</Message></Error></Errors><RequestID>r</RequestID></Response>"
                        ),
                    ),
                };
                let answer = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
                    xml.len()
                );
                let _ = conn.write_all(answer.as_bytes()).await;
                let _ = conn.shutdown().await;
            });
        }
    });
    Canned { url, asked }
}

/// An EC2 client that talks to `url`.
fn ec2(url: &str) -> Ec2 {
    let config = aws_config::SdkConfig::builder()
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIDMOCK", "mock", None, None, "mock",
        )))
        .build();
    Ec2::new(&Aws {
        config,
        partition: Partition::Aws,
        calls: Calls::default(),
    })
}

/// Batch: the run's environment, VALID and `state`, in the recorded subnet and security
/// group.
fn batch_in(state: CeState) -> Vec<Rule> {
    vec![
        mock!(aws_sdk_batch::Client::describe_compute_environments).then_output(move || {
            let resources = ComputeResource::builder()
                .r#type(CrType::Ec2)
                .maxv_cpus(4)
                .subnets(SUBNET)
                .security_group_ids(GROUP)
                .instance_role(PROFILE)
                .build();
            DescribeComputeEnvironmentsOutput::builder()
                .compute_environments(
                    ComputeEnvironmentDetail::builder()
                        .compute_environment_name(CE_NAME)
                        .compute_environment_arn(format!(
                            "arn:aws:batch:us-east-1:123456789012:compute-environment/{CE_NAME}"
                        ))
                        .ecs_cluster_arn(CLUSTER)
                        .r#type(CeType::Managed)
                        .status(CeStatus::Valid)
                        .status_reason("ComputeEnvironment Healthy")
                        .state(state.clone())
                        .compute_resources(resources)
                        .build(),
                )
                .build()
        }),
    ]
}

fn batch() -> Vec<Rule> {
    batch_in(CeState::Enabled)
}

/// ECS: `n` container instances registered in the run's cluster.
fn ecs(n: usize) -> Vec<Rule> {
    vec![
        mock!(aws_sdk_ecs::Client::list_container_instances).then_output(move || {
            let mut out = ListContainerInstancesOutput::builder();
            for i in 0..n {
                out = out.container_instance_arns(format!(
                    "arn:aws:ecs:us-east-1:123456789012:container-instance/c/{i}"
                ));
            }
            out.build()
        }),
    ]
}

/// What a run whose instance never registered is judged, with EC2 at `url`.
async fn judged(v: &Verifier) -> Failure {
    let names = options(Level::Instance).names();
    let stuck = Stuck {
        what: "no container instance registered".into(),
        names: &names,
        compute_environment: CE_NAME,
        cluster: CLUSTER,
        job: None,
    };
    let checked = Checked {
        profile_arn: PROFILE.into(),
        youngest: SystemTime::now() - Duration::from_secs(3600),
    };
    v.judge(stuck, &checked, ALLOWANCE).await
}

/// One case: the instance's age, state and profile, the registrations, and whether the
/// network's route out is there.
async fn case(age: u64, state: &str, profile: &str, registered: usize, routed: bool) -> Failure {
    let server = serve(answers(age, state, profile, routed)).await;
    let mut v = verifier(&iam_rules(), &batch(), &ecs(registered));
    v.ec2 = Some(ec2(&server.url));
    let failure = judged(&v).await;
    let asked = server.asked.lock().unwrap().clone();
    let instances = asked
        .iter()
        .find(|b| b.contains("Action=DescribeInstances"))
        .expect("the instances were read");
    assert!(
        instances.contains("c0ffee00"),
        "by the run's tag: {instances}"
    );
    failure
}

#[tokio::test]
async fn an_overdue_instance_of_the_profile_on_a_network_shown_open_is_the_roles_fault() {
    let f = case(900, "running", PROFILE, 0, true).await;
    assert_eq!(f.kind, FailureKind::RoleBroken, "{}", f.message);
    assert!(
        f.message.contains("has run with instance profile")
            && f.message.contains("registration allowance 300s"),
        "{}",
        f.message
    );
    assert!(f.message.contains("seen: ec2 network:"), "{}", f.message);
}

#[tokio::test]
async fn anything_short_of_that_is_not_blamed_on_the_role() {
    let other = "arn:aws:iam::123456789012:instance-profile/other";
    for (why, age, state, profile, registered, routed) in [
        ("within the allowance", 200, "running", PROFILE, 0, true),
        ("one registered", 900, "running", PROFILE, 1, true),
        ("not running", 900, "stopped", PROFILE, 0, true),
        ("another profile", 900, "running", other, 0, true),
        ("no route out", 900, "running", PROFILE, 0, false),
    ] {
        let f = case(age, state, profile, registered, routed).await;
        assert_eq!(f.kind, FailureKind::Error, "{why}: {}", f.message);
        assert!(
            f.message.contains("nothing read points at the role"),
            "{why}: {}",
            f.message
        );
        // The network is read only for an instance of the profile that runs.
        let read = f.message.contains("seen: ec2 network:");
        assert_eq!(
            read,
            state == "running" && profile == PROFILE,
            "{why}: {}",
            f.message
        );
        if !routed {
            assert!(
                f.message.contains("the network (subnet_no_route_out)"),
                "{why}: the network is named: {}",
                f.message
            );
        }
    }
}

#[tokio::test]
async fn just_past_the_allowance_is_overdue_and_just_within_it_is_not() {
    // Seconds either side of the allowance (the test's own time passes in between).
    let past = case(ALLOWANCE.as_secs() + 5, "running", PROFILE, 0, true).await;
    assert_eq!(past.kind, FailureKind::RoleBroken, "{}", past.message);
    let within = case(ALLOWANCE.as_secs() - 5, "running", PROFILE, 0, true).await;
    assert_eq!(within.kind, FailureKind::Error, "{}", within.message);
}

/// The recorded answers, the instance `age` old, with or without the route out.
fn answers(age: u64, state: &str, profile: &str, routed: bool) -> HashMap<&'static str, String> {
    let mut answers = recorded();
    answers.insert(
        "DescribeInstances",
        instance(Duration::from_secs(age), state, profile),
    );
    if !routed {
        let rt = answers["DescribeRouteTables"].clone();
        let i = rt.find("<item><destinationCidrBlock>0.0.0.0/0").unwrap();
        let j = i + rt[i..].find("</item>").unwrap() + "</item>".len();
        answers.insert("DescribeRouteTables", format!("{}{}", &rt[..i], &rt[j..]));
    }
    answers
}

#[tokio::test]
async fn a_failure_is_explained_by_diagnose_of_the_runs_environment() {
    let mut v = verifier(&iam_rules(), &batch(), &ecs(0));
    let opts = options(Level::Instance);
    assert_eq!(
        v.explain(CE_NAME, &opts).await,
        "",
        "no EC2 client, no diagnose"
    );
    let open = serve(answers(900, "running", PROFILE, true)).await;
    v.ec2 = Some(ec2(&open.url));
    assert_eq!(
        v.explain(CE_NAME, &opts).await,
        format!("\n  diagnose {CE_NAME}: no finding")
    );
    let closed = serve(answers(900, "running", PROFILE, false)).await;
    v.ec2 = Some(ec2(&closed.url));
    let lines = v.explain(CE_NAME, &opts).await;
    assert!(
        lines.starts_with(&format!(
            "\n  diagnose {CE_NAME}: error subnet_no_route_out: "
        )),
        "{lines}"
    );
    assert!(lines.contains(SUBNET), "{lines}");
}

#[tokio::test]
async fn no_instance_of_the_run_points_at_capacity_not_at_the_role() {
    let mut answers = recorded();
    answers.insert(
        "DescribeInstances",
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15\"><reservationSet/><requestId>request-id</requestId></DescribeInstancesResponse>".into(),
    );
    let server = serve(answers).await;
    let mut v = verifier(&iam_rules(), &batch(), &ecs(0));
    v.ec2 = Some(ec2(&server.url));
    let f = judged(&v).await;
    assert_eq!(f.kind, FailureKind::Error, "{}", f.message);
    assert!(
        f.message.contains(
            "seen: ec2:DescribeInstances: no instance tagged ecsrole:verify-run=c0ffee00"
        ),
        "{}",
        f.message
    );
    assert!(
        f.message
            .contains("likely causes, most likely first:\n  1. capacity"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn an_environment_with_only_a_warning_is_explained_by_it() {
    let server = serve(answers(900, "running", PROFILE, true)).await;
    let mut v = verifier(&iam_rules(), &batch_in(CeState::Disabled), &ecs(0));
    v.ec2 = Some(ec2(&server.url));
    let lines = v.explain(CE_NAME, &options(Level::Instance)).await;
    assert_eq!(
        lines,
        format!(
            "\n  diagnose {CE_NAME}: warning compute_environment_disabled: the compute environment is DISABLED: its queues place no job on it"
        )
    );
}
