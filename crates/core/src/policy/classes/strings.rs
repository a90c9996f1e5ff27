//! String classes: the product of the patterns' automata, walked breadth first over the
//! letters a state can tell apart, reaches every combination of matches some string
//! makes, each first by a shortest string.

use std::collections::{HashMap, VecDeque};

use super::super::fxhash::{FxMap, FxSet};
use super::super::pattern::{Pat, Tok};
use super::super::request::Shape;
use super::{MAX_STATES, MAX_WORK};

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
pub(super) fn strings(pats: &[&Pat], shapes: &[Shape]) -> Result<Vec<String>, String> {
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
