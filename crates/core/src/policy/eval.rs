//! Evaluation, by AWS's "Policy evaluation logic" page: an explicit `Deny` in any policy
//! wins; a request the role's trust policy (a resource-based policy) decides is allowed
//! when an `Allow` in it applies; a request an identity decides is allowed when an
//! identity policy allows it, the permissions boundary (if any) allows it, and every SCP
//! level (if read) allows it.
//!
//! A request may leave keys unknown (which condition keys EC2 sends when it assumes an
//! instance profile's role is not documented). The evaluator then tries every kind of value
//! each unknown key could take, as far as the policies can tell them apart: absent, each
//! value a policy names for it (and its neighbours, for numbers, dates and addresses),
//! a string two patterns both match, and a value no policy names. Allowed or Denied means
//! the same answer for every one of those; Depends names the keys whose value changes it.

use std::collections::{BTreeMap, BTreeSet};

use super::condition::{Family, SetPrefix, holds, neighbours};
use super::grammar::{Effect, Policy, PrincipalSpec, Principals, Statement};
use super::matching::{common_arn_match, wildcard};

/// Who makes the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A service principal such as `ec2.amazonaws.com`.
    Service(String),
    /// An IAM principal: a role session, role, user or account root, by ARN.
    Aws(String),
    /// A web identity or SAML provider (`cognito-identity.amazonaws.com`, a provider ARN).
    Federated(String),
}

/// What is known of one key of the request context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// The request carries these values (one for a single-valued key).
    Known(Vec<String>),
    /// The request does not carry the key.
    Absent,
    /// Anything, absent included.
    Unknown,
    /// One of these (`None`: absent); strings matching a policy's pattern within `shape`
    /// are added when `shape` is given.
    OneOf {
        choices: Vec<Option<Vec<String>>>,
        shape: Option<String>,
    },
}

/// The request context: keys without regard to case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    slots: BTreeMap<String, Slot>,
    /// What a key not listed is: absent (the default) or unknown.
    rest_unknown: bool,
}

impl Context {
    /// Keys not set are absent.
    pub fn new() -> Context {
        Context::default()
    }

    /// Keys not set are unknown.
    pub fn unknown_rest() -> Context {
        Context {
            slots: BTreeMap::new(),
            rest_unknown: true,
        }
    }

    pub fn set(mut self, key: &str, slot: Slot) -> Context {
        self.slots.insert(key.to_ascii_lowercase(), slot);
        self
    }

    pub fn known(self, key: &str, value: &str) -> Context {
        self.set(key, Slot::Known(vec![value.to_owned()]))
    }

    fn slot(&self, key: &str) -> Slot {
        match self.slots.get(key) {
            Some(s) => s.clone(),
            None if self.rest_unknown => Slot::Unknown,
            None => Slot::Absent,
        }
    }
}

/// The resource a request is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    /// One ARN (or `*` for actions without resource-level permissions).
    Arn(String),
    /// Some resource of this shape (a pattern such as
    /// `arn:aws:ecs:*:123456789012:cluster/*`): which one is not known.
    Within(String),
}

/// One request: may `principal` do `action` on `resource`?
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: Principal,
    pub action: String,
    pub resource: Resource,
    pub context: Context,
}

/// A policy and how messages name it (`the trust policy`, `inline policy ecs-extra`,
/// `SCP p-123 (DenyEcs) attached to OU ou-ab12-cd34 (prod)`).
#[derive(Debug, Clone, Copy)]
pub struct Named<'a> {
    pub name: &'a str,
    pub policy: &'a Policy,
}

/// The policies that decide a request.
#[derive(Debug, Clone, Default)]
pub struct PolicySet<'a> {
    /// A resource-based policy that decides on its own (a role's trust policy).
    pub resource: Option<Named<'a>>,
    /// Identity-based policies (managed and inline).
    pub identity: Vec<Named<'a>>,
    pub boundary: Option<Named<'a>>,
    /// SCP levels, root first; each must allow. `None`: not evaluated.
    pub scps: Option<Vec<Level<'a>>>,
}

/// The SCPs attached at one level of the organisation (`root r-ab12`, `OU ...`,
/// `account ...`).
#[derive(Debug, Clone)]
pub struct Level<'a> {
    pub target: &'a str,
    pub policies: Vec<Named<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Denied,
    Depends,
}

