//! AWS partitions: they decide the managed policy ARN and the EC2 service principal.

use std::fmt;
use std::str::FromStr;

use crate::error::InputError;

/// The AWS managed policy every ECS container instance role needs.
pub const ECS_INSTANCE_POLICY_NAME: &str = "AmazonEC2ContainerServiceforEC2Role";

/// An AWS partition ecsrole knows the principals and ARNs of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Partition {
    #[serde(rename = "aws")]
    Aws,
    #[serde(rename = "aws-cn")]
    AwsCn,
    #[serde(rename = "aws-us-gov")]
    AwsUsGov,
}

impl Partition {
    pub const ALL: [Partition; 3] = [Partition::Aws, Partition::AwsCn, Partition::AwsUsGov];

    pub fn as_str(self) -> &'static str {
        match self {
            Partition::Aws => "aws",
            Partition::AwsCn => "aws-cn",
            Partition::AwsUsGov => "aws-us-gov",
        }
    }

    /// The partition a region belongs to (`cn-*` and `us-gov-*` are their own).
    pub fn from_region(region: &str) -> Partition {
        if region.starts_with("cn-") {
            Partition::AwsCn
        } else if region.starts_with("us-gov-") {
            Partition::AwsUsGov
        } else {
            Partition::Aws
        }
    }

    /// The region IAM calls are signed for when none is configured.
    pub fn default_region(self) -> &'static str {
        match self {
            Partition::Aws => "us-east-1",
            Partition::AwsCn => "cn-north-1",
            Partition::AwsUsGov => "us-gov-west-1",
        }
    }

    /// The EC2 service principal ecsrole writes into trust policies.
    pub fn ec2_principal(self) -> &'static str {
        match self {
            Partition::AwsCn => "ec2.amazonaws.com.cn",
            Partition::Aws | Partition::AwsUsGov => "ec2.amazonaws.com",
        }
    }

    /// The EC2 service principals accepted when checking. In aws-cn both forms are
    /// accepted: Terraform and CDK write `.cn`, whether the plain form works there is
    /// unconfirmed.
    pub fn accepted_ec2_principals(self) -> &'static [&'static str] {
        match self {
            Partition::AwsCn => &["ec2.amazonaws.com.cn", "ec2.amazonaws.com"],
            Partition::Aws | Partition::AwsUsGov => &["ec2.amazonaws.com"],
        }
    }

    /// The AWS managed policies whose grant is taken as a fact (docs/aws-facts.md), judged
    /// by their ARN and never read: the ECS instance role's and ECS Managed Instances'.
    pub fn policies_judged_by_arn(self) -> [String; 2] {
        [
            self.ecs_instance_policy_arn(),
            self.managed_instances_policy_arn(),
        ]
    }

    /// `arn:<partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role`.
    pub fn ecs_instance_policy_arn(self) -> String {
        format!(
            "arn:{}:iam::aws:policy/service-role/{ECS_INSTANCE_POLICY_NAME}",
            self.as_str()
        )
    }

    /// `arn:<partition>:iam::aws:policy/AmazonECSInstanceRolePolicyForManagedInstances`, the
    /// instance role policy of ECS Managed Instances (aws-sdk-batch 1.138,
    /// `InstanceLaunchTemplate`; docs/aws-facts.md "How Batch uses it").
    pub fn managed_instances_policy_arn(self) -> String {
        format!(
            "arn:{}:iam::aws:policy/{MANAGED_INSTANCES_POLICY_NAME}",
            self.as_str()
        )
    }
}

/// The ECS Managed Instances instance role policy's name.
pub const MANAGED_INSTANCES_POLICY_NAME: &str = "AmazonECSInstanceRolePolicyForManagedInstances";

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Partition {
    type Err = InputError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Partition::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| InputError::new("partition", s, "one of aws, aws-cn, aws-us-gov"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_decides_partition() {
        assert_eq!(Partition::from_region("us-east-1"), Partition::Aws);
        assert_eq!(Partition::from_region("eu-west-3"), Partition::Aws);
        assert_eq!(Partition::from_region("cn-northwest-1"), Partition::AwsCn);
        assert_eq!(Partition::from_region("us-gov-east-1"), Partition::AwsUsGov);
    }

    #[test]
    fn policy_arn_and_principal_follow_partition() {
        assert_eq!(
            Partition::AwsCn.ecs_instance_policy_arn(),
            "arn:aws-cn:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"
        );
        assert_eq!(Partition::AwsCn.ec2_principal(), "ec2.amazonaws.com.cn");
        assert_eq!(Partition::AwsUsGov.ec2_principal(), "ec2.amazonaws.com");
    }

    #[test]
    fn unknown_partition_is_named() {
        let err = "aws-iso".parse::<Partition>().unwrap_err().to_string();
        assert!(err.contains("\"aws-iso\""), "{err}");
        assert!(err.contains("aws-us-gov"), "{err}");
    }
}
