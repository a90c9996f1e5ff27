//! The tools venv: pinned Python tools that tests use (xtask/requirements-tools.txt),
//! installed into `.ecsrole-state/venv-tools`, like the emulator's venv.

use std::path::PathBuf;

use anyhow::Result;

const REQUIREMENTS: &str = "xtask/requirements-tools.txt";

/// The environment variable that hands the venv's python to the integration tests.
pub const PYTHON_ENV: &str = "ECSROLE_TEST_TOOLS_PYTHON";

/// The tools venv (built once per requirements change); returns its python.
pub fn venv() -> Result<PathBuf> {
    let bin = crate::venv::ensure(
        "venv-tools",
        REQUIREMENTS,
        &crate::venv::default_python(),
        "the test tools",
    )?;
    Ok(bin.join("python"))
}
