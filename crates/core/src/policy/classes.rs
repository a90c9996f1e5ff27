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

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use super::condition::{date, number};
use super::fxhash::{FxMap, FxSet};
use super::pattern::{Pat, Tok};
use super::request::Shape;

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

/// The characters worth reading: every literal the patterns name (both cases where one
/// ignores case), the colon and a digit where a wildcard or digit class tells them
/// apart, and one character none of them names.
fn alphabet(pats: &[&Pat]) -> Vec<char> {
    let mut set: Vec<char> = vec![];
    let push = |c: char, set: &mut Vec<char>| {
        if !set.contains(&c) {
            set.push(c);
        }
    };
    let mut colon = false;
    let mut digit = false;
    for p in pats {
        for t in &p.toks {
            match *t {
                Tok::Lit(c) => {
                    push(c, &mut set);
                    if p.ci {
                        for v in c.to_lowercase().chain(c.to_uppercase()) {
                            push(v, &mut set);
                        }
                    }
                }
                Tok::One { colon: false } | Tok::Star { colon: false } => colon = true,
                Tok::Digit => digit = true,
                _ => {}
            }
        }
    }
    if colon {
        push(':', &mut set);
    }
    if digit && let Some(d) = ('0'..='9').find(|d| !set.contains(d)) {
        push(d, &mut set);
    }
    let named = |c: char, set: &[char]| {
        set.iter()
            .any(|s| s.to_lowercase().eq(c.to_lowercase()) || *s == c)
    };
    if let Some(o) = "xyzqkwvjbfhmpgu_-~#+=."
        .chars()
        .chain('\u{e0}'..'\u{2ff}')
        .find(|c| !named(*c, &set))
    {
        push(o, &mut set);
    }
    set
}

/// One pattern's automaton, made deterministic as the walk reaches its states: each
/// state is a set of the pattern's positions, named by its index; `next` holds the
/// transitions found so far (`u32::MAX`: not yet), one row of `letters` per state.
struct Dfa<'a> {
    pat: &'a Pat,
    sets: Vec<Vec<u16>>,
    ids: FxMap<Vec<u16>, u32>,
    accepts: Vec<bool>,
    next: Vec<u32>,
    letters: usize,
    scratch: Vec<u16>,
}

impl<'a> Dfa<'a> {
    fn new(pat: &'a Pat, letters: usize) -> Dfa<'a> {
        let mut dfa = Dfa {
            pat,
            sets: vec![],
            ids: FxMap::default(),
            accepts: vec![],
            next: vec![],
            letters,
            scratch: vec![],
        };
        dfa.id(pat.start());
        dfa
    }

    fn id(&mut self, set: Vec<u16>) -> u32 {
        if let Some(&id) = self.ids.get(&set) {
            return id;
        }
        let id = self.sets.len() as u32;
        self.accepts.push(self.pat.accepts(&set));
        self.ids.insert(set.clone(), id);
        self.sets.push(set);
        self.next
            .extend(std::iter::repeat_n(u32::MAX, self.letters));
        id
    }

    fn step(&mut self, state: u32, letter: usize, c: char) -> u32 {
        let at = state as usize * self.letters + letter;
        if self.next[at] == u32::MAX {
            let mut set = std::mem::take(&mut self.scratch);
            self.pat.step_into(&self.sets[state as usize], c, &mut set);
            let id = match self.ids.get(&set[..]) {
                Some(&id) => {
                    self.scratch = set;
                    id
                }
                None => self.id(set),
            };
            self.next[at] = id;
        }
        self.next[at]
    }
}

/// The string classes: a shortest member of each combination of matches that meets the
/// shapes (a non-empty one where the class has one). Pure, so remembered: the questions
/// of one `check` ask for the same keys' classes many times (one per agent call).
fn strings(pats: &[&Pat], shapes: &[Shape]) -> Result<Vec<String>, String> {
    type Key = (Vec<Pat>, Vec<Shape>);
    type Memo = HashMap<Key, Result<Vec<String>, String>>;
    /// Past this many remembered keys the memo starts again (a fleet run judges many
    /// roles; most share their policies).
    const REMEMBERED: usize = 4096;
    thread_local! {
        static MEMO: std::cell::RefCell<Memo> = std::cell::RefCell::new(HashMap::new());
    }
    let key: Key = (pats.iter().map(|p| (*p).clone()).collect(), shapes.to_vec());
    if let Some(hit) = MEMO.with(|m| m.borrow().get(&key).cloned()) {
        return hit;
    }
    let got = walk(pats, shapes);
    MEMO.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() >= REMEMBERED {
            m.clear();
        }
        m.insert(key, got.clone());
    });
    got
}

