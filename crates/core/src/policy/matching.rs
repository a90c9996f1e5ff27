//! Wildcards as IAM matches them (`*` any run of characters, `?` one character), with
//! IAM's case rules: actions and `...IgnoreCase` operators without regard to case,
//! resources, ARNs and strings with it.

/// Does `pattern` (with `*` and `?`) match `text`?
pub fn wildcard(pattern: &str, text: &str, ignore_case: bool) -> bool {
    // Actions and most ARNs are ASCII: compare their bytes without collecting characters.
    if pattern.is_ascii() && text.is_ascii() {
        let eq = |a: &u8, b: &u8| {
            if ignore_case {
                a.eq_ignore_ascii_case(b)
            } else {
                a == b
            }
        };
        return matches(pattern.as_bytes(), text.as_bytes(), b'*', b'?', eq);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: &char, b: &char| {
        if ignore_case {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    matches(&p, &t, '*', '?', eq)
}

/// The greedy wildcard match, backtracking to the last star.
fn matches<T: PartialEq>(p: &[T], t: &[T], any: T, one: T, eq: impl Fn(&T, &T) -> bool) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == one || (p[pi] != any && eq(&p[pi], &t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == any {
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
    p[pi..].iter().all(|c| *c == any)
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
        // Beyond ASCII, characters (not bytes) are matched.
        assert!(wildcard("caf?", "café", false));
        assert!(wildcard("CAFÉ*", "cafés", true));
        assert!(!wildcard("CAFÉ*", "cafés", false));
    }
}
