//! The classes of one key's values: the finitely many kinds of value that the policies'
//! conditions on the key can tell apart, each with a member. Any value the key could take
//! behaves, under every one of those conditions, as the member of its class does, so
//! deciding a question over the members decides it over every value.
//!
//! - strings (`String...`, `Arn...`, `Bool`, `BinaryEquals`): each policy value is a
//!   pattern (`pattern.rs`); the product of their automata, walked breadth first over the
//!   characters the patterns name and one they do not, reaches every combination of
//!   matches that some string makes, each first by a shortest string;
//! - numbers and dates: the values the policies name split the line into points and the
//!   open intervals between them; a member of each (dates as ISO 8601 text and as epoch
//!   seconds, which the date operators read too);
//! - addresses: the first and one-past-last address of every network split the address
//!   space into ranges; the first address of each;
//! - and one value that is none of these (no number, date or address).
//!
//! A key compared both as a string pattern and as a number, date or address is not split
//! (it has no known use): the question is then not decided.

use std::net::IpAddr;

use super::condition::{date, number};

use super::pattern::Pat;
use super::request::Shape;

mod strings;

use strings::strings;

/// What the conditions on a key compare it with.
#[derive(Debug, Clone, PartialEq)]
pub enum Atom {
    /// A string pattern.
    Str(Pat),
    /// A number (`date`: or a date), by its value on the line.
    Ordered { at: f64, date: bool },
    /// A network (CIDR) or one address.
    Ip(String),
}

/// More states than this in one key's automaton: not decided.
pub const MAX_STATES: usize = 20_000;

/// More pattern positions than this, summed over a key's states (the work and memory of
/// its automaton): not decided.
pub const MAX_WORK: usize = 4_000_000;

/// A member of every class of the key's values that meets the shapes.
pub fn members(atoms: &[Atom], shapes: &[Shape]) -> Result<Vec<String>, String> {
    let pats: Vec<&Pat> = atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Str(p) => Some(p),
            _ => None,
        })
        .collect();
    let ordered: Vec<(f64, bool)> = atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Ordered { at, date } => Some((*at, *date)),
            _ => None,
        })
        .collect();
    let nets: Vec<&String> = atoms
        .iter()
        .filter_map(|a| match a {
            Atom::Ip(n) => Some(n),
            _ => None,
        })
        .collect();
    if ordered.is_empty() && nets.is_empty() {
        return strings(&pats, shapes);
    }
    if shapes.iter().any(|s| !s.prefer) || pats.iter().any(|p| !p.is_constant()) {
        return Err(
            "a key is compared both as a string pattern and as a number, date or address".into(),
        );
    }
    let constants: Vec<String> = pats.iter().map(|p| p.text()).collect();
    let mut out: Vec<String> = constants.clone();
    let add = |candidates: Vec<String>, out: &mut Vec<String>| {
        if let Some(c) = candidates.into_iter().find(|c| !constants.contains(c))
            && !out.contains(&c)
        {
            out.push(c);
        }
    };
    if !ordered.is_empty() {
        let dates = ordered.iter().any(|(_, d)| *d);
        let mut bounds: Vec<f64> = ordered.iter().map(|(b, _)| *b).collect();
        bounds.sort_by(f64::total_cmp);
        bounds.dedup();
        let mut points = vec![bounds[0] - 1.0];
        for (i, b) in bounds.iter().enumerate() {
            points.push(*b);
            if let Some(next) = bounds.get(i + 1) {
                points.push(b + (next - b) / 2.0);
            }
        }
        points.push(bounds[bounds.len() - 1] + 1.0);
        for x in points {
            add(spellings(x), &mut out);
            if dates {
                add(vec![iso(x)], &mut out);
            }
        }
    }
    for rep in addresses(&nets) {
        add(vec![rep], &mut out);
    }
    add(
        (0..)
            .map(|i| format!("ecsrole-other{i}"))
            .take(64)
            .collect(),
        &mut out,
    );
    Ok(out)
}

/// Ways to write the number `x`.
fn spellings(x: f64) -> Vec<String> {
    let s = format!("{x}");
    let mut out = vec![s.clone()];
    if !s.contains('.') {
        out.push(format!("{s}.0"));
        out.push(format!("{s}.00"));
    } else {
        out.push(format!("{s}0"));
        out.push(format!("{s}00"));
    }
    out
}

