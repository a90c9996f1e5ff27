//! Condition operators, as AWS's "IAM JSON policy elements: Condition operators" page
//! defines them:
//! - every family: String (`Equals`, `NotEquals`, `EqualsIgnoreCase`,
//!   `NotEqualsIgnoreCase`, `Like`, `NotLike`), Numeric and Date (`Equals`, `NotEquals`,
//!   `LessThan`, `LessThanEquals`, `GreaterThan`, `GreaterThanEquals`), `Bool`,
//!   `BinaryEquals`, `IpAddress`/`NotIpAddress`, Arn (`Equals`, `Like`, `NotEquals`,
//!   `NotLike`), and `Null`;
//! - a key absent from the request makes a condition false, except for negated operators
//!   (`...Not...`, `NotIpAddress`), where it makes it true; `...IfExists` makes an absent
//!   key true; `Null` tests presence;
//! - several values are OR, but AND for negated operators (none of them may match);
//! - `ForAnyValue:` is true when some value of the request's set satisfies the operator
//!   (false when the key is absent or empty), `ForAllValues:` when every value does (true
//!   when absent or empty);
//! - policy variables (`${aws:username}`, `${key, 'default'}`) take the request's value of
//!   the key they name; a value whose variable the request does not resolve matches
//!   nothing. `${*}`, `${?}` and `${$}` are the literal characters (`pattern.rs`).

use std::net::IpAddr;

use super::pattern::{Pat, Reading};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetPrefix {
    None,
    ForAllValues,
    ForAnyValue,
}

/// A parsed operator: `ForAllValues:StringNotLikeIfExists` is the `StringLike` family,
/// negated, with the `ForAllValues` prefix and `IfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    pub family: Family,
    pub negated: bool,
    pub if_exists: bool,
    pub set: SetPrefix,
}

impl Operator {
    pub fn parse(written: &str) -> Result<Operator, String> {
        let (set, rest) = if let Some(r) = strip_prefix_ci(written, "ForAllValues:") {
            (SetPrefix::ForAllValues, r)
        } else if let Some(r) = strip_prefix_ci(written, "ForAnyValue:") {
            (SetPrefix::ForAnyValue, r)
        } else {
            (SetPrefix::None, written)
        };
        let (if_exists, base) = match rest.len().checked_sub("IfExists".len()) {
            Some(cut)
                if rest.is_char_boundary(cut) && rest[cut..].eq_ignore_ascii_case("IfExists") =>
            {
                (true, &rest[..cut])
            }
            _ => (false, rest),
        };
        use Family::*;
        let (family, negated) = match base.to_ascii_lowercase().as_str() {
            "stringequals" => (StringEquals, false),
            "stringnotequals" => (StringEquals, true),
            "stringequalsignorecase" => (StringEqualsIgnoreCase, false),
            "stringnotequalsignorecase" => (StringEqualsIgnoreCase, true),
            "stringlike" => (StringLike, false),
            "stringnotlike" => (StringLike, true),
            "numericequals" => (NumericEquals, false),
            "numericnotequals" => (NumericEquals, true),
            "numericlessthan" => (NumericLessThan, false),
            "numericlessthanequals" => (NumericLessThanEquals, false),
            "numericgreaterthan" => (NumericGreaterThan, false),
            "numericgreaterthanequals" => (NumericGreaterThanEquals, false),
            "dateequals" => (DateEquals, false),
            "datenotequals" => (DateEquals, true),
            "datelessthan" => (DateLessThan, false),
            "datelessthanequals" => (DateLessThanEquals, false),
            "dategreaterthan" => (DateGreaterThan, false),
            "dategreaterthanequals" => (DateGreaterThanEquals, false),
            "bool" => (Bool, false),
            "binaryequals" => (BinaryEquals, false),
            "ipaddress" => (IpAddress, false),
            "notipaddress" => (IpAddress, true),
            "arnequals" | "arnlike" => (ArnLike, false),
            "arnnotequals" | "arnnotlike" => (ArnLike, true),
            "null" => (Null, false),
            _ => return Err(format!("unknown condition operator {written:?}")),
        };
        if family == Null && (if_exists || set != SetPrefix::None) {
            return Err(format!("unknown condition operator {written:?}"));
        }
        Ok(Operator {
            family,
            negated,
            if_exists,
            set,
        })
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    (s.len() >= prefix.len()
        && s.is_char_boundary(prefix.len())
        && s[..prefix.len()].eq_ignore_ascii_case(prefix))
    .then(|| &s[prefix.len()..])
}

/// What a condition needs to know of the request's value(s) of its key: whether the key
/// is absent, and whether some value satisfies the operator and some does not (a
/// single-valued key is a set of one). Every operator's answer follows from these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub absent: bool,
    pub some_satisfies: bool,
    pub some_fails: bool,
}

