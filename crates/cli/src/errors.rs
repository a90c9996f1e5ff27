//! A run's errors at the edge: the kinds a run ends with, and the error document JSON
//! output prints.

#[allow(unused_imports)]
use crate::*;

/// What a run had learnt when it failed, for the JSON error object.
#[derive(Debug, Default)]
pub(crate) struct Known {
    pub(crate) region: Option<String>,
    pub(crate) partition: Option<Partition>,
}

/// A whole command cut short by `--timeout` (kind `timeout`): `Calls::timed_out`'s words.
#[derive(Debug)]
pub(crate) struct CommandTimedOut(pub(crate) String);

impl std::fmt::Display for CommandTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CommandTimedOut {}

/// Input the CLI itself refuses (kind `invalid_input`), before any call.
#[derive(Debug)]
pub(crate) struct BadInput(pub(crate) String);

impl std::fmt::Display for BadInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// The stable `kind` of a failure: the first error in its chain that has one.
pub(crate) fn error_kind(e: &anyhow::Error) -> &'static str {
    for cause in e.chain() {
        if let Some(e) = cause.downcast_ref::<ecsrole_core::Error>() {
            return e.kind();
        }
        if let Some(e) = cause.downcast_ref::<ecsrole_batch::Error>() {
            return e.kind();
        }
        if cause.is::<ecsrole_core::InputError>() || cause.is::<BadInput>() {
            return "invalid_input";
        }
        if cause.is::<CommandTimedOut>() {
            return "timeout";
        }
        if cause.is::<std::io::Error>() {
            return "io_error";
        }
    }
    "error"
}

/// The one JSON object every command prints on stdout when it fails with `--output json`.
pub(crate) fn error_document(
    cli: &Cli,
    kind: &str,
    message: &str,
    known: &Known,
) -> serde_json::Value {
    serde_json::json!({
        "command": cli.command.name(),
        "error": {
            "kind": kind,
            "message": message,
        },
        "region": known.region,
        "partition": known.partition.map(|p| p.as_str()),
        "account_id": serde_json::Value::Null,
    })
}

/// destroy's refusals in the error document: each as an object (`kind`, `message`,
/// `overridden_by`) under `error.refusals`, and the message their messages joined by
/// "; " (the human text puts each on an `error:` line of its own).
pub(crate) fn refusals_into(e: &anyhow::Error, doc: &mut serde_json::Value) {
    let Some(ecsrole_core::Error::Refused { refusals }) = e
        .chain()
        .find_map(|c| c.downcast_ref::<ecsrole_core::Error>())
    else {
        return;
    };
    let message: Vec<&str> = refusals.iter().map(|r| r.message.as_str()).collect();
    doc["error"]["message"] = serde_json::json!(message.join("; "));
    doc["error"]["refusals"] = serde_json::json!(refusals);
}
