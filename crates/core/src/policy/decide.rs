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

impl<'a> Problem<'a> {
    fn new(set: &PolicySet<'a>, request: &'a Request) -> Result<Problem<'a>, String> {
        let mut stmts: Vec<Stmt<'a>> = vec![];
        let add = |named: &Named<'a>, group: Group, stmts: &mut Vec<Stmt<'a>>| {
            for s in &named.policy.statements {
                if !action_matches(s, &request.action) {
                    continue;
                }
                let principal = match &request.principal {
                    Principal::AnyAws => match any_aws_condition(s.principal.as_ref()) {
                        Ok(c) => c,
                        Err(()) => continue,
                    },
                    who => {
                        if !principal_matches(s.principal.as_ref(), who) {
                            continue;
                        }
                        None
                    }
                };
                stmts.push(Stmt {
                    s,
                    group,
                    name: named.name,
                    variables: named.policy.variables,
                    principal,
                });
            }
        };
        if let Some(r) = &set.resource {
            add(r, Group::Resource, &mut stmts);
        }
        for n in &set.identity {
            add(n, Group::Identity, &mut stmts);
        }
        if let Some(b) = &set.boundary {
            add(b, Group::Boundary, &mut stmts);
        }
        let mut level_names = vec![];
        for (i, level) in set.scps.iter().flatten().enumerate() {
            level_names.push(level.target);
            for n in &level.policies {
                add(n, Group::Scp(i), &mut stmts);
            }
        }
        // The keys: every condition's, every variable's, and a derived key's source.
        let mut names: Vec<String> = vec![];
        let mut used_as_set: BTreeSet<String> = BTreeSet::new();
        let push = |k: &str, names: &mut Vec<String>| {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(k)) {
                names.push(k.to_owned());
            }
        };
        for st in &stmts {
            for c in st.conditions() {
                push(&c.key, &mut names);
                if c.operator.set != SetPrefix::None {
                    used_as_set.insert(c.key.to_ascii_lowercase());
                }
                for v in &c.values {
                    for var in variables(v, st.variables) {
                        push(&var, &mut names);
                    }
                }
            }
            for r in st.s.resource.iter().flat_map(|r| &r.patterns) {
                for var in resource_variables(r, st.variables) {
                    push(&var, &mut names);
                }
            }
        }
        // The outsider's ARN and account are part of every witness.
        if request.principal == Principal::AnyAws {
            push("aws:PrincipalArn", &mut names);
            if matches!(
                request.context.slot("aws:principalaccount"),
                Slot::AccountOf(_)
            ) {
                push("aws:PrincipalAccount", &mut names);
            }
        }
        let mut i = 0;
        while i < names.len() {
            if let Slot::AccountOf(src) = request.context.slot(&names[i]) {
                let src = src.clone();
                push(&src, &mut names);
            }
            i += 1;
        }
        let keys: Vec<Key> = names
            .into_iter()
            .map(|name| {
                let lower = name.to_ascii_lowercase();
                Key {
                    slot: request.context.slot(&lower),
                    multi: multivalued(&lower, used_as_set.contains(&lower)),
                    name,
                    lower,
                }
            })
            .collect();
        let resource_shape = match &request.resource {
            Resource::Arn(_) => None,
            Resource::Within(shape) => Some(
                Pat::compile(shape, Reading::Arn, false, &|_| None)
                    .ok_or("the resource's shape is no ARN")?,
            ),
        };
        let mut problem = Problem {
            request,
            stmts,
            has_resource_policy: set.resource.is_some(),
            has_boundary: set.boundary.is_some(),
            level_names,
            keys,
            order: vec![],
            resource_shape,
            compiled: RefCell::new(HashMap::new()),
            deps: vec![],
            choices_of: RefCell::new(HashMap::new()),
        };
        problem.deps = problem.deps();
        problem.order = problem.order()?;
        Ok(problem)
    }

    fn index(&self, key: &str) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.lower.eq_ignore_ascii_case(key))
    }

    /// The key whose value a derived key's value comes from (itself otherwise).
    fn source(&self, k: usize) -> usize {
        match &self.keys[k].slot {
            Slot::AccountOf(src) => self.index(src).unwrap_or(k),
            _ => k,
        }
    }

    fn is_variable(&self, k: usize) -> bool {
        k == self.keys.len() || matches!(self.keys[k].slot, Slot::OneOf(_) | Slot::Free { .. })
    }

    /// The variables of the search in an order where each comes after every variable its
    /// conditions' values name.
    fn order(&self) -> Result<Vec<usize>, String> {
        let n = self.keys.len();
        let vars: Vec<usize> = (0..=n)
            .filter(|&k| (k < n || self.resource_shape.is_some()) && self.is_variable(k))
            .collect();
        let deps = &self.deps;
        let mut order = vec![];
        let mut left = vars.clone();
        while !left.is_empty() {
            let Some(pos) = left.iter().position(|&k| {
                deps[k]
                    .iter()
                    .all(|d| *d == k || order.contains(d) || !vars.contains(d))
            }) else {
                let names: Vec<String> = left.iter().map(|&k| self.name(k)).collect();
                return Err(format!(
                    "policy variables make the values of {} depend on each other",
                    names.join(", ")
                ));
            };
            order.push(left.remove(pos));
        }
        Ok(order)
    }

    /// deps[k]: the variables k's conditions (or, for the resource, its patterns) name.
    fn deps(&self) -> Vec<BTreeSet<usize>> {
        let n = self.keys.len();
        let mut deps: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n + 1];
        for st in &self.stmts {
            for c in st.conditions() {
                let Some(k) = self.index(&c.key) else {
                    continue;
                };
                let k = self.source(k);
                for v in &c.values {
                    for var in variables(v, st.variables) {
                        if let Some(d) = self.index(&var) {
                            deps[k].insert(self.source(d));
                        }
                    }
                }
            }
            for r in st.s.resource.iter().flat_map(|r| &r.patterns) {
                for var in resource_variables(r, st.variables) {
                    if let Some(d) = self.index(&var) {
                        deps[n].insert(self.source(d));
                    }
                }
            }
        }
        deps
    }

    fn name(&self, k: usize) -> String {
        if k == self.keys.len() {
            RESOURCE.to_owned()
        } else {
            self.keys[k].name.clone()
        }
    }

    /// The assignment before the search: what is known is set.
    fn start(&self) -> Assign {
        let mut a: Assign = self
            .keys
            .iter()
            .map(|k| match &k.slot {
                Slot::Known(v) if k.multi || v.len() != 1 => {
                    Val::Set(v.iter().map(|x| (x.clone(), Some(true))).collect())
                }
                Slot::Known(v) => Val::One(v[0].clone()),
                Slot::Absent => Val::Absent,
                _ => Val::Unset,
            })
            .collect();
        a.push(match &self.request.resource {
            Resource::Arn(arn) => Val::One(arn.clone()),
            Resource::Within(_) => Val::Unset,
        });
        a
    }

    /// A key's value in the assignment (a derived key's from its source).
    fn value(&self, a: &Assign, k: usize) -> Val {
        match &self.keys[k].slot {
            Slot::AccountOf(_) => match &a[self.source(k)] {
                Val::One(arn) => match arn.split(':').nth(4) {
                    Some(acct) if arn.splitn(6, ':').count() == 6 => Val::One(acct.to_owned()),
                    _ => Val::Absent,
                },
                Val::Unset => Val::Unset,
                _ => Val::Absent,
            },
            _ => a[k].clone(),
        }
    }

    /// A variable's value: `Err` while it is not chosen yet.
    fn resolve(&self, a: &Assign, key: &str) -> Result<Option<String>, ()> {
        let Some(k) = self.index(key) else {
            // A key the request was not asked about: what the context says of it.
            return match self.request.context.slot(key) {
                Slot::Known(v) => Ok(v.first().cloned()),
                Slot::Absent => Ok(None),
                _ => Err(()),
            };
        };
        match self.value(a, k) {
            Val::Unset => Err(()),
            Val::Absent => Ok(None),
            Val::One(v) => Ok(Some(v)),
            Val::Set(m) => {
                if m.iter().any(|(_, c)| c.is_none()) {
                    return Err(());
                }
                Ok(m.into_iter()
                    .find(|(_, c)| *c == Some(true))
                    .map(|(v, _)| v))
            }
        }
    }

    /// Are all of a value's variables chosen?
    fn resolvable(&self, a: &Assign, values: &[String], vars: bool) -> bool {
        values
            .iter()
            .flat_map(|v| variables(v, vars))
            .all(|k| self.resolve(a, &k).is_ok())
    }

    fn condition(&self, a: &Assign, st: &Stmt<'_>, c: &Condition) -> Tri {
        if !self.resolvable(a, &c.values, st.variables) {
            return Tri::U;
        }
        let resolve = |k: &str| self.resolve(a, k).ok().flatten();
        let Some(k) = self.index(&c.key) else {
            return Tri::U;
        };
        let one = |v: &str| self.satisfies(c, v, st.variables, &resolve);
        let seen = |absent, sat, fail| Seen {
            absent,
            some_satisfies: sat,
            some_fails: fail,
        };
        match self.value(a, k) {
            Val::Unset => Tri::U,
            Val::Absent => Tri::of(combine(c.operator, &c.values, seen(true, false, false))),
            Val::One(v) => {
                let s = one(&v);
                Tri::of(combine(c.operator, &c.values, seen(false, s, !s)))
            }
            Val::Set(members) => {
                let (mut sat, mut fail, mut sat_u, mut fail_u) = (false, false, false, false);
                for (v, inside) in &members {
                    let s = one(v);
                    match inside {
                        Some(true) if s => sat = true,
                        Some(true) => fail = true,
                        None if s => sat_u = true,
                        None => fail_u = true,
                        Some(false) => {}
                    }
                }
                let mut results = BTreeSet::new();
                for (add_sat, add_fail) in
                    [(false, false), (true, false), (false, true), (true, true)]
                {
                    if (add_sat && !sat_u) || (add_fail && !fail_u) {
                        continue;
                    }
                    results.insert(combine(
                        c.operator,
                        &c.values,
                        seen(false, sat || add_sat, fail || add_fail),
                    ));
                }
                match (results.contains(&true), results.contains(&false)) {
                    (true, false) => Tri::T,
                    (false, true) => Tri::F,
                    _ => Tri::U,
                }
            }
        }
    }

    /// [`satisfies`], with the patterns of values that name no variable compiled once.
    fn satisfies(
        &self,
        c: &Condition,
        v: &str,
        vars: bool,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> bool {
        let Some(r) = reading(c.operator.family) else {
            return satisfies(c.operator, &c.values, v, vars, resolve);
        };
        let mut cache = self.compiled.borrow_mut();
        let matched = c.values.iter().any(|p| {
            let key = (p.as_ptr() as usize, p.len(), vars);
            if let Some(pat) = cache.get(&key) {
                return pat.as_ref().is_some_and(|pat| pat.matches(v));
            }
            let pat = Pat::compile(p, r, vars, resolve);
            let m = pat.as_ref().is_some_and(|pat| pat.matches(v));
            if variables(p, vars).is_empty() {
                cache.insert(key, pat);
            }
            m
        });
        matched != c.operator.negated
    }

    fn resource_matches(&self, a: &Assign, st: &Stmt<'_>) -> Tri {
        let Some(r) = &st.s.resource else {
            return Tri::T;
        };
        let Val::One(resource) = &a[self.keys.len()] else {
            return Tri::U;
        };
        let mut any = false;
        for p in &r.patterns {
            let vars = resource_variables(p, st.variables);
            if vars.iter().any(|k| self.resolve(a, k).is_err()) {
                return Tri::U;
            }
            if resource_pattern(p, st.variables, &|k| self.resolve(a, k).ok().flatten())
                .is_some_and(|pat| pat.matches(resource))
            {
                any = true;
            }
        }
        Tri::of(any != r.not)
    }

    fn applies(&self, a: &Assign, st: &Stmt<'_>) -> Tri {
        let mut t = self.resource_matches(a, st);
        for c in st.conditions() {
            if t == Tri::F {
                return t;
            }
            t = t.and(self.condition(a, st, c));
        }
        t
    }

    /// The decision where it is settled by the assignment so far.
    fn decide(&self, a: &Assign) -> Option<Decision> {
        let mut deny = Tri::F;
        let mut resource = Tri::F;
        let mut identity = Tri::F;
        let mut boundary = Tri::F;
        let mut levels = vec![Tri::F; self.level_names.len()];
        for st in &self.stmts {
            let t = self.applies(a, st);
            if t == Tri::F {
                continue;
            }
            match st.s.effect {
                Effect::Deny => {
                    if t == Tri::T {
                        return Some(Decision::Denied);
                    }
                    deny = Tri::U;
                }
                Effect::Allow => {
                    let slot = match st.group {
                        Group::Resource => &mut resource,
                        Group::Identity => &mut identity,
                        Group::Boundary => &mut boundary,
                        Group::Scp(i) => &mut levels[i],
                    };
                    *slot = slot.or(t);
                }
            }
        }
        let allowed = if self.has_resource_policy {
            resource
        } else {
            let mut t = identity;
            if self.has_boundary {
                t = t.and(boundary);
            }
            levels.into_iter().fold(t, Tri::and)
        };
        match (deny, allowed) {
            (_, Tri::F) => Some(Decision::Denied),
            (Tri::F, Tri::T) => Some(Decision::Allowed),
            _ => None,
        }
    }

    /// A request deciding `target` that extends `a`, if there is one.
    fn search(
        &self,
        a: &mut Assign,
        target: Decision,
        nodes: &mut usize,
    ) -> Result<Option<Assign>, String> {
        *nodes += 1;
        if *nodes > MAX_NODES {
            return Err(format!(
                "the search passed {MAX_NODES} steps (keys {})",
                self.order
                    .iter()
                    .map(|&k| self.name(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(d) = self.decide(a) {
            if d != target {
                return Ok(None);
            }
            let mut full = a.clone();
            self.complete(&mut full)?;
            if self.decide(&full) != Some(target) {
                return Err("a witness did not hold as a whole request".into());
            }
            return Ok(Some(full));
        }
        let Some((k, choices)) = self.next(a)? else {
            return Err("a request with every key chosen is still not decided".into());
        };
        let before = a[k].clone();
        for choice in choices {
            a[k] = choice;
            if let Some(w) = self.search(a, target, nodes)? {
                a[k] = before;
                return Ok(Some(w));
            }
        }
        a[k] = before;
        Ok(None)
    }

    /// Every key not yet chosen takes its first choice.
    fn complete(&self, a: &mut Assign) -> Result<(), String> {
        while let Some((k, choices)) = self.next(a)? {
            a[k] = choices
                .into_iter()
                .next()
                .ok_or_else(|| format!("{} has no value", self.name(k)))?;
        }
        Ok(())
    }

    /// The next key to choose and its choices (a set's next member: in, then out).
    fn next(&self, a: &Assign) -> Result<Option<(usize, Vec<Val>)>, String> {
        for &k in &self.order {
            match &a[k] {
                Val::Unset => return Ok(Some((k, self.choices(a, k)?))),
                Val::Set(m) => {
                    if let Some(i) = m.iter().position(|(_, c)| c.is_none()) {
                        let with = |inside| {
                            let mut m = m.clone();
                            m[i].1 = Some(inside);
                            Val::Set(m)
                        };
                        return Ok(Some((k, vec![with(true), with(false)])));
                    }
                }
                _ => {}
            }
        }
        Ok(None)
    }

    /// The values worth trying for key `k`: absent where it may be, and a member of each
    /// class its conditions tell apart.
    fn choices(&self, a: &Assign, k: usize) -> Result<Vec<Val>, String> {
        // A key whose conditions name no variable has the same classes whatever else is
        // chosen.
        let fixed = self.deps[k].is_empty();
        if fixed && let Some(c) = self.choices_of.borrow().get(&k) {
            return Ok(c.clone());
        }
        let c = self.choices_now(a, k)?;
        if fixed {
            self.choices_of.borrow_mut().insert(k, c.clone());
        }
        Ok(c)
    }

    fn choices_now(&self, a: &Assign, k: usize) -> Result<Vec<Val>, String> {
        if k == self.keys.len() {
            let shape = Shape {
                pat: self.resource_shape.clone().ok_or("no resource shape")?,
                matches: true,
                prefer: false,
            };
            let mut atoms = vec![];
            for st in &self.stmts {
                for p in st.s.resource.iter().flat_map(|r| &r.patterns) {
                    if let Some(pat) = resource_pattern(p, st.variables, &|key| {
                        self.resolve(a, key).ok().flatten()
                    }) {
                        atoms.push(Atom::Str(pat));
                    }
                }
            }
            let members =
                classes::members(&atoms, &[shape]).map_err(|e| format!("resource: {e}"))?;
            return Ok(members.into_iter().map(Val::One).collect());
        }
        let key = &self.keys[k];
        let (absent, shapes) = match &key.slot {
            Slot::OneOf(choices) => {
                return Ok(choices
                    .iter()
                    .map(|c| match c {
                        None => Val::Absent,
                        Some(v) if key.multi || v.len() != 1 => {
                            Val::Set(v.iter().map(|x| (x.clone(), Some(true))).collect())
                        }
                        Some(v) => Val::One(v[0].clone()),
                    })
                    .collect());
            }
            Slot::Free { absent, shapes } => (*absent, shapes),
            _ => return Err(format!("{} is not a key to choose", key.name)),
        };
        let atoms = self.atoms(a, k)?;
        let members = classes::members(&atoms, shapes).map_err(|e| format!("{}: {e}", key.name))?;
        let mut out = vec![];
        if key.multi {
            out.push(Val::Set(members.into_iter().map(|m| (m, None)).collect()));
        } else {
            out.extend(members.into_iter().map(Val::One));
        }
        if absent {
            out.push(Val::Absent);
        }
        Ok(out)
    }

    /// What the conditions on key `k` (and on keys derived from it) compare it with.
    fn atoms(&self, a: &Assign, k: usize) -> Result<Vec<Atom>, String> {
        let resolve = |key: &str| self.resolve(a, key).ok().flatten();
        let mut atoms = vec![];
        for st in &self.stmts {
            for c in st.conditions() {
                let Some(ck) = self.index(&c.key) else {
                    continue;
                };
                if self.source(ck) != k || c.operator.family == Family::Null {
                    continue;
                }
                let derived = ck != k;
                for v in &c.values {
                    let names = variables(v, st.variables);
                    let own = names
                        .iter()
                        .any(|n| self.index(n).map(|i| self.source(i)) == Some(k));
                    if own {
                        // `${key}` compared with the key itself holds for every value
                        // (an ARN's pattern aside): no class to split.
                        let bare = v.trim().starts_with("${") && v.trim().ends_with('}');
                        if bare
                            && names.len() == 1
                            && !derived
                            && reading(c.operator.family) != Some(Reading::Arn)
                        {
                            continue;
                        }
                        return Err(format!(
                            "{} is compared with a pattern made of its own value",
                            c.key
                        ));
                    }
                    if names.iter().any(|n| self.resolve(a, n).is_err()) {
                        return Err(format!(
                            "{}: a variable in its condition is not chosen first",
                            self.keys[k].name
                        ));
                    }
                    if let Some(r) = reading(c.operator.family) {
                        if let Some(p) = Pat::compile(v, r, st.variables, &resolve) {
                            atoms.push(Atom::Str(if derived { p.as_account_of_arn() } else { p }));
                        }
                    } else if derived {
                        return Err(format!(
                            "{} is compared as a number, date or address",
                            c.key
                        ));
                    } else if let Some(date) = ordered(c.operator.family) {
                        if let Some(at) = classes::ordered_value(v, date) {
                            atoms.push(Atom::Ordered { at, date });
                        }
                    } else if c.operator.family == Family::IpAddress {
                        atoms.push(Atom::Ip(v.clone()));
                    }
                }
            }
        }
        atoms.extend(self.related_atoms(k));
        Ok(atoms)
    }

    /// What `k`'s value must be told apart by because another key `d` is compared with a
    /// pattern made of it (`"d": "${k}"`): `d` is chosen after `k`, within what `d` may
    /// hold, so `k`'s classes must know what that is: the values `d` is one of, the shapes
    /// it must meet, and the literal patterns `d` is compared with elsewhere. Without them
    /// a member of `k` could be a value `d` can never equal, and a relation that holds for
    /// some request would never be tried.
    fn related_atoms(&self, k: usize) -> Vec<Atom> {
        let mut atoms = vec![];
        let no_variables = |_: &str| None;
        for (d, key) in self.keys.iter().enumerate() {
            if d == k || !self.deps[d].contains(&k) {
                continue;
            }
            match &key.slot {
                Slot::OneOf(choices) => {
                    for v in choices.iter().flatten().flatten() {
                        atoms.push(Atom::Str(Pat::literal(v, false)));
                    }
                }
                Slot::Known(values) => {
                    for v in values {
                        atoms.push(Atom::Str(Pat::literal(v, false)));
                    }
                }
                Slot::Free { shapes, .. } => {
                    for s in shapes.iter().filter(|s| !s.prefer) {
                        atoms.push(Atom::Str(s.pat.clone()));
                    }
                }
                _ => {}
            }
            for st in &self.stmts {
                for c in st.conditions() {
                    if self.index(&c.key) != Some(d) {
                        continue;
                    }
                    let Some(r) = reading(c.operator.family) else {
                        continue;
                    };
                    for v in c
                        .values
                        .iter()
                        .filter(|v| variables(v, st.variables).is_empty())
                    {
                        if let Some(p) = Pat::compile(v, r, st.variables, &no_variables) {
                            atoms.push(Atom::Str(p));
                        }
                    }
                }
            }
        }
        atoms
    }

    fn witness(&self, a: &Assign) -> Witness {
        let principal = match &self.request.principal {
            Principal::Service(names) => names.first().cloned().unwrap_or_default(),
            Principal::Aws(arn) => arn.clone(),
            Principal::Federated(f) => f.clone(),
            Principal::AnyAws => self
                .resolve(a, "aws:principalarn")
                .ok()
                .flatten()
                .unwrap_or_default(),
        };
        let resource = match &a[self.keys.len()] {
            Val::One(r) => r.clone(),
            _ => String::new(),
        };
        let context = (0..self.keys.len())
            .map(|k| {
                let v = match self.value(a, k) {
                    Val::One(v) => Some(vec![v]),
                    Val::Set(m) => Some(
                        m.into_iter()
                            .filter(|(_, c)| *c == Some(true))
                            .map(|(v, _)| v)
                            .collect(),
                    ),
                    _ => None,
                };
                (self.keys[k].name.clone(), v)
            })
            .collect();
        Witness {
            principal,
            action: self.request.action.clone(),
            resource,
            context,
        }
    }

    /// The statements that apply to a whole request, by effect, and what lacks an Allow.
    fn outcome(&self, a: &Assign) -> (Vec<String>, Vec<String>, Vec<String>) {
        let (mut allows, mut denies) = (vec![], vec![]);
        let group_allows = |g: Group| {
            self.stmts.iter().any(|st| {
                st.group == g && st.s.effect == Effect::Allow && self.applies(a, st) == Tri::T
            })
        };
        let mut missing = vec![];
        if self.has_resource_policy {
            if !group_allows(Group::Resource) {
                missing.push("no statement of the trust policy allows it".to_owned());
            }
        } else {
            if !group_allows(Group::Identity) {
                missing.push("no identity policy of the role allows it".to_owned());
            }
            if self.has_boundary && !group_allows(Group::Boundary) {
                missing.push("the permissions boundary does not allow it".to_owned());
            }
            for (i, name) in self.level_names.iter().enumerate() {
                if !group_allows(Group::Scp(i)) {
                    missing.push(format!("no SCP attached to {name} allows it"));
                }
            }
        }
        for st in &self.stmts {
            if self.applies(a, st) == Tri::T {
                match st.s.effect {
                    Effect::Allow => allows.push(st.label()),
                    Effect::Deny => denies.push(st.label()),
                }
            }
        }
        (allows, denies, missing)
    }

    fn verdict(&self, decision: Decision, w: &Assign, counter: Option<&Assign>) -> Verdict {
        let (allows, denies, missing) = self.outcome(w);
        let mut verdict = Verdict {
            decision,
            statements: vec![],
            missing: vec![],
            keys: vec![],
            witness: Some(self.witness(w)),
            counter: counter.map(|c| self.witness(c)),
            undecided: None,
        };
        match decision {
            Decision::Allowed => verdict.statements = allows,
            Decision::Denied => {
                if denies.is_empty() {
                    verdict.missing = missing;
                }
                verdict.statements = denies;
            }
            _ => {
                let c = counter.expect("Depends has a counter-example");
                let applied = |a: &Assign| -> BTreeSet<String> {
                    self.stmts
                        .iter()
                        .filter(|st| self.applies(a, st) == Tri::T)
                        .map(Stmt::label)
                        .collect()
                };
                let (x, y) = (applied(w), applied(c));
                verdict.statements = x.symmetric_difference(&y).cloned().collect();
                // The keys whose value, taken alone from the denied request, changes it.
                let mut keys = vec![];
                let mut differ = vec![];
                for &k in &self.order {
                    if w[k] == c[k] {
                        continue;
                    }
                    differ.push(self.name(k));
                    let mut swapped = w.clone();
                    swapped[k] = c[k].clone();
                    if self.decide(&swapped) == Some(Decision::Denied) {
                        keys.push(self.name(k));
                    }
                }
                verdict.keys = if keys.is_empty() { differ } else { keys };
            }
        }
        verdict
    }
}

/// The variables a `Resource` pattern names: only after the ARN's fifth colon (IAM guide,
/// "Variables and tags": a variable may stand in the resource part of an ARN).
fn resource_variables(pattern: &str, enabled: bool) -> Vec<String> {
    let Some(resource) = pattern.splitn(6, ':').nth(5) else {
        return vec![];
    };
    variables(resource, enabled)
}

/// A `Resource` pattern (`*` and `?` across the whole ARN), its variables resolved.
fn resource_pattern(
    pattern: &str,
    enabled: bool,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Option<Pat> {
    let parts: Vec<&str> = pattern.splitn(6, ':').collect();
    if parts.len() < 6 || !enabled {
        return Pat::compile(pattern, Reading::Like, false, resolve);
    }
    let head = parts[..5].join(":") + ":";
    let head = Pat::compile(&head, Reading::Like, false, resolve)?;
    let tail = Pat::compile(parts[5], Reading::Like, true, resolve)?;
    Some(Pat {
        toks: head.toks.into_iter().chain(tail.toks).collect(),
        ci: false,
        never: false,
    })
}

fn action_matches(s: &Statement, action: &str) -> bool {
    let any = s.action.patterns.iter().any(|p| wildcard(p, action, true));
    any != s.action.not
}

/// A statement's principal for a request by any AWS principal: `Ok(None)` when it names
/// every AWS principal, `Ok(Some(c))` a condition on `aws:PrincipalArn` that holds where it
/// names the request's, `Err(())` when it can name none.
fn any_aws_condition(spec: Option<&PrincipalSpec>) -> Result<Option<Condition>, ()> {
    let Some(spec) = spec else { return Ok(None) };
    let mut values = vec![];
    match &spec.who {
        Principals::Everyone => return if spec.not { Err(()) } else { Ok(None) },
        Principals::Listed(list) => {
            for (kind, value) in list {
                if kind != "AWS" {
                    continue;
                }
                if value == "*" {
                    return if spec.not { Err(()) } else { Ok(None) };
                }
                if value.len() == 12 && value.chars().all(|c| c.is_ascii_digit()) {
                    values.push(format!("arn:*:iam::{value}:*"));
                } else if let Some(account) = value
                    .strip_suffix(":root")
                    .and_then(|v| v.rsplit(':').next())
                {
                    values.push(format!("arn:*:iam::{account}:*"));
                } else {
                    values.push(value.replace(['*', '?'], ""));
                }
            }
        }
    }
    if values.is_empty() {
        return if spec.not { Ok(None) } else { Err(()) };
    }
    Ok(Some(Condition {
        written: if spec.not { "ArnNotLike" } else { "ArnLike" }.to_owned(),
        operator: Operator {
            family: Family::ArnLike,
            negated: spec.not,
            if_exists: false,
            set: SetPrefix::None,
        },
        key: "aws:PrincipalArn".to_owned(),
        values,
    }))
}

fn principal_matches(spec: Option<&PrincipalSpec>, who: &Principal) -> bool {
    let Some(spec) = spec else { return true };
    let listed = match &spec.who {
        Principals::Everyone => true,
        // `{"AWS": "*"}` is the same as `"*"` (IAM's Principal element page).
        Principals::Listed(list) => list.iter().any(|(kind, value)| match who {
            _ if kind == "AWS" && value == "*" => true,
            Principal::Service(names) => {
                kind == "Service" && names.iter().any(|s| value.eq_ignore_ascii_case(s))
            }
            Principal::Aws(arn) => kind == "AWS" && aws_principal_matches(value, arn),
            Principal::Federated(f) => kind == "Federated" && value == f,
            Principal::AnyAws => false,
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
