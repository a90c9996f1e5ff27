//! The compute environment kinds. Each file is one kind and says all of it: which
//! environments are of it, the identity its hosts run with, the instance profiles and
//! roles it uses (what diagnose reads, and what `destroy` asks before deleting a profile),
//! and how it is judged. Adding a kind is a file here and a line in [`KINDS`].

use ecsrole_core::Partition;

use super::checks;
use super::read::Facts;
use super::{DiagnoseOptions, Finding};
use crate::api::{Compute, Described};

pub(super) mod ec2;
pub(super) mod eks;
mod fargate;
pub(super) mod managed_instances;
mod newer;
mod unmanaged;

/// One kind of compute environment.
pub(crate) struct KindDef {
    /// Is `ce` (with its compute resources `c`) of this kind?
    pub(crate) is: fn(ce: &Described, c: &Compute) -> bool,
    /// The identity its hosts run with, as diagnose names it.
    pub(crate) identity: &'static str,
    /// The instance profiles and roles it uses.
    pub(crate) uses: fn(c: &Compute) -> Vec<Uses>,
    /// Its findings, in the order they are reported.
    pub(crate) judge: fn(j: &mut Judging<'_>),
}

/// Every kind, the most particular first: an environment is of the first whose `is`
/// holds ([`newer`] holds for any managed one).
const KINDS: &[&KindDef] = &[
    &unmanaged::KIND,
    &eks::KIND,
    &fargate::KIND,
    &managed_instances::KIND,
    &ec2::KIND,
    &newer::KIND,
];

/// The kind of `ce`.
pub(crate) fn of(ce: &Described, c: &Compute) -> &'static KindDef {
    KINDS
        .iter()
        .find(|k| (k.is)(ce, c))
        .expect("newer::KIND holds for every environment")
}

/// What an environment of a kind uses of IAM, as it names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Uses {
    /// An instance profile, by name or ARN, in the setting `setting`.
    Profile {
        setting: &'static str,
        value: String,
    },
    /// A role Batch or ECS assumes (read as a service role is: does it exist, is it
    /// trusted), by ARN.
    AssumedRole(String),
    /// A role whose attached policies are judged too, by ARN.
    RoleWithPolicies(String),
}

/// The instance profiles `c` uses, with the setting that names each: what `destroy` asks.
pub(crate) fn profiles(ce: &Described, c: &Compute) -> Vec<(&'static str, String)> {
    (of(ce, c).uses)(c)
        .into_iter()
        .filter_map(|u| match u {
            Uses::Profile { setting, value } => Some((setting, value)),
            _ => None,
        })
        .collect()
}

/// `instanceRole`, when set: the profile Batch launches the instances with.
fn instance_role(c: &Compute) -> Vec<Uses> {
    c.instance_role
        .iter()
        .map(|v| Uses::Profile {
            setting: "instanceRole",
            value: v.clone(),
        })
        .collect()
}

/// One environment being judged: what was read, and its findings so far.
pub(crate) struct Judging<'a> {
    pub(crate) facts: &'a Facts,
    pub(crate) opts: &'a DiagnoseOptions,
    pub(crate) partition: Partition,
    pub(crate) ce: &'a Described,
    pub(crate) c: &'a Compute,
    pub(crate) findings: Vec<Finding>,
    /// What check could not decide of the roles its instances use.
    pub(crate) undecided: Vec<String>,
}

impl Judging<'_> {
    /// The profile `instanceRole` names and the role it holds (an EKS node role when
    /// `eks`); the profile's ARN.
    pub(crate) fn instance_role(&mut self, eks: bool) -> Option<String> {
        let value = self.c.instance_role.as_deref()?;
        checks::instance_role(
            self.facts,
            self.opts,
            self.partition,
            value,
            eks,
            &mut self.findings,
            &mut self.undecided,
        )
    }

    pub(crate) fn launch_template(&mut self) {
        checks::launch_template(self.facts, self.c, &mut self.findings);
    }

    pub(crate) fn service_role(&mut self) {
        checks::service_role(self.facts, self.ce, &mut self.findings);
    }

    /// Subnets and security groups named that do not exist.
    pub(crate) fn missing_network(&mut self) {
        checks::missing_network(self.facts, self.c, &mut self.findings);
    }

    /// The way out of the subnets, for the kinds whose instances' way out the subnet
    /// decides.
    pub(crate) fn network(&mut self) {
        checks::network(self.facts, self.c, &mut self.findings);
    }

    /// The instances of an environment that wants capacity (`profile_arn`: the profile
    /// they should run with).
    pub(crate) fn instances(&mut self, profile_arn: Option<&str>) {
        checks::instances(
            self.facts,
            self.opts,
            self.ce,
            self.c,
            profile_arn,
            &mut self.findings,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Kind, State};
    use crate::status::Status;

    fn ce(eks: bool) -> Described {
        Described {
            name: "ce".into(),
            arn: String::new(),
            status: Status::Valid,
            status_reason: String::new(),
            state: State::Enabled,
            ecs_cluster_arn: None,
            tags: Default::default(),
            service_role: None,
            compute: None,
            environments: vec![],
            eks,
        }
    }

    /// Each environment is of one kind, with its identity and the profiles and roles it
    /// uses: what diagnose reads and destroy asks.
    #[test]
    fn each_environment_is_of_one_kind_that_says_what_it_uses() {
        let profile = |setting| Uses::Profile {
            setting,
            value: "p".into(),
        };
        let all = Compute {
            instance_role: Some("p".into()),
            managed_instances_profile: Some("p".into()),
            infrastructure_role: Some("arn:aws:iam::1:role/infra".into()),
            spot_fleet_role: Some("arn:aws:iam::1:role/fleet".into()),
            ..Compute::default()
        };
        let fleet = "arn:aws:iam::1:role/fleet".to_owned();
        for (managed, eks, kind, identity, uses) in [
            (
                true,
                false,
                Kind::Ec2,
                "instance_profile",
                vec![profile("instanceRole")],
            ),
            (
                true,
                false,
                Kind::Spot,
                "instance_profile",
                vec![
                    profile("instanceRole"),
                    Uses::AssumedRole(fleet.clone()),
                    Uses::RoleWithPolicies(fleet.clone()),
                ],
            ),
            (
                true,
                true,
                Kind::Spot,
                "eks_node_role",
                vec![profile("instanceRole")],
            ),
            (true, false, Kind::Fargate { spot: true }, "none", vec![]),
            (
                true,
                false,
                Kind::EcsManagedInstances,
                "managed_instances_profile",
                vec![
                    profile("managedInstancesProvider ec2InstanceProfileArn"),
                    Uses::AssumedRole("arn:aws:iam::1:role/infra".into()),
                ],
            ),
            (false, false, Kind::None, "yours", vec![]),
            (false, true, Kind::Ec2, "yours", vec![]),
            (
                true,
                false,
                Kind::Other("QUANTUM".into()),
                "instance_profile",
                vec![profile("instanceRole")],
            ),
        ] {
            let c = Compute {
                managed,
                kind: kind.clone(),
                ..all.clone()
            };
            let k = of(&ce(eks), &c);
            assert_eq!(k.identity, identity, "{kind:?} eks {eks}");
            assert_eq!((k.uses)(&c), uses, "{kind:?} eks {eks}");
        }
    }
}
