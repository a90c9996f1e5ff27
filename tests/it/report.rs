//! `--report PATH`: JUnit XML for check, verify and fleet runs. Every report is validated
//! against the Jenkins xUnit plugin's JUnit schema (`junit.xsd` beside this file) with the
//! pinned `xmlschema` of the tools venv that `cargo xtask test` builds and names in
//! `ECSROLE_TEST_TOOLS_PYTHON`; without it the tests fail (they would validate nothing).

use std::path::{Path, PathBuf};

use crate::harness::{Ctx, ECS_POLICY};

/// A fresh path for a test's report, in a directory no other test uses.
fn report_path(ctx: &Ctx, name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ecsrole-it-report-{}", ctx.role));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("no report at {}: {e}", path.display()))
}

/// Validates the report against the JUnit schema. Without the validator the test fails:
/// a report test that validated nothing must not pass.
fn validate(path: &Path) {
    let python = std::env::var_os("ECSROLE_TEST_TOOLS_PYTHON").unwrap_or_else(|| {
        panic!(
            "cannot validate {} against the JUnit schema: ECSROLE_TEST_TOOLS_PYTHON is unset \
             (`cargo xtask test` sets it to its tools venv)",
            path.display()
        )
    });
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("it/junit.xsd");
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import sys, xmlschema; xmlschema.validate(sys.argv[1], sys.argv[2])",
        ])
        .arg(path)
        .arg(&xsd)
        .output()
        .expect("run the tools venv's python");
    assert!(
        out.status.success(),
        "{} does not validate against {}:\n{}\n{}",
        path.display(),
        xsd.display(),
        String::from_utf8_lossy(&out.stderr),
        read(path)
    );
}

/// The value of attribute `name` on the first `<element ` of the document.
fn attr(xml: &str, element: &str, name: &str) -> String {
    let start = xml
        .find(&format!("<{element} "))
        .unwrap_or_else(|| panic!("no <{element}> in\n{xml}"));
    let tag = &xml[start..start + xml[start..].find('>').unwrap()];
    let key = format!(" {name}=\"");
    let at = tag
        .find(&key)
        .unwrap_or_else(|| panic!("no {name} on {tag}"))
        + key.len();
    tag[at..at + tag[at..].find('"').unwrap()].to_owned()
}

/// (tests, failures, errors, skipped) as the `<testsuite>` element states them, checked
/// against the elements actually there and against `<testsuites>`.
fn counts(xml: &str) -> (usize, usize, usize, usize) {
    let n = |s: &str| xml.matches(s).count();
    let num = |e: &str, a: &str| attr(xml, e, a).parse::<usize>().unwrap();
    let stated = (
        num("testsuite", "tests"),
        num("testsuite", "failures"),
        num("testsuite", "errors"),
        num("testsuite", "skipped"),
    );
    let found = (
        n("<testcase "),
        n("<failure "),
        n("<error "),
        n("<skipped "),
    );
    assert_eq!(stated, found, "counts match the elements:\n{xml}");
    assert_eq!(
        (
            num("testsuites", "tests"),
            num("testsuites", "failures"),
            num("testsuites", "errors")
        ),
        (stated.0, stated.1, stated.2),
        "<testsuites> sums its suite:\n{xml}"
    );
    stated
}

/// (classname, name, outcome element or "passed") of every test case, in order.
fn cases(xml: &str) -> Vec<(String, String, String)> {
    xml.split("<testcase ")
        .skip(1)
        .map(|case| {
            let case = format!("<testcase {case}");
            let body = &case[..case.find("</testcase>").unwrap_or(case.len())];
            let outcome = ["failure", "error", "skipped"]
                .into_iter()
                .find(|e| body.contains(&format!("<{e} ")))
                .unwrap_or("passed");
            (
                attr(&case, "testcase", "classname"),
                attr(&case, "testcase", "name"),
                outcome.to_owned(),
            )
        })
        .collect()
}