/// The answer to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    /// The statements that decide, as `<policy name> <statement description>`: for
    /// Allowed the allowing ones, for Denied the denying ones (empty when nothing allows),
    /// for Depends the ones whose conditions decide.
    pub statements: Vec<String>,
    /// For Denied with no explicit Deny: which policy lacked an Allow (`the permissions
    /// boundary`, `SCP level OU ...`); empty otherwise.
    pub missing: Vec<String>,
    /// For Depends: the keys whose value changes the answer (`resource` for the resource).
    pub keys: Vec<String>,
}

/// Completions tried at most; past that the answer is Depends (never a guess).
const MAX_COMPLETIONS: usize = 20_000;

/// A value no policy names.
const UNSEEN: &str = "ecsrole-unseen-value";
/// An ARN no policy names.
const UNSEEN_ARN: &str = "arn:aws:iam::000000000000:role/ecsrole-unseen";
/// A value two unknown keys may share (a policy variable comparing them).
const SHARED: &str = "ecsrole-shared-value";

/// The concrete outcome of one completed request.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    decision: Decision,
    allows: Vec<String>,
    denies: Vec<String>,
    missing: Vec<String>,
    /// Every statement that applied (for naming the ones that vary).
    applied: BTreeSet<String>,
}

/// Evaluates `request` under `set`.
pub fn evaluate(set: &PolicySet<'_>, request: &Request) -> Verdict {
    let policies = all_policies(set);
    let statements: Vec<&Statement> = policies
        .iter()
        .flat_map(|n| n.policy.statements.iter())
        .filter(|s| could_apply(s, request))
        .collect();
    // The keys that matter: in a condition, or named by a policy variable.
    let mut keys: BTreeMap<String, KeyUse> = BTreeMap::new();
    for s in &statements {
        for c in &s.conditions {
            let entry = keys.entry(c.key.to_ascii_lowercase()).or_default();
            entry.written.get_or_insert_with(|| c.key.clone());
            entry.set |= c.operator.set != SetPrefix::None && multivalued(&c.key);
            for v in &c.values {
                entry.values.push((c.operator.family, v.clone()));
            }
            for var in c.values.iter().flat_map(|v| variables(v)) {
                let e = keys.entry(var.to_ascii_lowercase()).or_default();
                e.written.get_or_insert(var);
                e.variable = true;
            }
        }
    }
    let mut axes: Vec<(String, Vec<Option<Vec<String>>>)> = vec![];
    let mut fixed: BTreeMap<String, Option<Vec<String>>> = BTreeMap::new();
    for (key, used) in &keys {
        match request.context.slot(key) {
            Slot::Known(v) => {
                fixed.insert(key.clone(), Some(v));
            }
            Slot::Absent => {
                fixed.insert(key.clone(), None);
            }
            Slot::Unknown => axes.push((used.name(key), used.representatives())),
            Slot::OneOf { choices, shape } => {
                let mut reps = choices;
                if let Some(shape) = shape {
                    for (_, p) in &used.values {
                        if let Some(m) = common_arn_match(p, &shape) {
                            push_unique(&mut reps, Some(vec![m]));
                        }
                    }
                }
                axes.push((used.name(key), reps));
            }
        }
    }
    // The resource, when only its shape is known, is one more axis.
    let resource_axis = match &request.resource {
        Resource::Arn(_) => None,
        Resource::Within(shape) => {
            let mut reps = vec![Some(vec![shape.replace(['*', '?'], "ecsrole-unseen")])];
            for s in &statements {
                for p in s.resource.iter().flat_map(|r| &r.patterns) {
                    if let Some(m) = common_arn_match(p, shape) {
                        push_unique(&mut reps, Some(vec![m]));
                    }
                }
            }
            axes.push(("resource".to_owned(), reps));
            Some(axes.len() - 1)
        }
    };
    let total = axes
        .iter()
        .try_fold(1usize, |acc, (_, reps)| acc.checked_mul(reps.len().max(1)));
    let Some(total) = total.filter(|&t| t <= MAX_COMPLETIONS) else {
        return Verdict {
            decision: Decision::Depends,
            statements: statements
                .iter()
                .filter(|s| !s.conditions.is_empty())
                .map(|s| s.describe())
                .collect(),
            missing: vec![],
            keys: axes.iter().map(|(k, _)| k.clone()).collect(),
        };
    };
    let mut outcomes: Vec<Outcome> = Vec::with_capacity(total);
    let radix: Vec<usize> = axes.iter().map(|(_, r)| r.len().max(1)).collect();
    for index in 0..total {
        let digits = digits_of(index, &radix);
        let mut values = fixed.clone();
        let mut resource = match &request.resource {
            Resource::Arn(a) => a.clone(),
            Resource::Within(s) => s.clone(),
        };
        for (axis, (key, reps)) in axes.iter().enumerate() {
            let choice = reps.get(digits[axis]).cloned().flatten();
            if Some(axis) == resource_axis {
                resource = choice
                    .and_then(|v| v.into_iter().next())
                    .unwrap_or_default();
            } else {
                values.insert(key.to_ascii_lowercase(), choice);
            }
        }
        outcomes.push(concrete(set, request, &resource, &values));
    }
    summarize(&axes, &radix, outcomes)
}

