//! The trust policy's questions, each answered by the evaluator (`crate::policy`):
//! (a) may EC2 assume the role; (b) who else may: anyone outside the account, or principals
//! it names.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::partition::Partition;
use crate::policy::{
    self, Context, Decision, Effect, Named, Pat, Policy, PolicySet, Principal, PrincipalSpec,
    Principals, Reading, Request, Resource, Shape, Slot, Tok, Verdict, Witness,
};

use super::{FindingCode, Severity};

#[cfg(test)]
#[path = "trust_tests.rs"]
mod tests;

/// The trust policy's name in messages.
const TRUST: &str = "trust policy";

/// What a check knows that the policies may test: AWS's time and the role's tags. The
/// region is not among them: a role is global, and `--region` picks the partition, not
/// where the instances that use the role run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// AWS's clock (the `Date` of its answers), when read.
    pub now: Option<SystemTime>,
    /// The role's tags (GetRole): `aws:PrincipalTag/*` of its sessions, `aws:ResourceTag/*`
    /// of the role.
    pub tags: Vec<(String, String)>,
}

impl Facts {
    /// What the reads found: AWS's time and the role's tags.
    pub fn of(actual: &crate::state::Actual) -> Facts {
        Facts {
            now: actual.now,
            tags: actual
                .role
                .as_ref()
                .map(|r| r.tags.clone())
                .unwrap_or_default(),
        }
    }

    /// `aws:CurrentTime` and `aws:EpochTime`: known with AWS's clock, else present with any
    /// value ("always included in the request context").
    pub fn time(&self, c: Context) -> Context {
        match self.now.and_then(|t| t.duration_since(UNIX_EPOCH).ok()) {
            Some(d) => {
                let secs = d.as_secs();
                c.known("aws:CurrentTime", &policy::iso(secs as f64))
                    .known("aws:EpochTime", &secs.to_string())
            }
            None => c
                .set("aws:CurrentTime", Slot::present())
                .set("aws:EpochTime", Slot::present()),
        }
    }

    /// The role's tags under `prefix` (`aws:PrincipalTag/`): each known, any other absent.
    pub fn tags(&self, mut c: Context, prefix: &str) -> Context {
        for (k, v) in &self.tags {
            c = c.known(&format!("{prefix}{k}"), v);
        }
        c.set_prefix(prefix, Slot::Absent)
    }
}

/// What the trust policy says, for the findings and for `plan`.
#[derive(Debug, Clone)]
pub struct TrustVerdicts {
    /// (a): may EC2 call sts:AssumeRole?
    pub ec2: Verdict,
    /// (b): may a principal the policy does not name, in an account or organisation it
    /// does not name (or a user of an issuer that serves everyone)? The first such
    /// question some request passes, else the AWS principals' one.
    pub outsider: Verdict,
    /// (b): the principals the policy names besides EC2 that it lets in, as `Kind:value`,
    /// and the statements that let anyone in who meets their condition.
    pub named: Vec<String>,
}

impl TrustVerdicts {
    /// Some outsider's request is allowed.
    pub fn public(&self) -> bool {
        matches!(
            self.outsider.decision,
            Decision::Allowed | Decision::Depends
        )
    }

    /// Why a question could not be decided, if one could not.
    pub fn undecided(&self) -> Vec<String> {
        [&self.ec2, &self.outsider]
            .into_iter()
            .filter_map(|v| v.undecided.clone())
            .collect()
    }
}

