//! Can an instance in these subnets, with these security groups, reach ECS? After IAM, the
//! network is the first cause of "instances never join ECS" (AWS's Batch guide,
//! "Compute resource AMI / networking"; the `AWSSupport-TroubleshootECSContainerInstance`
//! runbook checks the same three things: the route, the security groups, the network
//! ACL). [`read`] reads what decides it; [`judge`] decides (pure, no AWS call):
//!
//! - the route: the subnet's route table (its own association, else its VPC's main table)
//!   sends `0.0.0.0/0` to an internet gateway with public IPv4 addresses on launch, or to a
//!   NAT gateway; or the VPC has interface endpoints, with private DNS, for `ecs`,
//!   `ecs-agent`, `ecs-telemetry`, `ecr.api`, `ecr.dkr` and `logs`, and an S3 gateway
//!   endpoint on that route table (ECS's "Amazon ECS interface VPC endpoints" guide lists
//!   the three ECS endpoints; ECR's "interface VPC endpoints" guide the two ECR ones and
//!   S3 for the image layers; CloudWatch Logs for the awslogs driver). A `0.0.0.0/0` route
//!   elsewhere (a transit gateway, an appliance's interface, a peering) is not followed:
//!   no finding, but not shown either;
//! - the security groups: one of them allows TCP 443 out (to `0.0.0.0/0`; to anywhere
//!   when the way out is the VPC endpoints);
//! - the network ACL (stateless): its first matching rule for `0.0.0.0/0` allows TCP 443
//!   out and the replies back in on the ephemeral ports (32768-60999, the Linux range the
//!   ECS-optimised AMIs use; the VPC guide's "Network ACLs" on ephemeral ports).

use ecsrole_core::Subject;
use std::collections::HashMap;

use ecsrole_core::Severity;

use crate::finding::{Code, Finding, error, finding};

mod read;
#[cfg(test)]
mod tests;

/// The interface endpoints an ECS instance with no way out needs (service name suffixes).
pub const INTERFACE_SERVICES: [&str; 6] = [
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "ecr.api",
    "ecr.dkr",
    "logs",
];

