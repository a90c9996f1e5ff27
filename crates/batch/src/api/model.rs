//! What Batch's describes answer, as ecsrole reads it: plain data, and the functions that
//! read an SDK answer into it.

use std::collections::HashMap;

use aws_sdk_batch::types::{
    CeType, ComputeEnvironmentDetail, JobDetail, JobQueueDetail, JobStatus, ResourceType,
};

use super::Kind;
use crate::status::{State, Status};

/// A compute environment or job queue as Batch describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Described {
    pub name: String,
    pub arn: String,
    pub status: Status,
    pub status_reason: String,
    pub state: State,
    pub ecs_cluster_arn: Option<String>,
    pub tags: HashMap<String, String>,
    /// A compute environment's service role, as Batch reports it.
    pub service_role: Option<String>,
    /// A compute environment's resources (`None` for a job queue).
    pub compute: Option<Compute>,
    /// A job queue's compute environments, in order (ARNs or names as Batch gives them).
    pub environments: Vec<String>,
    /// A compute environment on EKS (`eksConfiguration`).
    pub eks: bool,
}

/// What a compute environment is made of.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Compute {
    /// `MANAGED` (Batch launches the instances) or `UNMANAGED`.
    pub managed: bool,
    /// `computeResources.type` (`Kind::None` for an unmanaged one).
    pub kind: Kind,
    /// What `computeResources.instanceRole` holds: an instance profile's name or ARN (a
    /// role's, by mistake).
    pub instance_role: Option<String>,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub launch_template: Option<LaunchTemplate>,
    /// The launch template's overrides (per instance type), each a template of its own.
    pub template_overrides: Vec<LaunchTemplate>,
    /// `ECS_MANAGED_INSTANCES`: `managedInstancesProvider.instanceLaunchTemplate
    /// .ec2InstanceProfileArn`, the instance profile of the instances ECS launches.
    pub managed_instances_profile: Option<String>,
    /// `managedInstancesProvider.infrastructureRoleArn`: the role ECS uses to launch them.
    pub infrastructure_role: Option<String>,
    /// `ec2Configuration[].imageType` (`ECS_AL2023`, `ECS_AL2`...), as Batch reports it.
    pub image_types: Vec<String>,
    /// `SPOT`: `allocationStrategy` and `spotIamFleetRole`.
    pub allocation_strategy: Option<String>,
    pub spot_fleet_role: Option<String>,
    pub max_vcpus: Option<i32>,
    pub desired_vcpus: Option<i32>,
    pub instance_types: Vec<String>,
    /// `computeResources.tags`: Batch puts them on the instances it launches.
    pub tags: HashMap<String, String>,
}

/// A compute environment's launch template, by id or name, and version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LaunchTemplate {
    pub id: Option<String>,
    pub name: Option<String>,
    pub version: Option<String>,
}

/// A job as diagnose looks at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub id: String,
    pub name: String,
    pub queue: String,
    pub status: JobStatus,
    pub status_reason: String,
    pub vcpus: Option<f64>,
    pub memory_mib: Option<i64>,
    pub gpus: Option<i64>,
}

/// An ACTIVE job definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobDefinition {
    pub arn: String,
    pub name: String,
    pub tags: HashMap<String, String>,
}

impl Described {
    /// The environment as a finding's subject, with its ARN.
    pub fn subject(&self) -> ecsrole_core::Subject {
        ecsrole_core::Subject::ComputeEnvironment {
            name: self.name.clone(),
            arn: Some(self.arn.clone()).filter(|a| !a.is_empty()),
        }
    }

    pub fn gone(&self) -> bool {
        self.status == Status::Deleted
    }
}

/// A compute environment as `DescribeComputeEnvironments` answers it.
pub(super) fn environment(ce: &ComputeEnvironmentDetail) -> Described {
    Described {
        name: ce.compute_environment_name().unwrap_or_default().to_owned(),
        arn: ce.compute_environment_arn().unwrap_or_default().to_owned(),
        status: ce
            .status()
            .map_or(Status::Other(String::new()), Status::from),
        status_reason: ce.status_reason().unwrap_or_default().to_owned(),
        state: ce.state().map_or(State::Other(String::new()), State::from),
        ecs_cluster_arn: ce.ecs_cluster_arn().map(str::to_owned),
        tags: ce.tags().cloned().unwrap_or_default(),
        service_role: ce.service_role().map(str::to_owned),
        compute: Some(compute_of(ce)),
        environments: vec![],
        eks: ce.eks_configuration().is_some(),
    }
}

