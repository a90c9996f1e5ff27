//! Whether a statement takes part in a request: its action, its principal (and, for a
//! request by any AWS principal, the condition on `aws:PrincipalArn` a named principal
//! amounts to), and its `Resource` patterns with their variables.

#[allow(unused_imports)]
use super::*;

/// The variables a `Resource` pattern names: only after the ARN's fifth colon (IAM guide,
/// "Variables and tags": a variable may stand in the resource part of an ARN).
pub(super) fn resource_variables(pattern: &str, enabled: bool) -> Vec<String> {
    let Some(resource) = pattern.splitn(6, ':').nth(5) else {
        return vec![];
    };
    variables(resource, enabled)
}

/// A `Resource` pattern (`*` and `?` across the whole ARN), its variables resolved.
pub(super) fn resource_pattern(
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

pub(super) fn action_matches(s: &Statement, action: &str) -> bool {
    let any = s.action.patterns.iter().any(|p| wildcard(p, action, true));
    any != s.action.not
}

/// A statement's principal for a request by any AWS principal: `Ok(None)` when it names
/// every AWS principal, `Ok(Some(c))` a condition on `aws:PrincipalArn` that holds where it
/// names the request's, `Err(())` when it can name none.
pub(super) fn any_aws_condition(spec: Option<&PrincipalSpec>) -> Result<Option<Condition>, ()> {
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

pub(super) fn principal_matches(spec: Option<&PrincipalSpec>, who: &Principal) -> bool {
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
pub(super) fn aws_principal_matches(value: &str, arn: &str) -> bool {
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