/// Linux's ephemeral port range: the replies to the instance's HTTPS requests arrive there.
const EPHEMERAL: [i64; 2] = [32768, 60999];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subnet {
    pub id: String,
    pub vpc: String,
    pub public_ip_on_launch: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Route {
    /// The IPv4 destination (`0.0.0.0/0`), if the route has one.
    pub destination: Option<String>,
    /// The prefix list (a gateway endpoint's route), if that is the destination.
    pub prefix_list: Option<String>,
    /// `igw-...`, `nat-...`, `tgw-...`, `local`, `vpce-...`...
    pub target: String,
    /// `false`: a blackhole (its target is gone).
    pub active: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteTable {
    pub id: String,
    pub vpc: String,
    /// The VPC's main route table: subnets with no association of their own use it.
    pub main: bool,
    pub subnets: Vec<String>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoint {
    pub id: String,
    pub vpc: String,
    /// `com.amazonaws.REGION.ecs`...
    pub service: String,
    /// A gateway endpoint (S3, DynamoDB); else an interface endpoint.
    pub gateway: bool,
    pub available: bool,
    pub private_dns: bool,
    /// A gateway endpoint's route tables.
    pub route_tables: Vec<String>,
}

/// One egress rule of a security group.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rule {
    /// `-1` (all), `tcp`, `6`...
    pub protocol: String,
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// IPv4 destinations.
    pub cidrs: Vec<String>,
    /// IPv6 ranges, prefix lists and groups it also allows.
    pub other_destinations: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Group {
    pub id: String,
    pub egress: Vec<Rule>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AclEntry {
    pub number: i64,
    pub protocol: String,
    pub allow: bool,
    pub egress: bool,
    pub cidr: Option<String>,
    pub ports: Option<(i64, i64)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Acl {
    pub id: String,
    pub vpc: String,
    /// The VPC's default ACL: subnets with no association of their own use it.
    pub default: bool,
    pub subnets: Vec<String>,
    pub entries: Vec<AclEntry>,
}

/// What [`read`] read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetworkFacts {
    pub subnets: HashMap<String, Subnet>,
    pub route_tables: Vec<RouteTable>,
    pub endpoints: Vec<Endpoint>,
    pub groups: HashMap<String, Group>,
    pub acls: Vec<Acl>,
    /// By id: `true` for a public NAT gateway that is available (a private one reaches
    /// other networks, not the internet).
    pub nat_gateways: HashMap<String, bool>,
}

/// What is judged: one compute environment's (or verify run's) network.
#[derive(Debug, Clone, Copy)]
pub struct Placement<'a> {
    pub subnets: &'a [String],
    pub security_groups: &'a [String],
    pub region: &'a str,
    /// Something else may give the instances a public address: the compute environment's
    /// launch template, or (Fargate) the job definition's `assignPublicIp`. The subnet's
    /// setting then decides nothing alone: a warning, not an error.
    pub public_ip_elsewhere: Option<&'static str>,
}

/// How a subnet's instances get out.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Way {
    Internet(String),
    Nat(String),
    Endpoints,
    /// A route to something not followed (a transit gateway, an appliance).
    Elsewhere(String),
    /// None shown (a finding says why).
    Blocked,
}

/// The network's verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Judged {
    pub findings: Vec<Finding>,
    /// Every subnet was shown to have a way to ECS, with nothing blocking HTTPS: only then
    /// may an instance that never registers be blamed on the role.
    pub shown: bool,
    /// One line per subnet and one for the groups: what was seen.
    pub seen: Vec<String>,
}

pub fn judge(facts: &NetworkFacts, at: Placement<'_>) -> Judged {
    let mut out = Judged {
        shown: !at.subnets.is_empty(),
        ..Judged::default()
    };
    let mut ways = vec![];
    for id in at.subnets {
        let Some(subnet) = facts.subnets.get(id) else {
            out.shown = false;
            out.seen.push(format!("{id}: not found"));
            continue;
        };
        let way = subnet_way(facts, subnet, at, &mut out);
        if let Some(acl) = facts
            .acls
            .iter()
            .find(|a| a.subnets.contains(id))
            .or_else(|| facts.acls.iter().find(|a| a.vpc == subnet.vpc && a.default))
        {
            acl_verdict(acl, id, &way, &mut out);
        } else {
            out.shown = false;
            out.seen.push(format!("{id}: no network ACL read"));
        }
        // Shown only on a gateway path: through the endpoints, their own security groups
        // and the VPC's DNS attributes decide too, and are not read.
        match &way {
            Way::Internet(_) | Way::Nat(_) => {}
            Way::Endpoints => {
                out.shown = false;
                out.seen.push(format!(
                    "{id}: the VPC endpoints' own security groups and the VPC's DNS settings are not judged (not shown able to reach ECS)"
                ));
            }
            _ => out.shown = false,
        }
        ways.push(way);
    }
    groups_verdict(facts, at, &ways, &mut out);
    out
}

fn subnet_way(facts: &NetworkFacts, subnet: &Subnet, at: Placement<'_>, out: &mut Judged) -> Way {
    let id = &subnet.id;
    let Some(table) = facts
        .route_tables
        .iter()
        .find(|t| t.subnets.contains(id))
        .or_else(|| {
            facts
                .route_tables
                .iter()
                .find(|t| t.vpc == subnet.vpc && t.main)
        })
    else {
        out.findings.push(error(
            Code::SubnetNoRouteOut,
            Subject::Subnet(id.to_string()),
            format!("subnet {id} has no route table (none associated, and no main route table of {} was read): its instances cannot reach ECS", subnet.vpc),
        ));
        out.seen.push(format!("{id}: no route table"));
        return Way::Blocked;
    };
    let missing = missing_endpoints(facts, &subnet.vpc, &table.id, at.region);
    let default = table
        .routes
        .iter()
        .find(|r| r.destination.as_deref() == Some("0.0.0.0/0"));
    let rtb = &table.id;
    let active = default.filter(|r| r.active).map(|r| r.target.as_str());
    let way = match active {
        Some(t) if t.starts_with("nat-") && facts.nat_gateways.get(t) == Some(&true) => {
            Way::Nat(t.to_owned())
        }
        // A private NAT gateway, or one not read: not followed.
        Some(t) if t.starts_with("nat-") && missing.is_empty() => Way::Endpoints,
        Some(t) if t.starts_with("nat-") => {
            Way::Elsewhere(format!("{t} (not a public, available NAT gateway)"))
        }
        Some(t) if t.starts_with("igw-") => {
            if subnet.public_ip_on_launch {
                Way::Internet(t.to_owned())
            } else if missing.is_empty() {
                Way::Endpoints
            } else {
                let message = format!(
                    "subnet {id} routes 0.0.0.0/0 to internet gateway {t} (route table {rtb}) but gives instances no public IPv4 address on launch (MapPublicIpOnLaunch false), and the VPC lacks endpoints for {}: its instances cannot reach ECS; turn on auto-assign public IPv4, or use a subnet behind a NAT gateway",
                    missing.join(", ")
                );
                match at.public_ip_elsewhere {
                    Some(what) => out.findings.push(finding(
                        Code::SubnetNoPublicIp,
                        Severity::Warning,
                        Subject::Subnet(id.to_string()),
                        format!("{message} (unless {what} gives one)"),
                    )),
                    None => out.findings.push(error(
                        Code::SubnetNoPublicIp,
                        Subject::Subnet(id.to_string()),
                        message,
                    )),
                }
                Way::Blocked
            }
        }
        _ if missing.is_empty() => Way::Endpoints,
        Some(t) if !t.is_empty() && t != "local" => Way::Elsewhere(t.to_owned()),
        _ => {
            let route = match default {
                Some(r) if !r.active => format!(
                    "its 0.0.0.0/0 route to {} is a blackhole (the target is gone)",
                    r.target
                ),
                _ => "no 0.0.0.0/0 route to an internet or NAT gateway".to_owned(),
            };
            out.findings.push(error(
                Code::SubnetNoRouteOut,
                Subject::Subnet(id.to_string()),
                format!(
                    "subnet {id} has no way to ECS: route table {rtb} has {route}, and the VPC lacks endpoints for {}: its instances can never register; add a NAT gateway route, or the VPC endpoints",
                    missing.join(", ")
                ),
            ));
            Way::Blocked
        }
    };
    // AWS routes by the longest prefix: a narrower route elsewhere (0.0.0.0/1 to a
    // firewall, say) takes traffic the 0.0.0.0/0 route would: not judged, so not shown.
    let narrower: Vec<&Route> = table
        .routes
        .iter()
        .filter(|r| {
            r.active
                && r.target != "local"
                && r.prefix_list.is_none()
                && r.destination.as_deref().is_some_and(|d| d != "0.0.0.0/0")
        })
        .collect();
    if !narrower.is_empty() && matches!(way, Way::Internet(_) | Way::Nat(_)) {
        out.shown = false;
        out.seen.push(format!(
            "{id}: route table {rtb} also routes {} (narrower than 0.0.0.0/0: not judged)",
            narrower
                .iter()
                .map(|r| format!(
                    "{} to {}",
                    r.destination.as_deref().unwrap_or("?"),
                    r.target
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    // A launch template may turn the public address off: the subnet's setting shows
    // nothing then.
    if matches!(way, Way::Internet(_)) && at.public_ip_elsewhere.is_some() {
        out.shown = false;
        out.seen.push(format!(
            "{id}: public IPv4 on launch by the subnet, unless {} says otherwise (not shown)",
            at.public_ip_elsewhere.unwrap_or_default()
        ));
    }
    out.seen.push(format!(
        "{id}: route table {rtb}, {}",
        match &way {
            Way::Internet(g) => format!("0.0.0.0/0 to {g}, public IPv4 on launch"),
            Way::Nat(g) => format!("0.0.0.0/0 to {g}"),
            Way::Endpoints => "the VPC endpoints ECS needs".to_owned(),
            Way::Elsewhere(t) => format!("0.0.0.0/0 to {t} (not followed: not shown to reach ECS)"),
            Way::Blocked => "no way to ECS".to_owned(),
        }
    ));
    way
}

/// The endpoints the VPC lacks for an instance with no way out (short names: `ecs`, `s3`).
fn missing_endpoints(facts: &NetworkFacts, vpc: &str, table: &str, region: &str) -> Vec<String> {
    let usable = |e: &&Endpoint, service: &str| {
        e.vpc == vpc && e.available && e.service.ends_with(&format!(".{region}.{service}"))
    };
    let mut missing: Vec<String> = INTERFACE_SERVICES
        .iter()
        .filter(|s| {
            !facts
                .endpoints
                .iter()
                .any(|e| usable(&e, s) && !e.gateway && e.private_dns)
        })
        .map(|s| (*s).to_owned())
        .collect();
    let s3 = facts.endpoints.iter().any(|e| {
        usable(&e, "s3")
            && if e.gateway {
                e.route_tables.iter().any(|t| t == table)
            } else {
                e.private_dns
            }
    });
    if !s3 {
        missing.push("s3 (a gateway endpoint on this route table)".to_owned());
    }
    missing
}

fn covers(protocol: &str, ports: Option<(i64, i64)>, port: i64) -> bool {
    matches!(protocol, "-1" | "tcp" | "6" | "all")
        && ports.is_none_or(|(from, to)| (from == -1 && to == -1) || (from <= port && port <= to))
}

/// The first rule of `acl` for `0.0.0.0/0` matching TCP `port` in that direction.
fn first_match(acl: &Acl, egress: bool, port: i64) -> Option<&AclEntry> {
    let mut entries: Vec<&AclEntry> = acl
        .entries
        .iter()
        .filter(|e| e.egress == egress && e.cidr.as_deref() == Some("0.0.0.0/0"))
        .collect();
    entries.sort_by_key(|e| e.number);
    entries
        .into_iter()
        .find(|e| covers(&e.protocol, e.ports, port))
}

fn acl_verdict(acl: &Acl, subnet: &str, way: &Way, out: &mut Judged) {
    let checks = [
        (true, 443, "HTTPS out"),
        (false, EPHEMERAL[0], "replies in"),
        (false, EPHEMERAL[1], "replies in"),
    ];
    for (egress, port, what) in checks {
        match first_match(acl, egress, port) {
            Some(e) if e.allow => {
                // A deny for a narrower range before it, or an earlier rule on part of the
                // ephemeral range: rules this does not evaluate (the destination's address
                // is not known): not shown.
                let range = if egress {
                    (443, 443)
                } else {
                    (EPHEMERAL[0], EPHEMERAL[1])
                };
                let overlaps = |x: &AclEntry| {
                    matches!(x.protocol.as_str(), "-1" | "6" | "tcp" | "all")
                        && x.ports.is_none_or(|(f, t)| {
                            (f == -1 && t == -1) || (f <= range.1 && t >= range.0)
                        })
                };
                let earlier = acl
                    .entries
                    .iter()
                    .any(|x| x.egress == egress && x.number < e.number && overlaps(x) && !x.allow);
                if earlier {
                    out.shown = false;
                    out.seen.push(format!(
                        "{subnet}: network ACL {} has rules before rule {} for narrower ranges or ports (not judged)",
                        acl.id, e.number
                    ));
                }
            }
            found => {
                // Traffic to the VPC endpoints stays in the VPC: rules for narrower ranges
                // may allow it, and are not judged.
                if *way == Way::Endpoints
                    && acl.entries.iter().any(|e| {
                        e.egress == egress && e.allow && e.cidr.as_deref() != Some("0.0.0.0/0")
                    })
                {
                    out.shown = false;
                    out.seen.push(format!(
                        "{subnet}: network ACL {} has rules for narrower ranges than 0.0.0.0/0 (not judged)",
                        acl.id
                    ));
                    return;
                }
                let rule = match found {
                    Some(e) if e.number == 32767 => "its default rule (*) denies it".to_owned(),
                    Some(e) => format!("rule {} denies it", e.number),
                    None => "no rule allows it".to_owned(),
                };
                let direction = if egress { "outbound" } else { "inbound" };
                out.findings.push(error(
                    Code::NetworkAclBlocksHttps,
                    Subject::NetworkAcl(acl.id.to_string()),
                    format!(
                        "network ACL {} of subnet {subnet} blocks {what} ({direction} TCP {port} for 0.0.0.0/0: {rule}): network ACLs are stateless, so the ECS agent's HTTPS needs 443 out and the ephemeral ports 32768-60999 back in",
                        acl.id
                    ),
                ));
                out.shown = false;
                return;
            }
        }
    }
}

fn groups_verdict(facts: &NetworkFacts, at: Placement<'_>, ways: &[Way], out: &mut Judged) {
    let groups: Vec<&Group> = at
        .security_groups
        .iter()
        .filter_map(|g| facts.groups.get(g))
        .collect();
    if groups.is_empty() {
        // None given (the launch template's, or the VPC's default group, apply), or none
        // exists (a finding of its own): not judged, so not shown.
        out.shown = false;
        if at.security_groups.is_empty() {
            out.seen
                .push("security groups: none given (not judged)".to_owned());
        }
        return;
    }
    let inside_only = !ways.is_empty() && ways.iter().all(|w| *w == Way::Endpoints);
    let allows = |r: &Rule| {
        covers(&r.protocol, r.from.zip(r.to), 443)
            && (r.cidrs.iter().any(|c| c == "0.0.0.0/0")
                || (inside_only && (!r.cidrs.is_empty() || r.other_destinations > 0)))
    };
    let ids: Vec<&str> = groups.iter().map(|g| g.id.as_str()).collect();
    match groups.iter().find(|g| g.egress.iter().any(allows)) {
        Some(g) => out.seen.push(format!(
            "security groups {}: {} allows TCP 443 out",
            ids.join(", "),
            g.id
        )),
        None => {
            out.shown = false;
            out.seen.push(format!(
                "security groups {}: none allows TCP 443 out",
                ids.join(", ")
            ));
            out.findings.push(error(
                Code::SecurityGroupBlocksHttps,
                Subject::SecurityGroup(ids.join(",").to_string()),
                format!(
                    "none of the security groups {} allows TCP 443 out{}: the ECS agent cannot reach ECS and its instances never register; add an egress rule for TCP 443",
                    ids.join(", "),
                    if inside_only { "" } else { " to 0.0.0.0/0" }
                ),
            ));
        }
    }
}