/// What the statements say of one key.
#[derive(Debug, Default)]
struct KeyUse {
    written: Option<String>,
    /// Used with `ForAllValues:`/`ForAnyValue:`: try sets too.
    set: bool,
    /// Named by a policy variable.
    variable: bool,
    values: Vec<(Family, String)>,
}

impl KeyUse {
    fn name(&self, key: &str) -> String {
        self.written.clone().unwrap_or_else(|| key.to_owned())
    }

    /// The values worth trying for the key (`None`: absent).
    fn representatives(&self) -> Vec<Option<Vec<String>>> {
        let mut singles: Vec<String> = vec![];
        let mut add = |v: String| {
            if !singles.contains(&v) {
                singles.push(v);
            }
        };
        for (family, v) in &self.values {
            if variables(v).is_empty() {
                for n in neighbours(*family, v) {
                    add(n);
                }
            }
        }
        let patterns: Vec<&String> = self
            .values
            .iter()
            .filter(|(f, v)| {
                matches!(f, Family::StringLike | Family::ArnLike) && v.contains(['*', '?'])
            })
            .map(|(_, v)| v)
            .collect();
        for (i, a) in patterns.iter().enumerate() {
            add(a.replace(['*', '?'], "x"));
            for b in &patterns[i + 1..] {
                if let Some(m) = super::matching::common_match(a, b) {
                    add(m);
                }
            }
        }
        // A value no policy names, of the key's kind: an ARN where it holds ARNs; none for
        // a boolean (true and false are all there is); an address or a number otherwise
        // covered by the neighbours above.
        let families = || self.values.iter().map(|(f, _)| *f);
        if families().any(|f| f == Family::ArnLike) {
            add(UNSEEN_ARN.to_owned());
        } else if families().all(|f| f == Family::Bool) && !self.values.is_empty() {
        } else if families().all(|f| f == Family::IpAddress) && !self.values.is_empty() {
            add("0.0.0.1".to_owned());
        } else if families().all(is_ordered) && !self.values.is_empty() {
            add("0".to_owned());
        } else {
            add(UNSEEN.to_owned());
        }
        if self.variable || self.values.iter().any(|(_, v)| !variables(v).is_empty()) {
            add(SHARED.to_owned());
        }
        let mut reps: Vec<Option<Vec<String>>> = vec![None];
        for s in &singles {
            reps.push(Some(vec![s.clone()]));
        }
        if self.set {
            reps.push(Some(vec![]));
            for (i, a) in singles.iter().enumerate() {
                for b in &singles[i + 1..] {
                    reps.push(Some(vec![a.clone(), b.clone()]));
                }
            }
        }
        reps
    }
}

/// Keys whose request value is a set (AWS's global condition keys page); every other key
/// carries one value, whatever operator a policy uses on it.
fn multivalued(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    [
        "aws:tagkeys",
        "aws:principalorgpaths",
        "aws:principalservicenameslist",
        "aws:resourceorgpaths",
        "aws:sourceorgpaths",
        "aws:calledvia",
    ]
    .contains(&key.as_str())
        || !key.starts_with("aws:")
}

fn is_ordered(f: Family) -> bool {
    use Family::*;
    matches!(
        f,
        NumericEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals
            | DateEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals
    )
}

fn push_unique(reps: &mut Vec<Option<Vec<String>>>, v: Option<Vec<String>>) {
    if !reps.contains(&v) {
        reps.push(v);
    }
}

