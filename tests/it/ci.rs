//! What CI pipelines read: `--output sarif` validated by Microsoft's SARIF
//! multitool (pinned in xtask/npm, handed over as `ECSROLE_TEST_SARIF_MULTITOOL`) for
//! drift, compliant and error runs of `check`, `diagnose` and a fleet run; the step
//! summary rendered by markdown-it (the tools venv; CommonMark with GitHub-flavoured
//! tables); `--fail-on
//! warning`.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::proxy::Fault;
use crate::harness::{Ctx, ECS_POLICY, results, sarif, validate};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_sarif_for_drift_compliant_and_error_runs() {
    let (ctx, proxy) = Ctx::proxied("ci_sarif").await;
    // Drift: nothing exists.
    let drift = ctx.ecsrole(&["check", "--output", "sarif"]);
    assert_eq!(drift.code, 2, "{drift:?}");
    let v = sarif(&drift, "drift");
    let found = results(&v);
    assert!(!found.is_empty());
    let role = found
        .iter()
        .find(|r| r["ruleId"] == "role_missing")
        .unwrap();
    assert_eq!(role["level"], "error");
    let name = role["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap();
    // The account is not known when the role is missing (no ARN was read): its name.
    assert!(name.ends_with(&format!("role/{}", ctx.role)), "{name}");
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = rules.iter().find(|r| r["id"] == "role_missing").unwrap();
    assert_eq!(rule["help"]["text"], "the role does not exist");
    assert!(
        rule["helpUri"]
            .as_str()
            .unwrap()
            .ends_with("/blob/main/docs/findings.md#finding-codes-stable")
    );
    // The same finding, the same fingerprint, run after run.
    let again = sarif(&ctx.ecsrole(&["check", "--output", "sarif"]), "again");
    let print = |v: &Value| {
        results(v)
            .iter()
            .map(|r| r["partialFingerprints"].to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(print(&v), print(&again));

    // Compliant.
    ctx.create_compliant(&[]).await;
    let ok = ctx.ecsrole(&["check", "--output", "sarif"]);
    assert_eq!(ok.code, 0, "{ok:?}");
    let v = sarif(&ok, "compliant");
    assert!(results(&v).is_empty(), "{v}");
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], true);

    // Error: IAM answers 500 to every attempt.
    for n in 1..=6 {
        proxy.fail("GetRole", proxy.hits("GetRole") + n, Fault::ServerError);
    }
    let failed = ctx.ecsrole(&["check", "--output", "sarif"]);
    assert_eq!(failed.code, 1, "{failed:?}");
    let v = sarif(&failed, "error");
    let invocation = &v["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false, "{v}");
    assert_eq!(invocation["exitCode"], 1);
    assert!(
        invocation["toolExecutionNotifications"][0]["message"]["text"]
            .as_str()
            .unwrap()
            .contains("GetRole"),
        "{v}"
    );
    proxy.heal();

    // Not for every command.
    let apply = ctx.ecsrole(&["apply", "--output", "sarif"]);
    assert_eq!(apply.code, 1);
    assert!(
        apply
            .stderr
            .contains("--output sarif is for check, plan, diagnose and rescue"),
        "{apply:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_diagnose_and_fleet_sarif_validate() {
    crate::harness::needs_batch();
    let s = crate::harness::Scene::new("ci_diag").await;
    // A profile deleted after the environment was made with it (moto checks it then).
    let gone = format!("{}-gone", s.ctx.role);
    s.profile(&gone, None).await;
    s.ce("noprofile", &gone, |c| c).await;
    s.ctx
        .iam
        .delete_instance_profile()
        .instance_profile_name(&gone)
        .send()
        .await
        .unwrap();
    let run = s.ctx.ecsrole_raw(&["diagnose", "--output", "sarif"]);
    assert_eq!(run.code, 2, "{run:?}");
    let v = sarif(&run, "diagnose");
    let missing = results(&v)
        .into_iter()
        .find(|r| r["ruleId"] == "instance_profile_not_found")
        .unwrap_or_else(|| panic!("{v}"));
    let name = missing["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
        .as_str()
        .unwrap();
    assert!(
        name.starts_with("arn:aws:iam::") && name.contains(":instance-profile/"),
        "{name}"
    );

    let ctx = Ctx::new("ci_fleet").await;
    let ids = crate::harness::accounts(&ctx, 2);
    let fleet = ctx.ecsrole(&[
        "check",
        "--account",
        &ids[0],
        "--account",
        &ids[1],
        "--output",
        "sarif",
    ]);
    assert_eq!(fleet.code, 2, "{fleet:?}");
    let v = sarif(&fleet, "fleet");
    for id in &ids {
        assert!(
            results(&v).iter().any(|r| r["properties"]["account"] == id.as_str()
                && r["ruleId"] == "role_missing"),
            "{id}: {v}"
        );
    }
    // Compliant: the roles made in both accounts.
    let accounts = ["--account", &ids[0], "--account", &ids[1]];
    let apply = ctx.ecsrole(&[&["apply", "-q"][..], &accounts].concat());
    assert_eq!(apply.code, 0, "{apply:?}");
    let ok = ctx.ecsrole(&[&["check", "--output", "sarif"][..], &accounts].concat());
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(results(&sarif(&ok, "fleet-compliant")).is_empty());
    // Error: STS answers 500 to every AssumeRole (through a proxy) until the bound.
    let (err_ctx, proxy) = Ctx::proxied("ci_fleet_err").await;
    for n in 1..=200 {
        proxy.fail("AssumeRole", n, Fault::ServerError);
    }
    let failed = err_ctx.ecsrole(
        &[
            &["check", "--output", "sarif", "--timeout", "4"][..],
            &accounts,
        ]
        .concat(),
    );
    assert_eq!(failed.code, 1, "{failed:?}");
    let v = sarif(&failed, "fleet-error");
    let notes = &v["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(
        notes.as_array().map(Vec::len),
        Some(2),
        "one per target: {v}"
    );
    assert_eq!(
        v["runs"][0]["invocations"][0]["executionSuccessful"], false,
        "{v}"
    );

    // diagnose compliant (a healthy environment alone) and in error (a name that is not
    // there: nothing is judged).
    s.ce("healthy", &s.ctx.role, |c| c).await;
    let ok = s.ctx.ecsrole_raw(&[
        "diagnose",
        "--compute-environment",
        "healthy",
        "--output",
        "sarif",
    ]);
    assert_eq!(ok.code, 0, "{ok:?}");
    assert!(
        results(&sarif(&ok, "diagnose-compliant"))
            .iter()
            .all(|r| r["level"] == "warning")
    );
    let missing = s.ctx.ecsrole_raw(&[
        "diagnose",
        "--compute-environment",
        "nosuch",
        "--output",
        "sarif",
    ]);
    assert_eq!(missing.code, 1, "{missing:?}");
    let v = sarif(&missing, "diagnose-error");
    assert_eq!(
        v["runs"][0]["invocations"][0]["executionSuccessful"], false,
        "{v}"
    );
}

/// Renders Markdown as GitHub would (markdown-it, GFM tables): the HTML.
fn render(markdown: &Path) -> String {
    let python = std::env::var_os("ECSROLE_TEST_TOOLS_PYTHON")
        .expect("ECSROLE_TEST_TOOLS_PYTHON is unset: `cargo xtask test` sets it to its tools venv");
    let out = Command::new(python)
        .args([
            "-c",
            "import sys; from markdown_it import MarkdownIt; print(MarkdownIt('commonmark').enable('table').render(open(sys.argv[1]).read()))",
        ])
        .arg(markdown)
        .output()
        .expect("run markdown-it");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A role whose only finding is a warning (its trust policy also admits another account):
/// exit 0, and 2 with `--fail-on warning`; `GITHUB_STEP_SUMMARY` gets the verdict and a
/// table naming the finding, appended run after run.
#[tokio::test]
async fn fail_on_warning_and_the_step_summary() {
    let ctx = Ctx::new("ci_summary").await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
    ctx.create_role(trust, &[]).await;
    ctx.attach(ECS_POLICY).await;
    ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
    assert_eq!(ctx.ecsrole(&["check"]).code, 0);
    let gate = ctx.ecsrole(&["check", "--fail-on", "warning"]);
    assert_eq!(gate.code, 2, "{gate:?}");
    // The words agree with the exit code: not "Compliant" when a warning fails the run.
    assert!(
        gate.stdout
            .contains("Not compliant under --fail-on warning: 1 warning(s), no error.")
            && !gate.stdout.contains("Compliant ("),
        "{gate:?}"
    );

    let file = std::env::temp_dir().join(format!("ecsrole-summary-{}.md", ctx.role));
    let _ = std::fs::remove_file(&file);
    let path = file.to_str().unwrap();
    let run = ctx.ecsrole_env(&["check"], &[("GITHUB_STEP_SUMMARY", path)]);
    assert_eq!(run.code, 0, "{run:?}");
    let run = ctx.ecsrole_env(
        &["check", "--fail-on", "warning"],
        &[("GITHUB_STEP_SUMMARY", path)],
    );
    assert_eq!(run.code, 2, "{run:?}");
    let md = std::fs::read_to_string(&file).unwrap();
    assert!(md.contains("### ecsrole check: compliant (exit 0)"), "{md}");
    assert!(
        md.contains("### ecsrole check: drift (exit 2)"),
        "appended: {md}"
    );
    let html = render(&file);
    assert!(html.matches("<table>").count() == 2, "{html}");
    assert!(
        html.contains("<th>code</th>") && html.contains("<th>resource</th>"),
        "{html}"
    );
    assert!(
        html.contains("<td><code>trust_policy_extra_principal</code></td>"),
        "{html}"
    );
    assert!(html.contains(&format!(":role/{}</td>", ctx.role)), "{html}");
    let _ = std::fs::remove_file(&file);
}

/// The composite action's shell (action/run.sh, what action.yml runs after installing),
/// run here as a runner would: with the `GITHUB_*` files it provides. The step's exit code
/// is ecsrole's, unchanged (2 stays drift); the outputs name the result and the reports.
#[tokio::test]
async fn the_actions_shell_keeps_the_exit_code_and_writes_its_outputs() {
    let ctx = Ctx::new("ci_action").await;
    let dir = std::env::temp_dir().join(format!("ecsrole-action-{}", ctx.role));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |n: &str| dir.join(n).to_str().unwrap().to_owned();
    let (output, summary, env_file) = (file("output"), file("summary"), file("env"));
    for f in [&output, &summary, &env_file] {
        std::fs::write(f, "").unwrap();
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../action/run.sh");
    let args = format!("--role-name {}", ctx.role);
    let runner = |command: &str, args: &str| {
        ctx.other(
            "bash",
            &[script],
            &[
                ("ECSROLE_BIN", env!("CARGO_BIN_EXE_ecsrole-it")),
                ("ECSROLE_COMMAND", command),
                ("ECSROLE_ARGS", args),
                ("ECSROLE_SARIF", "true"),
                ("ECSROLE_REPORT", "true"),
                ("RUNNER_TEMP", dir.to_str().unwrap()),
                ("GITHUB_OUTPUT", &output),
                ("GITHUB_STEP_SUMMARY", &summary),
                ("GITHUB_ENV", &env_file),
            ],
        )
    };
    let outputs = || -> std::collections::HashMap<String, String> {
        std::fs::read_to_string(&output)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    };

    let drift = runner("check", &args);
    assert_eq!(drift.code, 2, "{drift:?}");
    let out = outputs();
    assert_eq!(out["exit-code"], "2");
    assert_eq!(out["result"], "drift");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(&out["sarif-file"]).unwrap()).unwrap();
    assert!(!results(&sarif).is_empty(), "{sarif}");
    assert_eq!(
        sarif["runs"][0]["invocations"][0]["exitCode"], 2,
        "the log is the step's own run's"
    );
    assert!(
        std::fs::read_to_string(&out["report-file"])
            .unwrap()
            .contains("<testsuite")
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("### ecsrole check: drift (exit 2)"), "{md}");
    assert_eq!(
        md.matches("### ecsrole").count(),
        1,
        "the SARIF run writes no summary: {md}"
    );

    ctx.create_compliant(&[]).await;
    std::fs::write(&output, "").unwrap();
    let ok = runner("check", &args);
    assert_eq!(ok.code, 0, "{ok:?}");
    assert_eq!(outputs()["result"], "compliant");

    std::fs::write(&output, "").unwrap();
    let bad = runner("check", "--timeout nope");
    assert_eq!(bad.code, 1, "{bad:?}");
    assert_eq!(outputs()["result"], "error");
    assert_eq!(
        outputs()["sarif-file"],
        "",
        "an error run offers no SARIF to upload"
    );
    assert!(
        !dir.join("ecsrole.sarif").exists(),
        "the earlier log is gone"
    );
    // No argument at all: the empty list expands to nothing under `set -u`.
    std::fs::write(&output, "").unwrap();
    let bare = runner("check", "");
    assert!([0, 2].contains(&bare.code), "{bare:?}");
    let injected = runner("check; true", &args);
    assert_eq!(injected.code, 1, "{injected:?}");
    assert!(injected.stderr.contains("invalid command"), "{injected:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The action's scripts expand every array in the empty-safe form `${a[@]+"${a[@]}"}`:
/// bash 3.2 (macOS runners) fails on `"${a[@]}"` of an empty array under `set -u`, and it
/// cannot be installed here, so the scripts are read for the bare form.
#[test]
fn the_actions_scripts_expand_arrays_safely_for_bash_3() {
    for script in ["run.sh", "install.sh"] {
        let path = format!("{}/../action/{script}", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(at) = rest.find("\"${") {
                let after = &rest[at + 3..];
                let bare = after
                    .find('}')
                    .is_some_and(|end| after[..end].ends_with("[@]"));
                let safe = rest[..at].ends_with('+');
                assert!(
                    !bare || safe,
                    "{script}:{}: a bare array expansion: {line}",
                    n + 1
                );
                rest = after;
            }
        }
    }
}

/// `--sarif FILE` writes the log beside the human output in the same run (one run, one
/// exit code); a run that ends in an error writes none and removes the one an earlier run
/// left, so no upload can read "no findings" from it.
#[tokio::test]
async fn sarif_file_beside_the_output_and_none_after_an_error() {
    let ctx = Ctx::new("ci_sarif_file").await;
    let dir = ctx.temp_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("ecsrole.sarif");
    let file = path.to_str().unwrap();
    let drift = ctx.ecsrole(&["check", "--sarif", file]);
    assert_eq!(drift.code, 2, "{drift:?}");
    assert!(
        drift.stdout.contains("Drift:"),
        "human output as usual: {drift:?}"
    );
    let v: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let errors = validate(&std::fs::read_to_string(&path).unwrap(), "file");
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        results(&v).iter().any(|r| r["ruleId"] == "role_missing"),
        "{v}"
    );
    assert_eq!(v["runs"][0]["automationDetails"]["id"], "ecsrole/check/");
    assert_eq!(v["runs"][0]["invocations"][0]["exitCode"], 2);

    // The same file, then a run that cannot reach AWS: no log, the old one gone.
    let failed = ctx.ecsrole(&[
        "check",
        "--sarif",
        file,
        "--endpoint-url",
        "http://127.0.0.1:1",
        "--timeout",
        "5",
    ]);
    assert_eq!(failed.code, 1, "{failed:?}");
    assert!(
        !path.exists(),
        "a stale log was left for upload: {failed:?}"
    );
    // A command line that cannot be read erred too.
    std::fs::write(&path, "{}").unwrap();
    let unread = ctx.ecsrole(&["check", "--sarif", file, "--timeout", "nope"]);
    assert_eq!(unread.code, 1, "{unread:?}");
    assert!(!path.exists(), "{unread:?}");

    // Not for a command that makes no SARIF: refused before any call.
    let apply = ctx.ecsrole(&["apply", "--sarif", file]);
    assert_eq!(apply.code, 1, "{apply:?}");
    assert!(apply.stderr.contains("--sarif"), "{apply:?}");
    assert!(!path.exists());
    assert_eq!(ctx.state().await.trust, None, "nothing was written");
    let _ = std::fs::remove_dir_all(dir);
}
