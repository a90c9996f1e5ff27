//! The network's reads: the subnets by id, then for their VPCs the route tables, VPC
//! endpoints, network ACLs and NAT gateways, and the security groups by id (six
//! describes, five of them concurrent, every page).

use std::collections::HashMap;

use super::{Acl, AclEntry, Endpoint, Group, NetworkFacts, Route, RouteTable, Rule, Subnet};
use crate::ec2::Ec2;
use crate::ec2::tree::Node;
use crate::error::Error;

impl Ec2 {
    /// What decides whether instances in `subnets` with `groups` can reach ECS.
    pub async fn network_facts(
        &self,
        subnets: &[String],
        groups: &[String],
    ) -> Result<NetworkFacts, Error> {
        let mut facts = NetworkFacts::default();
        if !subnets.is_empty() {
            for s in self
                .items("ec2:DescribeSubnets", "subnetSet", "subnet-id", subnets)
                .await?
            {
                let subnet = Subnet {
                    id: s.text_of("subnetId").unwrap_or_default().to_owned(),
                    vpc: s.text_of("vpcId").unwrap_or_default().to_owned(),
                    public_ip_on_launch: s.flag("mapPublicIpOnLaunch"),
                };
                facts.subnets.insert(subnet.id.clone(), subnet);
            }
        }
        let mut vpcs: Vec<String> = facts.subnets.values().map(|s| s.vpc.clone()).collect();
        vpcs.sort();
        vpcs.dedup();
        vpcs.retain(|v| !v.is_empty());
        let by_vpc = |action, set| {
            let vpcs = vpcs.clone();
            async move {
                if vpcs.is_empty() {
                    return Ok(vec![]);
                }
                self.items(action, set, "vpc-id", &vpcs).await
            }
        };
        let (tables, endpoints, acls, nats, sgs) = tokio::try_join!(
            by_vpc("ec2:DescribeRouteTables", "routeTableSet"),
            by_vpc("ec2:DescribeVpcEndpoints", "vpcEndpointSet"),
            by_vpc("ec2:DescribeNetworkAcls", "networkAclSet"),
            by_vpc("ec2:DescribeNatGateways", "natGatewaySet"),
            async {
                if groups.is_empty() {
                    return Ok(vec![]);
                }
                self.items(
                    "ec2:DescribeSecurityGroups",
                    "securityGroupInfo",
                    "group-id",
                    groups,
                )
                .await
            },
        )?;
        facts.route_tables = tables.iter().map(route_table).collect();
        facts.endpoints = endpoints.iter().map(endpoint).collect();
        facts.acls = acls.iter().map(acl).collect();
        facts.nat_gateways = nats
            .iter()
            .map(|n| {
                let public = n.text_of("connectivityType").is_none_or(|c| c == "public")
                    && n.text_of("state") == Some("available");
                (
                    n.text_of("natGatewayId").unwrap_or_default().to_owned(),
                    public,
                )
            })
            .collect();
        facts.groups = sgs
            .iter()
            .map(|g| {
                let id = g.text_of("groupId").unwrap_or_default().to_owned();
                let egress = g.items("ipPermissionsEgress").map(rule).collect();
                (id.clone(), Group { id, egress })
            })
            .collect::<HashMap<_, _>>();
        Ok(facts)
    }
}

fn texts(node: &Node, set: &str, field: Option<&str>) -> Vec<String> {
    node.items(set)
        .filter_map(|i| match field {
            Some(f) => i.text_of(f).map(str::to_owned),
            None => Some(i.text.clone()).filter(|t| !t.is_empty()),
        })
        .collect()
}

fn route_table(t: &Node) -> RouteTable {
    let associations: Vec<&Node> = t.items("associationSet").collect();
    RouteTable {
        id: t.text_of("routeTableId").unwrap_or_default().to_owned(),
        vpc: t.text_of("vpcId").unwrap_or_default().to_owned(),
        main: associations.iter().any(|a| a.flag("main")),
        subnets: associations
            .iter()
            .filter_map(|a| a.text_of("subnetId").map(str::to_owned))
            .collect(),
        routes: t
            .items("routeSet")
            .map(|r| Route {
                destination: r.text_of("destinationCidrBlock").map(str::to_owned),
                prefix_list: r.text_of("destinationPrefixListId").map(str::to_owned),
                target: [
                    "natGatewayId",
                    "gatewayId",
                    "transitGatewayId",
                    "networkInterfaceId",
                    "instanceId",
                    "vpcPeeringConnectionId",
                    "egressOnlyInternetGatewayId",
                    "carrierGatewayId",
                    "localGatewayId",
                ]
                .into_iter()
                .find_map(|f| r.text_of(f))
                .unwrap_or_default()
                .to_owned(),
                // No state given: active (moto leaves it out on some routes).
                active: r.text_of("state").is_none_or(|s| s == "active"),
            })
            .collect(),
    }
}

fn endpoint(e: &Node) -> Endpoint {
    Endpoint {
        id: e.text_of("vpcEndpointId").unwrap_or_default().to_owned(),
        vpc: e.text_of("vpcId").unwrap_or_default().to_owned(),
        service: e.text_of("serviceName").unwrap_or_default().to_owned(),
        gateway: e
            .text_of("vpcEndpointType")
            .is_some_and(|t| t.eq_ignore_ascii_case("gateway")),
        available: e
            .text_of("state")
            .is_none_or(|s| s.eq_ignore_ascii_case("available")),
        private_dns: e.flag("privateDnsEnabled"),
        route_tables: texts(e, "routeTableIdSet", None),
    }
}

fn port(node: &Node, name: &str) -> Option<i64> {
    node.text_of(name).and_then(|p| p.parse().ok())
}

fn rule(r: &Node) -> Rule {
    Rule {
        protocol: r.text_of("ipProtocol").unwrap_or("-1").to_owned(),
        from: port(r, "fromPort"),
        to: port(r, "toPort"),
        cidrs: texts(r, "ipRanges", Some("cidrIp")),
        other_destinations: r.items("ipv6Ranges").count()
            + r.items("prefixListIds").count()
            + r.items("groups").count(),
    }
}

fn acl(a: &Node) -> Acl {
    Acl {
        id: a.text_of("networkAclId").unwrap_or_default().to_owned(),
        vpc: a.text_of("vpcId").unwrap_or_default().to_owned(),
        default: a.flag("default"),
        subnets: texts(a, "associationSet", Some("subnetId")),
        entries: a
            .items("entrySet")
            .map(|e| AclEntry {
                number: port(e, "ruleNumber").unwrap_or(32767),
                protocol: e.text_of("protocol").unwrap_or("-1").to_owned(),
                allow: e.text_of("ruleAction") == Some("allow"),
                egress: e.flag("egress"),
                cidr: e.text_of("cidrBlock").map(str::to_owned),
                ports: e
                    .child("portRange")
                    .and_then(|p| Some((port(p, "from")?, port(p, "to")?))),
            })
            .collect(),
    }
}
