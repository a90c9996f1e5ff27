//! Trust policies: decoding, semantic analysis, and adding the EC2 statement.
//!
//! Compared by meaning, never by text: `Version` 2008/2012, `Sid` present or not,
//! `Principal.Service` and `Action` as a string or an array, `"Principal": "*"`,
//! `{"AWS": ...}`, wildcards in actions, `NotAction`, and `Deny` statements.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use crate::partition::Partition;

/// What a trust policy says about who may assume the role. Statements are named as
/// [`Statement::describe`] does: `statement #2 ("Sid"): Deny sts:AssumeRole to *`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustAnalysis {
    /// An `Allow` of `sts:AssumeRole` to the EC2 principal (or to everyone) without a
    /// `Condition`, and no unconditional `Deny` of it.
    pub ec2_allowed: bool,
    /// The unconditional `Deny` statements that take `sts:AssumeRole` away from EC2.
    pub ec2_denied_by: Vec<String>,
    /// Some `Allow` for EC2 carries a `Condition`.
    pub ec2_conditional: bool,
    /// `Deny` statements of `sts:AssumeRole` that may apply to EC2 under their `Condition`.
    pub conditional_denies: Vec<String>,
    /// `Allow` statements that let anyone assume the role: `"Principal": "*"`,
    /// `{"AWS": "*"}` or `NotPrincipal`, without a condition that limits who
    /// ([`LIMITING_CONDITION_KEYS`]).
    pub public: Vec<String>,
    /// Principals other than EC2 that an `Allow` statement lets in, as `Kind:value`
    /// (those of public statements are in `public` instead).
    pub extra_principals: Vec<String>,
    /// Every statement that is not a plain unconditional `Allow` of `sts:AssumeRole` to
    /// EC2 alone: what replacing the document with the EC2 one drops.
    pub non_canonical: Vec<String>,
}

impl TrustAnalysis {
    /// An unconditional `Deny` takes `sts:AssumeRole` away from EC2.
    pub fn ec2_denied(&self) -> bool {
        !self.ec2_denied_by.is_empty()
    }
}

/// Condition keys that limit who can use an `Allow` to everyone: a statement with `"*"` as
/// principal and one of these (under an operator that is not `...IfExists` or `Null`) is
/// not public. Keys are compared without case.
pub const LIMITING_CONDITION_KEYS: [&str; 16] = [
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "aws:sourceaccount",
    "aws:sourcearn",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:sourceowner",
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:userid",
    "sts:externalid",
];

/// A trust policy document that is not a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TrustPolicyError(String);

/// IAM returns policy documents URL-encoded (RFC 3986); some emulators return raw JSON.
/// Raw JSON starts with `{`, an encoded document with `%7B`.
pub fn decode_document(raw: &str) -> Cow<'_, str> {
    if raw.trim_start().starts_with('{') {
        Cow::Borrowed(raw)
    } else {
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy()
    }
}

/// A fresh trust policy that lets EC2 assume the role.
pub fn ec2_trust_policy(partition: Partition) -> String {
    json!({
        "Version": "2012-10-17",
        "Statement": [ec2_statement(partition)],
    })
    .to_string()
}

fn ec2_statement(partition: Partition) -> Value {
    json!({
        "Effect": "Allow",
        "Principal": {"Service": partition.ec2_principal()},
        "Action": "sts:AssumeRole",
    })
}

/// The document with an EC2 `Allow` statement appended; every existing statement is kept
/// as it was, in order.
pub fn with_ec2_statement(
    document: &str,
    partition: Partition,
) -> Result<String, TrustPolicyError> {
    let mut doc = parse(document)?;
    let obj = doc.as_object_mut().expect("parse checks for an object");
    obj.entry("Version").or_insert_with(|| json!("2012-10-17"));
    let statements = match obj.remove("Statement") {
        None => vec![],
        Some(Value::Array(items)) => items,
        Some(single) => vec![single],
    };
    let mut statements = statements;
    statements.push(ec2_statement(partition));
    obj.insert("Statement".into(), Value::Array(statements));
    Ok(doc.to_string())
}

fn parse(document: &str) -> Result<Value, TrustPolicyError> {
    let doc: Value = serde_json::from_str(&decode_document(document))
        .map_err(|e| TrustPolicyError(format!("not JSON: {e}")))?;
    if !doc.is_object() {
        return Err(TrustPolicyError("not a JSON object".into()));
    }
    Ok(doc)
}

