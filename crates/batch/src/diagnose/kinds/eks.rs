//! EKS environments: the node role's trust and policies.

use ecsrole_core::{FindingCode, Subject};

use super::KindDef;
use crate::diagnose::read::Facts;
use crate::diagnose::{Code, Finding, error, warning};

/// A managed environment on EKS: its instances (when Batch launches any) are EKS nodes;
/// the network is EKS's to judge.
pub(super) const KIND: KindDef = KindDef {
    is: |ce, c| c.managed && ce.eks,
    identity: "eks_node_role",
    uses: super::instance_role,
    judge: |j| {
        let launches = j.c.kind.launches_instances();
        let profile = if launches {
            j.instance_role(true)
        } else {
            None
        };
        if launches {
            j.launch_template();
        }
        j.service_role();
        j.missing_network();
        if launches {
            j.instances(profile.as_deref());
        }
    },
};

/// The managed policies an EKS node role needs (the Amazon EKS User Guide, "Amazon EKS
/// node IAM role", which AWS Batch's "Amazon EKS" guide points to): the worker node policy
/// and read access to ECR (`AmazonEC2ContainerRegistryReadOnly`, or the newer
/// `AmazonEC2ContainerRegistryPullOnly`), each required; the VPC CNI's policy belongs on the
/// node role unless the CNI has a role of its own (IRSA, Pod Identity): a warning.
pub(crate) const EKS_NODE_POLICIES: [&[&str]; 2] = [
    &["AmazonEKSWorkerNodePolicy"],
    &[
        "AmazonEC2ContainerRegistryReadOnly",
        "AmazonEC2ContainerRegistryPullOnly",
    ],
];

pub(crate) const EKS_CNI_POLICY: &str = "AmazonEKS_CNI_Policy";

/// A compute environment on EKS: its instance profile's role is an EKS node role, judged
/// against the EKS node policies, never the ECS one.
pub(crate) fn eks_node_role(facts: &Facts, role: &str, findings: &mut Vec<Finding>) {
    let res = Subject::Role(role.to_string());
    let Some(read) = facts.roles.get(role) else {
        return;
    };
    let Some(state) = &read.role else {
        findings.push(error(
            Code::Role(FindingCode::RoleMissing),
            res,
            format!("the EKS node role {role} does not exist"),
        ));
        return;
    };
    let has = |name: &str| {
        read.attached
            .iter()
            .any(|a| a.rsplit('/').next() == Some(name))
    };
    if !matches!(
        ecsrole_core::trust::allows_service(&state.trust_policy, "ec2.amazonaws.com"),
        Ok(true)
    ) {
        findings.push(error(
            Code::EksNodeRoleNotTrusted,
            res.clone(),
            format!("the EKS node role {role} does not let ec2.amazonaws.com call sts:AssumeRole unconditionally: its nodes get no credentials"),
        ));
    }
    for any in EKS_NODE_POLICIES {
        if !any.iter().any(|p| has(p)) {
            findings.push(error(
                Code::EksNodePolicyMissing,
                res.clone(),
                format!("the EKS node role {role} lacks {} (the EKS node IAM role's policies; not AmazonEC2ContainerServiceforEC2Role, which is for ECS)", any.join(" or ")),
            ));
        }
    }
    if !has(EKS_CNI_POLICY) {
        findings.push(warning(
            Code::EksNodePolicyMissing,
            res,
            format!("the EKS node role {role} lacks {EKS_CNI_POLICY}: the VPC CNI needs it here unless it has a role of its own (IRSA or Pod Identity)"),
        ));
    }
}