/// The condition's answer for a request whose values are as `seen` says.
pub fn combine(op: Operator, policy_values: &[String], seen: Seen) -> bool {
    let empty = !seen.absent && !seen.some_satisfies && !seen.some_fails;
    if op.family == Family::Null {
        let null = seen.absent || empty;
        // `Null: true` holds when the key is absent; several values are OR.
        return policy_values
            .iter()
            .any(|v| v.eq_ignore_ascii_case("true") == null);
    }
    match op.set {
        SetPrefix::ForAllValues => seen.absent || !seen.some_fails,
        SetPrefix::ForAnyValue if seen.absent => op.if_exists,
        SetPrefix::ForAnyValue => seen.some_satisfies,
        // A single-valued operator over a multivalued key: some value must satisfy it.
        SetPrefix::None if seen.absent || empty => op.if_exists || op.negated,
        SetPrefix::None => seen.some_satisfies,
    }
}

/// Does one request value `v` satisfy the operator (negation included: a negated
/// operator's values are AND, none may match)?
pub fn satisfies(
    op: Operator,
    policy_values: &[String],
    v: &str,
    variables: bool,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> bool {
    let matched = policy_values
        .iter()
        .any(|p| value_matches(op.family, p, v, variables, resolve));
    matched != op.negated
}

/// Evaluates one condition. `value` is the request's value of the key (`None`: absent; a
/// single-valued key is a one-element list); `resolve` gives a policy variable's value;
/// `variables`: the policy's Version has them (2012-10-17).
#[cfg(test)]
pub fn holds(
    op: Operator,
    policy_values: &[String],
    value: Option<&[String]>,
    variables: bool,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> bool {
    let seen = match value {
        None => Seen {
            absent: true,
            some_satisfies: false,
            some_fails: false,
        },
        Some(vs) => {
            let mut seen = Seen {
                absent: false,
                some_satisfies: false,
                some_fails: false,
            };
            for v in vs {
                if satisfies(op, policy_values, v, variables, resolve) {
                    seen.some_satisfies = true;
                } else {
                    seen.some_fails = true;
                }
            }
            seen
        }
    };
    combine(op, policy_values, seen)
}

/// How a family reads its policy values as patterns (`None`: not a string family).
pub fn reading(family: Family) -> Option<Reading> {
    use Family::*;
    Some(match family {
        StringEquals | BinaryEquals => Reading::Exact { ci: false },
        StringEqualsIgnoreCase | Bool => Reading::Exact { ci: true },
        StringLike => Reading::Like,
        ArnLike => Reading::Arn,
        _ => return None,
    })
}

/// Is the family one of the ordered ones, and does it read dates?
pub fn ordered(family: Family) -> Option<bool> {
    use Family::*;
    match family {
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => Some(false),
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => Some(true),
        _ => None,
    }
}

/// Does the request's value `v` match the policy's value `p` under the (positive) family?
fn value_matches(
    family: Family,
    p: &str,
    v: &str,
    variables: bool,
    resolve: &dyn Fn(&str) -> Option<String>,
) -> bool {
    use Family::*;
    if let Some(r) = reading(family) {
        return Pat::compile(p, r, variables, resolve).is_some_and(|pat| pat.matches(v));
    }
    match family {
        NumericEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => match (number(p), number(v)) {
            (Some(p), Some(v)) => compare(family, v.partial_cmp(&p)),
            _ => false,
        },
        DateEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => match (date(p), date(v)) {
            (Some(p), Some(v)) => compare(family, v.partial_cmp(&p)),
            _ => false,
        },
        IpAddress => in_network(p, v),
        _ => false,
    }
}

fn compare(family: Family, ord: Option<std::cmp::Ordering>) -> bool {
    use Family::*;
    use std::cmp::Ordering::*;
    match (family, ord) {
        (_, None) => false,
        (NumericEquals | DateEquals, Some(o)) => o == Equal,
        (NumericLessThan | DateLessThan, Some(o)) => o == Less,
        (NumericLessThanEquals | DateLessThanEquals, Some(o)) => o != Greater,
        (NumericGreaterThan | DateGreaterThan, Some(o)) => o == Greater,
        (NumericGreaterThanEquals | DateGreaterThanEquals, Some(o)) => o != Less,
        _ => false,
    }
}

pub fn number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Seconds since the epoch of an ISO 8601 date (`2026-01-01`, `2026-01-01T00:00:00Z`,
/// with fractions or an offset) or of epoch seconds.
pub fn date(s: &str) -> Option<f64> {
    let s = s.trim();
    if let Some(n) = number(s) {
        return Some(n);
    }
    let (day, time) = match s.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut parts = day.split('-');
    let y: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let d: i64 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    let mut secs = days_from_civil(y, m, d) as f64 * 86_400.0;
    if let Some(t) = time {
        let (clock, offset) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0.0)
        } else if let Some(i) = t.rfind(['+', '-']) {
            let (c, o) = t.split_at(i);
            let sign = if o.starts_with('-') { -1.0 } else { 1.0 };
            let (oh, om) = o[1..].split_once(':').unwrap_or((&o[1..], "0"));
            (
                c,
                sign * (oh.parse::<f64>().ok()? * 3600.0 + om.parse::<f64>().ok()? * 60.0),
            )
        } else {
            (t, 0.0)
        };
        let mut hms = clock.split(':');
        let h: f64 = hms.next()?.parse().ok()?;
        let mi: f64 = hms.next().unwrap_or("0").parse().ok()?;
        let se: f64 = hms.next().unwrap_or("0").parse().ok()?;
        secs += h * 3600.0 + mi * 60.0 + se - offset;
    }
    Some(secs)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Is `ip` inside `network` (a CIDR, or one address)?
fn in_network(network: &str, ip: &str) -> bool {
    let (addr, bits) = match network.split_once('/') {
        Some((a, b)) => (a, b.parse::<u32>().ok()),
        None => (network, None),
    };
    let (Ok(net), Ok(ip)) = (addr.trim().parse::<IpAddr>(), ip.trim().parse::<IpAddr>()) else {
        return false;
    };
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(op: &str, policy: &[&str], value: Option<&[&str]>) -> bool {
        let op = Operator::parse(op).unwrap();
        let policy: Vec<String> = policy.iter().map(|s| (*s).to_owned()).collect();
        let value: Option<Vec<String>> = value.map(|v| v.iter().map(|s| (*s).to_owned()).collect());
        holds(op, &policy, value.as_deref(), true, &|k| {
            (k == "aws:username").then(|| "alice".to_owned())
        })
    }

    #[test]
    fn absent_keys_follow_the_operator_page() {
        assert!(!check("StringEquals", &["a"], None));
        assert!(check("StringNotEquals", &["a"], None));
        assert!(check("StringEqualsIfExists", &["a"], None));
        assert!(check("ArnNotLike", &["arn:*"], None));
        assert!(check("NotIpAddress", &["10.0.0.0/8"], None));
        assert!(check("ForAllValues:StringEquals", &["a"], None));
        assert!(!check("ForAnyValue:StringEquals", &["a"], None));
        assert!(check("Null", &["true"], None));
        assert!(!check("Null", &["false"], None));
        assert!(check("Null", &["false"], Some(&["x"])));
    }

    #[test]
    fn several_values_are_or_and_for_negated_operators_and() {
        assert!(check("StringEquals", &["a", "b"], Some(&["b"])));
        assert!(!check("StringNotEquals", &["a", "b"], Some(&["b"])));
        assert!(check("StringNotEquals", &["a", "b"], Some(&["c"])));
        assert!(check(
            "ForAllValues:StringEquals",
            &["a", "b"],
            Some(&["a", "b"])
        ));
        assert!(!check(
            "ForAllValues:StringEquals",
            &["a"],
            Some(&["a", "b"])
        ));
        assert!(check("ForAnyValue:StringEquals", &["a"], Some(&["a", "b"])));
        assert!(check(
            "ForAnyValue:StringNotEquals",
            &["a"],
            Some(&["a", "b"])
        ));
        assert!(!check(
            "ForAllValues:StringNotEquals",
            &["a"],
            Some(&["a", "b"])
        ));
    }

    #[test]
    fn every_family() {
        assert!(check("StringEqualsIgnoreCase", &["ABC"], Some(&["abc"])));
        assert!(!check("StringEquals", &["ABC"], Some(&["abc"])));
        assert!(check(
            "StringLike",
            &["arn:aws:iam::*:role/x"],
            Some(&["arn:aws:iam::1:role/x"])
        ));
        assert!(check("NumericLessThan", &["10"], Some(&["9.5"])));
        assert!(!check("NumericLessThan", &["10"], Some(&["10"])));
        assert!(check("NumericGreaterThanEquals", &["10"], Some(&["10"])));
        assert!(check(
            "DateGreaterThan",
            &["2026-01-01T00:00:00Z"],
            Some(&["2026-01-01T00:00:01Z"])
        ));
        assert!(check(
            "DateEquals",
            &["2026-01-01"],
            Some(&["2026-01-01T00:00:00Z"])
        ));
        assert!(check(
            "DateLessThan",
            &["2026-01-01T01:00:00+01:00"],
            Some(&["2025-12-31T23:59:59Z"])
        ));
        assert!(check("Bool", &["true"], Some(&["TRUE"])));
        assert!(check("BinaryEquals", &["QmluYXJ5"], Some(&["QmluYXJ5"])));
        assert!(check(
            "IpAddress",
            &["203.0.113.0/24"],
            Some(&["203.0.113.9"])
        ));
        assert!(!check(
            "IpAddress",
            &["203.0.113.0/24"],
            Some(&["203.0.114.9"])
        ));
        assert!(check(
            "IpAddress",
            &["2001:db8::/32"],
            Some(&["2001:db8::1"])
        ));
        assert!(check(
            "ArnLike",
            &["arn:aws:ecs:*:*:cluster/*"],
            Some(&["arn:aws:ecs:us-east-1:1:cluster/a"])
        ));
        assert!(!check(
            "ArnLike",
            &["arn:aws:ecs:*:*:cluster/*"],
            Some(&["arn:aws:ecs:us-east-1:1:task/a"])
        ));
        assert!(check(
            "ArnEquals",
            &["arn:aws:iam::1:role/x"],
            Some(&["arn:aws:iam::1:role/x"])
        ));
    }

    #[test]
    fn variables_resolve_or_match_nothing() {
        assert!(check(
            "StringEquals",
            &["${aws:username}"],
            Some(&["alice"])
        ));
        assert!(!check("StringEquals", &["${aws:userid}"], Some(&["alice"])));
        assert!(check(
            "StringNotEquals",
            &["${aws:userid}"],
            Some(&["alice"])
        ));
        assert!(check(
            "StringEquals",
            &["${aws:userid, 'bob'}"],
            Some(&["bob"])
        ));
        assert!(check(
            "StringLike",
            &["home/${aws:username}/*"],
            Some(&["home/alice/x"])
        ));
        assert!(check("StringEquals", &["a${*}b"], Some(&["a*b"])));
    }

    #[test]
    fn operators_parse_with_prefixes_and_suffixes() {
        let op = Operator::parse("ForAllValues:StringNotLikeIfExists").unwrap();
        assert_eq!(
            op,
            Operator {
                family: Family::StringLike,
                negated: true,
                if_exists: true,
                set: SetPrefix::ForAllValues
            }
        );
        assert!(Operator::parse("StringEqualz").is_err());
        assert!(Operator::parse("NullIfExists").is_err());
    }
}
