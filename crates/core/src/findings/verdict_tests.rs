//! The verdicts `check` gives for roles a careful reader builds in minutes, each decided
//! by IAM's rules, and the reverse of each (exit 0). Every row: the canonical EC2 trust and
//! the ECS managed policy, plus the row's own policy.

use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::state::{PolicySource, PolicyText, ProfileState, RolePolicy, RoleState};
use crate::{DesiredInput, Partition};

const ARN: &str = "arn:aws:iam::123456789012:role/ecsInstanceRole";
const EC2_TRUST: &str =
    r#"{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}"#;

fn trust(extra: &[&str]) -> String {
    let mut all = vec![EC2_TRUST];
    all.extend(extra);
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        all.join(",")
    )
}

/// A role with `trust`, the managed policy, `tags`, an inline policy and a boundary.
fn role(
    trust: &str,
    tags: &[(&str, &str)],
    inline: Option<&str>,
    boundary: Option<&str>,
) -> Actual {
    let p = Partition::Aws;
    let mut role_policies = vec![];
    if let Some(doc) = inline {
        role_policies.push(RolePolicy {
            source: PolicySource::Inline {
                name: "extra".into(),
            },
            text: PolicyText::Read(doc.into()),
        });
    }
    let boundary_arn = "arn:aws:iam::123456789012:policy/boundary";
    if let Some(doc) = boundary {
        role_policies.push(RolePolicy {
            source: PolicySource::Boundary {
                arn: boundary_arn.into(),
                version: "v1".into(),
            },
            text: PolicyText::Read(doc.into()),
        });
    }
    Actual {
        role: Some(RoleState {
            created: None,
            arn: ARN.into(),
            path: "/".into(),
            trust_policy: trust.into(),
            tags: tags
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            permissions_boundary: boundary.map(|_| boundary_arn.into()),
        }),
        attached_policies: vec![p.ecs_instance_policy_arn()],
        missing_policies: vec![],
        instance_profile: Some(ProfileState {
            created: None,
            arn: "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
            path: "/".into(),
            roles: vec!["ecsInstanceRole".into()],
            tags: vec![],
        }),
        role_policies,
        scps: None,
        scps_failed: None,
        // 2026-12-06, as AWS's clock would say.
        now: Some(UNIX_EPOCH + Duration::from_secs(1_796_515_200)),
    }
}

fn check_of(a: &Actual) -> Report {
    check(
        &Desired::new(DesiredInput::default(), Partition::Aws).unwrap(),
        a,
    )
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.findings.iter().map(|f| f.code.as_str()).collect()
}

/// The exit code `check` gives (the CLI maps [`Standing`] so).
fn exit(r: &Report) -> u8 {
    match r.standing() {
        Standing::Compliant => 0,
        Standing::Drift => 2,
        Standing::Undecided => 1,
    }
}

fn doc(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

#[test]
fn a_deny_on_a_tag_the_role_lacks_denies_every_agent_call() {
    let deny = doc(
        r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}"#,
    );
    let r = check_of(&role(&trust(&[]), &[], Some(&deny), None));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert!(codes(&r).contains(&"agent_permission_denied"), "{r:#?}");
    let f = r
        .findings
        .iter()
        .find(|f| f.code.as_str() == "agent_permission_denied")
        .unwrap();
    assert!(!f.witnesses.is_empty(), "a denied request is shown");
    // The reverse: the role carries the tag.
    let r = check_of(&role(
        &trust(&[]),
        &[("team", "platform")],
        Some(&deny),
        None,
    ));
    assert_eq!(exit(&r), 0, "{r:#?}");
}

#[test]
fn a_deny_comparing_two_known_tags_decides() {
    let deny = doc(
        r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalTag/team":"${aws:PrincipalTag/owner}"}}}"#,
    );
    let r = check_of(&role(
        &trust(&[]),
        &[("team", "batch"), ("owner", "platform")],
        Some(&deny),
        None,
    ));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert!(codes(&r).contains(&"agent_permission_denied"));
    let r = check_of(&role(
        &trust(&[]),
        &[("team", "batch"), ("owner", "batch")],
        Some(&deny),
        None,
    ));
    assert_eq!(exit(&r), 0, "{r:#?}");
}

#[test]
fn a_boundary_that_expired_allows_nothing() {
    let boundary = |date: &str| {
        doc(&format!(
            r#"{{"Effect":"Allow","Action":"*","Resource":"*","Condition":{{"DateLessThan":{{"aws:CurrentTime":"{date}"}}}}}}"#
        ))
    };
    let r = check_of(&role(
        &trust(&[]),
        &[],
        None,
        Some(&boundary("2025-01-01T00:00:00Z")),
    ));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert!(codes(&r).contains(&"agent_permission_denied"));
    let r = check_of(&role(
        &trust(&[]),
        &[],
        None,
        Some(&boundary("2099-01-01T00:00:00Z")),
    ));
    assert_eq!(exit(&r), 0, "{r:#?}");
}

