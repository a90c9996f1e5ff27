//! The evaluator on the shapes that shape-matching got wrong, and the
//! layers: boundary, SCP levels, explicit Deny.

use super::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/ecsInstanceRole";

fn ec2(trust: &str, context: Context) -> Verdict {
    let policy = Policy::parse(trust).unwrap();
    let set = PolicySet {
        resource: Some(Named {
            name: "the trust policy",
            policy: &policy,
        }),
        ..PolicySet::default()
    };
    evaluate(
        &set,
        &Request {
            principal: Principal::service("ec2.amazonaws.com"),
            action: "sts:AssumeRole".into(),
            resource: Resource::Arn(ROLE.into()),
            context,
        },
    )
}

const EC2_ALLOW: &str =
    r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#;

fn doc(statements: &[&str]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

/// What EC2 may send: its own account as the source, or nothing; anything else unknown.
fn ec2_context() -> Context {
    Context::unknown_rest().set(
        "aws:SourceAccount",
        Slot::OneOf(vec![None, Some(vec!["123456789012".into()])]),
    )
}

#[test]
fn a_deny_whose_negated_condition_holds_for_ec2_denies() {
    let t = doc(&[
        EC2_ALLOW,
        r#"{"Sid":"OnlyMine","Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"111122223333"}}}"#,
    ]);
    let v = ec2(&t, ec2_context());
    assert_eq!(v.decision, Decision::Denied, "{v:?}");
    assert!(v.statements[0].contains("OnlyMine"), "{v:?}");
}

#[test]
fn a_deny_on_the_own_account_depends_on_what_ec2_sends() {
    let t = doc(&[
        EC2_ALLOW,
        r#"{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"123456789012"}}}"#,
    ]);
    let v = ec2(&t, ec2_context());
    assert_eq!(v.decision, Decision::Depends, "{v:?}");
    assert_eq!(v.keys, ["aws:SourceAccount"]);
}

#[test]
fn an_allow_whose_negated_condition_holds_for_ec2_allows() {
    let t = doc(&[
        r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:SourceAccount":"444455556666"}}}"#,
    ]);
    assert_eq!(ec2(&t, ec2_context()).decision, Decision::Allowed);
    // With nothing known of the key, it depends.
    let v = ec2(&t, Context::unknown_rest());
    assert_eq!(v.decision, Decision::Depends);
    assert_eq!(v.keys, ["aws:SourceAccount"]);
}

#[test]
fn unconditional_statements_need_no_context() {
    assert_eq!(
        ec2(&doc(&[EC2_ALLOW]), Context::unknown_rest()).decision,
        Decision::Allowed
    );
    let v = ec2(&doc(&[]), Context::unknown_rest());
    assert_eq!(v.decision, Decision::Denied);
    assert_eq!(v.missing, ["no statement of the trust policy allows it"]);
    let other = doc(&[
        r#"{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(
        ec2(&other, Context::unknown_rest()).decision,
        Decision::Denied
    );
    let not_action = doc(&[
        r#"{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"NotAction":"iam:*"}"#,
    ]);
    assert_eq!(
        ec2(&not_action, Context::unknown_rest()).decision,
        Decision::Allowed
    );
    let wildcard = doc(&[
        r#"{"Effect":"Allow","Principal":{"Service":"EC2.amazonaws.com"},"Action":"STS:Assume*"}"#,
    ]);
    assert_eq!(
        ec2(&wildcard, Context::unknown_rest()).decision,
        Decision::Allowed
    );
}

/// An outsider: a principal in an account the policy does not name, that chooses
/// everything it can (the trust question's own model).
fn outsider(trust: &str) -> Decision {
    let policy = Policy::parse(trust).unwrap();
    crate::findings::trust::judge(
        &policy,
        crate::Partition::Aws,
        ROLE,
        &crate::findings::trust::Facts::default(),
    )
    .outsider
    .decision
}

#[test]
fn outsiders_get_in_where_the_condition_does_not_restrict_them() {
    let public = |cond: &str| {
        doc(&[
            EC2_ALLOW,
            &format!(
                r#"{{"Effect":"Allow","Principal":{{"AWS":"*"}},"Action":"sts:AssumeRole","Condition":{cond}}}"#
            ),
        ])
    };
    for cond in [
        r#"{"StringNotEquals":{"aws:PrincipalAccount":"111111111111"}}"#,
        r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
        r#"{"StringLike":{"aws:PrincipalArn":"*"}}"#,
        r#"{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/deploy"}}"#,
        r#"{"StringEquals":{"sts:ExternalId":"secret"}}"#,
    ] {
        assert_ne!(outsider(&public(cond)), Decision::Denied, "{cond}");
    }
    for cond in [
        r#"{"StringEquals":{"aws:PrincipalAccount":"111111111111"}}"#,
        r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
        r#"{"ForAnyValue:StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
        r#"{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111111111111:role/*"}}"#,
    ] {
        assert_eq!(outsider(&public(cond)), Decision::Denied, "{cond}");
    }
    let not_principal = doc(&[
        r#"{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(outsider(&not_principal), Decision::Allowed);
    let named = doc(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}"#,
    ]);
    assert_eq!(outsider(&named), Decision::Denied);
}

fn agent(identity: &[&str], boundary: Option<&str>, scps: &[&[&str]], action: &str) -> Verdict {
    let identity: Vec<Policy> = identity.iter().map(|d| Policy::parse(d).unwrap()).collect();
    let boundary = boundary.map(|d| Policy::parse(d).unwrap());
    let scps: Vec<Vec<Policy>> = scps
        .iter()
        .map(|l| l.iter().map(|d| Policy::parse(d).unwrap()).collect())
        .collect();
    let set = PolicySet {
        resource: None,
        identity: identity
            .iter()
            .map(|p| Named {
                name: "inline policy x",
                policy: p,
            })
            .collect(),
        boundary: boundary.as_ref().map(|p| Named {
            name: "the permissions boundary",
            policy: p,
        }),
        scps: Some(
            scps.iter()
                .map(|l| Level {
                    target: "OU ou-1",
                    policies: l
                        .iter()
                        .map(|p| Named {
                            name: "SCP p-1",
                            policy: p,
                        })
                        .collect(),
                })
                .collect(),
        ),
    };
    evaluate(
        &set,
        &Request {
            principal: Principal::Aws(
                "arn:aws:sts::123456789012:assumed-role/ecsInstanceRole/i-1".into(),
            ),
            action: action.into(),
            resource: Resource::Within("arn:aws:ecs:*:123456789012:cluster/*".into()),
            context: Context::unknown_rest(),
        },
    )
}

const ALLOW_ALL: &str = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

#[test]
fn the_boundary_and_every_scp_level_must_allow() {
    let d = "ecs:RegisterContainerInstance";
    assert_eq!(
        agent(&[ALLOW_ALL], None, &[], d).decision,
        Decision::Allowed
    );
    let s3 = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;
    let v = agent(&[ALLOW_ALL], Some(s3), &[], d);
    assert_eq!(v.decision, Decision::Denied);
    assert_eq!(v.missing, ["the permissions boundary does not allow it"]);
    let v = agent(&[ALLOW_ALL], None, &[&[ALLOW_ALL], &[s3]], d);
    assert_eq!(v.decision, Decision::Denied);
    assert_eq!(v.missing, ["no SCP attached to OU ou-1 allows it"]);
    let deny = r#"{"Statement":[{"Sid":"NoEcs","Effect":"Deny","Action":"ecs:RegisterContainerInstance","Resource":"*"}]}"#;
    let v = agent(&[ALLOW_ALL, deny], None, &[], d);
    assert_eq!(v.decision, Decision::Denied);
    assert!(v.statements[0].contains("NoEcs"), "{v:?}");
    // A resource the policy names only in part: it depends on the cluster.
    let prod = r#"{"Statement":{"Effect":"Allow","Action":"ecs:*","Resource":"arn:aws:ecs:*:*:cluster/prod-*"}}"#;
    let v = agent(&[prod], None, &[], d);
    assert_eq!(v.decision, Decision::Depends);
    assert_eq!(v.keys, ["resource"]);
}

#[test]
fn unknown_keys_compared_by_a_variable_can_be_equal() {
    let t = doc(&[
        r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}}"#,
    ]);
    assert_eq!(ec2(&t, Context::unknown_rest()).decision, Decision::Depends);
}