/// Analyses a (possibly URL-encoded) trust policy for the given partition.
pub fn analyze(document: &str, partition: Partition) -> Result<TrustAnalysis, TrustPolicyError> {
    let doc = parse(document)?;
    let statements: Vec<&Map<String, Value>> = match doc.get("Statement") {
        None => vec![],
        Some(Value::Object(s)) => vec![s],
        Some(Value::Array(items)) => items
            .iter()
            .map(|s| {
                s.as_object()
                    .ok_or_else(|| TrustPolicyError("a Statement entry is not an object".into()))
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(TrustPolicyError(
                "Statement is neither an object nor an array".into(),
            ));
        }
    };

    let mut out = TrustAnalysis::default();
    let mut allowed = false;
    for (index, statement) in statements.into_iter().enumerate() {
        let stmt = Statement::read(statement, index)?;
        let ec2 = stmt.matches_ec2(partition);
        let assume = stmt.grants_assume_role();
        if !stmt.is_canonical(partition) {
            out.non_canonical.push(stmt.describe());
        }
        match stmt.effect {
            Effect::Allow => {
                if ec2 && assume {
                    if stmt.conditional {
                        out.ec2_conditional = true;
                    } else {
                        allowed = true;
                    }
                }
                if assume && stmt.lets_in_everyone() && !stmt.limited {
                    out.public.push(stmt.describe());
                    continue;
                }
                for p in stmt.other_principals(partition) {
                    if !out.extra_principals.contains(&p) {
                        out.extra_principals.push(p);
                    }
                }
            }
            Effect::Deny if ec2 && assume && stmt.conditional => {
                out.conditional_denies.push(stmt.describe());
            }
            Effect::Deny if ec2 && assume => out.ec2_denied_by.push(stmt.describe()),
            Effect::Deny => {}
        }
    }
    out.ec2_allowed = allowed && !out.ec2_denied();
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    Allow,
    Deny,
}

/// One statement, with the fields that matter read into a uniform shape.
struct Statement {
    /// 0-based position in the document.
    index: usize,
    sid: Option<String>,
    effect: Effect,
    /// `None`: `"Principal": "*"` (everyone). Otherwise (kind, value) pairs.
    principals: Option<Vec<(String, String)>>,
    /// The statement uses `NotPrincipal`: it lets in everyone but those listed.
    not_principal: bool,
    /// Lower-cased, for matching.
    actions: Vec<String>,
    /// As written, for messages.
    written_actions: Vec<String>,
    not_action: bool,
    conditional: bool,
    /// The condition names a key that limits who may use the statement.
    limited: bool,
}

const ASSUME_ROLE: &str = "sts:assumerole";

impl Statement {
    fn read(s: &Map<String, Value>, index: usize) -> Result<Self, TrustPolicyError> {
        let effect = match s.get("Effect").and_then(Value::as_str) {
            Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
            other => {
                return Err(TrustPolicyError(format!(
                    "Effect must be Allow or Deny, found {}",
                    other.map_or("nothing".to_owned(), |e| format!("{e:?}"))
                )));
            }
        };
        let (principal, not_principal) = match (s.get("Principal"), s.get("NotPrincipal")) {
            (Some(p), _) => (Some(p), false),
            (None, Some(p)) => (Some(p), true),
            (None, None) => (None, false),
        };
        let principals = match principal {
            None => Some(vec![]),
            Some(Value::String(star)) if star == "*" => None,
            Some(Value::Object(kinds)) => {
                let mut out = vec![];
                let mut everyone = false;
                for (kind, values) in kinds {
                    for v in strings(values, "Principal")? {
                        if kind == "AWS" && v == "*" {
                            everyone = true;
                        }
                        out.push((kind.clone(), v.to_owned()));
                    }
                }
                if everyone { None } else { Some(out) }
            }
            Some(other) => {
                return Err(TrustPolicyError(format!(
                    "Principal must be \"*\" or an object, found {other}"
                )));
            }
        };
        let (actions, not_action) = match (s.get("Action"), s.get("NotAction")) {
            (Some(a), _) => (strings(a, "Action")?, false),
            (None, Some(a)) => (strings(a, "NotAction")?, true),
            (None, None) => (vec![], false),
        };
        let conditional = match s.get("Condition") {
            None | Some(Value::Null) => false,
            Some(Value::Object(c)) => !c.is_empty(),
            Some(_) => true,
        };
        let limited = s
            .get("Condition")
            .and_then(Value::as_object)
            .is_some_and(|operators| {
                operators.iter().any(|(operator, keys)| {
                    let op = operator.to_ascii_lowercase();
                    !op.ends_with("ifexists")
                        && op != "null"
                        && keys.as_object().is_some_and(|k| {
                            k.keys().any(|key| {
                                LIMITING_CONDITION_KEYS.contains(&key.to_ascii_lowercase().as_str())
                            })
                        })
                })
            });
        let sid = s
            .get("Sid")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(Statement {
            index,
            sid,
            effect,
            principals,
            not_principal,
            written_actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            actions: actions.into_iter().map(str::to_ascii_lowercase).collect(),
            not_action,
            conditional,
            limited,
        })
    }

    /// `statement #2 ("NoEc2"): Deny sts:AssumeRole to Service:ec2.amazonaws.com`.
    fn describe(&self) -> String {
        let name = match &self.sid {
            Some(sid) => format!("statement #{} ({sid:?})", self.index + 1),
            None => format!("statement #{}", self.index + 1),
        };
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        let actions = format!(
            "{}{}",
            if self.not_action { "all but " } else { "" },
            self.written_actions.join(",")
        );
        let who = match (&self.principals, self.not_principal) {
            (None, _) => "*".to_owned(),
            (Some(list), not) => format!(
                "{}{}",
                if not { "all but " } else { "" },
                list.iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        let condition = if self.conditional {
            " under a Condition"
        } else {
            ""
        };
        format!("{name}: {effect} {actions} to {who}{condition}")
    }

    /// Everyone: `"*"`, `{"AWS": "*"}`, or everyone but some (`NotPrincipal`).
    fn lets_in_everyone(&self) -> bool {
        self.principals.is_none() || self.not_principal
    }

    /// The statement ecsrole writes, in any spelling: an unconditional Allow of
    /// sts:AssumeRole to the EC2 principal and nobody else.
    fn is_canonical(&self, partition: Partition) -> bool {
        self.effect == Effect::Allow
            && !self.conditional
            && !self.not_principal
            && self.grants_assume_role()
            && self.principals.as_ref().is_some_and(|list| {
                !list.is_empty()
                    && list.iter().all(|(kind, value)| {
                        kind == "Service"
                            && partition
                                .accepted_ec2_principals()
                                .iter()
                                .any(|p| value.eq_ignore_ascii_case(p))
                    })
            })
    }

    /// Does this statement's principal cover the EC2 service of the partition?
    fn matches_ec2(&self, partition: Partition) -> bool {
        let listed = match &self.principals {
            None => return !self.not_principal,
            Some(list) => list.iter().any(|(kind, value)| {
                kind == "Service"
                    && partition
                        .accepted_ec2_principals()
                        .iter()
                        .any(|p| value.eq_ignore_ascii_case(p))
            }),
        };
        // NotPrincipal: everyone except those listed.
        listed != self.not_principal
    }

    fn grants_assume_role(&self) -> bool {
        let matched = self.actions.iter().any(|a| wildcard_match(a, ASSUME_ROLE));
        matched != self.not_action
    }

    /// The principals besides EC2 that this (Allow) statement admits.
    fn other_principals(&self, partition: Partition) -> Vec<String> {
        if self.not_principal {
            return vec!["NotPrincipal:everyone else".into()];
        }
        match &self.principals {
            None => vec!["*".into()],
            Some(list) => list
                .iter()
                .filter(|(kind, value)| {
                    !(kind == "Service"
                        && partition
                            .accepted_ec2_principals()
                            .iter()
                            .any(|p| value.eq_ignore_ascii_case(p)))
                })
                .map(|(kind, value)| format!("{kind}:{value}"))
                .collect(),
        }
    }
}

fn strings<'a>(v: &'a Value, field: &str) -> Result<Vec<&'a str>, TrustPolicyError> {
    match v {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| TrustPolicyError(format!("{field} entries must be strings")))
            })
            .collect(),
        _ => Err(TrustPolicyError(format!(
            "{field} must be a string or an array of strings"
        ))),
    }
}