/// [`strings`], computed: a breadth-first walk of the product of the patterns' automata.
/// A pattern plainly disjoint from a shape every value must match is left out: it
/// matches none of the values, so it tells none apart.
fn walk(pats: &[&Pat], shapes: &[Shape]) -> Result<Vec<String>, String> {
    let musts: Vec<&Pat> = shapes
        .iter()
        .filter(|s| s.matches && !s.prefer)
        .map(|s| &s.pat)
        .collect();
    let pats: Vec<&Pat> = pats
        .iter()
        .copied()
        .filter(|p| !musts.iter().any(|m| m.surely_disjoint(p)))
        .collect();
    let all: Vec<&Pat> = pats
        .iter()
        .copied()
        .chain(shapes.iter().filter(|s| !s.prefer).map(|s| &s.pat))
        .chain(shapes.iter().filter(|s| s.prefer).map(|s| &s.pat))
        .collect();
    let width: usize = all.iter().map(|p| p.toks.len() + 1).sum();
    if width > MAX_WORK / 16 {
        return Err(format!(
            "{} patterns on one key are more than the evaluator splits",
            all.len()
        ));
    }
    let letters = alphabet(&all);
    let mut dfas: Vec<Dfa> = all.iter().map(|p| Dfa::new(p, letters.len())).collect();
    // The letters that can lead somewhere different from a state: the literals its
    // patterns could read next (both cases where a pattern ignores case), every digit
    // where one could read a digit class, the colon, and the alphabet's unnamed
    // character (its last). Any other letter is read by every pattern there as the
    // unnamed character is, so it leads where that does.
    let always: Vec<usize> = [Some(':'), letters.last().copied()]
        .into_iter()
        .flatten()
        .filter_map(|c| letters.iter().position(|&l| l == c))
        .collect();
    let relevant = |dfas: &[Dfa], state: &[u32]| -> Vec<usize> {
        let mut want = vec![false; letters.len()];
        for &l in &always {
            want[l] = true;
        }
        for (d, &s) in dfas.iter().zip(state) {
            for &p in &d.sets[s as usize] {
                match d.pat.toks.get(p as usize) {
                    Some(Tok::Lit(a)) => {
                        for (l, c) in letters.iter().enumerate() {
                            if d.pat.lit_eq(*a, *c) {
                                want[l] = true;
                            }
                        }
                    }
                    Some(Tok::Digit) => {
                        for (l, c) in letters.iter().enumerate() {
                            if c.is_ascii_digit() {
                                want[l] = true;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // The colon last: where another letter reaches the same class, the member read
        // is the one without a colon (an ARN part or an IAM name has none).
        let colon = letters.iter().position(|&c| c == ':');
        let mut out: Vec<usize> = (0..letters.len())
            .filter(|&l| want[l] && Some(l) != colon)
            .collect();
        out.extend(colon.filter(|&l| want[l]));
        out
    };
    // Every automaton starts in its state 0.
    let start: Vec<u32> = vec![0; all.len()];
    let accepts = |dfas: &[Dfa], state: &[u32]| -> Vec<bool> {
        dfas.iter()
            .zip(state)
            .map(|(d, &s)| d.accepts[s as usize])
            .collect()
    };
    // A class is its matches of the patterns and the constraints; the preferred shapes
    // only choose among its members.
    let n = pats.len() + shapes.iter().filter(|s| !s.prefer).count();
    let preferred = |v: &[bool]| v[n..].iter().all(|b| *b);
    let mut found: FxMap<Vec<bool>, (String, bool)> = FxMap::default();
    let mut order: Vec<Vec<bool>> = vec![];
    let mut record = |v: Vec<bool>, text: String, found: &mut FxMap<Vec<bool>, (String, bool)>| {
        let good = preferred(&v);
        let class = v[..n].to_vec();
        match found.get(&class) {
            None => {
                order.push(class.clone());
                found.insert(class, (text, good));
            }
            Some((_, false)) if good => {
                found.insert(class, (text, good));
            }
            _ => {}
        }
    };
    let mut seen: FxSet<Vec<u32>> = FxSet::default();
    let mut queue: VecDeque<(Vec<u32>, String)> = VecDeque::new();
    // The empty string is recorded last (a non-empty member is preferred): the walk
    // starts from the states one character in.
    let expand = |state: &[u32],
                  text: &str,
                  dfas: &mut [Dfa],
                  seen: &mut FxSet<Vec<u32>>,
                  queue: &mut VecDeque<(Vec<u32>, String)>|
     -> Result<(), String> {
        let mut next: Vec<u32> = Vec::with_capacity(state.len());
        for l in relevant(dfas, state) {
            let c = letters[l];
            next.clear();
            next.extend(dfas.iter_mut().zip(state).map(|(d, &s)| d.step(s, l, c)));
            if seen.contains(&next[..]) {
                continue;
            }
            if seen.len() >= MAX_STATES || seen.len() * dfas.len() >= MAX_WORK {
                return Err(format!(
                    "the patterns on one key make more than {MAX_STATES} states"
                ));
            }
            seen.insert(next.clone());
            let mut t = String::with_capacity(text.len() + c.len_utf8());
            t.push_str(text);
            t.push(c);
            queue.push_back((next.clone(), t));
        }
        Ok(())
    };
    expand(&start, "", &mut dfas, &mut seen, &mut queue)?;
    while let Some((state, text)) = queue.pop_front() {
        record(accepts(&dfas, &state), text.clone(), &mut found);
        expand(&state, &text, &mut dfas, &mut seen, &mut queue)?;
    }
    let empty = accepts(&dfas, &start);
    if !found.contains_key(&empty[..n]) {
        record(empty, String::new(), &mut found);
    }
    let musts: Vec<&Shape> = shapes.iter().filter(|s| !s.prefer).collect();
    let k = pats.len();
    Ok(order
        .into_iter()
        .filter(|v| musts.iter().zip(&v[k..]).all(|(s, m)| s.matches == *m))
        .map(|v| found[&v].0.clone())
        .collect())
}

/// The value of a string as the ordered operators read it.
pub fn ordered_value(v: &str, date_family: bool) -> Option<f64> {
    if date_family { date(v) } else { number(v) }
}

#[cfg(test)]
mod tests {
    use super::super::pattern::Reading;
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
