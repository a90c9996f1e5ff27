//! Trust policies: decoding, semantic analysis, and adding the EC2 statement.
//!
//! Compared by meaning, never by text: `Version` 2008/2012, `Sid` present or not,
//! `Principal.Service` and `Action` as a string or an array, `"Principal": "*"`,
//! `{"AWS": ...}`, wildcards in actions, `NotAction`, and `Deny` statements.

use std::borrow::Cow;

use serde_json::{Map, Value, json};

use crate::partition::Partition;

mod statement;
#[cfg(test)]
mod tests;

use statement::{Effect, Statement};

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

/// Analyses a (possibly URL-encoded) trust policy for the given partition's EC2 principal.
pub fn analyze(document: &str, partition: Partition) -> Result<TrustAnalysis, TrustPolicyError> {
    analyze_for(document, partition.accepted_ec2_principals())
}

/// Does the trust policy let `service` (a service principal such as
/// `batch.amazonaws.com`) call sts:AssumeRole unconditionally, with no Deny taking it away?
pub fn allows_service(document: &str, service: &str) -> Result<bool, TrustPolicyError> {
    Ok(analyze_for(document, &[service])?.ec2_allowed)
}

/// The analysis for a service accepted under any of the names `service`; the fields named
/// `ec2_*` are about that service.
fn analyze_for(document: &str, service: &[&str]) -> Result<TrustAnalysis, TrustPolicyError> {
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
        let ec2 = stmt.matches_service(service);
        let assume = stmt.grants_assume_role();
        if !stmt.is_canonical(service) {
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
                for p in stmt.other_principals(service) {
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
