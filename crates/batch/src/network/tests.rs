use super::*;

const REGION: &str = "eu-west-1";

fn subnets() -> Vec<String> {
    vec!["subnet-a".into()]
}

fn groups() -> Vec<String> {
    vec!["sg-1".into()]
}

fn at<'a>(subnets: &'a [String], groups: &'a [String]) -> Placement<'a> {
    Placement {
        subnets,
        security_groups: groups,
        region: REGION,
        public_ip_elsewhere: None,
    }
}

fn entry(number: i64, egress: bool, allow: bool, ports: Option<(i64, i64)>) -> AclEntry {
    AclEntry {
        number,
        protocol: if ports.is_some() { "6" } else { "-1" }.into(),
        allow,
        egress,
        cidr: Some("0.0.0.0/0".into()),
        ports,
    }
}

/// A public subnet: 0.0.0.0/0 to an internet gateway, public IPs on launch, the default
/// ACL (allow all, then the default deny) and a group allowing all out.
fn healthy() -> NetworkFacts {
    let mut f = NetworkFacts::default();
    f.subnets.insert(
        "subnet-a".into(),
        Subnet {
            id: "subnet-a".into(),
            vpc: "vpc-1".into(),
            public_ip_on_launch: true,
        },
    );
    f.route_tables.push(RouteTable {
        id: "rtb-main".into(),
        vpc: "vpc-1".into(),
        main: true,
        subnets: vec![],
        routes: vec![
            Route {
                destination: Some("172.31.0.0/16".into()),
                target: "local".into(),
                active: true,
                ..Route::default()
            },
            Route {
                destination: Some("0.0.0.0/0".into()),
                target: "igw-1".into(),
                active: true,
                ..Route::default()
            },
        ],
    });
    f.acls.push(Acl {
        id: "acl-1".into(),
        vpc: "vpc-1".into(),
        default: true,
        subnets: vec!["subnet-a".into()],
        entries: vec![
            entry(100, true, true, None),
            entry(32767, true, false, None),
            entry(100, false, true, None),
            entry(32767, false, false, None),
        ],
    });
    f.groups.insert(
        "sg-1".into(),
        Group {
            id: "sg-1".into(),
            egress: vec![Rule {
                protocol: "-1".into(),
                cidrs: vec!["0.0.0.0/0".into()],
                ..Rule::default()
            }],
        },
    );
    f
}

fn codes(j: &Judged) -> Vec<&'static str> {
    j.findings.iter().map(|f| f.code.as_str()).collect()
}

fn private(f: &mut NetworkFacts) {
    f.route_tables[0].routes.retain(|r| r.target == "local");
}

fn add_endpoints(f: &mut NetworkFacts, services: &[&str]) {
    for s in services {
        f.endpoints.push(Endpoint {
            id: format!("vpce-{s}"),
            vpc: "vpc-1".into(),
            service: format!("com.amazonaws.{REGION}.{s}"),
            gateway: *s == "s3",
            available: true,
            private_dns: *s != "s3",
            route_tables: if *s == "s3" {
                vec!["rtb-main".into()]
            } else {
                vec![]
            },
        });
    }
}

const ALL: [&str; 7] = [
    "ecs",
    "ecs-agent",
    "ecs-telemetry",
    "ecr.api",
    "ecr.dkr",
    "logs",
    "s3",
];

#[test]
fn a_public_subnet_is_shown_to_reach_ecs() {
    let (s, g) = (subnets(), groups());
    let j = judge(&healthy(), at(&s, &g));
    assert_eq!(codes(&j), Vec::<&str>::new(), "{j:?}");
    assert!(j.shown, "{j:?}");
    assert!(
        j.seen[0].contains("rtb-main") && j.seen[0].contains("igw-1"),
        "{j:?}"
    );
}

#[test]
fn a_subnet_with_only_its_local_route_has_no_way_out() {
    let (s, g) = (subnets(), groups());
    let mut f = healthy();
    private(&mut f);
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), ["subnet_no_route_out"]);
    assert!(!j.shown);
    let m = &j.findings[0].message;
    assert!(
        m.contains("subnet-a")
            && m.contains("rtb-main")
            && m.contains("ecs-agent")
            && m.contains("s3"),
        "{m}"
    );
    assert_eq!(j.findings[0].resource, "subnet/subnet-a");
}