/// The request EC2 makes when it assumes an instance profile's role, key by key, from each
/// key's "Availability" line on AWS's global condition keys page
/// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html):
///
/// - a key "always included" or included "for all signed requests" is present with a
///   value EC2 chooses: `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid`,
///   `aws:RequestedRegion`, `aws:UserAgent`,
///   `aws:ViaAWSService`; the time is AWS's clock;
/// - a service principal's own keys: `aws:PrincipalIsAWSService` is true,
///   `aws:PrincipalServiceName` and `aws:PrincipalServiceNamesList` name EC2;
/// - keys of IAM principals (`aws:PrincipalArn`, whose principal types are all IAM's),
///   of a principal in an organisation, of role sessions and temporary credentials
///   (`aws:PrincipalTag/*`, `aws:username`, `aws:MultiFactorAuth*`, `aws:TokenIssueTime`,
///   `aws:SourceIdentity`, `aws:FederatedProvider`, `ec2:RoleDelivery`,
///   `ec2:SourceInstanceArn`, `aws:Ec2InstanceSource*`), of calls through a service
///   (`aws:CalledVia*`), of tags passed in the request, `aws:referer` and
///   `sts:ExternalId`: absent;
/// - the resource's keys: `aws:ResourceAccount` is the role's account, `aws:ResourceTag/*`
///   its tags;
/// - `aws:SourceAccount`, `aws:SourceOwner` and `aws:SourceArn` are present "only when the
///   call ... is made directly by an AWS service principal on behalf of a resource" and
///   not for every integration: absent, or the role's own account (an EC2 ARN in it);
/// - every other key (the network keys, which the pages say are redacted for service
///   principals or always present, as they disagree): unknown.
fn ec2_request(p: Partition, role_arn: &str, facts: &Facts) -> Request {
    let account = crate::state::account_of(role_arn);
    let spellings: Vec<String> = p
        .accepted_ec2_principals()
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let mut c = Context::unknown_rest()
        .known("aws:PrincipalIsAWSService", "true")
        .set(
            "aws:PrincipalServiceName",
            Slot::OneOf(spellings.iter().map(|s| Some(vec![s.clone()])).collect()),
        )
        .set(
            "aws:PrincipalServiceNamesList",
            Slot::OneOf(spellings.iter().map(|s| Some(vec![s.clone()])).collect()),
        );
    for key in [
        "aws:PrincipalAccount",
        "aws:PrincipalType",
        "aws:userid",
        "aws:UserAgent",
        "aws:ViaAWSService",
        "aws:RequestedRegion",
        "sts:RoleSessionName",
    ] {
        c = c.set(key, Slot::present());
    }
    for key in [
        "aws:PrincipalArn",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:username",
        "aws:FederatedProvider",
        "aws:TokenIssueTime",
        "aws:MultiFactorAuthAge",
        "aws:MultiFactorAuthPresent",
        "aws:SourceIdentity",
        "aws:Ec2InstanceSourceVpc",
        "aws:Ec2InstanceSourcePrivateIPv4",
        "ec2:RoleDelivery",
        "ec2:SourceInstanceArn",
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:referer",
        "aws:TagKeys",
        "aws:IsMcpServiceAction",
        "sts:ExternalId",
        "sts:SourceIdentity",
        "sts:TransitiveTagKeys",
    ] {
        c = c.set(key, Slot::Absent);
    }
    c = c
        .set_prefix("aws:PrincipalTag/", Slot::Absent)
        .set_prefix("aws:RequestTag/", Slot::Absent);
    c = facts.tags(facts.time(c), "aws:ResourceTag/");
    c = match &account {
        Some(a) => {
            let own = Slot::OneOf(vec![None, Some(vec![a.clone()])]);
            c.known("aws:ResourceAccount", a)
                .set("aws:SourceAccount", own.clone())
                .set("aws:SourceOwner", own)
                .set(
                    "aws:SourceArn",
                    Slot::Free {
                        absent: true,
                        shapes: vec![Shape {
                            pat: arn_shape(&format!("arn:{p}:ec2:*:{a}:*")),
                            matches: true,
                            prefer: false,
                        }],
                    },
                )
        }
        None => c,
    };
    Request {
        principal: Principal::Service(spellings),
        action: "sts:AssumeRole".into(),
        resource: Resource::Arn(role_arn.to_owned()),
        context: c,
    }
}

fn arn_shape(pattern: &str) -> Pat {
    Pat::compile(pattern, Reading::Arn, false, &|_| None).unwrap_or_else(Pat::never)
}

/// The values a policy writes: its principals' and its conditions'.
fn written(policy: &Policy) -> Vec<&str> {
    let mut out = vec![];
    for s in &policy.statements {
        if let Some(PrincipalSpec {
            who: Principals::Listed(list),
            ..
        }) = &s.principal
        {
            out.extend(list.iter().map(|(_, v)| v.as_str()));
        }
        for c in &s.conditions {
            out.extend(c.values.iter().map(String::as_str));
        }
    }
    out
}

/// The maximal runs of `min` to `max` characters of `class` in the policy's values
/// (account ids): what the policy names.
fn named_runs(
    policy: &Policy,
    class: impl Fn(char) -> bool,
    min: usize,
    max: usize,
) -> Vec<String> {
    let mut out: Vec<String> = vec![];
    for v in written(policy) {
        let chars: Vec<char> = v.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let mut j = i;
            while j < chars.len() && class(chars[j]) {
                j += 1;
            }
            if j > i {
                let run: String = chars[i..j].iter().collect();
                if (min..=max).contains(&run.len()) && !out.contains(&run) {
                    out.push(run);
                }
                i = j;
            } else {
                i += 1;
            }
        }
    }
    out
}

