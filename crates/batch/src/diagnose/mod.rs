//! `diagnose`: why an existing compute environment is INVALID, why its instances never join
//! ECS, why jobs sit in RUNNABLE. Read-only. [`read`] gathers everything in as few calls as
//! the APIs allow (Batch's describes take 100 names, EC2's filters 200 ids; one read per
//! distinct instance profile, role, service role and launch template, at most
//! `concurrency` at once); [`checks`] turns what was read into findings with stable codes
//! (pure, no AWS call).

use std::time::Duration;

use serde::{Serialize, Serializer};

use ecsrole_core::{FindingCode, Iam, Partition, Severity};

use crate::api::BatchApi;
use crate::ec2::Ec2;
use crate::error::Error;

mod checks;
mod instances;
mod queues;
pub(crate) mod read;
#[cfg(test)]
mod tests;

pub use checks::judge;
pub use read::Facts;

/// What to look at. Empty: every compute environment and job queue in the region.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Names or ARNs.
    pub compute_environments: Vec<String>,
    /// Names or ARNs; each brings its compute environments.
    pub job_queues: Vec<String>,
    /// Job ids; each brings its queue (and so its compute environments).
    pub jobs: Vec<String>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.compute_environments.is_empty() && self.job_queues.is_empty() && self.jobs.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct DiagnoseOptions {
    pub selection: Selection,
    /// The managed policies the instance role must have: the ECS instance policy and any
    /// `--extra-policy` (as `Desired::policies` gives them).
    pub policies: Vec<String>,
    /// How long an instance may run before it must have registered with ECS.
    pub registration_allowance: Duration,
    /// Reads in flight at once.
    pub concurrency: usize,
}

/// What diagnose talks to: one account and region.
#[derive(Debug, Clone)]
pub struct Diagnoser {
    pub iam: Iam,
    pub batch: BatchApi,
    pub ec2: Ec2,
    pub partition: Partition,
}

impl Diagnoser {
    /// Reads, then judges.
    pub async fn diagnose(&self, opts: &DiagnoseOptions) -> Result<Diagnosis, Error> {
        let facts = read::read(self, opts).await?;
        Ok(judge(&facts, opts, self.partition))
    }
}

/// Stable finding codes; listed in the README. Never rename one. The instance role's own
/// findings keep `check`'s codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A finding `check` makes about the role the compute environment's profile holds.
    Role(FindingCode),
    InstanceRoleIsARole,
    InstanceProfileNotFound,
    ComputeEnvironmentInvalid,
    ComputeEnvironmentDisabled,
    ComputeEnvironmentMaxVcpusZero,
    LaunchTemplateProfileIgnored,
    LaunchTemplateMissing,
    ServiceRoleMissing,
    ServiceRoleNotTrusted,
    ServiceLinkedRoleMissing,
    SubnetMissing,
    SecurityGroupMissing,
    InstancesNotRegistered,
    InstanceProfileMismatch,
    JobQueueInvalid,
    JobQueueDisabled,
    JobQueueNoComputeEnvironment,
    JobRunnable,
    JobNeedsExceedCapacity,
    ImageEndOfSupport,
    SpotFleetRoleMissing,
    SpotFleetRoleNotTrusted,
    ManagedInstancesProfileMissing,
    ManagedInstancesPolicyMissing,
    ManagedInstancesRoleName,
    SubnetNoRouteOut,
    SubnetNoPublicIp,
    SecurityGroupBlocksHttps,
    NetworkAclBlocksHttps,
    InfrastructureRoleMissing,
    InfrastructureRoleNotTrusted,
    EksNodePolicyMissing,
    EksNodeRoleNotTrusted,
    UnmanagedInstanceNoProfile,
    SpotFleetRoleUntagged,
}

