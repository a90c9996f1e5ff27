//! The problem of one request: the statements that take part (their principal and
//! action matched), the keys they test and their slots, the order the search chooses
//! keys in, and the assignment before the search (what is known).

#[allow(unused_imports)]
use super::*;

impl<'a> Problem<'a> {
    pub(super) fn new(set: &PolicySet<'a>, request: &'a Request) -> Result<Problem<'a>, String> {
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

    pub(super) fn index(&self, key: &str) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| k.lower.eq_ignore_ascii_case(key))
    }

    /// The key whose value a derived key's value comes from (itself otherwise).
    pub(super) fn source(&self, k: usize) -> usize {
        match &self.keys[k].slot {
            Slot::AccountOf(src) => self.index(src).unwrap_or(k),
            _ => k,
        }
    }

    pub(super) fn is_variable(&self, k: usize) -> bool {
        k == self.keys.len() || matches!(self.keys[k].slot, Slot::OneOf(_) | Slot::Free { .. })
    }

    /// The variables of the search in an order where each comes after every variable its
    /// conditions' values name.
    pub(super) fn order(&self) -> Result<Vec<usize>, String> {
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
    pub(super) fn deps(&self) -> Vec<BTreeSet<usize>> {
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

    pub(super) fn name(&self, k: usize) -> String {
        if k == self.keys.len() {
            RESOURCE.to_owned()
        } else {
            self.keys[k].name.clone()
        }
    }

    /// The assignment before the search: what is known is set.
    pub(super) fn start(&self) -> Assign {
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
}