fn redact_times(settings: &mut insta::Settings) {
    settings.add_filter(r#"time="\d+\.\d{3}""#, r#"time="[T]""#);
}

#[tokio::test]
async fn check_reports_drift_compliance_and_warnings() {
    // Drift: nothing exists, three error findings.
    let ctx = Ctx::new("report_drift").await;
    let path = report_path(&ctx, "drift.xml");
    let plain = ctx.ecsrole(&["check"]);
    let run = ctx.ecsrole(&["check", "--report", path.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{run:?}");
    assert_eq!(run.stdout, plain.stdout, "stdout is unchanged by --report");
    let json = ctx.ecsrole(&["check", "--output", "json"]).json();
    let findings = json["findings"].as_array().unwrap();
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (findings.len(), findings.len(), 0, 0));
    let expected: Vec<_> = findings
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_owned(),
                f["resource"].as_str().unwrap().to_owned(),
                "failure".to_owned(),
            )
        })
        .collect();
    assert_eq!(cases(&xml), expected);
    let mut settings = ctx.settings();
    redact_times(&mut settings);
    settings.bind(|| insta::assert_snapshot!("report_check_drift", xml));

    // Compliant: one passing case.
    let ctx = Ctx::new("report_ok").await;
    ctx.create_compliant(&[]).await;
    let path = report_path(&ctx, "compliant.xml");
    let run = ctx.ecsrole(&["check", "-q", "--report", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (1, 0, 0, 0));
    assert_eq!(
        cases(&xml),
        [(
            "compliant".to_owned(),
            format!("role/{}", ctx.role),
            "passed".to_owned()
        )]
    );

    // A warning passes, its message in <system-out>.
    let ctx = Ctx::new("report_warn").await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com","AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}]}"#;
    ctx.create_role(trust, &[]).await;
    ctx.attach(ECS_POLICY).await;
    ctx.create_profile(&ctx.role, Some(&ctx.role)).await;
    let path = report_path(&ctx, "warning.xml");
    let run = ctx.ecsrole(&["check", "--report", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{run:?}");
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (1, 0, 0, 0));
    assert_eq!(cases(&xml)[0].0, "trust_policy_extra_principal");
    assert!(xml.contains("<system-out>warning: "), "{xml}");
}

