//! The one contract every command's result keeps: from the value a command returns come its
//! exit code, its one-line summary (the fleet table), its findings as code scanning, the step
//! summary and `--fail-on` read them (typed: a [`Subject`] that knows its ARN), its steps,
//! and its JSON (the value itself). A single-account run ([`record`]) and a fleet target both
//! hand the value to [`ran`], so the two cannot tell different stories about one result.

use ecsrole_batch::VerifyOutcome;
use ecsrole_batch::diagnose::Diagnosis;
use ecsrole_core::findings::Report;
use ecsrole_core::{FindingCode, PlanOutcome};
use serde::Serialize;

use crate::ci::{Found, Ran, StepRow};
use crate::render::CheckOutput;
use crate::report::{self, Reporter, Suite};

/// What a command returns.
pub trait Outcome: Serialize {
    /// The exit code (see `exit.rs` for each command's rule).
    fn code(&self) -> u8;
    /// One line for the fleet table and progress.
    fn summary(&self) -> String;
    /// Its findings, in the order the command reports them.
    fn findings(&self) -> Vec<Found>;
    /// Its steps (verify's; none for the others).
    fn steps(&self) -> Vec<StepRow> {
        vec![]
    }
    /// The account it ran in, when the result names it.
    fn account(&self) -> Option<String>;
    /// Its JUnit test suite (`--report`).
    fn suite(&self) -> Suite;
}

/// What the run keeps of `o` for the outputs written after it: derived once.
pub fn ran(o: &impl Outcome) -> Ran {
    Ran {
        code: o.code(),
        summary: o.summary(),
        findings: o.findings(),
        steps: o.steps(),
        account: o.account(),
        json: serde_json::to_value(o).unwrap_or_default(),
    }
}

/// Keeps a single-account result for every output of the run (SARIF, the step summary,
/// the JUnit report) and gives its exit code.
pub fn record(reporter: &mut Reporter, aws: &ecsrole_core::Aws, result: &impl Outcome) -> u8 {
    reporter.ci.partition = Some(aws.partition.to_string());
    let ran = ran(result);
    let region = aws.config.region().map(|r| r.to_string());
    reporter.ci.push(crate::ci::Target::of(None, region, &ran));
    reporter.set(result.suite());
    ran.code
}

fn found(f: &ecsrole_core::Finding) -> Found {
    Found {
        code: f.code.as_str(),
        error: f.is_error(),
        message: f.message.clone(),
        subject: f.resource.clone(),
    }
}

impl Outcome for Report {
    fn code(&self) -> u8 {
        crate::exit::check_code(self)
    }

    fn summary(&self) -> String {
        if !self.undecided.is_empty() {
            return format!("not decided: {}", self.undecided.join("; "));
        }
        if self.compliant {
            return "compliant".into();
        }
        // Each error with its subject; an SCP's denial with its message, which names the
        // SCP and where it is attached: why apply would refuse, as a bare code is not.
        let codes: Vec<String> = self
            .findings
            .iter()
            .filter(|f| f.is_error())
            .map(|f| match f.code {
                FindingCode::ScpDeniesAgent => {
                    format!("{} ({}: {})", f.code.as_str(), f.resource, f.message)
                }
                _ => format!("{} ({})", f.code.as_str(), f.resource),
            })
            .collect();
        format!("drift: {}", codes.join(", "))
    }

    fn findings(&self) -> Vec<Found> {
        self.findings.iter().map(found).collect()
    }

    fn account(&self) -> Option<String> {
        self.account_id.clone()
    }

    fn suite(&self) -> Suite {
        report::check(self)
    }
}

impl Outcome for CheckOutput<'_> {
    fn code(&self) -> u8 {
        self.report.code()
    }
    fn summary(&self) -> String {
        self.report.summary()
    }
    fn findings(&self) -> Vec<Found> {
        Outcome::findings(self.report)
    }
    fn account(&self) -> Option<String> {
        self.report.account()
    }
    fn suite(&self) -> Suite {
        self.report.suite()
    }
}

/// plan's result and apply's (`applied` tells them apart).
impl Outcome for PlanOutcome {
    fn code(&self) -> u8 {
        if self.applied {
            crate::exit::apply_code(self)
        } else {
            crate::exit::plan_code(self)
        }
    }

    fn summary(&self) -> String {
        if self.applied {
            format!("applied {} change(s)", self.actions.len())
        } else {
            format!("{} change(s) pending", self.actions.len())
        }
    }

    fn findings(&self) -> Vec<Found> {
        self.findings.iter().map(found).collect()
    }

