//! Instances that never join ECS, and instances with another profile: judged from the
//! instances read in the environment's subnets and its cluster's registrations. Pure.

use super::read::Facts;
use super::{Code, DiagnoseOptions, Finding};
use super::{error, warning};
use crate::api::{Compute, Described};
use crate::ec2::Instance;
use ecsrole_core::Subject;

/// Which of the read instances are this environment's: those carrying all of its
/// `computeResources.tags` (Batch puts them on its instances); without tags, those in its
/// subnets running with its instance profile.
fn own_instances<'a>(
    facts: &'a Facts,
    c: &Compute,
    profile_arn: Option<&str>,
) -> Vec<&'a Instance> {
    facts
        .instances
        .iter()
        .filter(|i| {
            if c.tags.is_empty() {
                profile_arn.is_some()
                    && i.instance_profile_arn.as_deref() == profile_arn
                    && i.subnet.as_ref().is_some_and(|s| c.subnets.contains(s))
            } else {
                c.tags.iter().all(|(k, v)| i.tags.get(k) == Some(v))
            }
        })
        .collect()
}

pub(super) fn instances(
    facts: &Facts,
    opts: &DiagnoseOptions,
    ce: &Described,
    c: &Compute,
    profile_arn: Option<&str>,
    findings: &mut Vec<Finding>,
) {
    let res = ce.subject();
    let own = own_instances(facts, c, profile_arn);
    // Running with another profile: the environment's instanceRole changed after they
    // launched, or something else launched them with its tags.
    if !c.tags.is_empty()
        && let Some(expected) = profile_arn
    {
        for i in own
            .iter()
            .filter(|i| i.instance_profile_arn.as_deref() != Some(expected))
        {
            findings.push(error(
                Code::InstanceProfileMismatch,
                Subject::Instance(i.id.to_string()),
                format!(
                    "instance {} of the compute environment runs with instance profile {}, not {expected} (computeResources.instanceRole): it was launched before instanceRole changed, or by something else; replace it",
                    i.id,
                    i.instance_profile_arn.as_deref().unwrap_or("none")
                ),
            ));
        }
    }
    let Some(cluster) = &ce.ecs_cluster_arn else {
        return;
    };
    let registered = facts.registered.get(cluster).copied().unwrap_or_default();
    if registered > 0 {
        return;
    }
    let allowance = opts.registration_allowance;
    let age = |i: &Instance| {
        i.launched
            .and_then(|t| facts.now.duration_since(t).ok())
            .unwrap_or_default()
    };
    let overdue: Vec<&&Instance> = own
        .iter()
        .filter(|i| i.state == "running" && age(i) > allowance)
        .collect();
    let desired = c.desired_vcpus.unwrap_or_default();
    let seen: Vec<String> = own
        .iter()
        .map(|i| {
            format!(
                "{} {} for {}s with instance profile {}",
                i.id,
                i.state,
                age(i).as_secs(),
                i.instance_profile_arn.as_deref().unwrap_or("none")
            )
        })
        .collect();
    let role_findings = findings.iter().any(|f| f.is_error());
    let mut causes = vec![];
    if role_findings {
        causes.push("the errors above (the instance role, its profile, the network)".to_owned());
    }
    let message = if own.is_empty() {
        causes.extend([
            "capacity: Batch could not launch an instance (the instance types in these subnets' zones, Spot capacity, the account's EC2 limits)".to_owned(),
            "the subnets, security groups or launch template stop a launch".to_owned(),
            "the service role may not launch instances".to_owned(),
        ]);
        format!(
            "desiredvCpus is {desired} but no container instance is registered in {cluster} and no instance of the compute environment is running{}",
            if c.tags.is_empty() {
                " (it sets no computeResources.tags, so only instances in its subnets with its instance profile count as its own)"
            } else {
                ""
            }
        )
    } else if overdue.is_empty() {
        // Still within the allowance: nothing to say yet.
        return;
    } else {
        if !role_findings {
            causes.push("the role lacks what the ECS agent needs (a custom policy without ecs:RegisterContainerInstance or ecs:TagResource, a permissions boundary, an SCP)".into());
        }
        causes.extend([
            "the instances cannot reach the ECS endpoint: a subnet without a route to the internet, a NAT gateway or ECS VPC endpoints".to_owned(),
            "the AMI: not an ECS-optimized AMI, or user data that stops the ECS agent".to_owned(),
        ]);
        format!(
            "desiredvCpus is {desired} and {} instance(s) have run longer than the registration allowance ({}s), but no container instance is registered in {cluster}",
            overdue.len(),
            allowance.as_secs()
        )
    };
    let seen = if seen.is_empty() {
        String::new()
    } else {
        format!("; seen: {}", seen.join("; "))
    };
    let causes = causes
        .iter()
        .enumerate()
        .map(|(n, c)| format!(" {}. {c}", n + 1))
        .collect::<String>();
    findings.push(warning(
        Code::InstancesNotRegistered,
        res,
        format!("{message}{seen}; likely causes, most likely first:{causes}"),
    ));
}
