//! `EC2` and `SPOT` environments on ECS: On-Demand or Spot instances Batch launches with
//! `instanceRole`, in the environment's subnets, registering with its ECS cluster; SPOT
//! with the `BEST_FIT` strategy also needs a Spot Fleet role.

use ecsrole_core::Subject;

use super::{KindDef, Uses};
use crate::api::{Compute, Described, Kind};
use crate::diagnose::read::{Facts, role_name};
use crate::diagnose::{Code, Finding, error, warning};

pub(super) const KIND: KindDef = KindDef {
    is: |_, c| c.managed && c.kind.launches_instances(),
    identity: "instance_profile",
    uses: |c| {
        let mut uses = super::instance_role(c);
        if c.kind == Kind::Spot
            && let Some(arn) = &c.spot_fleet_role
        {
            uses.push(Uses::AssumedRole(arn.clone()));
            uses.push(Uses::RoleWithPolicies(arn.clone()));
        }
        uses
    },
    judge: |j| {
        let profile = j.instance_role(false);
        j.launch_template();
        if j.c.kind == Kind::Spot {
            spot_fleet_role(j.facts, j.ce, j.c, &mut j.findings);
        }
        j.service_role();
        j.missing_network();
        j.network();
        j.instances(profile.as_deref());
    },
};

/// `SPOT` with the `BEST_FIT` allocation strategy, or none given, needs `spotIamFleetRole`,
/// a role `spotfleet.amazonaws.com` may assume (aws-sdk-batch 1.138, `ComputeResource`
/// `spot_iam_fleet_role`; docs/aws-facts.md).
fn spot_fleet_role(facts: &Facts, ce: &Described, c: &Compute, findings: &mut Vec<Finding>) {
    let needed = matches!(c.allocation_strategy.as_deref(), None | Some("BEST_FIT"));
    match &c.spot_fleet_role {
        None if needed => findings.push(error(
            Code::SpotFleetRoleMissing,
            ce.subject(),
            format!(
                "a SPOT compute environment with allocation strategy {} names no spotIamFleetRole: Batch needs one to request Spot Instances (use a role trusted by spotfleet.amazonaws.com with AmazonEC2SpotFleetTaggingRole, or allocation strategy SPOT_CAPACITY_OPTIMIZED / SPOT_PRICE_CAPACITY_OPTIMIZED)",
                c.allocation_strategy.as_deref().unwrap_or("none (BEST_FIT)")
            ),
        )),
        None => {}
        Some(arn) => match facts.service_roles.get(arn) {
            Some(None) => findings.push(error(
                Code::SpotFleetRoleMissing,
                Subject::Role(role_name(arn).to_string()),
                format!("the spotIamFleetRole {arn} does not exist: Batch cannot request Spot Instances"),
            )),
            Some(Some(role)) => {
                let trusted =
                    ecsrole_core::trust::allows_service(&role.trust_policy, "spotfleet.amazonaws.com");
                if !matches!(trusted, Ok(true)) {
                    findings.push(error(
                        Code::SpotFleetRoleNotTrusted,
                        Subject::Role(role_name(arn).to_string()),
                        format!("the spotIamFleetRole {arn} does not let spotfleet.amazonaws.com call sts:AssumeRole unconditionally: Batch cannot request Spot Instances with it"),
                    ));
                }
                // The older policy works but does not tag the Spot Instances on creation
                // (aws-sdk-batch 1.138, `ComputeResource::spot_iam_fleet_role`).
                let attached = facts
                    .roles
                    .get(role_name(arn))
                    .map(|r| r.attached.as_slice())
                    .unwrap_or_default();
                let has = |p: &str| attached.iter().any(|a| a.rsplit('/').next() == Some(p));
                if has("AmazonEC2SpotFleetRole") && !has("AmazonEC2SpotFleetTaggingRole") {
                    findings.push(warning(
                        Code::SpotFleetRoleUntagged,
                        Subject::Role(role_name(arn).to_string()),
                        format!("the spotIamFleetRole {arn} has the older AmazonEC2SpotFleetRole policy and not AmazonEC2SpotFleetTaggingRole: its Spot Instances are not tagged on creation (computeResources.tags do not reach them)"),
                    ));
                }
            }
            None => {}
        },
    }
}