#[test]
fn its_own_route_table_wins_over_the_main_one() {
    let (s, g) = (subnets(), groups());
    let mut f = healthy();
    f.route_tables.push(RouteTable {
        id: "rtb-own".into(),
        vpc: "vpc-1".into(),
        main: false,
        subnets: vec!["subnet-a".into()],
        routes: vec![],
    });
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), ["subnet_no_route_out"]);
    assert!(j.findings[0].message.contains("rtb-own"));
}

#[test]
fn a_nat_gateway_or_every_endpoint_is_a_way_out_and_a_partial_set_is_not() {
    let (s, g) = (subnets(), groups());
    let mut nat = healthy();
    nat.subnets.get_mut("subnet-a").unwrap().public_ip_on_launch = false;
    nat.route_tables[0].routes[1].target = "nat-1".into();
    nat.nat_gateways.insert("nat-1".into(), true);
    assert!(judge(&nat, at(&s, &g)).shown);
    // A private NAT gateway (or one not read) reaches no internet: not followed.
    nat.nat_gateways.insert("nat-1".into(), false);
    let j = judge(&nat, at(&s, &g));
    assert_eq!(codes(&j), Vec::<&str>::new(), "{j:?}");
    assert!(!j.shown, "{j:?}");

    let mut ends = healthy();
    private(&mut ends);
    add_endpoints(&mut ends, &ALL);
    let j = judge(&ends, at(&s, &g));
    assert_eq!(codes(&j), Vec::<&str>::new(), "{j:?}");
    assert!(
        !j.shown,
        "the endpoints' own groups and the VPC's DNS are not read: {j:?}"
    );

    let mut partial = healthy();
    private(&mut partial);
    add_endpoints(&mut partial, &ALL[..5]);
    let j = judge(&partial, at(&s, &g));
    assert_eq!(codes(&j), ["subnet_no_route_out"]);
    let m = &j.findings[0].message;
    assert!(
        m.contains("logs") && m.contains("s3") && !m.contains("ecr.dkr"),
        "{m}"
    );

    // Endpoints of another region or VPC, or without private DNS, do not count.
    let mut other = healthy();
    private(&mut other);
    add_endpoints(&mut other, &ALL);
    other.endpoints[0].private_dns = false;
    assert_eq!(codes(&judge(&other, at(&s, &g))), ["subnet_no_route_out"]);
    let mut wrong_table = healthy();
    private(&mut wrong_table);
    add_endpoints(&mut wrong_table, &ALL);
    wrong_table.endpoints[6].route_tables = vec!["rtb-other".into()];
    assert_eq!(
        codes(&judge(&wrong_table, at(&s, &g))),
        ["subnet_no_route_out"]
    );
}

#[test]
fn an_internet_gateway_without_public_ips_is_no_way_out() {
    let (s, g) = (subnets(), groups());
    let mut f = healthy();
    f.subnets.get_mut("subnet-a").unwrap().public_ip_on_launch = false;
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), ["subnet_no_public_ip"]);
    assert!(j.findings[0].is_error());
    assert!(!j.shown);
    let mut lt = at(&s, &g);
    lt.public_ip_elsewhere = Some("the launch template");
    let j = judge(&f, lt);
    assert_eq!(codes(&j), ["subnet_no_public_ip"]);
    assert!(!j.findings[0].is_error());
    assert!(!j.shown, "a warning is not a proof");
}

#[test]
fn a_blackhole_is_no_route_and_a_transit_gateway_is_not_followed() {
    let (s, g) = (subnets(), groups());
    let mut f = healthy();
    f.route_tables[0].routes[1].active = false;
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), ["subnet_no_route_out"]);
    assert!(j.findings[0].message.contains("blackhole"));
    f.route_tables[0].routes[1].active = true;
    f.route_tables[0].routes[1].target = "tgw-1".into();
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), Vec::<&str>::new());
    assert!(!j.shown, "{j:?}");
}

