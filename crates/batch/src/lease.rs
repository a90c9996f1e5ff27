//! Leases: a verify run owns what it creates until the time in its `ecsrole:expires` tag,
//! and `cleanup` leaves leased resources alone. Which resources a sweep deletes is decided
//! here, without AWS: what is ecsrole's, and whose lease is over (or which run, or all).

use std::collections::HashMap;
use std::time::SystemTime;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use ecsrole_core::names::{OWNER_TAG_KEY, OWNER_TAG_VALUE};

/// Every name a verify run gives starts with this; `cleanup` looks for it.
pub const NAME_PREFIX: &str = "ecsrole-verify-";
/// Every resource a verify run creates carries this tag with the run id.
pub const RUN_TAG: &str = "ecsrole:verify-run";
/// Every resource a verify run creates carries this tag: when its lease ends (UTC, RFC
/// 3339). Until then `cleanup` leaves it alone (the run may still be using it).
pub const EXPIRES_TAG: &str = "ecsrole:expires";

/// `2026-11-26T14:00:00Z` (whole seconds).
pub fn format(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    DateTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// The end of a resource's lease; `None` when it has no (readable) expiry tag, which
/// counts as expired (made by an older ecsrole, or the tag was edited).
pub fn expiry(tags: &HashMap<String, String>) -> Option<SystemTime> {
    let text = tags.get(EXPIRES_TAG)?;
    SystemTime::try_from(DateTime::from_str(text, Format::DateTime).ok()?).ok()
}

/// What `cleanup` deletes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sweep {
    /// Every ecsrole verify resource whose lease is over (the default).
    Expired,
    /// Every resource of this run, whatever its lease.
    Run(String),
    /// Every ecsrole verify resource, whatever its lease.
    All,
}

/// What a sweep makes of one resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Not ecsrole's, or not the run asked for.
    Ignore,
    Delete,
    /// ecsrole's, but its lease runs until then.
    Leased(SystemTime),
}

/// Is this ecsrole's: tagged `managed-by=ecsrole`, or (a resource that carries no tags at
/// all) named `ecsrole-verify-*`.
pub fn owned(name: &str, tags: &HashMap<String, String>) -> bool {
    tags.get(OWNER_TAG_KEY)
        .is_some_and(|v| v == OWNER_TAG_VALUE)
        || (tags.is_empty() && name.starts_with(NAME_PREFIX))
}

impl Sweep {
    pub fn judge(&self, name: &str, tags: &HashMap<String, String>, now: SystemTime) -> Verdict {
        if !owned(name, tags) {
            return Verdict::Ignore;
        }
        match self {
            Sweep::All => Verdict::Delete,
            Sweep::Run(id) => {
                let tagged = tags.get(RUN_TAG).is_some_and(|r| r == id);
                let named = name.strip_prefix(NAME_PREFIX).is_some_and(|rest| {
                    rest == id
                        || rest
                            .strip_prefix(id.as_str())
                            .is_some_and(|n| n.starts_with('-'))
                });
                if tagged || named {
                    Verdict::Delete
                } else {
                    Verdict::Ignore
                }
            }
            Sweep::Expired => match expiry(tags) {
                Some(until) if until > now => Verdict::Leased(until),
                _ => Verdict::Delete,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn expiry_round_trips() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_700_000);
        let text = format(t);
        assert_eq!(text, "2026-11-26T13:33:20Z");
        assert_eq!(expiry(&tags(&[(EXPIRES_TAG, &text)])), Some(t));
        assert_eq!(expiry(&tags(&[(EXPIRES_TAG, "tomorrow")])), None);
        assert_eq!(expiry(&tags(&[])), None);
    }

    #[test]
    fn sweeps() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_700_000);
        let later = format(now + Duration::from_secs(60));
        let earlier = format(now - Duration::from_secs(60));
        let run = |id: &str, expires: &str| {
            tags(&[
                ("managed-by", "ecsrole"),
                (RUN_TAG, id),
                (EXPIRES_TAG, expires),
            ])
        };
        let live = run("a1", &later);
        let over = run("b2", &earlier);
        let old = tags(&[("managed-by", "ecsrole"), (RUN_TAG, "c3")]);
        let theirs = tags(&[("team", "data")]);
        let expired = Sweep::Expired;
        assert_eq!(
            expired.judge("ecsrole-verify-a1", &live, now),
            Verdict::Leased(now + Duration::from_secs(60))
        );
        assert_eq!(
            expired.judge("ecsrole-verify-b2", &over, now),
            Verdict::Delete
        );
        assert_eq!(
            expired.judge("ecsrole-verify-c3", &old, now),
            Verdict::Delete,
            "no expiry tag: an older ecsrole's, expired"
        );
        assert_eq!(
            expired.judge("ecsrole-verify-d4", &tags(&[]), now),
            Verdict::Delete,
            "untagged, named by ecsrole"
        );
        for sweep in [Sweep::Expired, Sweep::All, Sweep::Run("x".into())] {
            assert_eq!(
                sweep.judge("ecsrole-verify-x", &theirs, now),
                Verdict::Ignore,
                "tagged by someone else, whatever the name: {sweep:?}"
            );
            assert_eq!(sweep.judge("theirs", &tags(&[]), now), Verdict::Ignore);
        }
        assert_eq!(
            Sweep::All.judge("ecsrole-verify-a1", &live, now),
            Verdict::Delete
        );
        let only_a1 = Sweep::Run("a1".into());
        assert_eq!(
            only_a1.judge("ecsrole-verify-a1", &live, now),
            Verdict::Delete
        );
        assert_eq!(
            only_a1.judge("ecsrole-verify-a1-2", &live, now),
            Verdict::Delete
        );
        assert_eq!(
            only_a1.judge("ecsrole-verify-b2", &over, now),
            Verdict::Ignore
        );
        assert_eq!(
            only_a1.judge("ecsrole-verify-a10", &run("a10", &earlier), now),
            Verdict::Ignore
        );
    }
}
