//! `--report PATH`: a JUnit XML file for CI systems, beside the unchanged stdout output.
//!
//! One `<testsuite>` per run inside `<testsuites>`, written in the dialect of the Jenkins
//! xUnit plugin's `junit-10.xsd` (the schema the tests validate against). The mapping of
//! results to test cases is in the functions below and in the README. No XML crate: the
//! writer is a few lines and escapes everything it writes.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ecsrole_batch::verify::{FailureKind, StepStatus, VerifyOutcome};
use ecsrole_core::{PlanOutcome, Report, Severity};

/// One test suite: one per report.
#[derive(Debug, Clone, PartialEq)]
pub struct Suite {
    pub name: String,
    pub properties: Vec<(String, String)>,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub classname: String,
    pub name: String,
    pub time: Option<Duration>,
    pub result: CaseResult,
    /// Shown as `<system-out>`: detail of a passing case, a warning.
    pub output: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CaseResult {
    Passed,
    /// What was checked is wrong: drift, pending changes, a role shown not to work.
    Failure {
        kind: String,
        message: String,
    },
    /// Could not decide: an error, an interruption.
    Error {
        kind: String,
        message: String,
    },
    Skipped {
        message: String,
    },
}

impl Case {
    fn new(classname: impl Into<String>, name: impl Into<String>, result: CaseResult) -> Case {
        Case {
            classname: classname.into(),
            name: name.into(),
            time: None,
            result,
            output: None,
        }
    }

