//! The tools venv: pinned Python tools that tests use (xtask/requirements-tools.txt),
//! installed into `.ecsrole-state/venv-tools`, like the emulator's venv.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{project_root, state_dir};

const REQUIREMENTS: &str = "xtask/requirements-tools.txt";

/// The environment variable that hands the venv's python to the integration tests.
pub const PYTHON_ENV: &str = "ECSROLE_TEST_TOOLS_PYTHON";

/// Creates the venv and installs the pinned requirements, unless a venv built from the
/// same requirements exists. Returns the venv's python.
pub fn venv() -> Result<PathBuf> {
    let venv = state_dir().join("venv-tools");
    let requirements = fs::read_to_string(project_root().join(REQUIREMENTS))
        .with_context(|| format!("cannot read {REQUIREMENTS}"))?;
    let marker = venv.join(".ecsrole-requirements");
    let python = venv.join("bin/python");
    if python.exists() && fs::read_to_string(&marker).ok().as_deref() == Some(&requirements) {
        return Ok(python);
    }
    eprintln!(
        "xtask: installing the test tools into {} (once)",
        venv.display()
    );
    fs::create_dir_all(state_dir())?;
    crate::run({
        let mut c = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()));
        c.args(["-m", "venv", "--clear"]).arg(&venv);
        c
    })
    .context("creating the venv needs Python 3 with the venv module (Debian: python3-venv)")?;
    crate::run({
        let mut c = Command::new(venv.join("bin/pip"));
        c.args(["install", "--quiet", "--disable-pip-version-check", "-r"])
            .arg(project_root().join(REQUIREMENTS));
        c
    })?;
    fs::write(&marker, requirements)?;
    Ok(python)
}
