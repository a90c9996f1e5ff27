//! SPOT environments: the Spot Fleet role the `BEST_FIT` strategy needs.

use super::*;
#[allow(unused_imports)]
use ecsrole_core::Subject;

/// `SPOT` with the `BEST_FIT` allocation strategy, or none given, needs `spotIamFleetRole`,
/// a role `spotfleet.amazonaws.com` may assume (aws-sdk-batch 1.138, `ComputeResource`
/// `spot_iam_fleet_role`; docs/aws-facts.md).
pub(super) fn spot_fleet_role(
    facts: &Facts,
    ce: &Described,
    c: &crate::api::Compute,
    findings: &mut Vec<Finding>,
) {
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
