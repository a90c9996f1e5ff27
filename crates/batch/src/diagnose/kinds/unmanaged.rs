//! UNMANAGED environments: the instances the account launched itself, each with a
//! profile.

use ecsrole_core::{Partition, Subject};

use super::KindDef;
use crate::api::Described;
use crate::diagnose::checks::instance_role;
use crate::diagnose::read::Facts;
use crate::diagnose::{Code, DiagnoseOptions, Finding, error};

/// Batch launches nothing and assumes no role for it: no profile of its own to use.
pub(super) const KIND: KindDef = KindDef {
    is: |_, c| !c.managed,
    identity: "yours",
    uses: |_| vec![],
    judge: |j| {
        unmanaged(
            j.facts,
            j.opts,
            j.partition,
            j.ce,
            &mut j.findings,
            &mut j.undecided,
        );
        j.missing_network();
    },
};

/// UNMANAGED: Batch launches nothing; the instances registered in its ECS cluster are the
/// user's, and each must run with an instance profile whose role `check` passes.
fn unmanaged(
    facts: &Facts,
    opts: &DiagnoseOptions,
    partition: Partition,
    ce: &Described,
    findings: &mut Vec<Finding>,
    undecided: &mut Vec<String>,
) {
    let Some(list) = ce
        .ecs_cluster_arn
        .as_ref()
        .and_then(|c| facts.unmanaged.get(c))
    else {
        return;
    };
    let mut by_profile: Vec<(&str, Vec<&str>)> = vec![];
    for i in list {
        match i.instance_profile_arn.as_deref() {
            None => findings.push(error(
                Code::UnmanagedInstanceNoProfile,
                Subject::Instance(i.id.to_string()),
                format!("instance {} is registered in the UNMANAGED environment's ECS cluster but runs with no instance profile: its ECS agent has no credentials", i.id),
            )),
            Some(p) => match by_profile.iter_mut().find(|(q, _)| *q == p) {
                Some((_, ids)) => ids.push(&i.id),
                None => by_profile.push((p, vec![&i.id])),
            },
        }
    }
    for (profile, ids) in by_profile {
        let mut found = vec![];
        instance_role(
            facts, opts, partition, profile, ce.eks, &mut found, undecided,
        );
        findings.extend(found.into_iter().map(|mut f| {
            f.message = format!(
                "{} (instance profile of {}, registered in the UNMANAGED environment's cluster)",
                f.message,
                ids.join(", ")
            );
            f
        }));
    }
}
