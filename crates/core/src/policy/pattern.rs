//! A policy value as a pattern over characters: what the evaluator matches request values
//! against, and what it builds the classes of a key's values from (`classes.rs`).
//!
//! - `StringLike` and `ArnLike` values: `*` is any run of characters, `?` one character;
//!   `Arn...` operators compare each of an ARN's six colon-separated parts on its own
//!   (AWS's "Condition operators" page), so a wildcard in the first five parts never
//!   reaches across a colon, and a value or pattern of fewer than six parts matches
//!   nothing;
//! - `StringEquals`, `Bool`, `BinaryEquals`: every character literal; `...IgnoreCase`
//!   compares without regard to case;
//! - policy variables (IAM guide, "IAM policy elements: Variables and tags"): `${key}` is the
//!   request's value of the key, literal text even inside a `Like` value, `${key, 'x'}`
//!   falls back to `x`, and `${*}`, `${?}`, `${$}` are the literal characters. Under
//!   `"Version": "2008-10-17"` (or no Version) `${...}` is literal text.

/// One position of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tok {
    /// This character (without regard to case when the pattern says so).
    Lit(char),
    /// Any one character (`colon`: a colon too).
    One { colon: bool },
    /// Any run of characters, the empty one included (`colon`: colons too).
    Star { colon: bool },
    /// Any one of `0`-`9` (the shapes of account ids).
    Digit,
}

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Pat {
    pub toks: Vec<Tok>,
    /// Compare literal characters without regard to case.
    pub ci: bool,
    /// Matches nothing (an `Arn` pattern of fewer than six parts).
    pub never: bool,
}

/// How a policy value is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// Every character literal.
    Exact { ci: bool },
    /// `*` and `?` are wildcards.
    Like,
    /// `*` and `?` are wildcards, the six parts of an ARN compared on their own.
    Arn,
}

/// A policy value's variable: its key and default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Var {
    pub key: String,
    pub default: Option<String>,
}

/// The pieces of a policy value: literal text and variables, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// Text as written (its `*`/`?` wildcards where the reading has them).
    Text(String),
    /// A character that is literal whatever the reading (`${*}`, `${?}`, `${$}`).
    Escaped(char),
    Var(Var),
}

/// The pieces of `value`; with `variables` false (Version 2008-10-17) all of it is text.
pub fn pieces(value: &str, variables: bool) -> Vec<Piece> {
    if !variables || !value.contains("${") {
        return vec![Piece::Text(value.to_owned())];
    }
    let mut out = vec![];
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        if start > 0 {
            out.push(Piece::Text(rest[..start].to_owned()));
        }
        let inner = after[..end].trim();
        match inner {
            "*" => out.push(Piece::Escaped('*')),
            "?" => out.push(Piece::Escaped('?')),
            "$" => out.push(Piece::Escaped('$')),
            _ => {
                let (key, default) = match inner.split_once(',') {
                    Some((k, d)) => (k.trim(), Some(d.trim().trim_matches('\'').to_owned())),
                    None => (inner, None),
                };
                out.push(Piece::Var(Var {
                    key: key.to_owned(),
                    default,
                }));
            }
        }
        rest = &after[end + 1..];
    }
    if !rest.is_empty() {
        out.push(Piece::Text(rest.to_owned()));
    }
    out
}

/// The keys a value's variables name.
pub fn variables(value: &str, enabled: bool) -> Vec<String> {
    pieces(value, enabled)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var(v) => Some(v.key),
            _ => None,
        })
        .collect()
}

/// One token of text under a reading: a wildcard or a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Raw {
    Wild(Tok),
    Lit(char),
}

impl Pat {
    pub fn never() -> Pat {
        Pat {
            toks: vec![],
            ci: false,
            never: true,
        }
    }

    /// A literal string.
    pub fn literal(s: &str, ci: bool) -> Pat {
        Pat {
            toks: s.chars().map(Tok::Lit).collect(),
            ci,
            never: false,
        }
    }

