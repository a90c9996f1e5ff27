//! The desired state: what a correct ECS instance role looks like for this run.

use crate::error::InputError;
use crate::names;
use crate::partition::Partition;

/// What the instance role is for: which managed policy it must carry, and which names
/// work.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum RoleKind {
    /// ECS container instances on EC2 (Batch's `EC2` and `SPOT` compute environments):
    /// `AmazonEC2ContainerServiceforEC2Role`.
    #[default]
    EcsEc2,
    /// ECS Managed Instances (Batch's `ECS_MANAGED_INSTANCES`):
    /// `AmazonECSInstanceRolePolicyForManagedInstances`, not the EC2 policy, and a role name
    /// starting with `ecsInstanceRole` (AWS's `AmazonECSInfrastructureRolePolicyForManagedInstances`
    /// scopes `iam:PassRole` to `role/ecsInstanceRole*`: the ECS guide, "Amazon ECS Managed
    /// Instances instance profile"; docs/aws-facts.md).
    EcsManagedInstances,
}

impl RoleKind {
    pub const ALL: [RoleKind; 2] = [RoleKind::EcsEc2, RoleKind::EcsManagedInstances];

    /// `ecs-ec2`, `ecs-managed-instances`: the flag's values.
    pub fn as_str(self) -> &'static str {
        match self {
            RoleKind::EcsEc2 => "ecs-ec2",
            RoleKind::EcsManagedInstances => "ecs-managed-instances",
        }
    }

    pub fn parse(s: &str) -> Option<RoleKind> {
        RoleKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The managed policy the role must carry.
    pub fn policy_arn(self, partition: Partition) -> String {
        match self {
            RoleKind::EcsEc2 => partition.ecs_instance_policy_arn(),
            RoleKind::EcsManagedInstances => partition.managed_instances_policy_arn(),
        }
    }
}

/// The prefix an ECS Managed Instances role's name must have (see [`RoleKind`]).
pub const MANAGED_INSTANCES_ROLE_PREFIX: &str = "ecsInstanceRole";

/// What the user asked for, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub kind: RoleKind,
    pub role_name: String,
    pub instance_profile_name: String,
    /// Used when creating the role and the instance profile.
    pub path: String,
    pub partition: Partition,
    /// The kind's policy first (the ECS instance policy by default), then the extra
    /// policies, without duplicates.
    pub policies: Vec<String>,
    /// Applied on create, besides `managed-by=ecsrole`.
    pub tags: Vec<(String, String)>,
    /// The role's description on create (`None`: apply's own).
    pub role_description: Option<&'static str>,
}

/// Unvalidated input, as the CLI (or any other caller) collected it.
#[derive(Debug, Clone, Default)]
pub struct DesiredInput {
    pub kind: RoleKind,
    pub role_name: Option<String>,
    pub instance_profile_name: Option<String>,
    pub path: Option<String>,
    pub extra_policies: Vec<String>,
    pub tags: Vec<String>,
}

pub const DEFAULT_ROLE_NAME: &str = "ecsInstanceRole";

