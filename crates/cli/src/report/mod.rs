//! `--report PATH`: a JUnit XML file for CI systems, beside the unchanged stdout output.
//!
//! One `<testsuite>` per run inside `<testsuites>`: `model` is what a report holds, `cases`
//! maps each command's result to test cases (as the README documents), `xml` writes the
//! document. The `Reporter` here checks the path before any AWS call and writes the report
//! whatever the outcome, errors included.

use std::path::{Path, PathBuf};
use std::time::Duration;

use model::error;

mod cases;
mod model;
mod xml;

pub use cases::{check, diagnose, failed, fleet, plan, target, verify};
pub use model::{Case, Suite};

/// Where the report goes, once the path has been checked, and what it holds so far.
#[derive(Debug, Default)]
pub struct Reporter {
    path: Option<PathBuf>,
    suite: Option<Suite>,
}

impl Reporter {
    /// Checks `--report` before any AWS call: a writable file in an existing directory.
    /// From then on a report is written whatever happens.
    pub fn arm(&mut self, path: Option<&Path>) -> anyhow::Result<()> {
        let Some(path) = path else {
            return Ok(());
        };
        let shown = path.display();
        if path.is_dir() {
            anyhow::bail!("cannot write report {shown}: it is a directory");
        }
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !dir.is_dir() {
            anyhow::bail!(
                "cannot write report {shown}: directory {} does not exist",
                dir.display()
            );
        }
        // Opened without truncating: what is there stays until the report replaces it.
        std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| anyhow::anyhow!("cannot write report {shown}: {e}"))?;
        self.path = Some(path.to_owned());
        Ok(())
    }

    /// Is a report being collected?
    pub fn on(&self) -> bool {
        self.path.is_some()
    }

    pub fn set(&mut self, suite: Suite) {
        if self.on() {
            self.suite = Some(suite);
        }
    }

    /// Writes the report (if `--report` was given and accepted): the result collected, or,
    /// when the command ended in `error` first, one error case; an error after a result
    /// is added to it.
    pub fn write(
        &mut self,
        name: &str,
        error: Option<&str>,
        elapsed: Duration,
    ) -> anyhow::Result<()> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let suite = match (self.suite.take(), error) {
            (Some(mut s), Some(e)) => {
                s.cases
                    .push(Case::new("ecsrole", name, self::error("error", e)));
                s
            }
            (Some(s), None) => s,
            (None, e) => failed(name, e.unwrap_or("the command ended without a result")),
        };
        std::fs::write(path, suite.to_xml(elapsed))
            .map_err(|e| anyhow::anyhow!("cannot write report {}: {e}", path.display()))
    }
}
