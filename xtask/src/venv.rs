//! The project's Python venvs under `.ecsrole-state/`: each built from one fully pinned
//! requirements file, and rebuilt when that file changes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::{project_root, state_dir};

/// The default interpreter: `$PYTHON`, else `python3`.
pub fn default_python() -> PathBuf {
    std::env::var_os("PYTHON").map_or_else(|| "python3".into(), PathBuf::from)
}

/// `.ecsrole-state/<name>` with `requirements` (relative to the project root) installed
/// by `python`, unless a venv built from the same requirements is there. `what` names it
/// in the one line printed when it is built. Returns the venv's `bin/`.
pub fn ensure(name: &str, requirements: &str, python: &Path, what: &str) -> Result<PathBuf> {
    let venv = state_dir().join(name);
    let pinned = fs::read_to_string(project_root().join(requirements))
        .with_context(|| format!("cannot read {requirements}"))?;
    let marker = venv.join(".ecsrole-requirements");
    let bin = venv.join("bin");
    if bin.join("python").exists() && fs::read_to_string(&marker).ok().as_deref() == Some(&pinned) {
        return Ok(bin);
    }
    eprintln!(
        "xtask: installing {what} into {} with {} (once)",
        venv.display(),
        python.display()
    );
    fs::create_dir_all(state_dir())?;
    crate::run({
        let mut c = Command::new(python);
        c.args(["-m", "venv", "--clear"]).arg(&venv);
        c
    })
    .context("creating the venv needs Python 3 with the venv module (Debian: python3-venv)")?;
    crate::run({
        let mut c = Command::new(bin.join("pip"));
        c.args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(project_root().join(requirements));
        c
    })?;
    fs::write(&marker, pinned)?;
    Ok(bin)
}
