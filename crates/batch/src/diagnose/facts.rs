//! What diagnose's reads found (`Facts`), and the small questions its checks ask of Batch's
//! answers (does a job wait, does an environment want capacity, which instance types a
//! pattern names).

use std::collections::{HashMap, HashSet};
use std::time::SystemTime;

use ecsrole_core::state::{ProfileState, RoleState};

use crate::api::{Described, Job, LaunchTemplate, State};
use crate::ec2::{Instance, InstanceType};
use crate::network::NetworkFacts;

/// What `instanceRole` names, as IAM answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileRead {
    Found(ProfileState),
    /// No instance profile of that name; `role_of_that_name`: a role of the name exists
    /// (the profile was never created, as the CLI and IaC do not create one).
    Missing {
        role_of_that_name: bool,
    },
    /// `instanceRole` is a role's ARN.
    RoleArn,
}

/// A role a profile holds: the role, its attached policies and every permissions policy
/// on it as a document, read as `check` reads them.
pub use ecsrole_core::iam::RoleRead;

/// What a launch template says about the instance profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateRead {
    /// The profile it sets (ARN or name), if any.
    Profile(Option<String>),
    /// EC2 does not know it: the error it gave.
    Missing(String),
}

/// Everything diagnose read; `checks::judge` makes the findings from it.
#[derive(Debug, Clone)]
pub struct Facts {
    pub environments: Vec<Described>,
    pub queues: Vec<Described>,
    pub jobs: Vec<Job>,
    /// By `instanceRole` value.
    pub profiles: HashMap<String, ProfileRead>,
    /// By role name.
    pub roles: HashMap<String, RoleRead>,
    /// By service role ARN: the role, if it exists.
    pub service_roles: HashMap<String, Option<RoleState>>,
    /// The Batch service-linked role's ARN (`None` inside: the account has none); read
    /// only when an environment names no service role.
    pub service_linked_role: Option<Option<String>>,
    pub templates: HashMap<LaunchTemplate, TemplateRead>,
    /// Of the environments' subnets and security groups, the ones that exist.
    pub subnets: HashSet<String>,
    pub security_groups: HashSet<String>,
    /// The environments' network: route tables, endpoints, ACLs, security group rules.
    pub network: NetworkFacts,
    /// The region read (VPC endpoint service names carry it).
    pub region: String,
    /// Container instances registered, by ECS cluster ARN (only clusters of environments
    /// that want capacity).
    pub registered: HashMap<String, usize>,
    /// Pending and running instances in the subnets of environments that want capacity.
    pub instances: Vec<Instance>,
    /// UNMANAGED environments: the instances registered in their ECS cluster, by cluster ARN
    /// (their instance profiles are read like `instanceRole`s).
    pub unmanaged: HashMap<String, Vec<Instance>>,
    /// The instance types the compute environments of waiting jobs' queues allow (read
    /// only when a selected job waits).
    pub instance_types: Vec<InstanceType>,
    pub now: SystemTime,
    /// The SCPs over the account and why their read failed, as the run gave them
    /// ([`super::DiagnoseOptions`]): the roles are judged under them.
    pub scps: Option<Vec<ecsrole_core::state::ScpLevel>>,
    pub scps_failed: Option<String>,
}

pub use crate::names::{profile_name, role_name};

/// Is the job waiting to be placed (SUBMITTED, PENDING, RUNNABLE)?
pub fn waits(j: &Job) -> bool {
    use aws_sdk_batch::types::JobStatus;
    matches!(
        j.status,
        JobStatus::Submitted | JobStatus::Pending | JobStatus::Runnable
    )
}

/// What `computeResources.instanceTypes` entry `t` allows, as EC2 `instance-type` filter
/// values: a size as it is, a family as `FAMILY.*`, Batch's bundles as the families the
/// SDK documents for them (aws-sdk-batch 1.138, `ComputeResource::instance_types`:
/// `default_x86_64`, and `optimal`, its equivalent, from m6i, c6i, r6i and c7i;
/// `default_arm64` from m6g, c6g, r6g and c7g).
pub fn type_patterns(t: &str) -> Vec<String> {
    let families: &[&str] = match t {
        "optimal" | "default_x86_64" => &["m6i", "c6i", "r6i", "c7i"],
        "default_arm64" => &["m6g", "c6g", "r6g", "c7g"],
        _ if t.contains('.') => return vec![t.to_owned()],
        _ => return vec![format!("{t}.*")],
    };
    families.iter().map(|f| format!("{f}.*")).collect()
}

/// Does instance type `name` match `pattern` (`c6i.*` or an exact size)?
pub fn type_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

/// Does this environment want instances (so their registration can be judged)?
pub fn wants_capacity(ce: &Described) -> bool {
    ce.state == State::Enabled
        && ce
            .compute
            .as_ref()
            .is_some_and(|c| c.managed && c.kind.launches_instances() && c.desired_vcpus > Some(0))
}
