//! The vocabulary of diagnose's findings: every code declared once (its name in the enum
//! and its stable text, in one row of [`codes!`]), the finding, and its constructors. It
//! imports nothing of the crate: the checks that judge (`diagnose`, `network`) stand above
//! it.

use serde::{Serialize, Serializer};

use ecsrole_core::{FindingCode, Severity};

/// Declares every code diagnose makes, once: the variant and its stable text. The enum,
/// [`Code::OWN`] (its length counted here) and [`Code::as_str`] all come from the rows.
macro_rules! codes {
    ($($variant:ident => $text:literal,)*) => {
        /// Stable finding codes; listed in the README. Never rename one. The instance
        /// role's own findings keep `check`'s codes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Code {
            /// A finding `check` makes about the role the compute environment's profile
            /// holds.
            Role(FindingCode),
            $($variant,)*
        }

        impl Code {
            /// Every code diagnose itself makes (the README lists them; a test keeps the
            /// two in step).
            pub const OWN: &'static [Code] = &[$(Code::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    Code::Role(c) => c.as_str(),
                    $(Code::$variant => $text,)*
                }
            }
        }
    };
}

codes! {
    InstanceRoleIsARole => "instance_role_is_a_role",
    InstanceProfileNotFound => "instance_profile_not_found",
    ComputeEnvironmentInvalid => "compute_environment_invalid",
    ComputeEnvironmentDisabled => "compute_environment_disabled",
    ComputeEnvironmentMaxVcpusZero => "compute_environment_max_vcpus_zero",
    LaunchTemplateProfileIgnored => "launch_template_profile_ignored",
    LaunchTemplateMissing => "launch_template_missing",
    ServiceRoleMissing => "service_role_missing",
    ServiceRoleNotTrusted => "service_role_not_trusted",
    ServiceLinkedRoleMissing => "service_linked_role_missing",
    SubnetMissing => "subnet_missing",
    SecurityGroupMissing => "security_group_missing",
    InstancesNotRegistered => "instances_not_registered",
    InstanceProfileMismatch => "instance_profile_mismatch",
    JobQueueInvalid => "job_queue_invalid",
    JobQueueDisabled => "job_queue_disabled",
    JobQueueNoComputeEnvironment => "job_queue_no_compute_environment",
    JobRunnable => "job_runnable",
    JobNeedsExceedCapacity => "job_needs_exceed_capacity",
    ImageEndOfSupport => "image_end_of_support",
    SpotFleetRoleMissing => "spot_fleet_role_missing",
    SpotFleetRoleNotTrusted => "spot_fleet_role_not_trusted",
    ManagedInstancesProfileMissing => "managed_instances_profile_missing",
    ManagedInstancesPolicyMissing => "managed_instances_policy_missing",
    ManagedInstancesRoleName => "managed_instances_role_name",
    SubnetNoRouteOut => "subnet_no_route_out",
    SubnetNoPublicIp => "subnet_no_public_ip",
    SecurityGroupBlocksHttps => "security_group_blocks_https",
    NetworkAclBlocksHttps => "network_acl_blocks_https",
    InfrastructureRoleMissing => "infrastructure_role_missing",
    InfrastructureRoleNotTrusted => "infrastructure_role_not_trusted",
    EksNodePolicyMissing => "eks_node_policy_missing",
    EksNodeRoleNotTrusted => "eks_node_role_not_trusted",
    UnmanagedInstanceNoProfile => "unmanaged_instance_no_profile",
    SpotFleetRoleUntagged => "spot_fleet_role_untagged",
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

pub(crate) fn warning(code: Code, resource: impl Into<String>, message: String) -> Finding {
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
