//! A statement under a partial assignment, three-valued (holds, fails, not yet known):
//! keys' values and policy variables resolved, each condition, the resource, and the
//! decision where the assignment settles it.

#[allow(unused_imports)]
use super::*;

impl<'a> Problem<'a> {
    /// A key's value in the assignment (a derived key's from its source).
    pub(super) fn value(&self, a: &Assign, k: usize) -> Val {
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
    pub(super) fn resolve(&self, a: &Assign, key: &str) -> Result<Option<String>, ()> {
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
    pub(super) fn resolvable(&self, a: &Assign, values: &[String], vars: bool) -> bool {
        values
            .iter()
            .flat_map(|v| variables(v, vars))
            .all(|k| self.resolve(a, &k).is_ok())
    }

    pub(super) fn condition(&self, a: &Assign, st: &Stmt<'_>, c: &Condition) -> Tri {
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
    pub(super) fn satisfies(
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

    pub(super) fn resource_matches(&self, a: &Assign, st: &Stmt<'_>) -> Tri {
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

    pub(super) fn applies(&self, a: &Assign, st: &Stmt<'_>) -> Tri {
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
    pub(super) fn decide(&self, a: &Assign) -> Option<Decision> {
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
}