    /// `value` read as `reading`, its variables resolved by `resolve` (`None`: the value
    /// names a variable that has no value and no default, so it matches nothing).
    pub fn compile(
        value: &str,
        reading: Reading,
        variables: bool,
        resolve: &dyn Fn(&str) -> Option<String>,
    ) -> Option<Pat> {
        let wild = !matches!(reading, Reading::Exact { .. });
        let mut raw: Vec<Raw> = vec![];
        for piece in pieces(value, variables) {
            match piece {
                Piece::Text(t) => {
                    for c in t.chars() {
                        raw.push(match c {
                            '*' if wild => Raw::Wild(Tok::Star { colon: true }),
                            '?' if wild => Raw::Wild(Tok::One { colon: true }),
                            c => Raw::Lit(c),
                        });
                    }
                }
                Piece::Escaped(c) => raw.push(Raw::Lit(c)),
                Piece::Var(v) => {
                    let value = resolve(&v.key).or(v.default)?;
                    raw.extend(value.chars().map(Raw::Lit));
                }
            }
        }
        let ci = matches!(reading, Reading::Exact { ci: true });
        if reading != Reading::Arn {
            return Some(Pat {
                toks: raw
                    .into_iter()
                    .map(|r| match r {
                        Raw::Wild(t) => t,
                        Raw::Lit(c) => Tok::Lit(c),
                    })
                    .collect(),
                ci,
                never: false,
            });
        }
        // The first five colons separate parts whose wildcards stay inside them.
        let colons = raw.iter().filter(|r| **r == Raw::Lit(':')).count();
        if colons < 5 {
            return Some(Pat::never());
        }
        let mut seen = 0;
        let toks = raw
            .into_iter()
            .map(|r| match r {
                Raw::Lit(':') => {
                    seen += 1;
                    Tok::Lit(':')
                }
                Raw::Lit(c) => Tok::Lit(c),
                Raw::Wild(Tok::Star { .. }) => Tok::Star { colon: seen >= 5 },
                Raw::Wild(Tok::One { .. }) => Tok::One { colon: seen >= 5 },
                Raw::Wild(t) => t,
            })
            .collect();
        Some(Pat {
            toks,
            ci: false,
            never: false,
        })
    }

    /// The ARN pattern that holds where this pattern holds for the ARN's account (its
    /// fifth part): what a condition on `aws:PrincipalAccount` says of `aws:PrincipalArn`.
    pub fn as_account_of_arn(&self) -> Pat {
        if self.never {
            return Pat::never();
        }
        let any_part = [Tok::Star { colon: false }, Tok::Lit(':')];
        let mut toks: Vec<Tok> = any_part.iter().copied().cycle().take(8).collect();
        for t in &self.toks {
            toks.push(match *t {
                Tok::Star { .. } => Tok::Star { colon: false },
                Tok::One { .. } => Tok::One { colon: false },
                t => t,
            });
        }
        toks.push(Tok::Lit(':'));
        toks.push(Tok::Star { colon: true });
        Pat {
            toks,
            ci: self.ci,
            never: false,
        }
    }

    /// Is it plain that no string matches both patterns? True when one matches nothing,
    /// or when both begin (or end) with literal text and the texts differ at a position
    /// both fix. False means only "not shown" (the walk over both decides).
    pub fn surely_disjoint(&self, other: &Pat) -> bool {
        if self.never || other.never {
            return true;
        }
        let ci = self.ci || other.ci;
        let differ = |a: &Tok, b: &Tok| match (*a, *b) {
            (Tok::Lit(a), Tok::Lit(b)) => {
                Some(a != b && !(ci && a.to_lowercase().eq(b.to_lowercase())))
            }
            _ => None,
        };
        let first = self
            .toks
            .iter()
            .zip(&other.toks)
            .map_while(|(a, b)| differ(a, b));
        let last = (self.toks.iter().rev())
            .zip(other.toks.iter().rev())
            .map_while(|(a, b)| differ(a, b));
        first.chain(last).any(|d| d)
    }

