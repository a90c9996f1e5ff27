//! The vocabulary of diagnose's findings: every code declared once (one row of [`codes!`]:
//! its variant, stable text and documentation), the finding, and its constructors. It
//! imports nothing of the crate: the checks that judge (`diagnose`, `network`) stand above
//! it.

use serde::{Serialize, Serializer};

use ecsrole_core::findings::CodeDoc;
use ecsrole_core::{FindingCode, Severity, Subject};

/// Declares every code diagnose makes, once: `Variant => "text", "severity", "meaning",
/// "resource";` per row, in the order `docs/diagnose.md` lists them. The enum,
/// [`Code::OWN`], [`Code::as_str`] and [`Code::doc`] come from the rows; the page's table
/// is generated from them (`cargo xtask gen`) and SARIF's rules read them.
macro_rules! codes {
    ($($variant:ident => $text:literal, $severity:literal, $meaning:literal, $resource:literal;)*) => {
        /// Stable finding codes. Never rename one. The instance role's own findings keep
        /// `check`'s codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            /// A finding `check` makes about the role the compute environment's profile
            /// holds.
            Role(FindingCode),
            $($variant,)*
        }

        impl Code {
            /// Every code diagnose itself makes, in the order its page lists them.
            pub const OWN: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    Code::Role(c) => c.as_str(),
                    $(Code::$variant => $text,)*
                }
            }

            /// What the documentation says of it (`check`'s page for the role's own).
            pub fn doc(self) -> CodeDoc {
                match self {
                    Code::Role(c) => c.doc(),
                    $(Code::$variant => CodeDoc {
                        code: $text,
                        severity: $severity,
                        meaning: $meaning,
                        resource: $resource,
                    },)*
                }
            }
        }
    };
}

