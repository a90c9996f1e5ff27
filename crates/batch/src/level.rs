//! How far a verify run goes, and the one list of its step names.

use serde::Serialize;

/// How far verify goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The compute environment becomes VALID.
    Ce,
    /// A container instance registers in the compute environment's ECS cluster.
    Instance,
    /// A job runs to SUCCEEDED.
    Job,
}

/// Every step a verify run records, proving and teardown, by its stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Check,
    Network,
    ServiceRole,
    CreateComputeEnvironment,
    ComputeEnvironmentValid,
    ScaleUp,
    ContainerInstanceRegistered,
    CreateJobQueue,
    JobQueueValid,
    RegisterJobDefinition,
    SubmitJob,
    JobSucceeded,
    DeleteJobQueue,
    DeleteComputeEnvironment,
    DeregisterJobDefinition,
    Leftovers,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Check => "check",
            Step::Network => "network",
            Step::ServiceRole => "service_role",
            Step::CreateComputeEnvironment => "create_compute_environment",
            Step::ComputeEnvironmentValid => "compute_environment_valid",
            Step::ScaleUp => "scale_up",
            Step::ContainerInstanceRegistered => "container_instance_registered",
            Step::CreateJobQueue => "create_job_queue",
            Step::JobQueueValid => "job_queue_valid",
            Step::RegisterJobDefinition => "register_job_definition",
            Step::SubmitJob => "submit_job",
            Step::JobSucceeded => "job_succeeded",
            Step::DeleteJobQueue => "delete_job_queue",
            Step::DeleteComputeEnvironment => "delete_compute_environment",
            Step::DeregisterJobDefinition => "deregister_job_definition",
            Step::Leftovers => "leftovers",
        }
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Ce => "ce",
            Level::Instance => "instance",
            Level::Job => "job",
        }
    }

    /// The proving steps of a run at this level, in order (teardown not included): what a
    /// report lists as skipped when a run stops before reaching them.
    pub fn steps(self) -> &'static [Step] {
        use Step::*;
        match self {
            Level::Ce => &[
                Check,
                Network,
                ServiceRole,
                CreateComputeEnvironment,
                ComputeEnvironmentValid,
            ],
            Level::Instance => &[
                Check,
                Network,
                ServiceRole,
                CreateComputeEnvironment,
                ComputeEnvironmentValid,
                ScaleUp,
                ContainerInstanceRegistered,
            ],
            Level::Job => &[
                Check,
                Network,
                ServiceRole,
                CreateComputeEnvironment,
                ComputeEnvironmentValid,
                CreateJobQueue,
                JobQueueValid,
                RegisterJobDefinition,
                SubmitJob,
                JobSucceeded,
            ],
        }
    }
}