#[test]
fn an_unconditional_deny_wins_over_any_number_of_conditions() {
    let keys = [
        "aws:RequestedRegion",
        "aws:SourceIp",
        "aws:PrincipalTag/a",
        "aws:userid",
        "aws:SecureTransport",
        "aws:UserAgent",
    ];
    let cond: Vec<String> = keys
        .iter()
        .map(|k| format!(r#""{k}":["a","b","c","d"]"#))
        .collect();
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Action":"ecs:*","Resource":"*"}},{{"Effect":"Allow","Action":"ecs:*","Resource":"*","Condition":{{"StringEquals":{{{}}}}}}}]}}"#,
        cond.join(",")
    );
    let r = check_of(&role(&trust(&[]), &[], Some(&policy), None));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert!(codes(&r).contains(&"agent_permission_denied"));
}

#[test]
fn every_other_account_is_public_and_a_named_one_is_not() {
    let t = trust(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringNotEquals":{"aws:PrincipalAccount":"999999999999"}}}"#,
    ]);
    let r = check_of(&role(&t, &[], None, None));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert_eq!(codes(&r), ["trust_policy_public"]);
    let f = &r.findings[0];
    assert!(f.message.contains("an outsider"), "{}", f.message);
    assert_eq!(f.witnesses.len(), 1);
    // The reverse: only account 999999999999 (named) may assume it: a warning.
    let t = trust(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}"#,
    ]);
    let r = check_of(&role(&t, &[], None, None));
    assert_eq!(exit(&r), 0, "{r:#?}");
    assert_eq!(codes(&r), ["trust_policy_extra_principal"]);
}

#[test]
fn an_external_id_equal_to_the_callers_own_account_lets_anyone_in() {
    let t = trust(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"${aws:PrincipalAccount}"}}}"#,
    ]);
    let r = check_of(&role(&t, &[], None, None));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert_eq!(codes(&r), ["trust_policy_public"]);
    let w = &r.findings[0].witnesses[0];
    assert_eq!(
        w.value("sts:ExternalId"),
        w.value("aws:PrincipalAccount"),
        "{w:?}"
    );
    // The reverse: a fixed secret and one named account.
    let t = trust(&[
        r#"{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"secret"}}}"#,
    ]);
    assert_eq!(exit(&check_of(&role(&t, &[], None, None))), 0);
}

#[test]
fn variables_are_literal_text_under_version_2008() {
    let t = |version: &str| {
        format!(
            r#"{{"Version":"{version}","Statement":[{EC2_TRUST},{{"Effect":"Deny","Principal":"*","Action":"*","Condition":{{"StringNotEquals":{{"aws:SourceAccount":"${{aws:SourceAccount}}"}}}}}}]}}"#
        )
    };
    let r = check_of(&role(&t("2008-10-17"), &[], None, None));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert_eq!(codes(&r), ["trust_policy_missing_ec2"]);
    // Under 2012-10-17 the key equals itself: only an absent key is denied, which EC2 may
    // send: a warning.
    let r = check_of(&role(&t("2012-10-17"), &[], None, None));
    assert_eq!(exit(&r), 0, "{r:#?}");
}

#[test]
fn cognito_without_an_audience_is_public() {
    let t = |cond: &str| {
        trust(&[&format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"cognito-identity.amazonaws.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{cond}}}"#
        )])
    };
    let r = check_of(&role(
        &t(
            r#"{"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}"#,
        ),
        &[],
        None,
        None,
    ));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert_eq!(codes(&r), ["trust_policy_public"]);
    let r = check_of(&role(
        &t(
            r#"{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:0000-pool"},"ForAnyValue:StringLike":{"cognito-identity.amazonaws.com:amr":"unauthenticated"}}"#,
        ),
        &[],
        None,
        None,
    ));
    assert_eq!(exit(&r), 0, "{r:#?}");
}

#[test]
fn github_without_a_subject_is_public_and_one_repository_is_not() {
    let t = |cond: &str| {
        trust(&[&format!(
            r#"{{"Effect":"Allow","Principal":{{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{cond}}}"#
        )])
    };
    let r = check_of(&role(
        &t(r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}"#),
        &[],
        None,
        None,
    ));
    assert_eq!(exit(&r), 2, "{r:#?}");
    assert_eq!(codes(&r), ["trust_policy_public"]);
    assert!(
        r.findings[0].message.contains("with any subject"),
        "{}",
        r.findings[0].message
    );
    let r = check_of(&role(
        &t(
            r#"{"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"},"StringLike":{"token.actions.githubusercontent.com:sub":"repo:my-org/my-repo:*"}}"#,
        ),
        &[],
        None,
        None,
    ));
    assert_eq!(exit(&r), 0, "{r:#?}");
}