/// The keys a value's policy variables name (`${aws:username}` → `aws:username`).
fn variables(v: &str) -> Vec<String> {
    let mut out = vec![];
    let mut rest = v;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = after[..end].split(',').next().unwrap_or("").trim();
        if !matches!(inner, "*" | "?" | "$") && !inner.is_empty() {
            out.push(inner.to_owned());
        }
        rest = &after[end + 1..];
    }
    out
}

fn digits_of(mut index: usize, radix: &[usize]) -> Vec<usize> {
    radix
        .iter()
        .map(|&r| {
            let d = index % r;
            index /= r;
            d
        })
        .collect()
}

fn index_of(digits: &[usize], radix: &[usize]) -> usize {
    digits
        .iter()
        .zip(radix)
        .rev()
        .fold(0, |acc, (&d, &r)| acc * r + d)
}

fn summarize(
    axes: &[(String, Vec<Option<Vec<String>>>)],
    radix: &[usize],
    outcomes: Vec<Outcome>,
) -> Verdict {
    let first = &outcomes[0];
    if outcomes.iter().all(|o| o.decision == first.decision) {
        let named = |o: &Outcome| -> Vec<String> {
            if first.decision == Decision::Allowed {
                o.allows.clone()
            } else {
                o.denies.clone()
            }
        };
        // The statements that decide in every completion (else in any).
        let mut statements: Vec<String> = named(first)
            .into_iter()
            .filter(|s| outcomes.iter().all(|o| named(o).contains(s)))
            .collect();
        // Allowed by different statements in different completions: name them all. A
        // denial no Deny makes in every completion is named by what lacks an Allow.
        if statements.is_empty() && first.decision == Decision::Allowed {
            for o in &outcomes {
                for s in named(o) {
                    if !statements.contains(&s) {
                        statements.push(s);
                    }
                }
            }
        }
        let mut missing = vec![];
        for o in &outcomes {
            for m in &o.missing {
                if !missing.contains(m) {
                    missing.push(m.clone());
                }
            }
        }
        return Verdict {
            decision: first.decision,
            statements,
            missing,
            keys: vec![],
        };
    }
    // The keys whose value alone changes the answer somewhere.
    let mut keys = vec![];
    for (axis, (key, _)) in axes.iter().enumerate() {
        let varies = (0..outcomes.len()).any(|i| {
            let mut digits = digits_of(i, radix);
            (0..radix[axis]).any(|d| {
                digits[axis] = d;
                outcomes[index_of(&digits, radix)].decision != outcomes[i].decision
            })
        });
        if varies {
            keys.push(key.clone());
        }
    }
    // The statements that apply in some completions and not in others.
    let all: BTreeSet<&String> = outcomes.iter().flat_map(|o| &o.applied).collect();
    let statements = all
        .into_iter()
        .filter(|s| !outcomes.iter().all(|o| o.applied.contains(*s)))
        .cloned()
        .collect();
    Verdict {
        decision: Decision::Depends,
        statements,
        missing: vec![],
        keys,
    }
}

fn all_policies<'a>(set: &PolicySet<'a>) -> Vec<Named<'a>> {
    let mut out: Vec<Named<'a>> = vec![];
    out.extend(set.resource);
    out.extend(set.identity.iter().copied());
    out.extend(set.boundary);
    for level in set.scps.iter().flatten() {
        out.extend(level.policies.iter().copied());
    }
    out
}

/// The parts of a statement that need no context: principal and action. (A statement that
/// cannot apply contributes no key to try.)
fn could_apply(s: &Statement, r: &Request) -> bool {
    principal_matches(s.principal.as_ref(), &r.principal) && action_matches(s, &r.action)
}

fn action_matches(s: &Statement, action: &str) -> bool {
    let any = s.action.patterns.iter().any(|p| wildcard(p, action, true));
    any != s.action.not
}

fn resource_matches(s: &Statement, resource: &str) -> bool {
    match &s.resource {
        None => true,
        Some(r) => {
            let any = r.patterns.iter().any(|p| wildcard(p, resource, false));
            any != r.not
        }
    }
}

