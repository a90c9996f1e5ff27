//! What is stuck, and what each stuck environment is missing: read off diagnose's findings
//! on it (pure). Stuck is INVALID for a reason about its instance profile, instance role or
//! service role, or DELETING while one of those is gone (docs/aws-facts.md, "Compute
//! environments their IAM left stuck").

use ecsrole_core::RoleKind;
use serde::Serialize;

use crate::api::Described;
use crate::diagnose::kinds;
use crate::diagnose::{Code, Diagnosis, EnvironmentReport};
use crate::names::{iam_path, profile_name, role_name};
use crate::status::Status;

/// What a stuck environment needs that is gone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Missing {
    /// An instance profile, with a role of its name in it trusted by EC2 and carrying the
    /// managed policy of its kind, as `apply` makes them.
    InstanceProfile {
        name: String,
        path: String,
        #[serde(serialize_with = "kind_str")]
        role_kind: RoleKind,
    },
    /// A custom service role trusted by batch.amazonaws.com with `AWSBatchServiceRole`.
    ServiceRole { name: String, path: String },
    /// Batch's service-linked role (the account's: never deleted by rescue).
    ServiceLinkedRole,
    /// What rescue does not make, named.
    NotMade { what: String },
}

fn kind_str<S: serde::Serializer>(k: &RoleKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(k.as_str())
}

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Missing::InstanceProfile { name, path, .. } => {
                write!(f, "instance profile {path}{name} and its role")
            }
            Missing::ServiceRole { name, path } => write!(f, "service role {path}{name}"),
            Missing::ServiceLinkedRole => {
                write!(f, "the service-linked role AWSServiceRoleForBatch")
            }
            Missing::NotMade { what } => write!(f, "{what}"),
        }
    }
}

/// A stuck environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stuck {
    pub name: String,
    pub arn: String,
    pub status: Status,
    pub reason: String,
    /// ENABLED (the state a revalidating update keeps).
    pub enabled: bool,
    /// Diagnose's codes that make it stuck.
    pub because: Vec<Code>,
    pub missing: Vec<Missing>,
}

/// The stuck environments of `d`, with what `described` (the same environments as Batch
/// describes them) says they need.
pub fn stuck(d: &Diagnosis, described: &[Described]) -> Vec<Stuck> {
    d.compute_environments
        .iter()
        .filter_map(|r| {
            let ce = described.iter().find(|c| c.name == r.name)?;
            of(r, ce)
        })
        .collect()
}