/// IAM action matching: case-insensitive (both sides lower-cased), `*` and `?` wildcards.
fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    const AWS: Partition = Partition::Aws;

    fn a(doc: &str) -> TrustAnalysis {
        analyze(doc, AWS).unwrap()
    }

    fn ok(doc: &str) -> bool {
        a(doc).ec2_allowed
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
        assert!(!r.ec2_allowed && r.ec2_denied());
        // A conditional deny does not take it away for sure: not reported as denied.
        let doc = r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#;
        assert!(ok(doc));
    }

    #[test]
    fn conditional_statement() {
        let doc = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}"#;
        let r = a(doc);
        assert!(!r.ec2_allowed && r.ec2_conditional);
    }

    #[test]
    fn wildcard_and_other_principals() {
        let star =
            a(r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#);
        // Everyone includes EC2; that everyone may is `public`, not an extra principal.
        assert!(star.ec2_allowed);
        assert_eq!((star.public.len(), star.extra_principals.len()), (1, 0));

        let aws_star = a(
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
        );
        assert!(aws_star.ec2_allowed);
        assert_eq!(
            (aws_star.public.len(), aws_star.extra_principals.len()),
            (1, 0)
        );

        let mixed = a(r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"],"Service":"ecs.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#);
        assert!(mixed.ec2_allowed);
        assert_eq!(
            mixed.extra_principals,
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
        ] {
            let t = a(doc);
            assert_eq!(t.public.len(), 1, "{doc}: {t:?}");
            assert!(t.extra_principals.is_empty(), "{doc}: {t:?}");
        }
        let named = a(
            r#"{"Statement":[{"Sid":"Open","Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#,
        );
        assert_eq!(
            named.public,
            [r#"statement #1 ("Open"): Allow sts:AssumeRole to *"#]
        );
        for doc in [
            r#"{"Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"x"}}}]}"#,
            r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"sts:TagSession"}]}"#,
            r#"{"Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#,
        ] {
            assert!(a(doc).public.is_empty(), "{doc}");
        }
    }

    #[test]
    fn denies_are_named_and_conditional_ones_kept_apart() {
        let t = a(r#"{"Statement":[
            {"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Sid":"NoEc2","Effect":"Deny","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}"#);
        assert!(!t.ec2_allowed);
        assert_eq!(
            t.ec2_denied_by,
            [r#"statement #2 ("NoEc2"): Deny sts:AssumeRole to Service:ec2.amazonaws.com"#]
        );
        assert_eq!(
            t.conditional_denies,
            ["statement #3: Deny sts:AssumeRole to * under a Condition"]
        );
        // Only the EC2 allow is canonical: replacing drops the other two.
        assert_eq!(t.non_canonical.len(), 2, "{t:?}");
    }

    #[test]
    fn canonical_spellings_are_not_dropped_by_a_replace() {
        for f in [
            r#"{"Version":"2008-10-17","Statement":[{"Sid":"","Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}"#,
            &ec2_trust_policy(AWS),
        ] {
            assert!(a(f).non_canonical.is_empty(), "{f}");
        }
    }

    #[test]
    fn china_accepts_both_principals_and_writes_cn() {
        let plain = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        let cn = r#"{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com.cn"},"Action":"sts:AssumeRole"}]}"#;
        assert!(analyze(plain, Partition::AwsCn).unwrap().ec2_allowed);
        assert!(analyze(cn, Partition::AwsCn).unwrap().ec2_allowed);
        assert!(!analyze(cn, Partition::AwsUsGov).unwrap().ec2_allowed);
        assert!(ec2_trust_policy(Partition::AwsCn).contains("ec2.amazonaws.com.cn"));
    }

    #[test]
    fn adding_ec2_keeps_every_statement() {
        let doc = r#"{"Version":"2008-10-17","Statement":{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}"#;
        let out = with_ec2_statement(doc, AWS).unwrap();
        assert_eq!(
            out,
            r#"{"Version":"2008-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}},{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
        );
        assert!(ok(&out));
        let fresh = ec2_trust_policy(AWS);
        assert!(ok(&fresh));
        assert!(a(&fresh).extra_principals.is_empty());
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

    #[test]
    fn wildcards() {
        assert!(wildcard_match("*", "sts:assumerole"));
        assert!(wildcard_match("sts:*role", "sts:assumerole"));
        assert!(wildcard_match("s?s:assume*", "sts:assumerole"));
        assert!(!wildcard_match("sts:assume", "sts:assumerole"));
        assert!(!wildcard_match("iam:*", "sts:assumerole"));
        assert!(wildcard_match("**:*", "sts:assumerole"));
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
            assert!(got.ec2_allowed, "{partition}: {text}");
            // Adding the EC2 statement again keeps it granted (apply is never destructive).
            assert!(
                analyze(&with_ec2_statement(&input, partition).unwrap(), partition)
                    .unwrap()
                    .ec2_allowed
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
        assert!(!got.ec2_allowed);
    }
}
