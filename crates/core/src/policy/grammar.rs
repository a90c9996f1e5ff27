//! The policy grammar: a JSON document read into statements. Every form IAM accepts:
//! `Statement` as an object or an array; `Principal`/`NotPrincipal` as `"*"` or an object
//! of kinds (`AWS`, `Service`, `Federated`, `CanonicalUser`) with a string or an array;
//! `Action`/`NotAction` and `Resource`/`NotResource` as a string or an array; `Condition`
//! as operators over keys over a value or an array of values (strings, numbers, booleans).

use serde_json::{Map, Value};

use super::condition::Operator;

/// A document that is not a policy.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub(crate) String);

fn bad(msg: impl Into<String>) -> PolicyError {
    PolicyError(msg.into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// Who a statement names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"*"`: everyone.
    Everyone,
    /// (kind, value) pairs, such as `("Service", "ec2.amazonaws.com")`; `("AWS", "*")`
    /// is every AWS principal.
    Listed(Vec<(String, String)>),
}

/// `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrincipalSpec {
    pub not: bool,
    pub who: Principals,
}

/// `Action`/`NotAction` or `Resource`/`NotResource`: patterns with `*` and `?`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patterns {
    pub not: bool,
    pub patterns: Vec<String>,
}

/// One condition: an operator over one key and its values (the values are OR, or AND
/// for negated operators; several conditions in a statement are AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// The operator as written, for messages.
    pub written: String,
    pub operator: Operator,
    /// The key as written.
    pub key: String,
    pub values: Vec<String>,
}

impl Condition {
    /// `StringNotEquals aws:SourceAccount 111122223333`.
    pub fn describe(&self) -> String {
        format!("{} {} {}", self.written, self.key, self.values.join(","))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 0-based position in the document.
    pub index: usize,
    pub sid: Option<String>,
    pub effect: Effect,
    /// `None`: the statement names no principal (identity policies, SCPs, boundaries).
    pub principal: Option<PrincipalSpec>,
    pub action: Patterns,
    /// `None`: no `Resource` (trust policies).
    pub resource: Option<Patterns>,
    pub conditions: Vec<Condition>,
}

impl Statement {
    /// `statement #2 ("NoEc2")`.
    pub fn label(&self) -> String {
        match &self.sid {
            Some(sid) => format!("statement #{} ({sid:?})", self.index + 1),
            None => format!("statement #{}", self.index + 1),
        }
    }

    /// `statement #2 ("NoEc2"): Deny sts:AssumeRole to Service:ec2.amazonaws.com if
    /// StringEquals aws:SourceAccount 111122223333`.
    pub fn describe(&self) -> String {
        let effect = match self.effect {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        };
        let actions = format!(
            "{}{}",
            if self.action.not { "all but " } else { "" },
            self.action.patterns.join(",")
        );
        let who = match &self.principal {
            None => String::new(),
            Some(p) => {
                let list = match &p.who {
                    Principals::Everyone => "*".to_owned(),
                    Principals::Listed(l) => l
                        .iter()
                        .map(|(k, v)| format!("{k}:{v}"))
                        .collect::<Vec<_>>()
                        .join(","),
                };
                format!(" to {}{list}", if p.not { "all but " } else { "" })
            }
        };
        let condition = if self.conditions.is_empty() {
            String::new()
        } else {
            format!(
                " if {}",
                self.conditions
                    .iter()
                    .map(Condition::describe)
                    .collect::<Vec<_>>()
                    .join(" and ")
            )
        };
        format!("{}: {effect} {actions}{who}{condition}", self.label())
    }

    /// Does the statement let in everyone: `"*"`, `{"AWS": "*"}`, or `NotPrincipal`?
    pub fn names_everyone(&self) -> bool {
        match &self.principal {
            Some(PrincipalSpec { not: true, .. }) => true,
            Some(PrincipalSpec {
                who: Principals::Everyone,
                ..
            }) => true,
            Some(PrincipalSpec {
                who: Principals::Listed(l),
                ..
            }) => l.iter().any(|(k, v)| k == "AWS" && v == "*"),
            None => false,
        }
    }
}

/// IAM returns policy documents URL-encoded (RFC 3986); some emulators return raw JSON.
/// Raw JSON starts with `{`, an encoded document with `%7B`.
pub fn decode_document(raw: &str) -> std::borrow::Cow<'_, str> {
    if raw.trim_start().starts_with('{') {
        std::borrow::Cow::Borrowed(raw)
    } else {
        percent_encoding::percent_decode_str(raw).decode_utf8_lossy()
    }
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub statements: Vec<Statement>,
    /// Policy variables are read (`"Version": "2012-10-17"`); under `2008-10-17`, or no
    /// Version, `${...}` is literal text (IAM guide, the `Version` element).
    pub variables: bool,
}

