//! The search: one key at a time over the classes of its values (`classes.rs`), each
//! branch stopped as soon as its answer is settled, bounded by [`super::MAX_NODES`].

#[allow(unused_imports)]
use super::*;

impl<'a> Problem<'a> {
    /// A request deciding `target` that extends `a`, if there is one.
    pub(super) fn search(
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
    pub(super) fn complete(&self, a: &mut Assign) -> Result<(), String> {
        while let Some((k, choices)) = self.next(a)? {
            a[k] = choices
                .into_iter()
                .next()
                .ok_or_else(|| format!("{} has no value", self.name(k)))?;
        }
        Ok(())
    }

    /// The next key to choose and its choices (a set's next member: in, then out).
    pub(super) fn next(&self, a: &Assign) -> Result<Option<(usize, Vec<Val>)>, String> {
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
    pub(super) fn choices(&self, a: &Assign, k: usize) -> Result<Vec<Val>, String> {
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

    pub(super) fn choices_now(&self, a: &Assign, k: usize) -> Result<Vec<Val>, String> {
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
    pub(super) fn atoms(&self, a: &Assign, k: usize) -> Result<Vec<Atom>, String> {
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
    pub(super) fn related_atoms(&self, k: usize) -> Vec<Atom> {
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
}