impl Code {
    /// Every code diagnose itself makes (the README lists them; a test keeps the two in step).
    pub const OWN: [Code; 35] = [
        Code::InstanceRoleIsARole,
        Code::InstanceProfileNotFound,
        Code::ComputeEnvironmentInvalid,
        Code::ComputeEnvironmentDisabled,
        Code::ComputeEnvironmentMaxVcpusZero,
        Code::LaunchTemplateProfileIgnored,
        Code::LaunchTemplateMissing,
        Code::ServiceRoleMissing,
        Code::ServiceRoleNotTrusted,
        Code::ServiceLinkedRoleMissing,
        Code::SubnetMissing,
        Code::SecurityGroupMissing,
        Code::InstancesNotRegistered,
        Code::InstanceProfileMismatch,
        Code::JobQueueInvalid,
        Code::JobQueueDisabled,
        Code::JobQueueNoComputeEnvironment,
        Code::JobRunnable,
        Code::JobNeedsExceedCapacity,
        Code::ImageEndOfSupport,
        Code::SpotFleetRoleMissing,
        Code::SpotFleetRoleNotTrusted,
        Code::ManagedInstancesProfileMissing,
        Code::ManagedInstancesPolicyMissing,
        Code::ManagedInstancesRoleName,
        Code::SubnetNoRouteOut,
        Code::SubnetNoPublicIp,
        Code::SecurityGroupBlocksHttps,
        Code::NetworkAclBlocksHttps,
        Code::InfrastructureRoleMissing,
        Code::InfrastructureRoleNotTrusted,
        Code::EksNodePolicyMissing,
        Code::EksNodeRoleNotTrusted,
        Code::UnmanagedInstanceNoProfile,
        Code::SpotFleetRoleUntagged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Code::Role(c) => c.as_str(),
            Code::InstanceRoleIsARole => "instance_role_is_a_role",
            Code::InstanceProfileNotFound => "instance_profile_not_found",
            Code::ComputeEnvironmentInvalid => "compute_environment_invalid",
            Code::ComputeEnvironmentDisabled => "compute_environment_disabled",
            Code::ComputeEnvironmentMaxVcpusZero => "compute_environment_max_vcpus_zero",
            Code::LaunchTemplateProfileIgnored => "launch_template_profile_ignored",
            Code::LaunchTemplateMissing => "launch_template_missing",
            Code::ServiceRoleMissing => "service_role_missing",
            Code::ServiceRoleNotTrusted => "service_role_not_trusted",
            Code::ServiceLinkedRoleMissing => "service_linked_role_missing",
            Code::SubnetMissing => "subnet_missing",
            Code::SecurityGroupMissing => "security_group_missing",
            Code::InstancesNotRegistered => "instances_not_registered",
            Code::InstanceProfileMismatch => "instance_profile_mismatch",
            Code::JobQueueInvalid => "job_queue_invalid",
            Code::JobQueueDisabled => "job_queue_disabled",
            Code::JobQueueNoComputeEnvironment => "job_queue_no_compute_environment",
            Code::JobRunnable => "job_runnable",
            Code::JobNeedsExceedCapacity => "job_needs_exceed_capacity",
            Code::ImageEndOfSupport => "image_end_of_support",
            Code::SpotFleetRoleMissing => "spot_fleet_role_missing",
            Code::SpotFleetRoleNotTrusted => "spot_fleet_role_not_trusted",
            Code::ManagedInstancesProfileMissing => "managed_instances_profile_missing",
            Code::ManagedInstancesPolicyMissing => "managed_instances_policy_missing",
            Code::ManagedInstancesRoleName => "managed_instances_role_name",
            Code::SubnetNoRouteOut => "subnet_no_route_out",
            Code::SubnetNoPublicIp => "subnet_no_public_ip",
            Code::SecurityGroupBlocksHttps => "security_group_blocks_https",
            Code::NetworkAclBlocksHttps => "network_acl_blocks_https",
            Code::InfrastructureRoleMissing => "infrastructure_role_missing",
            Code::InfrastructureRoleNotTrusted => "infrastructure_role_not_trusted",
            Code::EksNodePolicyMissing => "eks_node_policy_missing",
            Code::EksNodeRoleNotTrusted => "eks_node_role_not_trusted",
            Code::UnmanagedInstanceNoProfile => "unmanaged_instance_no_profile",
            Code::SpotFleetRoleUntagged => "spot_fleet_role_untagged",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    /// What it is about: `instance-profile/NAME`, `role/NAME`, `subnet/ID`...
    pub resource: String,
    /// For `compute_environment_invalid`: the other findings that explain it.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub explained_by: Vec<Code>,
}

impl Finding {
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

pub(crate) fn finding(
    code: Code,
    severity: Severity,
    resource: impl Into<String>,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        message,
        resource: resource.into(),
        explained_by: vec![],
    }
}

pub(crate) fn error(code: Code, resource: impl Into<String>, message: String) -> Finding {
    finding(code, Severity::Error, resource, message)
}

pub(super) fn warning(code: Code, resource: impl Into<String>, message: String) -> Finding {
    finding(code, Severity::Warning, resource, message)
}

/// One compute environment and what is wrong with it.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentReport {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub status_reason: String,
    pub state: String,
    /// `computeResources.instanceRole`, as Batch holds it.
    pub instance_role: Option<String>,
    /// The identity its instances run with, and so what diagnose judged: `instance_profile`
    /// (EC2, SPOT on ECS), `none` (Fargate: no instance of yours, no instance role),
    /// `managed_instances_profile` (ECS Managed Instances), `eks_node_role` (on EKS: not the
    /// ECS role), `yours` (UNMANAGED: the instances registered in its cluster are yours).
    pub identity: &'static str,
    pub service_role: Option<String>,
    pub desired_vcpus: Option<i32>,
    pub max_vcpus: Option<i32>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueReport {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub status_reason: String,
    pub state: String,
    /// Its compute environments, in order, as the queue names them.
    pub compute_environments: Vec<String>,
    pub findings: Vec<Finding>,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobReport {
    pub id: String,
    pub name: String,
    pub queue: String,
    pub status: String,
    pub status_reason: String,
    pub vcpus: Option<f64>,
    pub memory_mib: Option<i64>,
    pub findings: Vec<Finding>,
}

/// The result of `diagnose`.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    pub compute_environments: Vec<EnvironmentReport>,
    pub job_queues: Vec<QueueReport>,
    pub jobs: Vec<JobReport>,
    pub errors: usize,
    pub warnings: usize,
}

impl Diagnosis {
    /// Every finding, with what it was found on (`compute-environment/NAME`...).
    pub fn findings(&self) -> impl Iterator<Item = (String, &Finding)> {
        let ces = self.compute_environments.iter().flat_map(|c| {
            c.findings
                .iter()
                .map(move |f| (format!("compute-environment/{}", c.name), f))
        });
        let queues = self.job_queues.iter().flat_map(|q| {
            q.findings
                .iter()
                .map(move |f| (format!("job-queue/{}", q.name), f))
        });
        let jobs = self
            .jobs
            .iter()
            .flat_map(|j| j.findings.iter().map(move |f| (format!("job/{}", j.id), f)));
        ces.chain(queues).chain(jobs)
    }
}