impl Policy {
    /// Reads a (possibly URL-encoded) policy document.
    pub fn parse(document: &str) -> Result<Policy, PolicyError> {
        let text = decode_document(document);
        let doc: Value = serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
        let Value::Object(doc) = doc else {
            return Err(bad("not a JSON object"));
        };
        let statements: Vec<&Map<String, Value>> = match doc.get("Statement") {
            None => vec![],
            Some(Value::Object(s)) => vec![s],
            Some(Value::Array(items)) => items
                .iter()
                .map(|s| {
                    s.as_object()
                        .ok_or_else(|| bad("a Statement entry is not an object"))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(bad("Statement is neither an object nor an array")),
        };
        let statements = statements
            .into_iter()
            .enumerate()
            .map(|(i, s)| statement(s, i))
            .collect::<Result<_, _>>()?;
        let variables = doc.get("Version").and_then(Value::as_str) == Some("2012-10-17");
        Ok(Policy {
            statements,
            variables,
        })
    }
}

fn statement(s: &Map<String, Value>, index: usize) -> Result<Statement, PolicyError> {
    let at = |msg: String| bad(format!("statement #{}: {msg}", index + 1));
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some(e) if e.eq_ignore_ascii_case("allow") => Effect::Allow,
        Some(e) if e.eq_ignore_ascii_case("deny") => Effect::Deny,
        other => {
            return Err(at(format!(
                "Effect must be Allow or Deny, found {}",
                other.map_or("nothing".to_owned(), |e| format!("{e:?}"))
            )));
        }
    };
    let principal = match (s.get("Principal"), s.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err(at("both Principal and NotPrincipal".into())),
        (Some(p), None) => Some(principal_spec(p, false).map_err(at)?),
        (None, Some(p)) => Some(principal_spec(p, true).map_err(at)?),
        (None, None) => None,
    };
    let action = match (s.get("Action"), s.get("NotAction")) {
        (Some(_), Some(_)) => return Err(at("both Action and NotAction".into())),
        (Some(a), None) => patterns(a, false, "Action").map_err(at)?,
        (None, Some(a)) => patterns(a, true, "NotAction").map_err(at)?,
        (None, None) => return Err(at("no Action or NotAction".into())),
    };
    let resource = match (s.get("Resource"), s.get("NotResource")) {
        (Some(_), Some(_)) => return Err(at("both Resource and NotResource".into())),
        (Some(r), None) => Some(patterns(r, false, "Resource").map_err(at)?),
        (None, Some(r)) => Some(patterns(r, true, "NotResource").map_err(at)?),
        (None, None) => None,
    };
    let conditions = match s.get("Condition") {
        None | Some(Value::Null) => vec![],
        Some(Value::Object(ops)) => conditions(ops).map_err(at)?,
        Some(_) => return Err(at("Condition must be an object".into())),
    };
    let sid = s
        .get("Sid")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    Ok(Statement {
        index,
        sid,
        effect,
        principal,
        action,
        resource,
        conditions,
    })
}

fn principal_spec(v: &Value, not: bool) -> Result<PrincipalSpec, String> {
    let who = match v {
        Value::String(s) if s == "*" => Principals::Everyone,
        Value::Object(kinds) => {
            let mut out = vec![];
            for (kind, values) in kinds {
                for v in strings(values, "Principal")? {
                    out.push((kind.clone(), v));
                }
            }
            Principals::Listed(out)
        }
        other => {
            return Err(format!(
                "Principal must be \"*\" or an object, found {other}"
            ));
        }
    };
    Ok(PrincipalSpec { not, who })
}

fn patterns(v: &Value, not: bool, field: &str) -> Result<Patterns, String> {
    Ok(Patterns {
        not,
        patterns: strings(v, field)?,
    })
}

fn strings(v: &Value, field: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("{field} entries must be strings"))
            })
            .collect(),
        _ => Err(format!("{field} must be a string or an array of strings")),
    }
}

/// A condition value: IAM takes strings, numbers and booleans, alone or in an array.
fn scalar(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "condition values must be strings, numbers or booleans, found {other}"
        )),
    }
}

fn conditions(ops: &Map<String, Value>) -> Result<Vec<Condition>, String> {
    let mut out = vec![];
    for (written, keys) in ops {
        let operator = Operator::parse(written)?;
        let Value::Object(keys) = keys else {
            return Err(format!("Condition {written} must map keys to values"));
        };
        for (key, values) in keys {
            let values = match values {
                Value::Array(items) => items.iter().map(scalar).collect::<Result<_, _>>()?,
                one => vec![scalar(one)?],
            };
            out.push(Condition {
                written: written.clone(),
                operator,
                key: key.clone(),
                values,
            });
        }
    }
    Ok(out)
}
