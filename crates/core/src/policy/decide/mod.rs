//! The decision, by AWS's "Policy evaluation logic" page: an explicit `Deny` in any policy
//! wins; a request the role's trust policy (a resource-based policy) decides is allowed
//! when an `Allow` in it applies; a request an identity decides is allowed when an
//! identity policy allows it, the permissions boundary (if any) allows it, and every SCP
//! level (if read) allows it.
//!
//! A question is a set of requests (`request.rs`: keys known, absent, one of a few, or
//! free). It is decided exactly: is there a request in the set that the policies allow, and
//! one they deny? The search assigns one key at a time, over the classes of its values
//! (`classes.rs`: finitely many, each standing for every value in it), and evaluates every
//! statement three-valued (holds, fails, not yet known) after each assignment, so that a
//! branch stops as soon as its answer is settled. A request it finds is a witness, checked
//! again as a whole request before it is returned. Nothing is sampled: when the search
//! would pass [`MAX_NODES`] steps, or a key's values cannot be split into classes, the
//! answer is [`Decision::Undecided`], never a guess.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::classes::{self, Atom};
use super::condition::{Family, Operator, Seen, SetPrefix, combine, ordered, reading, satisfies};
use super::grammar::{Condition, Effect, Policy, PrincipalSpec, Principals, Statement};
use super::matching::wildcard;
use super::pattern::{Pat, Reading, variables};
use super::request::{Principal, Request, Resource, Shape, Slot, multivalued};

mod build;
mod matching;
mod search;
mod tri;
mod witness;

use matching::{
    action_matches, any_aws_condition, principal_matches, resource_pattern, resource_variables,
};

/// Search steps at most for one question; past that it is not decided.
pub const MAX_NODES: usize = 200_000;

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

impl PolicySet<'_> {
    /// Which of the set's statements (the resource policy's, the identity policies', the
    /// boundary's, then each SCP level's, in order) name `action`. Only they take part in
    /// deciding a request for it, and no condition key holds the action: two actions that
    /// agree here, asked with one principal, resource and context, are decided alike.
    pub fn naming(&self, action: &str) -> Vec<bool> {
        let policies = self
            .resource
            .iter()
            .chain(&self.identity)
            .chain(&self.boundary)
            .chain(self.scps.iter().flatten().flat_map(|l| &l.policies));
        policies
            .flat_map(|n| &n.policy.statements)
            .map(|s| action_matches(s, action))
            .collect()
    }
}

/// The SCPs attached at one level of the organisation (`root r-ab12`, `OU ...`,
/// `account ...`).
#[derive(Debug, Clone)]
pub struct Level<'a> {
    pub target: &'a str,
    pub policies: Vec<Named<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Decision {
    /// Every request of the set is allowed.
    Allowed,
    /// Every request of the set is denied.
    Denied,
    /// Some are allowed, some denied.
    Depends,
    /// The search could not settle it (see [`Verdict::undecided`]).
    Undecided,
}

/// One concrete request: who, what, on what, and every key the policies test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Witness {
    pub principal: String,
    pub action: String,
    pub resource: String,
    /// Each key a policy tests, as the policies write it, with its value(s); `None`: the
    /// request does not carry it.
    pub context: Vec<(String, Option<Vec<String>>)>,
}

impl Witness {
    /// The value of a key (without regard to case), if the request carries one.
    pub fn value(&self, key: &str) -> Option<&[String]> {
        self.context
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .and_then(|(_, v)| v.as_deref())
    }

