//! A compute environment's type, parsed once from Batch's answer
//! (`computeResources.type`), and whether Batch launches EC2 instances for it with
//! `instanceRole` (Batch User Guide, "Compute environments"). What each kind reads, uses
//! and is judged by is its file in `diagnose/kinds/`.

use aws_sdk_batch::types::CrType;

/// `computeResources.type` of a managed compute environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Kind {
    /// `EC2`: On-Demand instances Batch launches with `instanceRole`.
    Ec2,
    /// `SPOT`: Spot instances Batch launches with `instanceRole` (and a Spot Fleet role
    /// for the `BEST_FIT` strategy).
    Spot,
    /// `FARGATE` and `FARGATE_SPOT`: no instance of the account's; no instance profile.
    Fargate { spot: bool },
    /// `ECS_MANAGED_INSTANCES`: instances ECS launches with the profile of
    /// `managedInstancesProvider`.
    EcsManagedInstances,
    /// None given (an unmanaged environment has no `computeResources`).
    #[default]
    None,
    /// A type newer than this SDK knows, as Batch spells it.
    Other(String),
}

impl Kind {
    pub fn of(t: Option<&CrType>) -> Kind {
        match t {
            None => Kind::None,
            Some(CrType::Ec2) => Kind::Ec2,
            Some(CrType::Spot) => Kind::Spot,
            Some(CrType::Fargate) => Kind::Fargate { spot: false },
            Some(CrType::FargateSpot) => Kind::Fargate { spot: true },
            Some(t) if t.as_str() == "ECS_MANAGED_INSTANCES" => Kind::EcsManagedInstances,
            Some(t) => Kind::Other(t.as_str().to_owned()),
        }
    }

    /// Batch's spelling.
    pub fn as_str(&self) -> &str {
        match self {
            Kind::Ec2 => "EC2",
            Kind::Spot => "SPOT",
            Kind::Fargate { spot: false } => "FARGATE",
            Kind::Fargate { spot: true } => "FARGATE_SPOT",
            Kind::EcsManagedInstances => "ECS_MANAGED_INSTANCES",
            Kind::None => "",
            Kind::Other(t) => t,
        }
    }

    /// Does Batch launch EC2 instances for it with `instanceRole` (its instance profile)?
    pub fn launches_instances(&self) -> bool {
        matches!(self, Kind::Ec2 | Kind::Spot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_batch_sends_is_one_kind_spelled_as_batch_spells_it() {
        for (t, kind, instances) in [
            (CrType::Ec2, Kind::Ec2, true),
            (CrType::Spot, Kind::Spot, true),
            (CrType::Fargate, Kind::Fargate { spot: false }, false),
            (CrType::FargateSpot, Kind::Fargate { spot: true }, false),
            (
                CrType::from("ECS_MANAGED_INSTANCES"),
                Kind::EcsManagedInstances,
                false,
            ),
        ] {
            let k = Kind::of(Some(&t));
            assert_eq!(k, kind);
            assert_eq!(k.as_str(), t.as_str());
            assert_eq!(k.launches_instances(), instances, "{t:?}");
        }
        assert_eq!(Kind::of(Some(&CrType::from("NEW_ONE"))).as_str(), "NEW_ONE");
        assert_eq!(Kind::of(None), Kind::None);
    }
}