    fn account(&self) -> Option<String> {
        self.account_id.clone()
    }

    fn suite(&self) -> Suite {
        report::plan(self, if self.applied { "apply" } else { "plan" })
    }
}

impl Outcome for Diagnosis {
    fn code(&self) -> u8 {
        crate::exit::diagnose_code(self)
    }

    fn summary(&self) -> String {
        if self.undecided > 0 {
            return format!(
                "not decided: {} question(s) about the roles' policies",
                self.undecided
            );
        }
        if self.errors == 0 {
            return format!("no error ({} warning(s))", self.warnings);
        }
        let mut codes: Vec<&str> = vec![];
        for (_, f) in self.findings().filter(|(_, f)| f.is_error()) {
            if !codes.contains(&f.code.as_str()) {
                codes.push(f.code.as_str());
            }
        }
        format!("{} error(s): {}", self.errors, codes.join(", "))
    }

    fn findings(&self) -> Vec<Found> {
        self.findings()
            .map(|(_, f)| Found {
                code: f.code.as_str(),
                error: f.is_error(),
                message: f.message.clone(),
                subject: f.resource.clone(),
            })
            .collect()
    }

    /// The account the result names, else the one its environments' and queues' ARNs
    /// name.
    fn account(&self) -> Option<String> {
        self.account_id.clone().or_else(|| {
            let arns = self.compute_environments.iter().map(|c| &c.arn);
            arns.chain(self.job_queues.iter().map(|q| &q.arn))
                .find_map(|arn| arn.split(':').nth(4).map(str::to_owned))
        })
    }

    fn suite(&self) -> Suite {
        report::diagnose(self)
    }
}

impl Outcome for VerifyOutcome {
    fn code(&self) -> u8 {
        crate::exit::verify_code(self)
    }

    fn summary(&self) -> String {
        if self.verified {
            format!("verified ({})", self.level.as_str())
        } else {
            format!("not verified: {}", self.error.clone().unwrap_or_default())
        }
    }

    fn findings(&self) -> Vec<Found> {
        self.findings.iter().map(found).collect()
    }

    fn steps(&self) -> Vec<StepRow> {
        self.steps
            .iter()
            .map(|s| StepRow {
                name: s.name.as_str(),
                status: s.status.as_str(),
                elapsed_ms: s.elapsed_ms,
                detail: s.detail.clone(),
            })
            .collect()
    }

    fn account(&self) -> Option<String> {
        self.account_id.clone()
    }

    fn suite(&self) -> Suite {
        report::verify(self)
    }
}

impl Outcome for ecsrole_batch::rescue::RescueOutcome {
    fn code(&self) -> u8 {
        crate::exit::rescue_code(self)
    }

    fn summary(&self) -> String {
        let stuck: Vec<String> = self
            .compute_environments
            .iter()
            .map(|r| format!("{} ({:?})", r.name, r.ended))
            .collect();
        if stuck.is_empty() {
            "nothing stuck".into()
        } else {
            stuck.join(", ")
        }
    }

    /// Each environment still stuck (or, in a dry run, stuck), under diagnose's code for
    /// it; one that is VALID again or gone is no finding.
    fn findings(&self) -> Vec<Found> {
        use ecsrole_batch::rescue::Ended;
        self.compute_environments
            .iter()
            .filter(|r| !matches!(r.ended, Ended::Valid | Ended::Deleted))
            .map(|r| Found {
                code: if r.status == "DELETING" {
                    "compute_environment_deleting_blocked"
                } else {
                    "compute_environment_invalid"
                },
                error: true,
                message: format!(
                    "{} {:?}: missing {}; {}",
                    r.status,
                    r.status_reason,
                    r.missing
                        .iter()
                        .map(|m| m.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if r.detail.is_empty() {
                        "ecsrole rescue brings it back".to_owned()
                    } else {
                        r.detail.clone()
                    }
                ),
                subject: ecsrole_core::Subject::ComputeEnvironment {
                    name: r.name.clone(),
                    arn: Some(r.arn.clone()).filter(|a| !a.is_empty()),
                },
            })
            .collect()
    }

    fn account(&self) -> Option<String> {
        self.account_id.clone()
    }

    fn suite(&self) -> Suite {
        report::rescue(self)
    }
}

#[cfg(test)]
mod tests {
    use ecsrole_batch::StepStatus;

    #[test]
    fn a_steps_status_is_spelled_as_its_json() {
        for s in [
            StepStatus::Ok,
            StepStatus::Failed,
            StepStatus::Interrupted,
            StepStatus::Retried,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