#[test]
fn security_groups_must_allow_443_out() {
    let (s, g) = (subnets(), groups());
    let mut f = healthy();
    let rule = &mut f.groups.get_mut("sg-1").unwrap().egress[0];
    rule.protocol = "tcp".into();
    rule.from = Some(80);
    rule.to = Some(80);
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), ["security_group_blocks_https"]);
    assert!(!j.shown);
    let rule = &mut f.groups.get_mut("sg-1").unwrap().egress[0];
    rule.to = Some(443);
    assert!(judge(&f, at(&s, &g)).shown);
    f.groups.get_mut("sg-1").unwrap().egress[0].cidrs = vec!["10.0.0.0/8".into()];
    assert_eq!(
        codes(&judge(&f, at(&s, &g))),
        ["security_group_blocks_https"]
    );
    f.groups.get_mut("sg-1").unwrap().egress.clear();
    assert_eq!(
        codes(&judge(&f, at(&s, &g))),
        ["security_group_blocks_https"]
    );
    // Unknown groups are not judged (their absence is diagnose's security_group_missing).
    let none = vec!["sg-gone".to_owned()];
    let j = judge(&healthy(), at(&s, &none));
    assert_eq!(codes(&j), Vec::<&str>::new());
    assert!(!j.shown);
}

#[test]
fn network_acls_are_evaluated_in_rule_order_both_ways() {
    let (s, g) = (subnets(), groups());
    let mut f = healthy();
    f.acls[0]
        .entries
        .push(entry(50, true, false, Some((443, 443))));
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), ["network_acl_blocks_https"]);
    assert!(j.findings[0].message.contains("rule 50"), "{j:?}");
    let mut f = healthy();
    f.acls[0]
        .entries
        .push(entry(10, false, true, Some((443, 443))));
    f.acls[0]
        .entries
        .push(entry(20, false, false, Some((1024, 65535))));
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), ["network_acl_blocks_https"]);
    assert!(j.findings[0].message.contains("inbound"), "{j:?}");
    let mut f = healthy();
    f.acls[0].entries.retain(|e| e.number == 32767);
    let j = judge(&f, at(&s, &g));
    assert!(j.findings[0].message.contains("default rule"), "{j:?}");
    // The subnet's own ACL wins over the VPC's default one.
    let mut f = healthy();
    f.acls[0].subnets.clear();
    f.acls.push(Acl {
        id: "acl-own".into(),
        vpc: "vpc-1".into(),
        default: false,
        subnets: vec!["subnet-a".into()],
        entries: vec![],
    });
    let j = judge(&f, at(&s, &g));
    assert_eq!(j.findings[0].resource, "network-acl/acl-own");
}

#[test]
fn a_subnet_that_was_not_read_is_not_shown() {
    let g = groups();
    let s = vec!["subnet-a".to_owned(), "subnet-gone".to_owned()];
    let j = judge(&healthy(), at(&s, &g));
    assert!(!j.shown);
    assert!(!judge(&healthy(), at(&[], &g)).shown);
}

#[test]
fn what_is_not_evaluated_is_not_shown() {
    let (s, g) = (subnets(), groups());
    // A narrower route takes traffic the 0.0.0.0/0 route would.
    let mut f = healthy();
    f.route_tables[0].routes.push(Route {
        destination: Some("0.0.0.0/1".into()),
        target: "eni-1".into(),
        active: true,
        ..Route::default()
    });
    let j = judge(&f, at(&s, &g));
    assert_eq!(codes(&j), Vec::<&str>::new());
    assert!(!j.shown, "{j:?}");
    // A launch template may turn the subnet's public address off.
    let mut lt = at(&s, &g);
    lt.public_ip_elsewhere = Some("the launch template");
    assert!(!judge(&healthy(), lt).shown);
    // An earlier deny for a narrower range, or for part of the ephemeral range.
    for (cidr, ports, egress) in [
        ("10.0.0.0/8", Some((443, 443)), true),
        ("0.0.0.0/0", Some((40000, 40100)), false),
    ] {
        let mut f = healthy();
        f.acls[0].entries.push(AclEntry {
            cidr: Some(cidr.into()),
            ..entry(10, egress, false, ports)
        });
        let j = judge(&f, at(&s, &g));
        assert_eq!(codes(&j), Vec::<&str>::new(), "{cidr}: {j:?}");
        assert!(!j.shown, "{cidr}: {j:?}");
    }
    // An S3 interface endpoint without private DNS does not count.
    let mut f = healthy();
    private(&mut f);
    add_endpoints(&mut f, &ALL[..6]);
    f.endpoints.push(Endpoint {
        id: "vpce-s3i".into(),
        vpc: "vpc-1".into(),
        service: format!("com.amazonaws.{REGION}.s3"),
        gateway: false,
        available: true,
        private_dns: false,
        route_tables: vec![],
    });
    assert_eq!(codes(&judge(&f, at(&s, &g))), ["subnet_no_route_out"]);
}