/// `x` epoch seconds as ISO 8601 text (UTC).
pub fn iso(x: f64) -> String {
    let secs = x.floor();
    let frac = x - secs;
    let secs = secs as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let (h, mi, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    if frac > 0.0 {
        let f = format!("{frac}");
        let f = f.trim_start_matches('0');
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}{f}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
    }
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The first address of each range the networks' edges make.
fn addresses(nets: &[&String]) -> Vec<String> {
    let mut v4: Vec<u128> = vec![];
    let mut v6: Vec<u128> = vec![];
    for n in nets {
        let (addr, bits) = match n.split_once('/') {
            Some((a, b)) => (a, b.trim().parse::<u32>().ok()),
            None => (n.as_str(), None),
        };
        match addr.trim().parse::<IpAddr>() {
            Ok(IpAddr::V4(a)) => {
                let bits = bits.unwrap_or(32).min(32);
                let size: u128 = 1 << (32 - bits);
                let first = u128::from(u32::from(a)) & !(size - 1);
                v4.extend([0, first, first + size]);
            }
            Ok(IpAddr::V6(a)) => {
                let bits = bits.unwrap_or(128).min(128);
                let mask = if bits == 0 {
                    0
                } else {
                    u128::MAX << (128 - bits)
                };
                let first = u128::from(a) & mask;
                v6.extend([0, first]);
                if let Some(after) = (first | !mask).checked_add(1) {
                    v6.push(after);
                }
            }
            Err(_) => {}
        }
    }
    let mut out = vec![];
    v4.sort_unstable();
    v4.dedup();
    for a in v4.into_iter().filter(|a| *a <= u128::from(u32::MAX)) {
        out.push(std::net::Ipv4Addr::from(a as u32).to_string());
    }
    v6.sort_unstable();
    v6.dedup();
    for a in v6 {
        out.push(std::net::Ipv6Addr::from(a).to_string());
    }
    out
}

/// The value of a string as the ordered operators read it.
pub fn ordered_value(v: &str, date_family: bool) -> Option<f64> {
    if date_family { date(v) } else { number(v) }
}

#[cfg(test)]
mod tests {
    use super::super::pattern::{Reading, Tok};
    use super::*;

    fn like(p: &str) -> Atom {
        Atom::Str(Pat::compile(p, Reading::Like, true, &|_| None).unwrap())
    }

    /// Every combination of matches that `probes` show is also shown by some member.
    fn covers(atoms: &[Atom], probes: &[&str]) {
        let got = members(atoms, &[]).unwrap();
        let sig = |v: &str| -> Vec<bool> {
            atoms
                .iter()
                .map(|a| match a {
                    Atom::Str(p) => p.matches(v),
                    Atom::Ordered { at, date: d } => ordered_value(v, *d) == Some(*at),
                    Atom::Ip(_) => false,
                })
                .collect()
        };
        for p in probes {
            assert!(
                got.iter().any(|m| sig(m) == sig(p)),
                "{p:?} is in no class of {got:?}"
            );
        }
    }

    #[test]
    fn patterns_split_strings_into_their_combinations() {
        let atoms = [like("a*"), like("*b"), like("abc")];
        let got = members(&atoms, &[]).unwrap();
        // a...b, a not b, b not a, neither, abc (a, not b), and "ab"
        covers(&atoms, &["ab", "a", "b", "", "zz", "abc", "axb", "abcb"]);
        assert!(got.len() >= 5, "{got:?}");
    }

    #[test]
    fn two_patterns_that_share_no_string_make_no_class_of_both() {
        let atoms = [like("a*"), like("b*")];
        let got = members(&atoms, &[]).unwrap();
        let a = Pat::compile("a*", Reading::Like, true, &|_| None).unwrap();
        let b = Pat::compile("b*", Reading::Like, true, &|_| None).unwrap();
        assert!(!got.iter().any(|m| a.matches(m) && b.matches(m)));
        assert_eq!(got.len(), 3, "{got:?}");
    }

    #[test]
    fn numbers_split_at_their_bounds_and_between() {
        let atoms = [
            Atom::Ordered {
                at: 5.0,
                date: false,
            },
            Atom::Ordered {
                at: 6.0,
                date: false,
            },
        ];
        let got = members(&atoms, &[]).unwrap();
        // 5 < x < 6 is a class of its own (5.5).
        assert!(got.iter().any(|m| m == "5.5"), "{got:?}");
        assert!(got.iter().any(|m| m == "4") && got.iter().any(|m| m == "7"));
        assert!(got.iter().any(|m| number(m).is_none()), "a non-number");
    }

    #[test]
    fn dates_are_written_both_ways() {
        let at = date("2025-01-01T00:00:00Z").unwrap();
        let got = members(&[Atom::Ordered { at, date: true }], &[]).unwrap();
        assert!(got.contains(&"2025-01-01T00:00:00Z".to_owned()), "{got:?}");
        assert!(got.contains(&format!("{at}")), "{got:?}");
        assert!(got.iter().any(|m| m == "2024-12-31T23:59:59Z"), "{got:?}");
    }

    #[test]
    fn addresses_split_at_network_edges() {
        let n = "203.0.113.0/24".to_owned();
        let got = members(&[Atom::Ip(n)], &[]).unwrap();
        for want in ["0.0.0.0", "203.0.113.0", "203.0.114.0"] {
            assert!(got.contains(&want.to_owned()), "{want} {got:?}");
        }
    }

    #[test]
    fn shapes_keep_only_the_classes_they_allow() {
        let digits: Vec<Tok> = std::iter::repeat_n(Tok::Digit, 3).collect();
        let shape = Shape::must(Pat {
            toks: digits,
            ci: false,
            never: false,
        });
        let not_named = Shape::must_not(Pat::literal("000", false));
        let got = members(&[like("1*")], &[shape, not_named]).unwrap();
        assert!(got.iter().all(|m| m.len() == 3 && m != "000"), "{got:?}");
        assert!(got.iter().any(|m| m.starts_with('1')), "{got:?}");
        assert!(got.iter().any(|m| !m.starts_with('1')), "{got:?}");
    }

    #[test]
    fn mixed_readings_are_not_decided() {
        let atoms = [
            like("1*"),
            Atom::Ordered {
                at: 5.0,
                date: false,
            },
        ];
        assert!(members(&atoms, &[]).is_err());
    }
}
