//! Leases: a verify run owns what it creates until the time in its `ecsrole:expires` tag,
//! and `cleanup` leaves leased resources alone. Which resources a sweep deletes is decided
//! here, without AWS: only verify resources (see [`verify_run`]), and of those the ones
//! whose lease is over (or of one run, or all).

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

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

/// How long after its end a lease is still honoured (on AWS's clock, as the end is).
pub const LEASE_MARGIN: Duration = Duration::from_secs(300);

/// `2026-11-26T14:00:00Z` (whole seconds).
pub fn format(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    DateTime::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// The end of a resource's lease; `None` when it has no (readable) expiry tag. On a verify
/// resource that means "unknown", never "over": the default sweep leaves it (listed, with
/// its run id), and only `cleanup --run ID` or `--all` take it.
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
    /// Not a verify resource, or not of the run asked for.
    Ignore,
    Delete,
    /// A verify resource of run `run`, but its lease runs until `until`; `None`: it has no
    /// readable expiry, so it may still be in use.
    Leased {
        run: String,
        until: Option<SystemTime>,
    },
}

/// The run id of a verify resource, `None` for anything else. A verify resource carries
/// all of: `managed-by=ecsrole`, `ecsrole:verify-run=<run id>`, and the name verify gives
/// that run (`ecsrole-verify-<run id>`, or `-2`, `-3`... after it). The ownership tag alone
/// (an `apply`'s, or anyone's who copied it) or the name alone is never enough.
pub fn verify_run<'a>(name: &str, tags: &'a HashMap<String, String>) -> Option<&'a str> {
    if tags.get(OWNER_TAG_KEY).map(String::as_str) != Some(OWNER_TAG_VALUE) {
        return None;
    }
    let run = tags
        .get(RUN_TAG)
        .map(String::as_str)
        .filter(|r| !r.is_empty())?;
    let named = name.strip_prefix(NAME_PREFIX).is_some_and(|rest| {
        rest == run
            || rest
                .strip_prefix(run)
                .and_then(|n| n.strip_prefix('-'))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    });
    named.then_some(run)
}

impl Sweep {
    pub fn judge(&self, name: &str, tags: &HashMap<String, String>, now: SystemTime) -> Verdict {
        let Some(run) = verify_run(name, tags) else {
            return Verdict::Ignore;
        };
        match self {
            Sweep::All => Verdict::Delete,
            Sweep::Run(id) if id == run => Verdict::Delete,
            Sweep::Run(_) => Verdict::Ignore,
            // A lease is over only LEASE_MARGIN after its end: what is left of a clock
            // difference between the machine that wrote it and AWS's must not cut a run short.
            Sweep::Expired => match expiry(tags) {
                Some(until) if until + LEASE_MARGIN <= now => Verdict::Delete,
                until => Verdict::Leased {
                    run: run.to_owned(),
                    until,
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {

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

    fn run_tags(id: &str, expires: &str) -> HashMap<String, String> {
        tags(&[
            ("managed-by", "ecsrole"),
            (RUN_TAG, id),
            (EXPIRES_TAG, expires),
        ])
    }

    #[test]
    fn sweeps() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_795_700_000);
        let later = format(now + Duration::from_secs(60));
        let earlier = format(now - LEASE_MARGIN - Duration::from_secs(1));
        let just_over = run_tags("d4", &format(now - Duration::from_secs(60)));
        let run = run_tags;
        let live = run("a1", &later);
        assert_eq!(
            Sweep::Expired.judge("ecsrole-verify-d4", &just_over, now),
            Verdict::Leased {
                run: "d4".into(),
                until: Some(now - Duration::from_secs(60))
            },
            "a minute past its end, within the margin: still leased"
        );
        let over = run("b2", &earlier);
        let no_expiry = tags(&[("managed-by", "ecsrole"), (RUN_TAG, "c3")]);
        let theirs = tags(&[("team", "data")]);
        let expired = Sweep::Expired;
        assert_eq!(
            expired.judge("ecsrole-verify-a1", &live, now),
            Verdict::Leased {
                run: "a1".into(),
                until: Some(now + Duration::from_secs(60))
            }
        );
        assert_eq!(
            expired.judge("ecsrole-verify-b2", &over, now),
            Verdict::Delete
        );
        assert_eq!(
            expired.judge("ecsrole-verify-b2-3", &over, now),
            Verdict::Delete,
            "a run's later compute environment"
        );
        for unreadable in [no_expiry.clone(), run("c3", "tomorrow")] {
            assert_eq!(
                expired.judge("ecsrole-verify-c3", &unreadable, now),
                Verdict::Leased {
                    run: "c3".into(),
                    until: None
                },
                "no readable expiry: may be in use, left by the default sweep"
            );
            assert_eq!(
                Sweep::Run("c3".into()).judge("ecsrole-verify-c3", &unreadable, now),
                Verdict::Delete
            );
            assert_eq!(
                Sweep::All.judge("ecsrole-verify-c3", &unreadable, now),
                Verdict::Delete
            );
        }
        // Never a verify resource, whatever the sweep: the ownership tag alone (what
        // `apply` puts on roles, or anyone's copy of it), the name alone, a run tag on a
        // name verify did not give that run, a run tag without the ownership tag.
        let managed = tags(&[("managed-by", "ecsrole")]);
        let not_ours = [
            ("prod-nightly-etl", managed.clone()),
            ("prod-nightly-etl", run("d4", &earlier)),
            ("ecsrole-verify-d4", managed.clone()),
            ("ecsrole-verify-d4", tags(&[])),
            ("ecsrole-verify-d4", theirs.clone()),
            ("ecsrole-verify-d4", tags(&[(RUN_TAG, "d4")])),
            ("ecsrole-verify-e5", run("d4", &earlier)),
            ("ecsrole-verify-d4x", run("d4", &earlier)),
            ("ecsrole-verify-d4-", run("d4", &earlier)),
            ("ecsrole-verify-d4-x", run("d4", &earlier)),
            ("ecsrole-verify-", run("", &earlier)),
            ("theirs", tags(&[])),
        ];
        for sweep in [Sweep::Expired, Sweep::All, Sweep::Run("d4".into())] {
            for (name, t) in &not_ours {
                assert_eq!(
                    sweep.judge(name, t, now),
                    Verdict::Ignore,
                    "{sweep:?} {name} {t:?}"
                );
            }
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
