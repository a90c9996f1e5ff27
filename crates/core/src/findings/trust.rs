//! The trust policy's questions, each answered by the evaluator (`crate::policy`):
//! (a) may EC2 assume the role; (b) who else may: anyone outside the account, or principals
//! it names.

use crate::partition::Partition;
use crate::policy::{
    self, Context, Decision, Effect, Named, Policy, PolicySet, Principal, Principals, Request,
    Resource, Slot, Verdict,
};

use super::{FindingCode, Severity};

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;

/// The trust policy's name in messages.
const TRUST: &str = "trust policy";

/// An account no policy names: the outsider of question (b).
pub const OUTSIDER_ACCOUNT: &str = "999999999999";

/// What the trust policy says, for the findings and for `plan`.
#[derive(Debug, Clone)]
pub struct TrustVerdicts {
    /// (a): may EC2 call sts:AssumeRole (the best of the partition's accepted principals)?
    pub ec2: Verdict,
    /// (b): may a principal in an account the policy does not name?
    pub outsider: Verdict,
    /// (b): the principals the policy names besides EC2 that it lets in, as `Kind:value`,
    /// and the statements that let anyone in who meets their condition.
    pub named: Vec<String>,
}

impl TrustVerdicts {
    pub fn public(&self) -> bool {
        self.outsider.decision != Decision::Denied
    }
}

/// The request context of EC2 assuming an instance profile's role. Which keys EC2 sends is
/// not documented (FACTS.md): every key is unknown, except that a source account or ARN,
/// if EC2 sends one, is the role's own account (EC2 acts for the account whose instance
/// uses the profile).
fn ec2_context(p: Partition, account: Option<&str>) -> Context {
    let Some(account) = account else {
        return Context::unknown_rest();
    };
    let one_of = |v: String| Slot::OneOf {
        choices: vec![None, Some(vec![v])],
        shape: None,
    };
    Context::unknown_rest()
        .set("aws:SourceAccount", one_of(account.to_owned()))
        .set("aws:SourceOwner", one_of(account.to_owned()))
        .set(
            "aws:SourceArn",
            Slot::OneOf {
                choices: vec![None],
                shape: Some(format!("arn:{p}:ec2:*:{account}:*")),
            },
        )
}

/// The request context of an outsider: a principal in an account the policy does not name,
/// which chooses everything it controls (its role's name, its tags, its session, the
/// request's keys); its account and organisation are its own, not the ones the policy
/// names.
fn outsider_context(p: Partition) -> (Principal, Context) {
    let arn = format!("arn:{p}:iam::{OUTSIDER_ACCOUNT}:role/ecsrole-outsider");
    let own = |v: &str| Slot::OneOf {
        choices: vec![None, Some(vec![v.to_owned()])],
        shape: None,
    };
    let context = Context::unknown_rest()
        .known("aws:PrincipalAccount", OUTSIDER_ACCOUNT)
        .set(
            "aws:PrincipalArn",
            Slot::OneOf {
                choices: vec![Some(vec![arn.clone()])],
                shape: Some(format!("arn:{p}:iam::{OUTSIDER_ACCOUNT}:*")),
            },
        )
        .set("aws:PrincipalOrgID", own("o-ecsroleoutsider"))
        .set(
            "aws:PrincipalOrgPaths",
            own("o-ecsroleoutsider/r-ecsr/ou-ecsr-outsider/"),
        )
        .set("aws:SourceAccount", own(OUTSIDER_ACCOUNT))
        .set("aws:SourceOwner", own(OUTSIDER_ACCOUNT))
        .set(
            "aws:SourceArn",
            Slot::OneOf {
                choices: vec![None],
                shape: Some(format!("arn:{p}:*:*:{OUTSIDER_ACCOUNT}:*")),
            },
        )
        .set("aws:SourceOrgID", own("o-ecsroleoutsider"))
        .set(
            "aws:SourceOrgPaths",
            own("o-ecsroleoutsider/r-ecsr/ou-ecsr-outsider/"),
        )
        .set("aws:PrincipalIsAWSService", own("false"));
    (Principal::Aws(arn), context)
}

fn request(principal: Principal, action: &str, role_arn: &str, context: Context) -> Request {
    Request {
        principal,
        action: action.to_owned(),
        resource: Resource::Arn(role_arn.to_owned()),
        context,
    }
}

fn rank(d: Decision) -> u8 {
    match d {
        Decision::Allowed => 2,
        Decision::Depends => 1,
        Decision::Denied => 0,
    }
}

