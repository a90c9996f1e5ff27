//! The trust policy's questions: the forms AWS accepts, and property tests over generated
//! documents.

use super::*;
use crate::trust::{decode_document, ec2_trust_policy, with_ec2_statement};
use serde_json::json;

const AWS: Partition = Partition::Aws;
const ROLE: &str = "arn:aws:iam::123456789012:role/ecsInstanceRole";

fn analyze(doc: &str, p: Partition) -> Result<TrustVerdicts, crate::policy::PolicyError> {
    Ok(judge(&Policy::parse(doc)?, p, ROLE, &Facts::default()))
}

fn a(doc: &str) -> TrustVerdicts {
    analyze(doc, AWS).unwrap()
}

fn ok(doc: &str) -> bool {
    a(doc).ec2.decision == Decision::Allowed
}

#[test]
fn canonical_forms_all_grant_ec2() {
    let forms = [
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Version":"2008-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"x","Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}"#,
        r#"{"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs.amazonaws.com","ec2.amazonaws.com"]},"Action":["sts:TagSession","sts:AssumeRole"]}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:*"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"STS:assumerole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:Assume?ole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"NotAction":"sts:TagSession"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{}}]}"#,
    ];
    for f in forms {
        assert!(ok(f), "{f}");
    }
}

#[test]
fn url_encoded_documents_are_decoded() {
    let raw = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
    assert!(ok(raw));
    assert_eq!(
        decode_document(raw),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    );
    // A raw document containing % stays as it is.
    let raw_pct = r#"{"Statement":[{"Sid":"100%","Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    assert!(ok(raw_pct));
}

#[test]
fn missing_ec2_cases() {
    let cases = [
        r#"{"Version":"2012-10-17","Statement":[]}"#,
        r#"{"Version":"2012-10-17"}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:TagSession"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity"}]}"#,
        r#"{"Statement":[{"Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com.cn"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"NotAction":"sts:*"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
    ];
    for c in cases {
        assert!(!ok(c), "{c}");
    }
}

#[test]
fn deny_overrides_allow() {
    let doc = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}"#;
    let r = a(doc);
    assert_eq!(r.ec2.decision, Decision::Denied);
    assert_eq!(r.ec2.statements.len(), 1, "{r:?}");
    // A conditional deny does not take it away for sure: it depends.
    let doc = r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
    let r = a(doc);
    assert_eq!(r.ec2.decision, Decision::Depends);
    assert_eq!(r.ec2.keys, ["aws:SecureTransport"]);
}

#[test]
fn conditional_statement() {
    // EC2 sends its own account or nothing: a condition naming another one never holds.
    let doc = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
    assert_eq!(a(doc).ec2.decision, Decision::Denied);
    let doc = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
    let r = a(doc);
    assert_eq!(r.ec2.decision, Decision::Depends);
    assert_eq!(r.ec2.keys, ["aws:SourceAccount"]);
}