    /// `aws:SourceAccount=123456789012, sts:ExternalId absent`: the keys of `only` (all
    /// when empty).
    pub fn describe_keys(&self, only: &[String]) -> String {
        self.context
            .iter()
            .filter(|(k, _)| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(k)))
            .map(|(k, v)| match v {
                None => format!("{k} absent"),
                Some(v) if v.len() == 1 => format!("{k}={}", v[0]),
                Some(v) => format!("{k}=[{}]", v.join(",")),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The answer to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub decision: Decision,
    /// The statements that decide, as `<policy name> <statement description>`: for
    /// Allowed the allowing ones (in the witness), for Denied the denying ones (empty when
    /// nothing allows), for Depends the ones that apply to one witness and not the other.
    pub statements: Vec<String>,
    /// For Denied with no explicit Deny: which policy lacked an Allow (`the permissions
    /// boundary`, `SCP level OU ...`); empty otherwise.
    pub missing: Vec<String>,
    /// For Depends: the keys whose value changes the answer (`resource` for the resource).
    pub keys: Vec<String>,
    /// Allowed and Depends: a request the policies allow; Denied: one they deny.
    pub witness: Option<Witness>,
    /// Depends: a request they deny.
    pub counter: Option<Witness>,
    /// Undecided: why.
    pub undecided: Option<String>,
}

impl Verdict {
    fn undecided(why: String) -> Verdict {
        Verdict {
            decision: Decision::Undecided,
            statements: vec![],
            missing: vec![],
            keys: vec![],
            witness: None,
            counter: None,
            undecided: Some(why),
        }
    }
}

/// Three-valued truth: holds, fails, or not yet known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    T,
    F,
    U,
}

impl Tri {
    fn of(b: bool) -> Tri {
        if b { Tri::T } else { Tri::F }
    }
    fn and(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::F, _) | (_, Tri::F) => Tri::F,
            (Tri::T, Tri::T) => Tri::T,
            _ => Tri::U,
        }
    }
    fn or(self, o: Tri) -> Tri {
        match (self, o) {
            (Tri::T, _) | (_, Tri::T) => Tri::T,
            (Tri::F, Tri::F) => Tri::F,
            _ => Tri::U,
        }
    }
}

/// Where a statement's policy stands in the evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Resource,
    Identity,
    Boundary,
    Scp(usize),
}

struct Stmt<'a> {
    s: &'a Statement,
    group: Group,
    name: &'a str,
    variables: bool,
    /// For a request by [`Principal::AnyAws`]: the statement's principal as a condition on
    /// `aws:PrincipalArn` (`None`: it names every AWS principal).
    principal: Option<Condition>,
}

impl Stmt<'_> {
    fn label(&self) -> String {
        format!("{} {}", self.name, self.s.describe())
    }

    /// The conditions, the principal's included.
    fn conditions(&self) -> impl Iterator<Item = &Condition> {
        self.s.conditions.iter().chain(self.principal.as_ref())
    }
}

/// What the search has chosen for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Unset,
    Absent,
    One(String),
    /// A set: each class member in it (`Some(true)`), out of it, or not yet chosen.
    Set(Vec<(String, Option<bool>)>),
}

struct Key {
    /// As a policy writes it.
    name: String,
    lower: String,
    slot: Slot,
    multi: bool,
}

/// The pseudo-key of the resource, when only its shape is known.
const RESOURCE: &str = "resource";

struct Problem<'a> {
    request: &'a Request,
    stmts: Vec<Stmt<'a>>,
    has_resource_policy: bool,
    has_boundary: bool,
    /// The SCP levels' targets, root first (empty when SCPs are not evaluated).
    level_names: Vec<&'a str>,
    keys: Vec<Key>,
    /// The keys the search assigns, in order (every variable a key's conditions name
    /// comes before it).
    order: Vec<usize>,
    /// The resource's shape, when it is a key of the search (index `keys.len()`).
    resource_shape: Option<Pat>,
    /// Compiled patterns of the policy values that name no variable, by the value's
    /// address (the policies outlive the problem).
    compiled: RefCell<HashMap<(usize, usize, bool), Option<Pat>>>,
    /// The variables each key's conditions name (index `keys.len()`: the resource's).
    deps: Vec<BTreeSet<usize>>,
    /// The choices of the keys whose classes depend on no other key.
    choices_of: RefCell<HashMap<usize, Vec<Val>>>,
}

type Assign = Vec<Val>;

/// Evaluates `request` (a set of requests) under `set`.
pub fn evaluate(set: &PolicySet<'_>, request: &Request) -> Verdict {
    let problem = match Problem::new(set, request) {
        Ok(p) => p,
        Err(why) => return Verdict::undecided(why),
    };
    let start = problem.start();
    let mut nodes = 0;
    let allowed = match problem.search(&mut start.clone(), Decision::Allowed, &mut nodes) {
        Ok(w) => w,
        Err(why) => return Verdict::undecided(why),
    };
    let denied = match problem.search(&mut start.clone(), Decision::Denied, &mut nodes) {
        Ok(w) => w,
        Err(why) => return Verdict::undecided(why),
    };
    match (allowed, denied) {
        (Some(a), None) => problem.verdict(Decision::Allowed, &a, None),
        (None, Some(d)) => problem.verdict(Decision::Denied, &d, None),
        (Some(a), Some(d)) => problem.verdict(Decision::Depends, &a, Some(&d)),
        (None, None) => Verdict::undecided("no request of the question could be built".into()),
    }
}