impl Desired {
    /// Validates every name, path, ARN and tag; nothing here talks to AWS.
    pub fn new(input: DesiredInput, partition: Partition) -> Result<Desired, InputError> {
        let role_name = input.role_name.unwrap_or_else(|| DEFAULT_ROLE_NAME.into());
        names::validate_role_name(&role_name)?;
        if input.kind == RoleKind::EcsManagedInstances
            && !role_name.starts_with(MANAGED_INSTANCES_ROLE_PREFIX)
        {
            return Err(InputError::new(
                "role name",
                &role_name,
                format!(
                    "for --kind ecs-managed-instances a name starting with {MANAGED_INSTANCES_ROLE_PREFIX}: AWS's AmazonECSInfrastructureRolePolicyForManagedInstances lets ECS pass only roles named {MANAGED_INSTANCES_ROLE_PREFIX}*"
                ),
            ));
        }
        let instance_profile_name = input
            .instance_profile_name
            .unwrap_or_else(|| role_name.clone());
        names::validate_instance_profile_name(&instance_profile_name)?;
        let path = input.path.unwrap_or_else(|| "/".into());
        names::validate_path(&path)?;

        let mut policies = vec![input.kind.policy_arn(partition)];
        for arn in input.extra_policies {
            names::validate_policy_arn(&arn, partition)?;
            if !policies.contains(&arn) {
                policies.push(arn);
            }
        }
        let mut tags: Vec<(String, String)> = vec![];
        for raw in &input.tags {
            let (k, v) = names::parse_tag(raw)?;
            if tags.iter().any(|(key, _)| *key == k) {
                return Err(InputError::new(
                    "tag",
                    raw,
                    format!("each key once; {k} is given twice"),
                ));
            }
            tags.push((k, v));
        }
        Ok(Desired {
            kind: input.kind,
            role_name,
            instance_profile_name,
            path,
            partition,
            policies,
            tags,
            role_description: None,
        })
    }

    /// The tags put on what ecsrole creates: the user's, then the ownership tag.
    pub fn create_tags(&self) -> Vec<(String, String)> {
        let mut tags = self.tags.clone();
        tags.push((names::OWNER_TAG_KEY.into(), names::OWNER_TAG_VALUE.into()));
        tags
    }

    pub fn role_resource(&self) -> crate::Subject {
        crate::Subject::Role(self.role_name.clone())
    }

    pub fn profile_resource(&self) -> crate::Subject {
        crate::Subject::InstanceProfile(self.instance_profile_name.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let d = Desired::new(DesiredInput::default(), Partition::Aws).unwrap();
        assert_eq!(d.role_name, "ecsInstanceRole");
        assert_eq!(d.instance_profile_name, "ecsInstanceRole");
        assert_eq!(d.path, "/");
        assert_eq!(
            d.policies,
            vec!["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role"]
        );
        assert_eq!(
            d.create_tags(),
            vec![("managed-by".into(), "ecsrole".into())]
        );
    }

    #[test]
    fn managed_instances_want_their_policy_and_an_ecs_instance_role_name() {
        let input = DesiredInput {
            kind: RoleKind::EcsManagedInstances,
            role_name: Some("ecsInstanceRole-mi".into()),
            ..Default::default()
        };
        let d = Desired::new(input.clone(), Partition::AwsCn).unwrap();
        assert_eq!(
            d.policies,
            vec!["arn:aws-cn:iam::aws:policy/AmazonECSInstanceRolePolicyForManagedInstances"]
        );
        let bad = DesiredInput {
            role_name: Some("batch-mi".into()),
            ..input
        };
        let e = Desired::new(bad, Partition::Aws).unwrap_err();
        assert!(
            e.to_string().contains("batch-mi") && e.to_string().contains("ecsInstanceRole"),
            "{e}"
        );
        assert_eq!(
            RoleKind::parse("ecs-managed-instances"),
            Some(RoleKind::EcsManagedInstances)
        );
        assert_eq!(RoleKind::parse("ec2"), None);
    }

    #[test]
    fn extras_are_deduplicated_and_tags_unique() {
        let input = DesiredInput {
            role_name: Some("r".into()),
            extra_policies: vec![
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".into(),
                "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore".into(),
                Partition::Aws.ecs_instance_policy_arn(),
            ],
            tags: vec!["a=1".into()],
            ..Default::default()
        };
        let d = Desired::new(input.clone(), Partition::Aws).unwrap();
        assert_eq!(d.policies.len(), 2);
        assert_eq!(d.instance_profile_name, "r");
        let twice = DesiredInput {
            tags: vec!["a=1".into(), "a=2".into()],
            ..input
        };
        assert!(Desired::new(twice, Partition::Aws).is_err());
    }
}