#[test]
fn wildcard_and_other_principals() {
    let star = a(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#);
    // Everyone includes EC2; that everyone may is `public`, not an extra principal.
    assert_eq!(star.ec2.decision, Decision::Allowed);
    assert!(star.public() && star.named.is_empty());

    let aws_star = a(
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
    );
    assert_eq!(aws_star.ec2.decision, Decision::Allowed);
    assert!(aws_star.public() && aws_star.named.is_empty());

    let mixed = a(r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"],"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#);
    assert_eq!(mixed.ec2.decision, Decision::Allowed);
    assert_eq!(
        mixed.named,
        vec![
            "AWS:arn:aws:iam::111122223333:root",
            "Service:ecs.amazonaws.com"
        ]
    );
}

#[test]
fn public_statements_are_named_unless_a_condition_limits_who() {
    for doc in [
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#,
        r#"{"Statement":[{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":"sts:*"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#,
        // A condition that does not say who is no limit.
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEqualsIfExists":{"aws:PrincipalOrgID":"o-abc"}}}]}"#,
        // An external id is no principal: anyone may send it.
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#,
    ] {
        let t = a(doc);
        assert!(t.public(), "{doc}: {t:?}");
        assert!(t.named.is_empty(), "{doc}: {t:?}");
    }
    let named = a(
        r#"{"Statement":[{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
    );
    assert_eq!(
        named.outsider.statements,
        [r#"trust policy statement #1 ("Open"): Allow sts:AssumeRole to AWS:*"#]
    );
    for doc in [
        r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:TagSession"}]}"#,
        r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
    ] {
        assert!(!a(doc).public(), "{doc}");
    }
}

#[test]
fn denies_are_named_and_conditional_ones_kept_apart() {
    let t = a(r#"{"Statement":[
        {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Sid":"NoEc2","Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#);
    assert_eq!(t.ec2.decision, Decision::Denied);
    assert_eq!(
        t.ec2.statements,
        [
            r#"trust policy statement #2 ("NoEc2"): Deny sts:AssumeRole to Service:ec2.amazonaws.com"#
        ]
    );
}

#[test]
fn china_accepts_both_principals_and_writes_cn() {
    let plain = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let cn = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com.cn"},"Action":"sts:AssumeRole"}]}"#;
    let allowed = |doc, p| analyze(doc, p).unwrap().ec2.decision == Decision::Allowed;
    assert!(allowed(plain, Partition::AwsCn));
    assert!(allowed(cn, Partition::AwsCn));
    assert!(!allowed(cn, Partition::AwsUsGov));
    assert!(ec2_trust_policy(Partition::AwsCn).contains("ec2.amazonaws.com.cn"));
}

#[test]
fn adding_ec2_keeps_every_statement() {
    let doc = r#"{"Version":"2008-10-17","Statement":{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#;
    let out = with_ec2_statement(doc, AWS).unwrap();
    assert_eq!(
        out,
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    );
    assert!(ok(&out));
    // With a policy variable the old version stays: under it `${...}` is literal text.
    let vars = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:userid":"${aws:username}"}}}]}"#;
    assert!(
        with_ec2_statement(vars, AWS)
            .unwrap()
            .contains("2008-10-17")
    );
    let fresh = ec2_trust_policy(AWS);
    assert!(ok(&fresh));
    assert!(a(&fresh).named.is_empty());
}

#[test]
fn malformed_documents_are_errors_not_panics() {
    for bad in [
        "",
        "[]",
        "not json",
        r#"{"Statement":"x"}"#,
        r#"{"Statement":[1]}"#,
        r#"{"Statement":[{"Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":5},"Action":"sts:AssumeRole"}]}"#,
        r#"{"Statement":[{"Effect":"Allow","Principal":7,"Action":"sts:AssumeRole"}]}"#,
        "%7B%22Statement",
    ] {
        assert!(analyze(bad, AWS).is_err(), "{bad}");
    }
}

/// A small deterministic PRNG (xorshift64*), so the property tests need no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self) -> bool {
        self.next().is_multiple_of(2)
    }
}

fn one_or_many(rng: &mut Rng, values: &[&str]) -> serde_json::Value {
    if values.len() == 1 && rng.chance() {
        json!(values[0])
    } else {
        json!(values)
    }
}

fn encode(doc: &str) -> String {
    percent_encoding::utf8_percent_encode(doc, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Any document that grants EC2 (in any of the accepted shapes, among unrelated
/// statements, raw or URL-encoded) is never reported as missing it.
#[test]
fn property_a_document_granting_ec2_is_never_reported_missing() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5000 {
        let partition = *rng.pick(&Partition::ALL);
        let principal = *rng.pick(partition.accepted_ec2_principals());
        let mut services = vec![principal];
        if rng.chance() {
            services.insert(0, "ecs-tasks.amazonaws.com");
        }
        let action = *rng.pick(&[
            "sts:AssumeRole",
            "sts:*",
            "STS:assumerole",
            "*",
            "sts:Assume*",
        ]);
        let mut actions = vec![action];
        if rng.chance() {
            actions.push("sts:TagSession");
        }
        let mut grant = serde_json::Map::new();
        if rng.chance() {
            grant.insert("Sid".into(), json!(*rng.pick(&["", "EC2", "x y"])));
        }
        grant.insert("Effect".into(), json!(*rng.pick(&["Allow", "allow"])));
        grant.insert(
            "Principal".into(),
            json!({"Service": one_or_many(&mut rng, &services)}),
        );
        grant.insert("Action".into(), one_or_many(&mut rng, &actions));
        let mut statements = vec![serde_json::Value::Object(grant)];
        for _ in 0..(rng.next() % 4) {
            let other = json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                                "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}});
            let at = (rng.next() % (statements.len() as u64 + 1)) as usize;
            statements.insert(at, other);
        }
        let statement = if statements.len() == 1 && rng.chance() {
            statements.remove(0)
        } else {
            json!(statements)
        };
        let mut doc = serde_json::Map::new();
        if rng.chance() {
            doc.insert(
                "Version".into(),
                json!(*rng.pick(&["2012-10-17", "2008-10-17"])),
            );
        }
        doc.insert("Statement".into(), statement);
        let text = serde_json::Value::Object(doc).to_string();
        let input = if rng.chance() {
            encode(&text)
        } else {
            text.clone()
        };
        let got = analyze(&input, partition).unwrap_or_else(|e| panic!("{e}: {text}"));
        assert_eq!(got.ec2.decision, Decision::Allowed, "{partition}: {text}");
        // Adding the EC2 statement again keeps it granted (apply is never destructive).
        assert!(
            analyze(&with_ec2_statement(&input, partition).unwrap(), partition)
                .map(|v| v.ec2.decision == Decision::Allowed)
                .unwrap()
        );
    }
}

/// Arbitrary bytes, arbitrary JSON, and huge documents: an error or an answer, never a panic.
#[test]
fn property_no_input_panics() {
    let mut rng = Rng(42);
    let atoms = [
        "{",
        "}",
        "[",
        "]",
        ",",
        ":",
        "\"Statement\"",
        "\"Effect\"",
        "\"Allow\"",
        "\"Principal\"",
        "\"*\"",
        "null",
        "1",
        "\"Action\"",
        "%7B",
        "%",
        "%ZZ",
        "\"Service\"",
        "\"Condition\"",
        "true",
    ];
    for _ in 0..20_000 {
        let len = rng.next() % 40;
        let doc: String = (0..len).map(|_| *rng.pick(&atoms)).collect();
        let _ = analyze(&doc, Partition::Aws);
        let _ = with_ec2_statement(&doc, Partition::Aws);
    }
    let many: Vec<_> = (0..50_000)
        .map(|i| json!({"Sid": format!("s{i}"), "Effect": "Deny", "Principal": {"AWS": format!("arn:aws:iam::{i:012}:root")}, "Action": "sts:AssumeRole"}))
        .collect();
    let huge = json!({"Version": "2012-10-17", "Statement": many}).to_string();
    assert!(huge.len() > 5_000_000);
    let got = analyze(&encode(&huge), Partition::Aws).unwrap();
    assert_eq!(got.ec2.decision, Decision::Denied);
}
