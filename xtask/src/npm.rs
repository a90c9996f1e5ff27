//! The pinned Node packages the tests use (`xtask/npm/package.json` and its
//! `package-lock.json`: the reference IAM policy evaluator, @cloud-copilot/iam-simulate, and
//! the SARIF validator, @microsoft/sarif-multitool),
//! installed with `npm ci` into `.ecsrole-state/npm/` and installed again when the lock
//! file changes, like the Python venvs (`venv.rs`).

use std::fs;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::{project_root, state_dir};

const PACKAGE: &str = "xtask/npm/package.json";
const LOCK: &str = "xtask/npm/package-lock.json";

/// The environment variable that hands the reference evaluator's Node script to the
/// integration tests.
pub const IAM_SIMULATE_ENV: &str = "ECSROLE_TEST_IAM_SIMULATE";

/// The environment variable that hands Microsoft's SARIF multitool (the SARIF validator)
/// to the integration tests.
pub const SARIF_ENV: &str = "ECSROLE_TEST_SARIF_MULTITOOL";

/// The multitool's self-contained Linux binary, in its npm package (its postinstall step,
/// which `--ignore-scripts` skips, only makes it executable: `ensure` does that).
const MULTITOOL: &str = "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool";

/// The SARIF multitool, when installed (Linux only: its other builds are not used here).
pub fn sarif_multitool() -> Option<PathBuf> {
    let path = state_dir().join("npm").join(MULTITOOL);
    path.exists().then_some(path)
}

/// Set instead when it could not be installed: why (the tests that need it fail with it).
pub const UNAVAILABLE_ENV: &str = "ECSROLE_TEST_IAM_SIMULATE_UNAVAILABLE";

/// The script the tests run with `node` (it loads the package from `.ecsrole-state/npm/`).
const SCRIPT: &str = "tests/reference/iam-simulate.mjs";

/// `.ecsrole-state/npm/node_modules` from the committed lock file, unless an install from
/// the same lock is there (then no network and no npm). Returns the script to hand the
/// tests. Fails naming what is missing when Node.js or npm cannot be run.
pub fn ensure() -> Result<PathBuf> {
    let root = project_root();
    let dir = state_dir().join("npm");
    let package =
        fs::read_to_string(root.join(PACKAGE)).with_context(|| format!("cannot read {PACKAGE}"))?;
    let lock =
        fs::read_to_string(root.join(LOCK)).with_context(|| format!("cannot read {LOCK}"))?;
    let pinned = format!("{package}\n{lock}");
    let marker = dir.join(".ecsrole-lock");
    let installed = dir.join("node_modules/@cloud-copilot/iam-simulate/package.json");
    let script = root.join(SCRIPT);
    let multitool = dir.join(MULTITOOL);
    if installed.exists()
        && (multitool.exists() || !cfg!(target_os = "linux"))
        && fs::read_to_string(&marker).ok().as_deref() == Some(&pinned)
    {
        return Ok(script);
    }
    let node = Command::new("node").arg("--version").output();
    if !node.as_ref().is_ok_and(|o| o.status.success()) {
        bail!(
            "the reference IAM policy evaluator needs Node.js (node) on PATH, to install \
             {LOCK} with npm and to run {SCRIPT}"
        );
    }
    eprintln!(
        "xtask: installing the test Node packages ({LOCK}) into {} with npm ci (once)",
        dir.display()
    );
    fs::create_dir_all(&dir)?;
    let _ = fs::remove_file(&marker);
    fs::copy(root.join(PACKAGE), dir.join("package.json"))?;
    fs::copy(root.join(LOCK), dir.join("package-lock.json"))?;
    let started = Instant::now();
    crate::run({
        let mut c = Command::new("npm");
        // --prefer-offline: a package already in npm's cache is taken from it without
        // asking the registry; --ignore-scripts: the pinned packages need no install step.
        c.current_dir(&dir).args([
            "ci",
            "--ignore-scripts",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--loglevel=error",
        ]);
        c
    })
    .context("installing the test Node packages needs npm (Debian: the npm package)")?;
    eprintln!("xtask: npm ci took {:.1}s", started.elapsed().as_secs_f64());
    #[cfg(unix)]
    if multitool.exists() {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&multitool, fs::Permissions::from_mode(0o755))?;
    }
    fs::write(&marker, pinned)?;
    Ok(script)
}