fn principal_matches(spec: Option<&PrincipalSpec>, who: &Principal) -> bool {
    let Some(spec) = spec else { return true };
    let listed = match &spec.who {
        Principals::Everyone => true,
        // `{"AWS": "*"}` is the same as `"*"` (IAM's Principal element page).
        Principals::Listed(list) => list.iter().any(|(kind, value)| match who {
            _ if kind == "AWS" && value == "*" => true,
            Principal::Service(s) => kind == "Service" && value.eq_ignore_ascii_case(s),
            Principal::Aws(arn) => kind == "AWS" && aws_principal_matches(value, arn),
            Principal::Federated(f) => kind == "Federated" && value == f,
        }),
    };
    listed != spec.not
}

/// `{"AWS": value}` against a principal's ARN: `*`, the ARN itself, its account (as an id
/// or `arn:...:root`), or the role a session belongs to.
fn aws_principal_matches(value: &str, arn: &str) -> bool {
    if value == "*" || value == arn {
        return true;
    }
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [_, partition, service, _, account, resource] = parts[..] else {
        return false;
    };
    if value == account || value == format!("arn:{partition}:iam::{account}:root") {
        return true;
    }
    // arn:aws:sts::1:assumed-role/R/S is a session of arn:aws:iam::1:role/R.
    if service == "sts"
        && let Some(rest) = resource.strip_prefix("assumed-role/")
        && let Some((role, _)) = rest.split_once('/')
    {
        return value.ends_with(&format!(":role/{role}"))
            && value.starts_with(&format!("arn:{partition}:iam::{account}:"));
    }
    false
}

/// One concrete request: every key either known or absent.
fn concrete(
    set: &PolicySet<'_>,
    request: &Request,
    resource: &str,
    values: &BTreeMap<String, Option<Vec<String>>>,
) -> Outcome {
    let lookup = |key: &str| values.get(&key.to_ascii_lowercase()).cloned().flatten();
    let resolve = |key: &str| lookup(key).and_then(|v| v.into_iter().next());
    let applies = |s: &Statement| {
        principal_matches(s.principal.as_ref(), &request.principal)
            && action_matches(s, &request.action)
            && resource_matches(s, resource)
            && s.conditions.iter().all(|c| {
                let v = lookup(&c.key);
                holds(c.operator, &c.values, v.as_deref(), &resolve)
            })
    };
    let mut out = Outcome {
        decision: Decision::Denied,
        allows: vec![],
        denies: vec![],
        missing: vec![],
        applied: BTreeSet::new(),
    };
    // Which of a policy's statements apply, by effect.
    let allowed_by = |named: &Named<'_>, out: &mut Outcome| -> bool {
        let mut allows = false;
        for s in &named.policy.statements {
            if applies(s) {
                let label = format!("{} {}", named.name, s.describe());
                out.applied.insert(label.clone());
                match s.effect {
                    Effect::Deny => out.denies.push(label),
                    Effect::Allow => {
                        out.allows.push(label);
                        allows = true;
                    }
                }
            }
        }
        allows
    };
    let resource_allows = set.resource.map(|n| allowed_by(&n, &mut out));
    let identity_allows = set
        .identity
        .iter()
        .map(|n| allowed_by(n, &mut out))
        .fold(false, |a, b| a | b);
    let boundary_allows = set.boundary.map(|n| allowed_by(&n, &mut out));
    let mut scp_missing = vec![];
    for level in set.scps.iter().flatten() {
        let level_allows = level
            .policies
            .iter()
            .map(|n| allowed_by(n, &mut out))
            .fold(false, |a, b| a | b);
        if !level_allows {
            scp_missing.push(format!("no SCP attached to {} allows it", level.target));
        }
    }
    if !out.denies.is_empty() {
        out.decision = Decision::Denied;
        out.allows.clear();
        return out;
    }
    let allowed = match resource_allows {
        Some(allows) => {
            if !allows {
                out.missing
                    .push("no statement of the trust policy allows it".into());
            }
            allows
        }
        None => {
            if !identity_allows {
                out.missing
                    .push("no identity policy of the role allows it".into());
            }
            if boundary_allows == Some(false) {
                out.missing
                    .push("the permissions boundary does not allow it".into());
            }
            out.missing.extend(scp_missing);
            out.missing.is_empty()
        }
    };
    out.decision = if allowed {
        Decision::Allowed
    } else {
        out.allows.clear();
        Decision::Denied
    };
    out
}
