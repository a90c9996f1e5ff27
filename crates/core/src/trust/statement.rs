//! One trust-policy statement, read into a uniform shape: who it names, which actions, under
//! which condition; and what it says about EC2 and about everyone.

use serde_json::{Map, Value};

use super::{LIMITING_CONDITION_KEYS, TrustPolicyError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Effect {
    Allow,
    Deny,
}

/// One statement, with the fields that matter read into a uniform shape.
pub(super) struct Statement {
    /// 0-based position in the document.
    index: usize,
    sid: Option<String>,
    pub(super) effect: Effect,
    /// `None`: `"Principal": "*"` (everyone). Otherwise (kind, value) pairs.
    principals: Option<Vec<(String, String)>>,
    /// The statement uses `NotPrincipal`: it lets in everyone but those listed.
    not_principal: bool,
    /// Lower-cased, for matching.
    actions: Vec<String>,
    /// As written, for messages.
    written_actions: Vec<String>,
    not_action: bool,
    pub(super) conditional: bool,
    /// The condition names a key that limits who may use the statement.
    pub(super) limited: bool,
}

const ASSUME_ROLE: &str = "sts:assumerole";

impl Statement {
    pub(super) fn read(s: &Map<String, Value>, index: usize) -> Result<Self, TrustPolicyError> {
        let effect = match s.get("Effect").and_then(Value::as_str) {
            Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
            Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
            other => {
                return Err(TrustPolicyError(format!(
                    "Effect must be Allow or Deny, found {}",
                    other.map_or("nothing".to_owned(), |e| format!("{e:?}"))
                )));
            }
        };
        let (principal, not_principal) = match (s.get("Principal"), s.get("NotPrincipal")) {
            (Some(p), _) => (Some(p), false),
            (None, Some(p)) => (Some(p), true),
            (None, None) => (None, false),
        };
        let principals = match principal {
            None => Some(vec![]),
            Some(Value::String(star)) if star == "*" => None,
            Some(Value::Object(kinds)) => {
                let mut out = vec![];
                let mut everyone = false;
                for (kind, values) in kinds {
                    for v in strings(values, "Principal")? {
                        if kind == "AWS" && v == "*" {
                            everyone = true;
                        }
                        out.push((kind.clone(), v.to_owned()));
                    }
                }
                if everyone { None } else { Some(out) }
            }
            Some(other) => {
                return Err(TrustPolicyError(format!(
                    "Principal must be \"*\" or an object, found {other}"
                )));
            }
        };
        let (actions, not_action) = match (s.get("Action"), s.get("NotAction")) {
            (Some(a), _) => (strings(a, "Action")?, false),
            (None, Some(a)) => (strings(a, "NotAction")?, true),
            (None, None) => (vec![], false),
        };
        let conditional = match s.get("Condition") {
            None | Some(Value::Null) => false,
            Some(Value::Object(c)) => !c.is_empty(),
            Some(_) => true,
        };
        let limited = s
            .get("Condition")
            .and_then(Value::as_object)
            .is_some_and(|operators| {
                operators.iter().any(|(operator, keys)| {
                    let op = operator.to_ascii_lowercase();
                    !op.ends_with("ifexists")
                        && op != "null"
                        && keys.as_object().is_some_and(|k| {
                            k.keys().any(|key| {
                                LIMITING_CONDITION_KEYS.contains(&key.to_ascii_lowercase().as_str())
                            })
                        })
                })
            });
        let sid = s
            .get("Sid")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        Ok(Statement {
            index,
            sid,
            effect,
            principals,
            not_principal,
            written_actions: actions.iter().map(|a| (*a).to_owned()).collect(),
            actions: actions.into_iter().map(str::to_ascii_lowercase).collect(),
            not_action,
            conditional,
            limited,
        })
    }

    /// `statement #2 ("NoEc2"): Deny sts:AssumeRole to Service:ec2.amazonaws.com`.
    pub(super) fn describe(&self) -> String {
        let name = match &self.sid {
            Some(sid) => format!("statement #{} ({sid:?})", self.index + 1),
            None => format!("statement #{}", self.index + 1),
        };
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        let actions = format!(
            "{}{}",
            if self.not_action { "all but " } else { "" },
            self.written_actions.join(",")
        );
        let who = match (&self.principals, self.not_principal) {
            (None, _) => "*".to_owned(),
            (Some(list), not) => format!(
                "{}{}",
                if not { "all but " } else { "" },
                list.iter()
                    .map(|(k, v)| format!("{k}:{v}"))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        };
        let condition = if self.conditional {
            " under a Condition"
        } else {
            ""
        };
        format!("{name}: {effect} {actions} to {who}{condition}")
    }

    /// Everyone: `"*"`, `{"AWS": "*"}`, or everyone but some (`NotPrincipal`).
    pub(super) fn lets_in_everyone(&self) -> bool {
        self.principals.is_none() || self.not_principal
    }

    /// The statement ecsrole writes, in any spelling: an unconditional Allow of
    /// sts:AssumeRole to the EC2 principal and nobody else.
    pub(super) fn is_canonical(&self, service: &[&str]) -> bool {
        self.effect == Effect::Allow
            && !self.conditional
            && !self.not_principal
            && self.grants_assume_role()
            && self.principals.as_ref().is_some_and(|list| {
                !list.is_empty()
                    && list.iter().all(|(kind, value)| {
                        kind == "Service" && service.iter().any(|p| value.eq_ignore_ascii_case(p))
                    })
            })
    }

    /// Does this statement's principal cover the service (one of its accepted names)?
    pub(super) fn matches_service(&self, service: &[&str]) -> bool {
        let listed = match &self.principals {
            None => return !self.not_principal,
            Some(list) => list.iter().any(|(kind, value)| {
                kind == "Service" && service.iter().any(|p| value.eq_ignore_ascii_case(p))
            }),
        };
        // NotPrincipal: everyone except those listed.
        listed != self.not_principal
    }

    pub(super) fn grants_assume_role(&self) -> bool {
        let matched = self.actions.iter().any(|a| wildcard_match(a, ASSUME_ROLE));
        matched != self.not_action
    }

    /// The principals besides EC2 that this (Allow) statement admits.
    pub(super) fn other_principals(&self, service: &[&str]) -> Vec<String> {
        if self.not_principal {
            return vec!["NotPrincipal:everyone else".into()];
        }
        match &self.principals {
            None => vec!["*".into()],
            Some(list) => list
                .iter()
                .filter(|(kind, value)| {
                    !(kind == "Service" && service.iter().any(|p| value.eq_ignore_ascii_case(p)))
                })
                .map(|(kind, value)| format!("{kind}:{value}"))
                .collect(),
        }
    }
}

fn strings<'a>(v: &'a Value, field: &str) -> Result<Vec<&'a str>, TrustPolicyError> {
    match v {
        Value::String(s) => Ok(vec![s]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .ok_or_else(|| TrustPolicyError(format!("{field} entries must be strings")))
            })
            .collect(),
        _ => Err(TrustPolicyError(format!(
            "{field} must be a string or an array of strings"
        ))),
    }
}

/// IAM action matching: case-insensitive (both sides lower-cased), `*` and `?` wildcards.
pub(super) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}