    fn output(mut self, text: impl Into<String>) -> Case {
        let text = text.into();
        self.output = (!text.is_empty()).then_some(text);
        self
    }
}

fn failure(kind: impl Into<String>, message: impl Into<String>) -> CaseResult {
    CaseResult::Failure {
        kind: kind.into(),
        message: message.into(),
    }
}

fn error(kind: impl Into<String>, message: impl Into<String>) -> CaseResult {
    CaseResult::Error {
        kind: kind.into(),
        message: message.into(),
    }
}

fn suite(command: &str, cases: Vec<Case>) -> Suite {
    Suite {
        name: format!("ecsrole {command}"),
        properties: vec![],
        cases,
    }
}

/// check: one case per finding (classname = code, name = resource). An error finding
/// fails; a warning passes with its message in `<system-out>`; no finding at all is one
/// passing case `compliant`.
pub fn check(r: &Report) -> Suite {
    let mut cases: Vec<Case> = r
        .findings
        .iter()
        .map(|f| match f.severity {
            Severity::Error => Case::new(
                f.code.as_str(),
                &f.resource,
                failure(f.code.as_str(), &f.message),
            ),
            Severity::Warning => Case::new(f.code.as_str(), &f.resource, CaseResult::Passed)
                .output(format!("warning: {}", f.message)),
        })
        .collect();
    if cases.is_empty() {
        cases.push(
            Case::new(
                "compliant",
                format!("role/{}", r.role_name),
                CaseResult::Passed,
            )
            .output(format!(
                "role {} and instance profile {} are compliant",
                r.role_name, r.instance_profile_name
            )),
        );
    }
    suite("check", cases)
}

/// plan and apply: one case per action (classname = action, name = resource). A planned
/// action fails (plan exits 2: changes pending); an applied one passes. No action is one
/// passing case `nothing_to_do`.
pub fn plan(p: &PlanOutcome, command: &str) -> Suite {
    let mut cases: Vec<Case> = p
        .actions
        .iter()
        .map(|a| {
            let message = if a.detail.is_empty() {
                format!("{} {}", a.action, a.resource)
            } else {
                a.detail.clone()
            };
            if p.applied {
                Case::new(a.action, &a.resource, CaseResult::Passed).output(message)
            } else {
                Case::new(a.action, &a.resource, failure("pending_change", message))
            }
        })
        .collect();
    if cases.is_empty() {
        cases.push(Case::new(
            "nothing_to_do",
            format!("role/{}", p.role_name),
            CaseResult::Passed,
        ));
    }
    suite(command, cases)
}

/// verify: one case per step run (classname = `verify`, name = step, time = the step's).
/// A failed step fails (type: why the run did not verify, for the step that stopped it);
/// an interrupted one is an error; proving steps of the level never reached are skipped.
/// What was left behind fails the `leftovers` case.
pub fn verify(v: &VerifyOutcome) -> Suite {
    let kind = |k: FailureKind| match k {
        FailureKind::Drift => "drift",
        FailureKind::RoleBroken => "role_broken",
        FailureKind::Error => "error",
        FailureKind::Interrupted => "interrupted",
    };
    let left_behind = !v.leftovers.is_empty() && !v.kept;
    let mut stopper = v.failure;
    let mut cases = vec![];
    for s in &v.steps {
        let result = match s.status {
            StepStatus::Ok if s.name == "leftovers" && left_behind => failure(
                "leftovers",
                format!("left behind: {}", v.leftovers.join(", ")),
            ),
            StepStatus::Ok => CaseResult::Passed,
            StepStatus::Failed => failure(stopper.take().map_or("failed", kind), &s.detail),
            StepStatus::Interrupted => error("interrupted", &s.detail),
        };
        let mut case = Case::new("verify", s.name, result);
        case.time = Some(Duration::from_millis(s.elapsed_ms));
        if s.name == "check" && !v.findings.is_empty() {
            let lines: Vec<String> = v
                .findings
                .iter()
                .map(|f| format!("{} {}: {}", f.code.as_str(), f.resource, f.message))
                .collect();
            case = case.output(lines.join("\n"));
        } else if matches!(case.result, CaseResult::Passed) {
            case = case.output(s.detail.clone());
        }
        cases.push(case);
    }
    let ran = |name: &str| v.steps.iter().any(|s| s.name == name);
    // Proving steps never reached are skipped, listed where they would have run: before
    // teardown (the first step that is not a proving step).
    let proving = v.level.steps();
    let mut at = cases
        .iter()
        .position(|c| !proving.contains(&c.name.as_str()))
        .unwrap_or(cases.len());
    for name in proving {
        if !ran(name) {
            let mut case = Case::new(
                "verify",
                *name,
                CaseResult::Skipped {
                    message: "not reached: the run stopped before this step".into(),
                },
            );
            case.time = Some(Duration::ZERO);
            cases.insert(at, case);
            at += 1;
        }
    }
    if left_behind && !ran("leftovers") {
        cases.push(Case::new(
            "verify",
            "leftovers",
            failure(
                "leftovers",
                format!("left behind: {}", v.leftovers.join(", ")),
            ),
        ));
    }
    if v.kept && !v.leftovers.is_empty() {
        cases.push(
            Case::new("verify", "kept", CaseResult::Passed)
                .output(format!("kept (--keep): {}", v.leftovers.join(", "))),
        );
    }
    // A failure no step recorded (none expected) still shows.
    if let Some(k) = stopper
        && !matches!(k, FailureKind::Interrupted)
        && !cases.iter().any(|c| {
            matches!(
                c.result,
                CaseResult::Failure { .. } | CaseResult::Error { .. }
            )
        })
    {
        cases.push(Case::new(
            "verify",
            "verify",
            failure(kind(k), v.error.clone().unwrap_or_default()),
        ));
    }
    let mut s = suite("verify", cases);
    s.properties = vec![
        ("level".into(), v.level.as_str().into()),
        ("run_id".into(), v.run_id.clone()),
    ];
    s
}

/// One fleet target's result, as a case: classname = command, name = account (verify:
/// account/region). Exit 0 passes, 2 and 3 fail, 1 is an error.
pub fn target(
    command: &str,
    name: String,
    code: u8,
    summary: &str,
    error_text: Option<&str>,
    time: Duration,
) -> Case {
    let result = match code {
        0 => CaseResult::Passed,
        1 => error("error", error_text.unwrap_or(summary)),
        3 => failure("role_broken", error_text.unwrap_or(summary)),
        _ if command == "plan" => failure("pending_change", summary),
        _ => failure("drift", error_text.unwrap_or(summary)),
    };
    let mut case = Case::new(command, name, result);
    case.time = Some(time);
    if code == 0 {
        case.output(summary)
    } else {
        case
    }
}

pub fn fleet(command: &str, cases: Vec<Case>) -> Suite {
    suite(command, cases)
}

/// A command that ended in an error before it had a result: one error case.
pub fn failed(command: &str, message: &str) -> Suite {
    suite(
        command,
        vec![Case::new("ecsrole", command, error("error", message))],
    )
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub tests: usize,
    pub failures: usize,
    pub errors: usize,
    pub skipped: usize,
}

impl Suite {
    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            tests: self.cases.len(),
            ..Counts::default()
        };
        for case in &self.cases {
            match case.result {
                CaseResult::Passed => {}
                CaseResult::Failure { .. } => c.failures += 1,
                CaseResult::Error { .. } => c.errors += 1,
                CaseResult::Skipped { .. } => c.skipped += 1,
            }
        }
        c
    }

    /// The whole document. `elapsed`: the command's wall time.
    pub fn to_xml(&self, elapsed: Duration) -> String {
        let c = self.counts();
        let time = seconds(elapsed);
        let name = escape(&self.name);
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"ecsrole\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{time}\">",
            c.tests, c.failures, c.errors
        );
        let _ = writeln!(
            x,
            "  <testsuite name=\"{name}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{time}\">",
            c.tests, c.failures, c.errors, c.skipped
        );
        if !self.properties.is_empty() {
            x.push_str("    <properties>\n");
            for (k, v) in &self.properties {
                let _ = writeln!(
                    x,
                    "      <property name=\"{}\" value=\"{}\"/>",
                    escape(k),
                    escape(v)
                );
            }
            x.push_str("    </properties>\n");
        }
        for case in &self.cases {
            let _ = write!(
                x,
                "    <testcase classname=\"{}\" name=\"{}\"",
                escape(&case.classname),
                escape(&case.name)
            );
            if let Some(t) = case.time {
                let _ = write!(x, " time=\"{}\"", seconds(t));
            }
            let mut inner = String::new();
            let _ = match &case.result {
                CaseResult::Passed => Ok(()),
                CaseResult::Failure { kind, message } => writeln!(
                    inner,
                    "      <failure type=\"{}\" message=\"{}\">{}</failure>",
                    escape(kind),
                    escape(message),
                    escape_text(message)
                ),
                CaseResult::Error { kind, message } => writeln!(
                    inner,
                    "      <error type=\"{}\" message=\"{}\">{}</error>",
                    escape(kind),
                    escape(message),
                    escape_text(message)
                ),
                CaseResult::Skipped { message } => {
                    writeln!(inner, "      <skipped message=\"{}\"/>", escape(message))
                }
            };
            if let Some(out) = &case.output {
                let _ = writeln!(inner, "      <system-out>{}</system-out>", escape_text(out));
            }
            if inner.is_empty() {
                x.push_str("/>\n");
            } else {
                x.push_str(">\n");
                x.push_str(&inner);
                x.push_str("    </testcase>\n");
            }
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }
}

