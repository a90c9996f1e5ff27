//! What a JUnit report holds: one suite of test cases, each passed, failed, in error or
//! skipped. Nothing here knows ecsrole's commands (that is `cases`) or XML (that is `xml`).

use std::time::Duration;

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
    pub(crate) fn new(
        classname: impl Into<String>,
        name: impl Into<String>,
        result: CaseResult,
    ) -> Case {
        Case {
            classname: classname.into(),
            name: name.into(),
            time: None,
            result,
            output: None,
        }
    }

    pub(crate) fn output(mut self, text: impl Into<String>) -> Case {
        let text = text.into();
        self.output = (!text.is_empty()).then_some(text);
        self
    }
}

pub(crate) fn failure(kind: impl Into<String>, message: impl Into<String>) -> CaseResult {
    CaseResult::Failure {
        kind: kind.into(),
        message: message.into(),
    }
}

pub(crate) fn error(kind: impl Into<String>, message: impl Into<String>) -> CaseResult {
    CaseResult::Error {
        kind: kind.into(),
        message: message.into(),
    }
}

pub(crate) fn suite(command: &str, cases: Vec<Case>) -> Suite {
    Suite {
        name: format!("ecsrole {command}"),
        properties: vec![],
        cases,
    }
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
}
