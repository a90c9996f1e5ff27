//! Proves an ECS instance role works with AWS Batch, and always cleans up.

pub mod api;
mod classify;
pub mod cleanup;
pub mod diagnose;
pub mod ec2;
mod environment;
pub mod error;
mod evidence;
pub mod finding;
pub mod in_use;
pub mod lease;
pub mod level;
pub mod names;
pub mod network;
pub mod outcome;
mod proving;
pub mod recorder;
pub mod rescue;
pub mod run;
pub mod status;
mod teardown;
pub mod verifier;
pub mod verify;

#[cfg(test)]
mod mock_tests;

pub use error::Error;
pub use level::{Level, Step};
pub use outcome::{Evidence, FailureKind, StepRecord, StepStatus, VerifyOutcome};
pub use recorder::{Progress, Silent};
pub use run::{DEFAULT_IMAGE, DEFAULT_TIMEOUT, RunNames, TEARDOWN_TIMEOUT, VerifyOptions};
pub use verifier::Verifier;
