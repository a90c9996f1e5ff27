//! A request the search found, as the verdict shows it: the witness, which statements
//! decided it, and the keys that decide a `Depends`.

#[allow(unused_imports)]
use super::*;

impl<'a> Problem<'a> {
    pub(super) fn witness(&self, a: &Assign) -> Witness {
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
    pub(super) fn outcome(&self, a: &Assign) -> (Vec<String>, Vec<String>, Vec<String>) {
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

    pub(super) fn verdict(
        &self,
        decision: Decision,
        w: &Assign,
        counter: Option<&Assign>,
    ) -> Verdict {
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
