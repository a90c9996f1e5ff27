//! Trust policies: decoding, the fresh EC2 document, and adding the EC2 statement to an
//! existing one. What a trust policy allows is the evaluator's to say (`crate::policy`,
//! asked by `findings::trust`).

use serde_json::{Value, json};

use crate::partition::Partition;
use crate::policy::Policy;

/// A trust policy document that is not a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TrustPolicyError(String);

pub use crate::policy::decode_document;

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
    // IAM's UpdateAssumeRolePolicy may refuse the old version (moto does: "must be version
    // 2012-10-17 or greater"). The versions differ only in policy variables, which 2008
    // reads as literal text: without any `${`, the document means the same under 2012.
    if obj.get("Version") == Some(&json!("2008-10-17")) && !document.contains("${") {
        obj.insert("Version".into(), json!("2012-10-17"));
    }
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

/// Does the trust policy let `service` (a service principal such as
/// `batch.amazonaws.com`) call sts:AssumeRole whatever the request carries? Decided by the
/// evaluator, with every condition key unknown.
pub fn allows_service(document: &str, service: &str) -> Result<bool, TrustPolicyError> {
    use crate::policy::{self, Context, Decision, Named, PolicySet, Principal, Request, Resource};
    let policy = Policy::parse(document).map_err(|e| TrustPolicyError(e.to_string()))?;
    let set = PolicySet {
        resource: Some(Named {
            name: "trust policy",
            policy: &policy,
        }),
        ..PolicySet::default()
    };
    let verdict = policy::evaluate(
        &set,
        &Request {
            principal: Principal::service(service),
            action: "sts:AssumeRole".into(),
            resource: Resource::Arn("*".into()),
            context: Context::unknown_rest(),
        },
    );
    Ok(verdict.decision == Decision::Allowed)
}

/// The statements that are not the one ecsrole writes (in any spelling: an unconditional
/// Allow of sts:AssumeRole to EC2 alone): what replacing the document drops, as
/// `statement #2 ("Sid"): ...`.
pub fn non_canonical(policy: &Policy, partition: Partition) -> Vec<String> {
    use crate::policy::{Effect, Principals, wildcard};
    policy
        .statements
        .iter()
        .filter(|s| {
            let ec2_only = match &s.principal {
                Some(p) if !p.not => match &p.who {
                    Principals::Listed(list) => {
                        !list.is_empty()
                            && list.iter().all(|(kind, value)| {
                                kind == "Service"
                                    && partition
                                        .accepted_ec2_principals()
                                        .iter()
                                        .any(|e| value.eq_ignore_ascii_case(e))
                            })
                    }
                    Principals::Everyone => false,
                },
                _ => false,
            };
            let assume = s
                .action
                .patterns
                .iter()
                .any(|a| wildcard(a, "sts:AssumeRole", true))
                != s.action.not;
            !(s.effect == Effect::Allow && s.conditions.is_empty() && ec2_only && assume)
        })
        .map(|s| s.describe())
        .collect()
}

/// The actions IAM takes in a trust policy it updates (UpdateAssumeRolePolicy validates
/// them; moto 5.2.5's validator lists exactly these, named, without wildcards).
const TRUST_ACTIONS: [&str; 11] = [
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:DecodeAuthorizationMessage",
    "sts:GetAccessKeyInfo",
    "sts:GetCallerIdentity",
    "sts:GetFederationToken",
    "sts:GetServiceBearerToken",
    "sts:GetSessionToken",
    "sts:SetSourceIdentity",
    "sts:TagSession",
];

/// The statements an update of the document would be refused for: `NotAction`, or an
/// action that is not a named STS action. Appending to such a document cannot succeed.
pub fn not_updatable(policy: &Policy) -> Vec<String> {
    policy
        .statements
        .iter()
        .filter(|s| {
            s.action.not
                || s.action
                    .patterns
                    .iter()
                    .any(|a| !TRUST_ACTIONS.contains(&a.as_str()))
        })
        .map(|s| s.describe())
        .collect()
}
