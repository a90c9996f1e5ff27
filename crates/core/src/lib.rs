//! The ecsrole role engine.
//!
//! [`Desired`] is what a correct ECS instance role looks like; [`Iam`] reads the
//! [`Actual`] state; [`findings::check`] and [`plan::plan`] diff the two (pure
//! functions); [`Engine`] runs the flows check → plan → apply, and destroy. Nothing here
//! prints: rendering belongs to the CLI.

pub mod aws;
pub mod command;
pub mod concurrent;
pub mod desired;
pub mod engine;
pub mod error;
pub mod export;
pub mod findings;
pub mod fleet;
pub mod hint;
pub mod iam;
pub mod names;
pub mod org;
pub mod partition;
pub mod permissions;
pub mod plan;
pub mod policy;
pub mod poll;
pub mod scp;
pub mod state;
pub mod subject;
pub mod trust;

pub use aws::{Aws, AwsOptions, Calls};
pub use desired::{Desired, DesiredInput, RoleKind};
pub use engine::{ApplyOptions, DestroyOutcome, DestroyPlan, Engine, PlanOutcome};
pub use error::{Error, InputError, Refusal};
pub use findings::{Finding, FindingCode, Remedy, Report, Severity, Standing};
pub use hint::Hint;
pub use iam::Iam;
pub use partition::Partition;
pub use plan::{Action, PlanOptions};
pub use state::Actual;
pub use subject::Subject;