/// The values without wildcards that a policy's conditions on `key` name.
fn literals(policy: &Policy, key: &str) -> Vec<String> {
    policy
        .statements
        .iter()
        .flat_map(|s| &s.conditions)
        .filter(|c| c.key.eq_ignore_ascii_case(key))
        .flat_map(|c| c.values.iter())
        .filter(|v| !v.contains(['*', '?', '$']) && !v.is_empty())
        .cloned()
        .collect()
}

/// The organisation ids (`o-` and 10 to 32 letters or digits) a policy names.
fn named_orgs(policy: &Policy) -> Vec<String> {
    let mut out = vec![];
    for v in written(policy) {
        let mut rest = v;
        while let Some(i) = rest.find("o-") {
            let id: String = rest[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
                .collect();
            if (10..=32).contains(&id.len()) {
                let org = format!("o-{id}");
                if !out.contains(&org) {
                    out.push(org);
                }
            }
            rest = &rest[i + 2..];
        }
    }
    out
}

/// The question of an outsider: an IAM principal in an account the policy does not name
/// (nor the role's own), in no organisation it names, choosing every key it controls (its
/// ARN within its account, its tags, the request's keys). Keys only a service principal's
/// request carries are absent; the time is AWS's.
fn outsider_request(p: Partition, policy: &Policy, role_arn: &str, facts: &Facts) -> Request {
    let mut accounts = named_runs(policy, |c| c.is_ascii_digit(), 12, 12);
    accounts.extend(crate::state::account_of(role_arn));
    accounts.extend(literals(policy, "aws:PrincipalAccount"));
    let mut toks: Vec<Tok> = format!("arn:{p}:iam::").chars().map(Tok::Lit).collect();
    toks.extend(std::iter::repeat_n(Tok::Digit, 12));
    toks.push(Tok::Lit(':'));
    toks.push(Tok::Star { colon: true });
    let mut shapes = vec![Shape {
        pat: Pat {
            toks,
            ci: false,
            never: false,
        },
        matches: true,
        prefer: false,
    }];
    // A witness reads best as a role of the account.
    shapes.push(Shape::prefer(arn_shape(&format!("arn:{p}:iam::*:role/?*"))));
    for a in &accounts {
        shapes.push(Shape {
            pat: Pat::literal(a, false).as_account_of_arn(),
            matches: false,
            prefer: false,
        });
    }
    let mut orgs = named_orgs(policy);
    orgs.extend(literals(policy, "aws:PrincipalOrgID"));
    orgs.extend(
        literals(policy, "aws:PrincipalOrgPaths")
            .into_iter()
            .filter_map(|p| p.split('/').next().map(str::to_owned)),
    );
    let not_orgs = |path: bool| Slot::Free {
        absent: true,
        shapes: orgs
            .iter()
            .map(|o| Shape {
                pat: if path {
                    Pat::compile(&format!("{o}/*"), Reading::Like, false, &|_| None)
                        .unwrap_or_else(Pat::never)
                } else {
                    Pat::literal(o, false)
                },
                matches: false,
                prefer: false,
            })
            .collect(),
    };
    let mut c = Context::unknown_rest()
        .set(
            "aws:PrincipalArn",
            Slot::Free {
                absent: false,
                shapes,
            },
        )
        .set(
            "aws:PrincipalAccount",
            Slot::AccountOf("aws:PrincipalArn".into()),
        )
        .set("aws:PrincipalOrgID", not_orgs(false))
        .set("aws:PrincipalOrgPaths", not_orgs(true))
        .known("aws:PrincipalIsAWSService", "false")
        .set(
            "aws:PrincipalType",
            Slot::OneOf(
                ["AssumedRole", "User", "FederatedUser", "Account"]
                    .iter()
                    .map(|t| Some(vec![(*t).to_owned()]))
                    .collect(),
            ),
        );
    for key in [
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
    ] {
        c = c.set(key, Slot::Absent);
    }
    c = facts.tags(facts.time(c), "aws:ResourceTag/");
    if let Some(a) = crate::state::account_of(role_arn) {
        c = c.known("aws:ResourceAccount", &a);
    }
    Request {
        principal: Principal::AnyAws,
        action: "sts:AssumeRole".into(),
        resource: Resource::Arn(role_arn.to_owned()),
        context: c,
    }
}

/// Issuers that serve everyone with an account there, and how their subject names its
/// owner (`repo:ORG/...`): a subject the policy does not name is anyone's.
const OPEN_ISSUERS: &[(&str, &str, char)] = &[
    ("token.actions.githubusercontent.com", "repo:", '/'),
    ("gitlab.com", "project_path:", '/'),
    ("app.terraform.io", "organization:", ':'),
];

/// The web-identity questions of issuers that serve everyone: a Cognito identity pool the
/// policy does not name, an OIDC subject (repository, project, workspace) of an owner it
/// does not name.
fn federated_requests(policy: &Policy, role_arn: &str, facts: &Facts) -> Vec<Request> {
    let mut out = vec![];
    let mut seen: Vec<String> = vec![];
    for s in &policy.statements {
        let Some(PrincipalSpec {
            not: false,
            who: Principals::Listed(list),
        }) = &s.principal
        else {
            continue;
        };
        for (kind, value) in list {
            if kind != "Federated" || seen.contains(value) {
                continue;
            }
            let host = value.rsplit_once(":oidc-provider/").map(|(_, h)| h);
            let values_of = |key: &str| -> Vec<String> {
                policy
                    .statements
                    .iter()
                    .flat_map(|s| &s.conditions)
                    .filter(|c| c.key.eq_ignore_ascii_case(key))
                    .flat_map(|c| c.values.iter().cloned())
                    .collect()
            };
            let mut c = Context::unknown_rest()
                .known("aws:PrincipalIsAWSService", "false")
                .set("aws:PrincipalArn", Slot::Absent)
                .set("aws:PrincipalAccount", Slot::Absent)
                .set("aws:PrincipalOrgID", Slot::Absent)
                .set("aws:PrincipalOrgPaths", Slot::Absent)
                .set_prefix("aws:PrincipalTag/", Slot::Absent);
            c = facts.time(c);
            if value == "cognito-identity.amazonaws.com" {
                let aud = "cognito-identity.amazonaws.com:aud";
                let pools = values_of(aud)
                    .into_iter()
                    .filter(|v| !v.contains(['*', '?']))
                    .map(|v| Shape {
                        pat: Pat::literal(&v, false),
                        matches: false,
                        prefer: false,
                    })
                    .collect();
                c = c
                    .set(
                        aud,
                        Slot::Free {
                            absent: false,
                            shapes: pools,
                        },
                    )
                    .set("cognito-identity.amazonaws.com:amr", Slot::present())
                    .set("cognito-identity.amazonaws.com:sub", Slot::present());
            } else if let Some((issuer, prefix, sep)) = OPEN_ISSUERS
                .iter()
                .find(|(i, _, _)| host.is_some_and(|h| h.eq_ignore_ascii_case(i)))
            {
                let sub = format!("{issuer}:sub");
                let mut shapes = vec![Shape {
                    pat: Pat::compile(&format!("{prefix}*"), Reading::Like, false, &|_| None)
                        .unwrap_or_else(Pat::never),
                    matches: true,
                    prefer: false,
                }];
                for v in values_of(&sub) {
                    let Some(rest) = v.strip_prefix(prefix) else {
                        continue;
                    };
                    let owner: String = rest.chars().take_while(|c| c != sep).collect();
                    if owner.is_empty() || owner.contains(['*', '?', '$']) {
                        continue;
                    }
                    // Owner names are the issuer's, without regard to case.
                    let mut toks: Vec<Tok> = format!("{prefix}{owner}{sep}")
                        .chars()
                        .map(Tok::Lit)
                        .collect();
                    toks.push(Tok::Star { colon: true });
                    shapes.push(Shape {
                        pat: Pat {
                            toks,
                            ci: true,
                            never: false,
                        },
                        matches: false,
                        prefer: false,
                    });
                }
                c = c
                    .set(
                        &sub,
                        Slot::Free {
                            absent: false,
                            shapes,
                        },
                    )
                    .set(&format!("{issuer}:aud"), Slot::present());
            } else {
                continue;
            }
            seen.push(value.clone());
            out.push(Request {
                principal: Principal::Federated(value.clone()),
                action: "sts:AssumeRoleWithWebIdentity".into(),
                resource: Resource::Arn(role_arn.to_owned()),
                context: c,
            });
        }
    }
    out
}

fn request(principal: Principal, action: &str, role_arn: &str, context: Context) -> Request {
    Request {
        principal,
        action: action.to_owned(),
        resource: Resource::Arn(role_arn.to_owned()),
        context,
    }
}

/// Answers (a) and (b) for a parsed trust policy of the role `role_arn`.
pub fn judge(policy: &Policy, p: Partition, role_arn: &str, facts: &Facts) -> TrustVerdicts {
    let set = PolicySet {
        resource: Some(Named {
            name: TRUST,
            policy,
        }),
        ..PolicySet::default()
    };
    let ec2 = policy::evaluate(&set, &ec2_request(p, role_arn, facts));
    let mut outsider = policy::evaluate(&set, &outsider_request(p, policy, role_arn, facts));
    for question in federated_requests(policy, role_arn, facts) {
        if outsider.decision == Decision::Undecided
            || matches!(outsider.decision, Decision::Allowed | Decision::Depends)
        {
            break;
        }
        outsider = policy::evaluate(&set, &question);
    }
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
                "Service" => (Principal::service(value), &["sts:AssumeRole"]),
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
            // The issuer that lets everyone in is the public finding, not a named one.
            let everyone = matches!(outsider.decision, Decision::Allowed | Decision::Depends)
                && outsider
                    .witness
                    .as_ref()
                    .is_some_and(|w| w.principal == *value);
            if lets_in && !everyone && !named.contains(&label) {
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

/// `an outsider (arn:aws:iam::000000000000:x in account 000000000000) passing
/// sts:ExternalId=000000000000`: who a witness is and the keys it passes.
pub fn describe_outsider(w: &Witness) -> String {
    let passing: Vec<String> = w
        .context
        .iter()
        .filter(|(k, v)| {
            v.is_some()
                && !k.eq_ignore_ascii_case("aws:PrincipalArn")
                && !k.eq_ignore_ascii_case("aws:PrincipalAccount")
        })
        .map(|(k, _)| k.clone())
        .collect();
    if !w.principal.starts_with("arn:") || w.principal.contains(":oidc-provider/") {
        // A web identity: any user of the issuer with the keys shown.
        let subject = if passing.iter().any(|k| k.ends_with(":sub")) {
            ""
        } else {
            " with any subject (any repository, project, workspace or identity pool user)"
        };
        let keys = if passing.is_empty() {
            String::new()
        } else {
            format!(" passing {}", w.describe_keys(&passing))
        };
        return format!("anyone who signs in through {}{subject}{keys}", w.principal);
    }
    let account = w
        .value("aws:PrincipalAccount")
        .and_then(|v| v.first().cloned())
        .or_else(|| crate::state::account_of(&w.principal));
    let who = match account {
        Some(a) => format!("{} in account {a}", w.principal),
        None => w.principal.clone(),
    };
    if passing.is_empty() {
        format!("an outsider ({who})")
    } else {
        format!("an outsider ({who}) passing {}", w.describe_keys(&passing))
    }
}

/// The findings of a readable trust policy.
pub(super) fn findings(
    t: &TrustVerdicts,
    p: Partition,
    push: &mut impl FnMut(FindingCode, Severity, String, Vec<Witness>),
) {
    let ec2 = p.ec2_principal();
    if t.public() {
        let who = t
            .outsider
            .witness
            .as_ref()
            .map(|w| format!(": {} may assume it", describe_outsider(w)))
            .unwrap_or_default();
        push(
            FindingCode::TrustPolicyPublic,
            Severity::Error,
            format!(
                "the trust policy lets principals in any AWS account assume the role and take the credentials of every instance that uses it{who} ({}); only --replace-trust-policy removes it",
                t.outsider.statements.join("; ")
            ),
            t.outsider.witness.iter().cloned().collect(),
        );
    }
    match t.ec2.decision {
        Decision::Allowed | Decision::Undecided => {}
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
                t.ec2.witness.iter().cloned().collect(),
            );
        }
        Decision::Depends => {
            let deny = t.ec2.statements.iter().any(|s| s.contains(": Deny "));
            let code = if deny {
                FindingCode::TrustPolicyConditionalDeny
            } else {
                FindingCode::TrustPolicyConditional
            };
            let when = match (&t.ec2.witness, &t.ec2.counter) {
                (Some(a), Some(d)) => format!(
                    " (allowed with {}; denied with {})",
                    a.describe_keys(&t.ec2.keys),
                    d.describe_keys(&t.ec2.keys)
                ),
                _ => String::new(),
            };
            push(
                code,
                Severity::Warning,
                format!(
                    "whether {ec2} may call sts:AssumeRole depends on {}, which EC2 is not documented to send{when}: {}",
                    t.ec2.keys.join(", "),
                    t.ec2.statements.join("; ")
                ),
                t.ec2
                    .witness
                    .iter()
                    .chain(&t.ec2.counter)
                    .cloned()
                    .collect(),
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
            vec![],
        );
    }
}
