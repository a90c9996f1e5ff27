//! SARIF logs checked as code scanning's consumers check them: Microsoft's SARIF
//! multitool with the SARIF and GitHub (GHAS) rule kinds (installed by `cargo xtask`).

use std::process::Command;

use serde_json::Value;

use super::Run;

fn multitool() -> std::ffi::OsString {
    std::env::var_os("ECSROLE_TEST_SARIF_MULTITOOL").expect(
        "ECSROLE_TEST_SARIF_MULTITOOL is unset: `cargo xtask test` installs Microsoft's SARIF multitool (xtask/npm) and sets it",
    )
}

/// The multitool's `validate` on `sarif`, with the SARIF and GitHub (GHAS) rule kinds:
/// what it reports, errors and warnings alike (its own output is a SARIF log; its results
/// are schema or rule violations). None is allowed: no warning is left to explain.
pub fn validate(sarif: &str, name: &str) -> Vec<String> {
    let dir = std::env::temp_dir().join(format!("ecsrole-sarif-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.sarif");
    let output = dir.join("out.sarif");
    std::fs::write(&input, sarif).unwrap();
    let run = Command::new(multitool())
        .args([
            "validate",
            "--rule-kind",
            "Sarif;Ghas",
            "--log",
            "ForceOverwrite",
            "-o",
        ])
        .arg(&output)
        .arg(&input)
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .expect("run the SARIF multitool");
    let out: Value = serde_json::from_slice(&std::fs::read(&output).unwrap_or_default())
        .unwrap_or_else(|e| {
            panic!(
                "the multitool wrote no log ({e}): {}\n{}",
                String::from_utf8_lossy(&run.stdout),
                String::from_utf8_lossy(&run.stderr)
            )
        });
    let _ = std::fs::remove_dir_all(&dir);
    out["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r["level"] != "note" && r["level"] != "none")
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect()
}

/// The run's SARIF log, checked by the validator and by its shape.
pub fn sarif(run: &Run, name: &str) -> Value {
    let errors = validate(&run.stdout, name);
    assert!(
        errors.is_empty(),
        "{name}: the SARIF multitool says {errors:?}\n{}",
        run.stdout
    );
    let v: Value = serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {run:?}"));
    assert_eq!(v["version"], "2.1.0");
    v
}

pub fn results(v: &Value) -> Vec<&Value> {
    v["runs"][0]["results"].as_array().unwrap().iter().collect()
}