codes! {
    InstanceRoleIsARole => "instance_role_is_a_role", "error", "`instanceRole` holds a role ARN; Batch needs an instance profile", "`role/NAME`";
    InstanceProfileNotFound => "instance_profile_not_found", "error", "the profile `instanceRole` names does not exist (the message says when a role of that name does)", "`instance-profile/NAME`";
    ComputeEnvironmentInvalid => "compute_environment_invalid", "error", "Batch says INVALID: its `statusReason` verbatim, and `explained_by`: the other error findings of the environment", "`compute-environment/NAME`";
    ComputeEnvironmentDeletingBlocked => "compute_environment_deleting_blocked", "error", "DELETING while IAM it needs is gone (its instance profile, that profile's role, its service role): Batch may not finish deleting it until they exist again; `explained_by` names them", "`compute-environment/NAME`";
    ComputeEnvironmentDisabled => "compute_environment_disabled", "warning", "the environment is DISABLED", "`compute-environment/NAME`";
    ComputeEnvironmentMaxVcpusZero => "compute_environment_max_vcpus_zero", "warning", "`maxvCpus` is 0", "`compute-environment/NAME`";
    LaunchTemplateProfileIgnored => "launch_template_profile_ignored", "warning", "the launch template sets another instance profile, which Batch ignores in favour of `instanceRole`", "`launch-template/NAME`";
    LaunchTemplateMissing => "launch_template_missing", "error", "the launch template (version) does not exist", "`launch-template/NAME`";
    ServiceRoleMissing => "service_role_missing", "error", "the service role given does not exist", "`role/NAME`";
    ServiceRoleNotTrusted => "service_role_not_trusted", "error", "the service role's trust policy does not let `batch.amazonaws.com` assume it", "`role/NAME`";
    ServiceLinkedRoleMissing => "service_linked_role_missing", "error", "no service role given (or the service-linked one named) and the account has no `AWSServiceRoleForBatch`", "`role/AWSServiceRoleForBatch`";
    SubnetMissing => "subnet_missing", "error", "a subnet no longer exists", "`subnet/ID`";
    SecurityGroupMissing => "security_group_missing", "error", "a security group no longer exists", "`security-group/ID`";
    InstancesNotRegistered => "instances_not_registered", "warning", "`desiredvCpus` > 0, no container instance registered, and either no instance running or one running longer than the allowance; with what was seen and the likely causes in order", "`compute-environment/NAME`";
    InstanceProfileMismatch => "instance_profile_mismatch", "error", "an instance of the environment runs with another instance profile than `instanceRole`", "`instance/ID`";
    JobQueueInvalid => "job_queue_invalid", "error", "Batch says the queue is INVALID (its reason verbatim)", "`job-queue/NAME`";
    JobQueueDisabled => "job_queue_disabled", "warning", "the queue is DISABLED", "`job-queue/NAME`";
    JobQueueNoComputeEnvironment => "job_queue_no_compute_environment", "error", "no VALID, ENABLED compute environment can run its jobs (none, deleted, INVALID or DISABLED)", "`job-queue/NAME`";
    JobRunnable => "job_runnable", "error for `MISCONFIGURATION:*` and `ACTION_REQUIRED`, else warning", "the job is RUNNABLE, with Batch's reason and what it means", "`job/ID`";
    JobNeedsExceedCapacity => "job_needs_exceed_capacity", "error", "a waiting job needs more vCPUs, memory or GPUs than any environment of its queue can launch: its `instanceTypes` sized by `ec2:DescribeInstanceTypes` (a family as `FAMILY.*`; `optimal`/`default_x86_64` as m6i, c6i, r6i, c7i and `default_arm64` as m6g, c6g, r6g, c7g, aws-sdk-batch 1.138 `ComputeResource`), and its `maxvCpus`; the message names the need and the largest each environment offers. Found before Batch's `MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT`; an instance's whole memory is counted, so a job needing nearly all of it may still not fit", "`job/ID`";
    SpotFleetRoleMissing => "spot_fleet_role_missing", "error", "a SPOT environment with allocation strategy `BEST_FIT` (or none) names no `spotIamFleetRole`, or it does not exist (aws-sdk-batch 1.138, `ComputeResource`)", "`compute-environment/NAME` or `role/NAME`";
    SpotFleetRoleNotTrusted => "spot_fleet_role_not_trusted", "error", "the `spotIamFleetRole` does not let `spotfleet.amazonaws.com` assume it", "`role/NAME`";
    SpotFleetRoleUntagged => "spot_fleet_role_untagged", "warning", "the `spotIamFleetRole` has the older `AmazonEC2SpotFleetRole` policy and not `AmazonEC2SpotFleetTaggingRole`: Spot Instances are not tagged on creation (aws-sdk-batch 1.138, `ComputeResource`)", "`role/NAME`";
    ManagedInstancesProfileMissing => "managed_instances_profile_missing", "error", "an `ECS_MANAGED_INSTANCES` environment names no `ec2InstanceProfileArn`, or it does not exist", "`instance-profile/NAME`";
    ManagedInstancesPolicyMissing => "managed_instances_policy_missing", "error", "its role lacks `AmazonECSInstanceRolePolicyForManagedInstances` (the message says when it has the ECS EC2 policy instead)", "`role/NAME`";
    ManagedInstancesRoleName => "managed_instances_role_name", "error", "its role's name does not start with `ecsInstanceRole`, the only roles AWS's `AmazonECSInfrastructureRolePolicyForManagedInstances` lets ECS pass (the ECS guide)", "`role/NAME`";
    InfrastructureRoleMissing => "infrastructure_role_missing", "error", "an `ECS_MANAGED_INSTANCES` environment names no `managedInstancesProvider.infrastructureRoleArn`, or it does not exist (aws-sdk-batch 1.138, `ManagedInstancesProvider`)", "`compute-environment/NAME` or `role/NAME`";
    InfrastructureRoleNotTrusted => "infrastructure_role_not_trusted", "error", "the infrastructure role does not let `ecs.amazonaws.com` assume it", "`role/NAME`";
    EksNodePolicyMissing => "eks_node_policy_missing", "error (warning for `AmazonEKS_CNI_Policy`, which the VPC CNI may have on a role of its own)", "an environment on EKS: its instance profile's role is an EKS node role and lacks `AmazonEKSWorkerNodePolicy` or ECR read access (`AmazonEC2ContainerRegistryReadOnly`/`PullOnly`), the EKS User Guide's \"Amazon EKS node IAM role\"; the ECS policy is never asked of it", "`role/NAME`";
    EksNodeRoleNotTrusted => "eks_node_role_not_trusted", "error", "the EKS node role does not let `ec2.amazonaws.com` assume it", "`role/NAME`";
    UnmanagedInstanceNoProfile => "unmanaged_instance_no_profile", "error", "an instance registered in an UNMANAGED environment's ECS cluster runs with no instance profile (the profiles the others run with are judged as `instanceRole` is, their findings naming the instances)", "`instance/ID`";
    ImageEndOfSupport => "image_end_of_support", "warning", "the environment runs an Amazon Linux 2 image (`ECS_AL2`, `ECS_AL2_NVIDIA`: support ends 2026-06-30, and Batch then blocks new ECS environments on them; `EKS_AL2*`: ended 2025-11-26), naming the Batch User Guide's migration page (aws-sdk-batch 1.138, `Ec2Configuration`)", "`compute-environment/NAME`";
    SubnetNoRouteOut => "subnet_no_route_out", "error", "an EC2/SPOT environment's subnet has no way to ECS: its route table (its own, else the VPC's main one) sends `0.0.0.0/0` to no internet or NAT gateway (or to a blackhole), and the VPC lacks interface endpoints with private DNS for `ecs`, `ecs-agent`, `ecs-telemetry`, `ecr.api`, `ecr.dkr`, `logs` and an S3 gateway endpoint on that table (the ECS and ECR guides' \"interface VPC endpoints\" pages); the message names the subnet, the route table and what is missing. A `0.0.0.0/0` route to a transit gateway or an appliance is not followed (no finding)", "`subnet/ID`";
    SubnetNoPublicIp => "subnet_no_public_ip", "error (warning with a launch template, which may assign one)", "the subnet routes `0.0.0.0/0` to an internet gateway but gives no public IPv4 address on launch, and the endpoints are incomplete", "`subnet/ID`";
    SecurityGroupBlocksHttps => "security_group_blocks_https", "error", "none of the environment's security groups allows TCP 443 out (to `0.0.0.0/0`; to anywhere when the way out is the VPC endpoints)", "`security-group/ID,...`";
    NetworkAclBlocksHttps => "network_acl_blocks_https", "error", "the subnet's network ACL (its own, else the VPC's default), evaluated in rule order for `0.0.0.0/0`, denies TCP 443 out or the replies back in on 32768-60999 (ACLs are stateless: the VPC guide's \"Network ACLs\")", "`network-acl/ID`";
}

