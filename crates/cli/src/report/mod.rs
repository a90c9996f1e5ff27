//! `--report PATH`: a JUnit XML file for CI systems, beside the unchanged stdout output.
//!
//! One `<testsuite>` per run inside `<testsuites>`: `model` is what a report holds, `cases`
//! maps each command's result to test cases (as the README documents), `xml` writes the
//! document. The `Reporter` here checks the path before any AWS call and writes the report
//! whatever the outcome, errors included.
//!
//! The path is never followed: a symbolic link there is refused (its target is never
//! written). Every write goes to a new file beside the path and is renamed over it, so the
//! path holds a whole report or none. Before any call the path gets a failing "did not
//! finish" report, which the result replaces at the end: a run killed mid-way never leaves
//! an earlier run's passing report behind.

use std::path::{Path, PathBuf};
use std::time::Duration;

use model::error;

mod cases;
mod model;
mod xml;

pub use cases::{check, diagnose, failed, fleet, plan, rescue, target, verify};
pub use model::{Case, Suite};

/// Where the report goes, once the path has been checked, and what it holds so far.
#[derive(Debug, Default)]
pub struct Reporter {
    path: Option<PathBuf>,
    suite: Option<Suite>,
    /// What `--output sarif`, the step summary and `--fail-on` read (always kept).
    pub ci: crate::ci::Record,
}

impl Reporter {
    /// Checks `--report` before any AWS call: no symbolic link, not a directory or other
    /// non-regular file, in an existing directory where a file can be created; then
    /// replaces whatever report is there with one saying that this run has not finished.
    /// From then on a report is written whatever happens.
    pub fn arm(&mut self, path: Option<&Path>, command: &str) -> anyhow::Result<()> {
        let Some(path) = path else {
            return Ok(());
        };
        let shown = path.display();
        match std::fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(path)
                    .map_or_else(|_| "?".to_owned(), |t| t.display().to_string());
                anyhow::bail!(
                    "cannot write report {shown}: it is a symbolic link (to {target}); \
                     ecsrole never writes through a link: expected a path to a regular file \
                     (give the link's target itself, or remove the link)"
                );
            }
            Ok(m) if m.is_dir() => {
                anyhow::bail!("cannot write report {shown}: it is a directory");
            }
            Ok(m) if !m.is_file() => {
                anyhow::bail!(
                    "cannot write report {shown}: it is not a regular file; expected a path \
                     to a regular file (it is replaced by the report)"
                );
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => anyhow::bail!("cannot write report {shown}: {e}"),
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
        let unfinished = failed(
            command,
            &format!(
                "the run did not finish: ecsrole {command} (pid {}) started and has not \
                 written its result; a report left like this means the run was killed \
                 or crashed",
                std::process::id()
            ),
        );
        replace(path, &unfinished.to_xml(Duration::ZERO))?;
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
        replace(path, &suite.to_xml(elapsed))
    }
}

/// Writes `text` to a new file beside `path` and renames it over `path`: whatever is at
/// `path` (a file, or a link put there since `arm`: the link, never its target) is replaced
/// whole, and a reader sees the old report or the new one, never a part.
fn replace(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let fail = |e: std::io::Error| anyhow::anyhow!("cannot write report {}: {e}", path.display());
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map_or_else(|| "report".into(), |n| n.to_string_lossy().into_owned());
    let mut n = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.ecsrole-{}-{n}.tmp", std::process::id()));
        // create_new: never an existing file, nor through a link planted at that name.
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 100 => n += 1,
            Err(e) => return Err(fail(e)),
        }
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    Ok(())
}