    /// Does a literal `a` of the pattern match the character `b`?
    pub fn lit_eq(&self, a: char, b: char) -> bool {
        a == b || (self.ci && a.to_lowercase().eq(b.to_lowercase()))
    }

    /// Does `tok` take the character `c`?
    pub fn takes(&self, tok: Tok, c: char) -> bool {
        match tok {
            Tok::Lit(a) => self.lit_eq(a, c),
            Tok::One { colon } => colon || c != ':',
            Tok::Star { colon } => colon || c != ':',
            Tok::Digit => c.is_ascii_digit(),
        }
    }

    /// The positions reachable from `set` without reading a character (past stars).
    pub fn closure(&self, set: &mut Vec<u16>) {
        let mut i = 0;
        while i < set.len() {
            let p = set[i] as usize;
            if let Some(Tok::Star { .. }) = self.toks.get(p) {
                let next = (p + 1) as u16;
                if !set.contains(&next) {
                    set.push(next);
                }
            }
            i += 1;
        }
        set.sort_unstable();
    }

    /// The positions after reading `c` from `set` (closed).
    pub fn step(&self, set: &[u16], c: char) -> Vec<u16> {
        let mut out = vec![];
        self.step_into(set, c, &mut out);
        out
    }

    /// [`Pat::step`] into `out` (cleared first), which keeps its allocation.
    pub fn step_into(&self, set: &[u16], c: char, out: &mut Vec<u16>) {
        out.clear();
        for &p in set {
            let Some(&tok) = self.toks.get(p as usize) else {
                continue;
            };
            if !self.takes(tok, c) {
                continue;
            }
            let next = if matches!(tok, Tok::Star { .. }) {
                p
            } else {
                p + 1
            };
            if !out.contains(&next) {
                out.push(next);
            }
        }
        self.closure(out);
    }

    /// The closed start set.
    pub fn start(&self) -> Vec<u16> {
        if self.never {
            return vec![];
        }
        let mut s = vec![0];
        self.closure(&mut s);
        s
    }

    pub fn accepts(&self, set: &[u16]) -> bool {
        !self.never && set.contains(&(self.toks.len() as u16))
    }

    /// Does the pattern match `text`?
    pub fn matches(&self, text: &str) -> bool {
        if self.never {
            return false;
        }
        // Most policy values are literal text, perhaps ending in one `*`.
        let (head, tail) = match self.toks.split_last() {
            Some((Tok::Star { colon: true }, head)) => (head, true),
            _ => (&self.toks[..], false),
        };
        if head.iter().all(|t| matches!(t, Tok::Lit(_))) {
            let mut chars = text.chars();
            for t in head {
                let Tok::Lit(a) = *t else { return false };
                match chars.next() {
                    Some(c) if self.lit_eq(a, c) => {}
                    _ => return false,
                }
            }
            return tail || chars.next().is_none();
        }
        let mut set = self.start();
        let mut next = Vec::with_capacity(set.len() + 1);
        for c in text.chars() {
            if set.is_empty() {
                return false;
            }
            self.step_into(&set, c, &mut next);
            std::mem::swap(&mut set, &mut next);
        }
        self.accepts(&set)
    }

    /// Does the pattern have a wildcard, or compare without regard to case?
    pub fn is_constant(&self) -> bool {
        !self.ci && !self.never && self.toks.iter().all(|t| matches!(t, Tok::Lit(_)))
    }