#[tokio::test]
async fn batch_verify_reports_one_case_per_step() {
    crate::harness::needs_batch();
    let ctx = Ctx::new("report_verify").await;
    let apply = ctx.ecsrole(&["apply", "-q"]);
    assert_eq!(apply.code, 0, "{}", apply.stderr);
    let path = report_path(&ctx, "verify.xml");
    let run = ctx.ecsrole(&[
        "verify",
        "--level",
        "ce",
        "--output",
        "json",
        "--report",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{run:?}");
    let json = run.json();
    let steps: Vec<_> = json["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (steps.len(), 0, 0, 0));
    let names: Vec<_> = cases(&xml).into_iter().map(|c| c.1).collect();
    assert_eq!(names, steps, "one case per step, in order");
    assert!(names.contains(&"leftovers".to_owned()), "{names:?}");
    assert!(
        xml.contains(r#"<property name="level" value="ce"/>"#),
        "{xml}"
    );
    assert_eq!(
        xml.matches("<testcase ").count(),
        xml.matches(" time=\"").count() - 2,
        "every case has a time (besides the two suites): {xml}"
    );

    // Drift: check fails, the proving steps never reached are skipped, nothing else runs.
    let drift = Ctx::new("report_verify_drift").await;
    let path = report_path(&drift, "verify-drift.xml");
    let run = drift.ecsrole(&[
        "verify",
        "--level",
        "ce",
        "--report",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (5, 1, 0, 4));
    let got = cases(&xml);
    assert_eq!((got[0].1.as_str(), got[0].2.as_str()), ("check", "failure"));
    assert!(xml.contains(r#"<failure type="drift""#), "{xml}");
    assert!(xml.contains("role_missing role/"), "findings listed: {xml}");
    let mut settings = drift.settings();
    redact_times(&mut settings);
    settings.bind(|| insta::assert_snapshot!("report_verify_drift", xml));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fleet_reports_one_case_per_target() {
    let ctx = Ctx::new("report_fleet").await;
    // Account ids derived from the test's unique role name, as tests/it/fleet.rs does.
    let seed: u64 = ctx
        .role
        .bytes()
        .fold(11, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
    let ids: Vec<String> = (0..2u64)
        .map(|i| {
            format!(
                "{:012}",
                (seed + i * 7919) % 900_000_000_000 + 100_000_000_000
            )
        })
        .collect();
    let applied = ctx.ecsrole(&["apply", "-q", "--account", &ids[0]]);
    assert_eq!(applied.code, 0, "{applied:?}");
    let path = report_path(&ctx, "fleet.xml");
    let run = ctx.ecsrole(&[
        "check",
        "--account",
        &ids[0],
        "--account",
        &ids[1],
        "--report",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2, "{run:?}");
    assert!(run.stdout.contains("2 target(s): 1 ok, 1 drift"), "{run:?}");
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (2, 1, 0, 0));
    let mut got = cases(&xml);
    got.sort();
    let mut expected = vec![
        ("check".to_owned(), ids[0].clone(), "passed".to_owned()),
        ("check".to_owned(), ids[1].clone(), "failure".to_owned()),
    ];
    expected.sort();
    assert_eq!(got, expected);
    assert!(xml.contains("drift: role_missing"), "{xml}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn report_path_and_command_are_checked_before_any_call() {
    let (ctx, proxy) = Ctx::proxied("report_input").await;
    let dir = report_path(&ctx, "x.xml").parent().unwrap().to_owned();
    let dir_s = dir.to_str().unwrap().to_owned();
    let missing = format!("{dir_s}/nonexistent/r.xml");
    let cases: [(&[&str], &str); 3] = [
        (&["check", "--report", &missing], "cannot write report"),
        (&["check", "--report", &dir_s], "is a directory"),
        (
            &["destroy", "--report", &format!("{dir_s}/d.xml")],
            "unexpected argument '--report'",
        ),
    ];
    for (args, expected) in cases {
        let run = ctx.ecsrole(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(expected), "{args:?}: {}", run.stderr);
    }
    assert!(
        !dir.join("d.xml").exists(),
        "a refused report is not written"
    );
    let run = ctx.ecsrole(&["check", "--report", &missing]);
    assert!(
        run.stderr.contains(&missing),
        "names the path: {}",
        run.stderr
    );

    // An error after the path was accepted is reported as one error case.
    let path = dir.join("error.xml");
    let run = ctx.ecsrole(&[
        "check",
        "--partition",
        "mars",
        "--report",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (1, 0, 1, 0));
    assert!(xml.contains("mars"), "the error is in the report: {xml}");
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
}

/// A symbolic link at the report path is refused before any call; its target is never
/// written, and the link stays as it was.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_symlink_at_the_report_path_is_refused_and_its_target_untouched() {
    let (ctx, proxy) = Ctx::proxied("report_link").await;
    let target = report_path(&ctx, "precious.txt");
    std::fs::write(&target, "not a report: keep me\n").unwrap();
    let link = target.with_file_name("link.xml");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let dangling = target.with_file_name("dangling.xml");
    let nowhere = target.with_file_name("created-through-the-link.xml");
    std::os::unix::fs::symlink(&nowhere, &dangling).unwrap();
    for path in [&link, &dangling] {
        let run = ctx.ecsrole(&["check", "--report", path.to_str().unwrap()]);
        assert_eq!(run.code, 1, "{run:?}");
        assert!(
            run.stderr.contains("symbolic link") && run.stderr.contains(path.to_str().unwrap()),
            "names the path and why: {}",
            run.stderr
        );
        assert!(
            std::fs::symlink_metadata(path)
                .unwrap()
                .file_type()
                .is_symlink(),
            "the link itself is left"
        );
    }
    assert_eq!(read(&target), "not a report: keep me\n", "target untouched");
    assert!(!nowhere.exists(), "nothing created through a dangling link");
    assert_eq!(proxy.log(), Vec::<String>::new(), "no request was sent");
}

/// A run killed mid-way (SIGKILL: nothing of ecsrole runs after it) never leaves an
/// earlier run's passing report at the path: from before its first call the path holds a
/// failing "did not finish" report, valid JUnit, which only the result replaces.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_run_leaves_no_passing_report() {
    let (ctx, proxy) = Ctx::proxied("report_killed").await;
    ctx.create_compliant(&[]).await;
    let path = report_path(&ctx, "ci.xml");
    let report = path.to_str().unwrap();
    let run = ctx.ecsrole(&["check", "-q", "--report", report]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(counts(&read(&path)), (1, 0, 0, 0), "a passing report first");

    // The next GetRole (the first run made one) stalls: the run is mid-way when killed.
    let next = proxy.log().iter().filter(|a| *a == "GetRole").count() + 1;
    proxy.fail(
        "GetRole",
        next,
        crate::harness::proxy::Fault::Stall(std::time::Duration::from_secs(60)),
    );
    let mut child = ctx.spawn(&["check", "-q", "--report", report]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while proxy.hits("GetRole") == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "ecsrole never called GetRole"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "killed: {status:?}");
    let xml = read(&path);
    validate(&path);
    assert_eq!(counts(&xml), (1, 0, 1, 0), "one error, no pass:\n{xml}");
    assert!(xml.contains("did not finish"), "{xml}");
    let dir = path.parent().unwrap();
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(files, ["ci.xml"], "no temporary file left beside it");

    // The next run that finishes replaces it with its result.
    proxy.heal();
    let run = ctx.ecsrole(&["check", "-q", "--report", report]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(counts(&read(&path)), (1, 0, 0, 0));
}