/// `r` (diagnose's report on `ce`) when it is stuck.
fn of(r: &EnvironmentReport, ce: &Described) -> Option<Stuck> {
    let because: Vec<Code> = r
        .findings
        .iter()
        .filter(|f| f.is_error() && f.code.iam_gone())
        .map(|f| f.code)
        .collect();
    let stuck = match ce.status {
        Status::Invalid => !because.is_empty(),
        Status::Deleting => r
            .findings
            .iter()
            .any(|f| f.code == Code::ComputeEnvironmentDeletingBlocked),
        _ => false,
    };
    if !stuck {
        return None;
    }
    let c = ce.compute.clone().unwrap_or_default();
    let eks = kinds::of(ce, &c).identity == "eks_node_role";
    let mut missing: Vec<Missing> = vec![];
    let mut add = |m: Missing| {
        if !missing.contains(&m) {
            missing.push(m);
        }
    };
    for code in &because {
        match code {
            Code::InstanceProfileNotFound
            | Code::Role(ecsrole_core::FindingCode::RoleMissing)
            | Code::Role(ecsrole_core::FindingCode::InstanceProfileMissingRole) => {
                let Some(value) = &c.instance_role else {
                    continue;
                };
                let name = profile_name(value).unwrap_or(value).to_owned();
                add(if eks {
                    Missing::NotMade {
                        what: format!(
                            "the EKS node role of instance profile {name} (rescue makes ECS instance roles only)"
                        ),
                    }
                } else {
                    Missing::InstanceProfile {
                        name,
                        path: iam_path(value),
                        role_kind: RoleKind::EcsEc2,
                    }
                });
            }
            Code::ManagedInstancesProfileMissing => {
                let Some(value) = &c.managed_instances_profile else {
                    add(Missing::NotMade {
                        what: "the instance profile an ECS_MANAGED_INSTANCES environment must name (it names none)".into(),
                    });
                    continue;
                };
                add(Missing::InstanceProfile {
                    name: profile_name(value).unwrap_or(value).to_owned(),
                    path: iam_path(value),
                    role_kind: RoleKind::EcsManagedInstances,
                });
            }
            Code::ServiceRoleMissing => {
                if let Some(arn) = &ce.service_role {
                    add(Missing::ServiceRole {
                        name: role_name(arn).to_owned(),
                        path: iam_path(arn),
                    });
                }
            }
            Code::ServiceLinkedRoleMissing => add(Missing::ServiceLinkedRole),
            other => add(Missing::NotMade {
                what: format!("what {} names", other.as_str()),
            }),
        }
    }
    Some(Stuck {
        name: ce.name.clone(),
        arn: ce.arn.clone(),
        status: ce.status.clone(),
        reason: ce.status_reason.clone(),
        enabled: ce.state != crate::api::State::Disabled,
        because,
        missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{Compute, Kind, State};
    use crate::diagnose::finding;
    use ecsrole_core::{Severity, Subject};

    fn described(status: Status, compute: Compute, service_role: Option<&str>) -> Described {
        Described {
            name: "ce".into(),
            arn: "arn:aws:batch:us-east-1:1:compute-environment/ce".into(),
            status,
            status_reason: "CLIENT_ERROR - Invalid IamInstanceProfile: p".into(),
            state: State::Enabled,
            ecs_cluster_arn: None,
            tags: Default::default(),
            service_role: service_role.map(str::to_owned),
            compute: Some(compute),
            environments: vec![],
            eks: false,
        }
    }

    fn report(codes: &[Code]) -> EnvironmentReport {
        EnvironmentReport {
            name: "ce".into(),
            arn: String::new(),
            status: String::new(),
            status_reason: String::new(),
            state: String::new(),
            instance_role: None,
            identity: "instance_profile",
            service_role: None,
            desired_vcpus: None,
            max_vcpus: None,
            findings: codes
                .iter()
                .map(|c| {
                    finding(
                        *c,
                        Severity::Error,
                        Subject::Role("x".into()),
                        String::new(),
                    )
                })
                .collect(),
            undecided: vec![],
        }
    }

    fn ec2(profile: &str) -> Compute {
        Compute {
            managed: true,
            kind: Kind::Ec2,
            instance_role: Some(profile.into()),
            ..Compute::default()
        }
    }

    #[test]
    fn invalid_for_a_gone_profile_is_stuck_and_needs_it_at_its_path() {
        let ce = described(
            Status::Invalid,
            ec2("arn:aws:iam::1:instance-profile/team/p"),
            Some("arn:aws:iam::1:role/service-role/batch"),
        );
        let r = report(&[Code::InstanceProfileNotFound, Code::ServiceRoleMissing]);
        let s = of(&r, &ce).expect("stuck");
        assert_eq!(
            s.missing,
            [
                Missing::InstanceProfile {
                    name: "p".into(),
                    path: "/team/".into(),
                    role_kind: RoleKind::EcsEc2
                },
                Missing::ServiceRole {
                    name: "batch".into(),
                    path: "/service-role/".into()
                }
            ]
        );
        assert!(s.enabled);
    }

    #[test]
    fn what_is_not_stuck_is_left_alone() {
        let gone = [Code::InstanceProfileNotFound];
        // VALID with the profile gone: not stuck (yet).
        assert_eq!(
            of(&report(&gone), &described(Status::Valid, ec2("p"), None)),
            None
        );
        // INVALID for another reason.
        let other = report(&[Code::SubnetMissing]);
        assert_eq!(
            of(&other, &described(Status::Invalid, ec2("p"), None)),
            None
        );
        // DELETING without its IAM gone: deleting as usual.
        assert_eq!(
            of(&report(&[]), &described(Status::Deleting, ec2("p"), None)),
            None
        );
        // DELETING and blocked.
        let blocked = report(&[
            Code::ComputeEnvironmentDeletingBlocked,
            Code::InstanceProfileNotFound,
        ]);
        let s = of(&blocked, &described(Status::Deleting, ec2("p"), None)).expect("stuck");
        assert_eq!(s.status, Status::Deleting);
        assert_eq!(s.missing.len(), 1);
    }

    #[test]
    fn an_eks_node_role_and_an_infrastructure_role_are_named_not_made() {
        let mut ce = described(Status::Invalid, ec2("p"), None);
        ce.eks = true;
        let s = of(&report(&[Code::InstanceProfileNotFound]), &ce).unwrap();
        assert!(matches!(&s.missing[0], Missing::NotMade { what } if what.contains("EKS")));
        let ce = described(Status::Invalid, ec2("p"), None);
        let s = of(&report(&[Code::InfrastructureRoleMissing]), &ce).unwrap();
        assert!(matches!(&s.missing[0], Missing::NotMade { .. }));
    }

    #[test]
    fn a_deletion_is_stuck_only_when_diagnose_says_it_is_blocked() {
        // Its profile gone, but diagnose did not say the deletion is blocked.
        let gone_only = report(&[Code::InstanceProfileNotFound]);
        assert_eq!(
            of(&gone_only, &described(Status::Deleting, ec2("p"), None)),
            None
        );
    }

    #[test]
    fn each_environment_is_matched_by_name_and_what_is_missing_is_said() {
        let mut other = described(Status::Valid, ec2("q"), None);
        other.name = "other".into();
        let stuck_one = described(
            Status::Invalid,
            ec2("arn:aws:iam::1:instance-profile/team/p"),
            None,
        );
        let mut d = Diagnosis {
            account_id: None,
            region: None,
            compute_environments: vec![report(&[Code::InstanceProfileNotFound])],
            job_queues: vec![],
            jobs: vec![],
            errors: 1,
            warnings: 0,
            undecided: 0,
        };
        let mut healthy = report(&[]);
        healthy.name = "other".into();
        d.compute_environments.push(healthy);
        let found = stuck(&d, &[other, stuck_one]);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].name, "ce");
        let said: Vec<String> = found[0].missing.iter().map(|m| m.to_string()).collect();
        assert_eq!(said, ["instance profile /team/p and its role"]);
        let all = [
            Missing::ServiceRole {
                name: "b".into(),
                path: "/service-role/".into(),
            },
            Missing::ServiceLinkedRole,
            Missing::NotMade { what: "x".into() },
        ];
        let said: Vec<String> = all.iter().map(|m| m.to_string()).collect();
        assert_eq!(
            said,
            [
                "service role /service-role/b",
                "the service-linked role AWSServiceRoleForBatch",
                "x"
            ]
        );
    }
}
