//! Wildcards as IAM matches them (`*` any run of characters, `?` one character), with
//! IAM's case rules: actions and `...IgnoreCase` operators without regard to case,
//! resources, ARNs and strings with it. And the one construction the evaluator needs to
//! choose values: a string two patterns both match.

use std::collections::HashSet;

/// Does `pattern` (with `*` and `?`) match `text`?
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| {
        if ignore_case {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
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
    p[pi..].iter().all(|&c| c == '*')
}

/// A string that both `a` and `b` (patterns with `*` and `?`) match, case-sensitively, if
/// there is one (the shortest the search finds first: a `*` matches nothing unless the
/// other side needs it to).
pub fn common_match(a: &str, b: &str) -> Option<String> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut dead = HashSet::new();
    let mut out = String::new();
    walk(&a, &b, 0, 0, &mut dead, &mut out).then_some(out)
}

/// [`common_match`] part by part for two ARN patterns (six colon-separated parts, the last
/// holding any further colons), so the string is an ARN both match; other patterns as
/// wholes.
pub fn common_arn_match(a: &str, b: &str) -> Option<String> {
    let pa: Vec<&str> = a.splitn(6, ':').collect();
    let pb: Vec<&str> = b.splitn(6, ':').collect();
    if pa.len() != 6 || pb.len() != 6 {
        return common_match(a, b);
    }
    let parts: Option<Vec<String>> = pa
        .iter()
        .zip(&pb)
        .map(|(x, y)| common_match(x, y))
        .collect();
    Some(parts?.join(":"))
}

/// Depth-first search over (position in a, position in b), emitting the common string;
/// `dead` remembers the pairs from which no common match exists.
fn walk(
    a: &[char],
    b: &[char],
    i: usize,
    j: usize,
    dead: &mut HashSet<(usize, usize)>,
    out: &mut String,
) -> bool {
    if i == a.len() && j == b.len() {
        return true;
    }
    if dead.contains(&(i, j)) {
        return false;
    }
    let len = out.len();
    let mut try_step = |ni: usize, nj: usize, emit: Option<char>, out: &mut String| {
        if let Some(c) = emit {
            out.push(c);
        }
        if walk(a, b, ni, nj, dead, out) {
            return true;
        }
        out.truncate(len);
        false
    };
    let (ca, cb) = (a.get(i).copied(), b.get(j).copied());
    // A star that matches nothing.
    if ca == Some('*') && try_step(i + 1, j, None, out) {
        return true;
    }
    if cb == Some('*') && try_step(i, j + 1, None, out) {
        return true;
    }
    // One character of both sides, or a star taking one character of the other side.
    let step = match (ca, cb) {
        (Some('*'), Some('*')) => None,
        (Some('*'), Some(c)) => Some((i, j + 1, if c == '?' { 'x' } else { c })),
        (Some(c), Some('*')) => Some((i + 1, j, if c == '?' { 'x' } else { c })),
        (Some('?'), Some('?')) => Some((i + 1, j + 1, 'x')),
        (Some('?'), Some(c)) | (Some(c), Some('?')) => Some((i + 1, j + 1, c)),
        (Some(x), Some(y)) if x == y => Some((i + 1, j + 1, x)),
        _ => None,
    };
    if let Some((ni, nj, c)) = step
        && try_step(ni, nj, Some(c), out)
    {
        return true;
    }
    dead.insert((i, j));
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_follow_iams_case_rules() {
        assert!(wildcard("sts:Assume*", "sts:assumerole", true));
        assert!(!wildcard("sts:Assume*", "sts:assumerole", false));
        assert!(wildcard("ecs:Submit*", "ecs:SubmitTaskStateChange", false));
        assert!(wildcard("e?2:*", "ec2:DescribeTags", false));
        assert!(!wildcard("e?2:*", "ecr2:DescribeTags", false));
        assert!(wildcard("*", "", false));
        assert!(!wildcard("", "a", false));
        assert!(wildcard("a*b*c", "axxbyyc", false));
        assert!(!wildcard("a*b*c", "axxbyy", false));
    }

    #[test]
    fn common_arn_matches_keep_the_parts_apart() {
        let got = common_arn_match(
            "arn:aws:ecs:*:*:cluster/prod-*",
            "arn:aws:ecs:*:123:cluster/*",
        );
        assert_eq!(got.as_deref(), Some("arn:aws:ecs::123:cluster/prod-"));
        // As plain patterns a `*` would reach across the colons.
        assert!(
            common_match("arn:aws:ecs:*:*:cluster/prod-*", "arn:aws:ecs:*:123:task/*").is_some()
        );
        assert_eq!(
            common_arn_match("arn:aws:ecs:*:*:cluster/prod-*", "arn:aws:ecs:*:123:task/*"),
            None
        );
        assert_eq!(
            common_arn_match("*", "arn:aws:ecs:*:123:task/*").as_deref(),
            Some("arn:aws:ecs::123:task/")
        );
    }

    #[test]
    fn common_matches_satisfy_both_patterns() {
        for (a, b, some) in [
            ("a*", "b*", false),
            ("a*", "*b", true),
            ("a?c", "abc", true),
            ("a?c", "ab", false),
            ("*", "*", true),
            ("111111111111", "999999999999", false),
        ] {
            let got = common_match(a, b);
            assert_eq!(got.is_some(), some, "{a} {b} {got:?}");
            if let Some(s) = got {
                assert!(
                    wildcard(a, &s, false) && wildcard(b, &s, false),
                    "{a} {b} {s}"
                );
            }
        }
    }
}