#[test]
fn an_unreadable_policy_never_yields_allowed() {
    let mut a = role(&trust(&[]), &[], None, None);
    a.role_policies.push(RolePolicy {
        source: PolicySource::Inline { name: "*".into() },
        text: PolicyText::Unreadable("ListRolePolicies: AccessDenied".into()),
    });
    let r = check_of(&a);
    assert_eq!(exit(&r), 1, "{r:#?}");
    assert!(
        r.undecided.iter().any(|u| u.contains("AccessDenied")),
        "{r:#?}"
    );
}

#[test]
fn a_failed_scp_read_never_yields_allowed_and_hides_no_deny() {
    let mut a = role(&trust(&[]), &[], None, None);
    a.scps_failed = Some("reading them failed: ServiceException".into());
    let r = check_of(&a);
    assert_eq!(exit(&r), 1, "{r:#?}");
    assert!(
        r.undecided
            .iter()
            .any(|u| u.contains("the SCPs over account 123456789012")
                && u.contains("ServiceException")),
        "{r:#?}"
    );
    // An explicit Deny decides whatever the SCPs say: still an error.
    let deny = doc(r#"{"Effect":"Deny","Action":"ecs:*","Resource":"*"}"#);
    let mut a = role(&trust(&[]), &[], Some(&deny), None);
    a.scps_failed = Some("reading them failed: ServiceException".into());
    let r = check_of(&a);
    assert!(codes(&r).contains(&"agent_permission_denied"), "{r:#?}");
    // Read, they are a verdict like any other: FullAWSAccess everywhere is compliant.
    let mut a = role(&trust(&[]), &[], None, None);
    a.scps = Some(vec![crate::state::ScpLevel {
        target: "root r-ab12".into(),
        policies: vec![crate::state::Scp {
            id: "p-FullAWSAccess".into(),
            name: "FullAWSAccess".into(),
            document: doc(r#"{"Effect":"Allow","Action":"*","Resource":"*"}"#),
        }],
    }]);
    assert_eq!(exit(&check_of(&a)), 0);
}

/// A key compared with another's value (`${aws:PrincipalAccount}`) where that other key
/// may hold only a few values (EC2's `aws:SourceAccount`: absent or the role's account):
/// the relation is tried with those values (found by the differential test, seed
/// 1796605150045870891: ecsrole said Allowed).
#[test]
fn a_variable_is_tried_with_the_values_its_partner_may_hold() {
    let t = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"ForAnyValue:StringEquals":{"aws:SourceAccount":["${aws:PrincipalAccount}","111111111111"]}}}]}"#;
    let v = trust::judge(
        &crate::policy::Policy::parse(t).unwrap(),
        Partition::Aws,
        ARN,
        &trust::Facts::default(),
    );
    assert_eq!(v.ec2.decision, crate::policy::Decision::Depends, "{v:#?}");
    let denied = v.ec2.counter.as_ref().expect("a denied request");
    assert_eq!(
        denied.value("aws:SourceAccount"),
        denied.value("aws:PrincipalAccount"),
        "{denied:?}"
    );
}

#[test]
fn in_aws_cn_a_deny_of_either_spelling_counts_against_ec2() {
    let t = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},{"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com.cn"},"Action":"sts:AssumeRole"}]}"#;
    let v = trust::judge(
        &crate::policy::Policy::parse(t).unwrap(),
        Partition::AwsCn,
        "arn:aws-cn:iam::123456789012:role/ecsInstanceRole",
        &trust::Facts::default(),
    );
    assert_eq!(v.ec2.decision, crate::policy::Decision::Denied);
}

#[test]
fn bounds_between_two_numbers_are_tried() {
    // A boundary that allows only when 5 < ecs:x < 6: some request (x = 5.5) is allowed,
    // so the agent's access depends on ecs:x (a warning), never "denied".
    let boundary = doc(
        r#"{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericGreaterThan":{"ecs:x":"5"},"NumericLessThan":{"ecs:x":"6"}}}"#,
    );
    let r = check_of(&role(&trust(&[]), &[], None, Some(&boundary)));
    assert_eq!(exit(&r), 0, "{r:#?}");
    assert_eq!(codes(&r), ["agent_permission_conditional"], "{r:#?}");
    let allowed = &r.findings[0].witnesses[0];
    let x: f64 = allowed.value("ecs:x").unwrap()[0].parse().unwrap();
    assert!(5.0 < x && x < 6.0, "{allowed:?}");
}