impl Code {
    /// Does it say IAM an environment needs is gone (its instance profile, that profile's
    /// role, its service role)? What leaves an environment stuck INVALID or DELETING.
    pub fn iam_gone(self) -> bool {
        matches!(
            self,
            Code::InstanceProfileNotFound
                | Code::Role(FindingCode::RoleMissing)
                | Code::Role(FindingCode::InstanceProfileMissingRole)
                | Code::ManagedInstancesProfileMissing
                | Code::ServiceRoleMissing
                | Code::ServiceLinkedRoleMissing
                | Code::InfrastructureRoleMissing
        )
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
    /// What it is about: an instance profile, a role, a subnet...
    pub resource: Subject,
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
    resource: Subject,
    message: String,
) -> Finding {
    Finding {
        code,
        severity,
        message,
        resource,
        explained_by: vec![],
    }
}

pub(crate) fn error(code: Code, resource: Subject, message: String) -> Finding {
    finding(code, Severity::Error, resource, message)
}

pub(crate) fn warning(code: Code, resource: Subject, message: String) -> Finding {
    finding(code, Severity::Warning, resource, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text() {
        let mut texts: Vec<&str> = Code::OWN.iter().map(|c| c.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), Code::OWN.len(), "two codes share a text");
        assert!(
            texts
                .iter()
                .all(|t| t.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
    }
}
