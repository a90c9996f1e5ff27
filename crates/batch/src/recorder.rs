//! The steps of a run as they happen: timed, told to a [`Progress`], and closed when a run
//! is cut short.

use std::future::Future;
use std::sync::Mutex;

use tokio::time::Instant;

use crate::level::Step;
use crate::outcome::{Failure, StepRecord, StepStatus};

/// Told about each step as it starts and ends (the CLI draws progress from it).
pub trait Progress: Send + Sync {
    fn started(&self, step: Step);
    fn finished(&self, step: &StepRecord);
}

/// Progress that shows nothing.
pub struct Silent;

impl Progress for Silent {
    fn started(&self, _: Step) {}
    fn finished(&self, _: &StepRecord) {}
}

/// Records steps with their timings; knows the step in progress when a run is cut short.
pub(crate) struct Recorder<'a> {
    progress: &'a dyn Progress,
    steps: Mutex<Vec<StepRecord>>,
    current: Mutex<Option<(Step, Instant)>>,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(progress: &'a dyn Progress) -> Self {
        Recorder {
            progress,
            steps: Mutex::new(vec![]),
            current: Mutex::new(None),
        }
    }

    fn push(&self, name: Step, status: StepStatus, start: Instant, detail: String) {
        let record = StepRecord {
            name,
            status,
            elapsed_ms: u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX),
            detail,
        };
        self.progress.finished(&record);
        self.steps.lock().expect("steps").push(record);
    }

    pub(crate) async fn step<T>(
        &self,
        name: Step,
        work: impl Future<Output = Result<(T, String), Failure>>,
    ) -> Result<T, Failure> {
        self.step_as(name, async {
            work.await
                .map(|(value, detail)| (value, StepStatus::Ok, detail))
        })
        .await
    }

    /// Like [`Recorder::step`], with the status the work says (`Retried`: it did not
    /// succeed, and the run goes on with another attempt).
    pub(crate) async fn step_as<T>(
        &self,
        name: Step,
        work: impl Future<Output = Result<(T, StepStatus, String), Failure>>,
    ) -> Result<T, Failure> {
        self.progress.started(name);
        *self.current.lock().expect("current") = Some((name, Instant::now()));
        let result = work.await;
        let (name, start) = self
            .current
            .lock()
            .expect("current")
            .take()
            .expect("a step in progress");
        match result {
            Ok((value, status, detail)) => {
                self.push(name, status, start, detail);
                Ok(value)
            }
            Err(f) => {
                self.push(name, StepStatus::Failed, start, f.message.clone());
                Err(f)
            }
        }
    }

    /// Closes the step a cancelled run left open.
    pub(crate) fn abandon(&self, status: StepStatus, detail: &str) {
        if let Some((name, start)) = self.current.lock().expect("current").take() {
            self.push(name, status, start, detail.to_owned());
        }
    }

    pub(crate) fn into_steps(self) -> Vec<StepRecord> {
        self.steps.into_inner().expect("steps")
    }
}