/// Seconds with millisecond precision, as the schema's time pattern wants (`12.345`).
fn seconds(d: Duration) -> String {
    format!("{}.{:03}", d.as_secs(), d.subsec_millis())
}

/// Escapes text for an attribute value. Characters XML 1.0 cannot hold (most control
/// characters, e.g. a terminal escape in an error) become U+FFFD; line breaks and tabs
/// become character references, which attribute values need to keep them.
pub fn escape(s: &str) -> String {
    escape_as(s, true)
}

/// Escapes text for element content: as `escape`, but line breaks and tabs stay as they are.
pub fn escape_text(s: &str) -> String {
    escape_as(s, false)
}

fn escape_as(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\r' => out.push_str("&#13;"),
            '\n' | '\t' => out.push(c),
            '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}' => {
                out.push(c);
            }
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_breaks_and_control_characters() {
        assert_eq!(
            escape("a<b>&\"c\" 'd'\n\te\u{1b}[0m\u{0}"),
            "a&lt;b&gt;&amp;&quot;c&quot; &apos;d&apos;&#10;&#9;e\u{FFFD}[0m\u{FFFD}"
        );
        assert_eq!(escape("ünïcode ✓ 𝄞"), "ünïcode ✓ 𝄞");
        assert_eq!(
            escape_text("a \"b\"\n\tc\r\n<d>\u{7}"),
            "a \"b\"\n\tc&#13;\n&lt;d&gt;\u{FFFD}"
        );
    }

    #[test]
    fn seconds_have_millisecond_precision() {
        assert_eq!(seconds(Duration::from_millis(1234)), "1.234");
        assert_eq!(seconds(Duration::from_millis(5)), "0.005");
        assert_eq!(seconds(Duration::from_secs(3600)), "3600.000");
    }

    #[test]
    fn counts_and_document_agree() {
        let s = Suite {
            name: "ecsrole x".into(),
            properties: vec![("k".into(), "v\"".into())],
            cases: vec![
                Case::new("a", "ok", CaseResult::Passed),
                Case::new("a", "out", CaseResult::Passed).output("fine <really>"),
                Case::new("b", "f", failure("drift", "bad & worse")),
                Case::new("c", "e", error("error", "boom")),
                Case::new(
                    "d",
                    "s",
                    CaseResult::Skipped {
                        message: "later".into(),
                    },
                ),
            ],
        };
        assert_eq!(
            s.counts(),
            Counts {
                tests: 5,
                failures: 1,
                errors: 1,
                skipped: 1
            }
        );
        let xml = s.to_xml(Duration::from_millis(1500));
        assert_eq!(
            xml,
            r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="ecsrole" tests="5" failures="1" errors="1" time="1.500">
  <testsuite name="ecsrole x" tests="5" failures="1" errors="1" skipped="1" time="1.500">
    <properties>
      <property name="k" value="v&quot;"/>
    </properties>
    <testcase classname="a" name="ok"/>
    <testcase classname="a" name="out">
      <system-out>fine &lt;really&gt;</system-out>
    </testcase>
    <testcase classname="b" name="f">
      <failure type="drift" message="bad &amp; worse">bad &amp; worse</failure>
    </testcase>
    <testcase classname="c" name="e">
      <error type="error" message="boom">boom</error>
    </testcase>
    <testcase classname="d" name="s">
      <skipped message="later"/>
    </testcase>
  </testsuite>
</testsuites>
"#
        );
    }
}
