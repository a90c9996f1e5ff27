//! Fixtures the tests share: accounts of their own, what a verify run left, and what
//! the emulators lack made by hand (a default VPC as AWS makes it, a closed network,
//! instances, container instances).

#[allow(unused_imports)]
use super::*;

/// Account ids no other test uses: derived from the test's unique role name.
pub(crate) fn accounts(ctx: &Ctx, n: usize) -> Vec<String> {
    let seed: u64 = ctx
        .role
        .bytes()
        .fold(7, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    (0..n)
        .map(|i| {
            format!(
                "{:012}",
                (seed.wrapping_add(i as u64 * 7919)) % 900_000_000_000 + 100_000_000_000
            )
        })
        .collect()
}

/// What of run `run_id` is still there, according to the emulator.
pub(crate) async fn left_of_run(ctx: &Ctx, run_id: &str) -> Vec<String> {
    let name = format!("ecsrole-verify-{run_id}");
    let tagged = |tags: Option<&std::collections::HashMap<String, String>>| {
        tags.and_then(|t| t.get("ecsrole:verify-run"))
            .map(String::as_str)
            == Some(run_id)
    };
    let mut left = vec![];
    let ces = ctx
        .batch
        .describe_compute_environments()
        .send()
        .await
        .unwrap();
    for c in ces.compute_environments() {
        let gone = c.status().is_some_and(|s| s.as_str() == "DELETED");
        if !gone && (tagged(c.tags()) || c.compute_environment_name() == Some(&name)) {
            left.push(format!(
                "ce {}",
                c.compute_environment_name().unwrap_or_default()
            ));
        }
    }
    let queues = ctx.batch.describe_job_queues().send().await.unwrap();
    for q in queues.job_queues() {
        let gone = q.status().is_some_and(|s| s.as_str() == "DELETED");
        if !gone && (tagged(q.tags()) || q.job_queue_name() == Some(&name)) {
            left.push(format!("queue {}", q.job_queue_name().unwrap_or_default()));
        }
    }
    let defs = ctx
        .batch
        .describe_job_definitions()
        .job_definition_name(&name)
        .status("ACTIVE")
        .send()
        .await
        .unwrap();
    for d in defs.job_definitions() {
        left.push(format!(
            "definition {}",
            d.job_definition_arn().unwrap_or_default()
        ));
    }
    left
}

/// Makes the default VPC of the account `ec2` acts in look like AWS's: a real default VPC
/// has an internet gateway and a `0.0.0.0/0` route to it in its main route table, and
/// its default subnets give public IPv4 addresses on launch; moto's and LocalStack's has
/// only the `local` route (docs/emulators.md), so every default-subnet environment
/// would be `subnet_no_route_out`. Idempotent; concurrent callers may both create a
/// gateway: the second attach or route fails and is ignored.
pub async fn aws_like_default_vpc(ec2: &ecsrole_batch::ec2::Ec2) {
    let vpc = ec2
        .query_texts(
            "ec2:DescribeVpcs",
            &[("Filter.1.Name", "isDefault"), ("Filter.1.Value.1", "true")],
            &["DescribeVpcsResponse", "vpcSet", "item", "vpcId"],
        )
        .await
        .unwrap();
    let Some(vpc) = vpc.first() else { return };
    let main = [
        ("Filter.1.Name", "vpc-id"),
        ("Filter.1.Value.1", vpc.as_str()),
        ("Filter.2.Name", "association.main"),
        ("Filter.2.Value.1", "true"),
    ];
    let set = ["DescribeRouteTablesResponse", "routeTableSet", "item"];
    let table = ec2
        .query_texts(
            "ec2:DescribeRouteTables",
            &main,
            &[set[0], set[1], set[2], "routeTableId"],
        )
        .await
        .unwrap();
    let routes = ec2
        .query_texts(
            "ec2:DescribeRouteTables",
            &main,
            &[
                set[0],
                set[1],
                set[2],
                "routeSet",
                "item",
                "destinationCidrBlock",
            ],
        )
        .await
        .unwrap();
    let Some(table) = table.first() else { return };
    if routes.iter().any(|r| r == "0.0.0.0/0") {
        return;
    }
    let attached = ec2
        .query_texts(
            "ec2:DescribeInternetGateways",
            &[
                ("Filter.1.Name", "attachment.vpc-id"),
                ("Filter.1.Value.1", vpc.as_str()),
            ],
            &[
                "DescribeInternetGatewaysResponse",
                "internetGatewaySet",
                "item",
                "internetGatewayId",
            ],
        )
        .await
        .unwrap();
    let igw = match attached.first() {
        Some(igw) => igw.clone(),
        None => {
            let igw = ec2
                .query_texts(
                    "ec2:CreateInternetGateway",
                    &[],
                    &[
                        "CreateInternetGatewayResponse",
                        "internetGateway",
                        "internetGatewayId",
                    ],
                )
                .await
                .unwrap()
                .remove(0);
            let _ = ec2
                .query_texts(
                    "ec2:AttachInternetGateway",
                    &[("InternetGatewayId", igw.as_str()), ("VpcId", vpc.as_str())],
                    &["AttachInternetGatewayResponse", "return"],
                )
                .await;
            igw
        }
    };
    let _ = ec2
        .query_texts(
            "ec2:CreateRoute",
            &[
                ("RouteTableId", table.as_str()),
                ("DestinationCidrBlock", "0.0.0.0/0"),
                ("GatewayId", igw.as_str()),
            ],
            &["CreateRouteResponse", "return"],
        )
        .await;
}

/// Launches an instance (tagged `ecsrole:verify-run=RUN` when `run` is given, with the
/// instance profile `profile`), as Batch would: its id.
pub async fn run_instance(
    ec2: &ecsrole_batch::ec2::Ec2,
    run: Option<&str>,
    profile: Option<&str>,
) -> String {
    let mut params = vec![
        ("ImageId", "ami-03cf127a"),
        ("MinCount", "1"),
        ("MaxCount", "1"),
        ("InstanceType", "t2.micro"),
    ];
    if let Some(run) = run {
        params.extend([
            ("TagSpecification.1.ResourceType", "instance"),
            ("TagSpecification.1.Tag.1.Key", "ecsrole:verify-run"),
            ("TagSpecification.1.Tag.1.Value", run),
        ]);
    }
    if let Some(p) = profile {
        params.push(("IamInstanceProfile.Arn", p));
    }
    ec2.query_texts(
        "ec2:RunInstances",
        &params,
        &["RunInstancesResponse", "instancesSet", "item", "instanceId"],
    )
    .await
    .unwrap()
    .remove(0)
}

/// Instance profile `name`'s ARN.
pub async fn profile_arn_of(iam: &Client, name: &str) -> String {
    iam.get_instance_profile()
        .instance_profile_name(name)
        .send()
        .await
        .unwrap()
        .instance_profile()
        .unwrap()
        .arn()
        .to_owned()
}

/// The ECS cluster Batch made for compute environment `ce` (name or ARN).
pub async fn cluster_of(batch: &aws_sdk_batch::Client, ce: &str) -> String {
    batch
        .describe_compute_environments()
        .compute_environments(ce)
        .send()
        .await
        .unwrap()
        .compute_environments()[0]
        .ecs_cluster_arn()
        .unwrap()
        .to_owned()
}

/// Registers `instance` in `cluster`, as its ECS agent would.
pub async fn register_instance(ecs: &aws_sdk_ecs::Client, cluster: &str, instance: &str) {
    ecs.register_container_instance()
        .cluster(cluster)
        .instance_identity_document(format!(r#"{{"instanceId": "{instance}"}}"#))
        .send()
        .await
        .unwrap();
}

/// A VPC of its own with one subnet whose route table holds only the `local` route, and a
/// security group (all out): instances there cannot reach ECS.
pub struct ClosedNetwork {
    pub vpc: String,
    pub subnet: String,
    pub group: String,
    /// The VPC's main route table (the subnet's).
    pub table: String,
}

pub async fn closed_network(ec2: &ecsrole_batch::ec2::Ec2) -> ClosedNetwork {
    let one = |action: &'static str,
               params: Vec<(&'static str, String)>,
               path: Vec<&'static str>| async move {
        let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let got = ec2.query_texts(action, &params, &path).await.unwrap();
        got.into_iter()
            .next()
            .unwrap_or_else(|| panic!("{action}: nothing at {path:?}"))
    };
    let vpc = one(
        "ec2:CreateVpc",
        vec![("CidrBlock", "10.9.0.0/16".into())],
        vec!["CreateVpcResponse", "vpc", "vpcId"],
    )
    .await;
    let subnet = one(
        "ec2:CreateSubnet",
        vec![("VpcId", vpc.clone()), ("CidrBlock", "10.9.1.0/24".into())],
        vec!["CreateSubnetResponse", "subnet", "subnetId"],
    )
    .await;
    let group = one(
        "ec2:CreateSecurityGroup",
        vec![
            ("VpcId", vpc.clone()),
            ("GroupName", format!("closed-{vpc}")),
            ("GroupDescription", "closed".into()),
        ],
        vec!["CreateSecurityGroupResponse", "groupId"],
    )
    .await;
    let table = one(
        "ec2:DescribeRouteTables",
        vec![
            ("Filter.1.Name", "vpc-id".into()),
            ("Filter.1.Value.1", vpc.clone()),
        ],
        vec![
            "DescribeRouteTablesResponse",
            "routeTableSet",
            "item",
            "routeTableId",
        ],
    )
    .await;
    ClosedNetwork {
        vpc,
        subnet,
        group,
        table,
    }
}

pub(crate) static DEFAULT_VPC: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