/// A job queue as `DescribeJobQueues` answers it.
pub(super) fn queue(q: &JobQueueDetail) -> Described {
    Described {
        name: q.job_queue_name().unwrap_or_default().to_owned(),
        arn: q.job_queue_arn().unwrap_or_default().to_owned(),
        status: q
            .status()
            .map_or(Status::Other(String::new()), Status::from),
        status_reason: q.status_reason().unwrap_or_default().to_owned(),
        state: q.state().map_or(State::Other(String::new()), State::from),
        ecs_cluster_arn: None,
        service_role: None,
        compute: None,
        environments: q
            .compute_environment_order()
            .iter()
            .filter_map(|o| o.compute_environment().map(str::to_owned))
            .collect(),
        tags: q.tags().cloned().unwrap_or_default(),
        eks: false,
    }
}

fn compute_of(ce: &ComputeEnvironmentDetail) -> Compute {
    let r = ce.compute_resources();
    Compute {
        managed: ce.r#type() == Some(&CeType::Managed),
        kind: Kind::of(r.and_then(|r| r.r#type())),
        instance_role: r.and_then(|r| r.instance_role()).map(str::to_owned),
        subnets: r.map(|r| r.subnets().to_vec()).unwrap_or_default(),
        security_groups: r
            .map(|r| r.security_group_ids().to_vec())
            .unwrap_or_default(),
        launch_template: r.and_then(|r| r.launch_template()).map(|t| LaunchTemplate {
            id: t.launch_template_id().map(str::to_owned),
            name: t.launch_template_name().map(str::to_owned),
            version: t.version().map(str::to_owned),
        }),
        template_overrides: r
            .and_then(|r| r.launch_template())
            .map(|t| {
                t.overrides()
                    .iter()
                    .map(|o| LaunchTemplate {
                        id: o.launch_template_id().map(str::to_owned),
                        name: o.launch_template_name().map(str::to_owned),
                        version: o.version().map(str::to_owned),
                    })
                    .collect()
            })
            .unwrap_or_default(),
        managed_instances_profile: r
            .and_then(|r| r.managed_instances_provider())
            .and_then(|m| m.instance_launch_template())
            .and_then(|t| t.ec2_instance_profile_arn())
            .map(str::to_owned),
        infrastructure_role: r
            .and_then(|r| r.managed_instances_provider())
            .and_then(|m| m.infrastructure_role_arn())
            .map(str::to_owned),
        image_types: r
            .map(|r| {
                r.ec2_configuration()
                    .iter()
                    .filter_map(|c| c.image_type().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        allocation_strategy: r
            .and_then(|r| r.allocation_strategy())
            .map(|a| a.as_str().to_owned()),
        spot_fleet_role: r.and_then(|r| r.spot_iam_fleet_role()).map(str::to_owned),
        max_vcpus: r.and_then(|r| r.maxv_cpus()),
        desired_vcpus: r.and_then(|r| r.desiredv_cpus()),
        instance_types: r.map(|r| r.instance_types().to_vec()).unwrap_or_default(),
        tags: r.and_then(|r| r.tags()).cloned().unwrap_or_default(),
    }
}

/// A job as `DescribeJobs` answers it.
pub(super) fn job(j: &JobDetail) -> Job {
    let container = j.container();
    let requirement = |t: ResourceType| {
        container.and_then(|c| {
            c.resource_requirements()
                .iter()
                .find(|r| r.r#type() == Some(&t))
                .and_then(|r| r.value().map(str::to_owned))
        })
    };
    Job {
        id: j.job_id().unwrap_or_default().to_owned(),
        name: j.job_name().unwrap_or_default().to_owned(),
        queue: j.job_queue().unwrap_or_default().to_owned(),
        status: j.status().cloned().unwrap_or(JobStatus::Submitted),
        status_reason: j.status_reason().unwrap_or_default().to_owned(),
        vcpus: requirement(ResourceType::Vcpu)
            .and_then(|v| v.parse().ok())
            .or_else(|| container.and_then(|c| c.vcpus()).map(f64::from)),
        memory_mib: requirement(ResourceType::Memory)
            .and_then(|v| v.parse().ok())
            .or_else(|| container.and_then(|c| c.memory()).map(i64::from)),
        gpus: requirement(ResourceType::Gpu).and_then(|v| v.parse().ok()),
    }
}