/// Answers (a) and (b) for a parsed trust policy of the role `role_arn`.
pub fn judge(policy: &Policy, p: Partition, role_arn: &str) -> TrustVerdicts {
    let account = crate::state::account_of(role_arn);
    let set = PolicySet {
        resource: Some(Named {
            name: TRUST,
            policy,
        }),
        ..PolicySet::default()
    };
    let ec2 = p
        .accepted_ec2_principals()
        .iter()
        .map(|service| {
            policy::evaluate(
                &set,
                &request(
                    Principal::Service((*service).to_owned()),
                    "sts:AssumeRole",
                    role_arn,
                    ec2_context(p, account.as_deref()),
                ),
            )
        })
        .max_by_key(|v| rank(v.decision))
        .expect("every partition accepts an EC2 principal");
    let (who, context) = outsider_context(p);
    let outsider = policy::evaluate(&set, &request(who, "sts:AssumeRole", role_arn, context));
    let mut named = vec![];
    for s in &policy.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        let Some(spec) = &s.principal else { continue };
        if s.names_everyone() {
            if outsider.decision == Decision::Denied && !s.conditions.is_empty() {
                let label = format!("anyone meeting {}", s.describe());
                if !named.contains(&label) {
                    named.push(label);
                }
            }
            continue;
        }
        let Principals::Listed(list) = &spec.who else {
            continue;
        };
        for (kind, value) in list {
            if kind == "Service"
                && p.accepted_ec2_principals()
                    .iter()
                    .any(|e| value.eq_ignore_ascii_case(e))
            {
                continue;
            }
            let (principal, actions): (Principal, &[&str]) = match kind.as_str() {
                "Service" => (Principal::Service(value.clone()), &["sts:AssumeRole"]),
                "Federated" => (
                    Principal::Federated(value.clone()),
                    &["sts:AssumeRoleWithWebIdentity", "sts:AssumeRoleWithSAML"],
                ),
                "AWS" if value.chars().all(|c| c.is_ascii_digit()) => (
                    Principal::Aws(format!("arn:{p}:iam::{value}:root")),
                    &["sts:AssumeRole"],
                ),
                "AWS" => (Principal::Aws(value.clone()), &["sts:AssumeRole"]),
                _ => continue,
            };
            let lets_in = actions.iter().any(|action| {
                policy::evaluate(
                    &set,
                    &request(principal.clone(), action, role_arn, Context::unknown_rest()),
                )
                .decision
                    != Decision::Denied
            });
            let label = format!("{kind}:{value}");
            if lets_in && !named.contains(&label) {
                named.push(label);
            }
        }
    }
    TrustVerdicts {
        ec2,
        outsider,
        named,
    }
}

/// The findings of a readable trust policy.
pub(super) fn findings(
    t: &TrustVerdicts,
    p: Partition,
    push: &mut impl FnMut(FindingCode, Severity, String),
) {
    let ec2 = p.ec2_principal();
    if t.public() {
        let how = match t.outsider.decision {
            Decision::Allowed => String::new(),
            _ => format!(
                " (its condition on {} does not keep out a principal that chooses its own values)",
                t.outsider.keys.join(", ")
            ),
        };
        push(
            FindingCode::TrustPolicyPublic,
            Severity::Error,
            format!(
                "the trust policy lets principals in any AWS account assume the role and take the credentials of every instance that uses it{how}: {}; only --replace-trust-policy removes it",
                t.outsider.statements.join("; ")
            ),
        );
    }
    match t.ec2.decision {
        Decision::Allowed => {}
        Decision::Denied => {
            let why = if t.ec2.statements.is_empty() {
                t.ec2.missing.join("; ")
            } else {
                format!("a Deny takes it away: {}", t.ec2.statements.join("; "))
            };
            push(
                FindingCode::TrustPolicyMissingEc2,
                Severity::Error,
                format!("the trust policy does not let {ec2} call sts:AssumeRole: {why}"),
            );
        }
        Decision::Depends => {
            let deny = t.ec2.statements.iter().any(|s| s.contains(": Deny "));
            let code = if deny {
                FindingCode::TrustPolicyConditionalDeny
            } else {
                FindingCode::TrustPolicyConditional
            };
            push(
                code,
                Severity::Warning,
                format!(
                    "whether {ec2} may call sts:AssumeRole depends on {}, which EC2 is not documented to send: {}",
                    t.ec2.keys.join(", "),
                    t.ec2.statements.join("; ")
                ),
            );
        }
    }
    if !t.named.is_empty() {
        push(
            FindingCode::TrustPolicyExtraPrincipal,
            Severity::Warning,
            format!(
                "the trust policy also lets other principals assume the role: {}",
                t.named.join(", ")
            ),
        );
    }
}
