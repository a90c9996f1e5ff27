//! insta settings: what changes from run to run (account ids, role ids, names, run ids,
//! UUIDs, endpoints, times) redacted, so a snapshot holds what a user reads.

#[allow(unused_imports)]
use super::*;

impl Ctx {
    /// Snapshot settings that redact this test's unique names and the emulator's ids.
    pub fn settings(&self) -> insta::Settings {
        let mut s = insta::Settings::clone_current();
        s.set_prepend_module_to_snapshot(false);
        s.add_filter(&regex_escape(&self.role), "[ROLE]");
        s.add_filter(&regex_escape(&self.endpoint), "[ENDPOINT]");
        // Free LocalStack has no Batch: destroy says so there (the test that snapshots it
        // asserts the line on that backend); the snapshot is the backends' common part.
        s.add_filter(r"(?m)^note: \S+ has no Batch API \(HTTP 501\)[^\n]*\n", "");
        // UUIDs first: the last group of one can be 12 digits, which the account filter
        // would take.
        s.add_filter(
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b",
            "[UUID]",
        );
        s.add_filter(r"\b\d{12}\b", "[ACCOUNT]");
        s.add_filter(r"\bARO[A-Z0-9]{12,}\b", "[ROLE_ID]");
        s.add_filter(r"\bAIP[A-Z0-9]{12,}\b", "[PROFILE_ID]");
        s.add_filter(
            r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?",
            "[DATE]",
        );
        s.add_filter(r"(?i)request id: [0-9a-z-]+", "request id: [REQUEST_ID]");
        // verify: run ids, generated ids, timings.
        s.add_filter(r"\b(subnet|sg|vpc)-[0-9a-f]{8,17}\b", "$1-[ID]");
        s.add_filter(r"\b[0-9a-f]{10}\b", "[RUN_ID]");
        s.add_filter(r#""elapsed_ms": \d+"#, r#""elapsed_ms": "[MS]""#);
        s.add_filter(r"\b\d+\.\ds\b", "[S]");
        // How long a level waited: its share of --timeout left, which depends on the load.
        s.add_filter(r"within \d+s\b", "within [S]");
        s
    }
}

pub(super) fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}