    /// The text of a constant pattern.
    pub fn text(&self) -> String {
        self.toks
            .iter()
            .filter_map(|t| match t {
                Tok::Lit(c) => Some(*c),
                _ => None,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(p: &str) -> Pat {
        Pat::compile(p, Reading::Like, true, &|k| {
            (k == "aws:username").then(|| "al*ce".to_owned())
        })
        .unwrap()
    }

    #[test]
    fn wildcards_and_escapes() {
        assert!(like("a*c").matches("abbbc"));
        assert!(like("a?c").matches("abc"));
        assert!(!like("a?c").matches("ac"));
        // ${*} is a literal star: it matches only a star.
        assert!(like("a${*}c").matches("a*c"));
        assert!(!like("a${*}c").matches("abc"));
        assert!(like("a${?}").matches("a?"));
        assert!(!like("a${?}").matches("ab"));
        assert!(like("${$}x").matches("$x"));
        // A resolved variable is literal text, even with a star in it.
        assert!(like("home/${aws:username}/*").matches("home/al*ce/x"));
        assert!(!like("home/${aws:username}/*").matches("home/alice/x"));
        // Unresolved, no default: no pattern at all.
        assert!(Pat::compile("${aws:userid}", Reading::Like, true, &|_| None).is_none());
        assert!(
            Pat::compile("${aws:userid, 'bob'}", Reading::Like, true, &|_| None)
                .unwrap()
                .matches("bob")
        );
    }

    #[test]
    fn version_2008_reads_variables_as_text() {
        let p = Pat::compile(
            "${aws:SourceAccount}",
            Reading::Exact { ci: false },
            false,
            &|_| Some("1".into()),
        )
        .unwrap();
        assert!(p.matches("${aws:SourceAccount}"));
        assert!(!p.matches("1"));
    }

    #[test]
    fn arn_parts_keep_their_wildcards_inside() {
        let p = Pat::compile("arn:aws:iam::*:role/x", Reading::Arn, true, &|_| None).unwrap();
        assert!(p.matches("arn:aws:iam::123:role/x"));
        assert!(!p.matches("arn:aws:iam::1:2:role/x"));
        let last = Pat::compile("arn:*:*:*:*:*", Reading::Arn, true, &|_| None).unwrap();
        assert!(last.matches("arn:aws:logs:r:1:log-group:g:log-stream:s"));
        assert!(!last.matches("arn:aws:s3"));
        assert!(
            Pat::compile("*", Reading::Arn, true, &|_| None)
                .unwrap()
                .never
        );
        let account = Pat::literal("111122223333", false).as_account_of_arn();
        assert!(account.matches("arn:aws:iam::111122223333:role/x"));
        assert!(!account.matches("arn:aws:iam::111122223334:role/x"));
    }

    #[test]
    fn ignore_case() {
        let p = Pat::compile("ABC", Reading::Exact { ci: true }, true, &|_| None).unwrap();
        assert!(p.matches("abc"));
        assert!(!Pat::literal("ABC", false).matches("abc"));
    }

    #[test]
    fn disjoint_when_fixed_text_differs() {
        let arn = |t: &str| Pat::compile(t, Reading::Arn, true, &|_| None).unwrap();
        let like = |t: &str| Pat::compile(t, Reading::Like, true, &|_| None).unwrap();
        let ecs = arn("arn:aws:ecs:*:111122223333:cluster/*");
        assert!(ecs.surely_disjoint(&arn("arn:aws:ecr:eu-west-1:111122223333:repository/x/*")));
        assert!(!ecs.surely_disjoint(&arn("arn:aws:ecs:eu-west-1:*:cluster/b*")));
        assert!(!ecs.surely_disjoint(&like("*")));
        assert!(like("*.json").surely_disjoint(&like("a*.yaml")));
        assert!(!like("a*.json").surely_disjoint(&like("*b.json")));
        // Without regard to case, `A` and `a` are the same letter.
        let ci = Pat::compile("ABC", Reading::Exact { ci: true }, true, &|_| None).unwrap();
        assert!(!ci.surely_disjoint(&like("abc")));
        assert!(like("ABC").surely_disjoint(&like("abc")));
    }
}
