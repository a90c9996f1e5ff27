//! Every finding code `check` makes, declared once: one row of [`codes!`] gives its
//! variant, its stable text, and what `docs/findings.md` says of it (severity, meaning,
//! resource). The enum, [`FindingCode::ALL`], [`FindingCode::as_str`] and
//! [`FindingCode::doc`] come from the rows; the page's table is generated from them
//! (`cargo xtask gen`) and SARIF's rules read them.

use serde::Serialize;

/// What the documentation says of one finding code: the row of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CodeDoc {
    pub code: &'static str,
    /// `error`, `warning`, or when it depends, in words.
    pub severity: &'static str,
    pub meaning: &'static str,
    /// What the finding's `resource` names.
    pub resource: &'static str,
}

impl CodeDoc {
    /// The row of a Markdown table: code | severity | meaning | resource.
    pub fn row(&self) -> String {
        format!(
            "| `{}` | {} | {} | {} |",
            self.code, self.severity, self.meaning, self.resource
        )
    }
}

/// Declares the codes: `Variant => "text", "severity", "meaning", "resource";` per row.
macro_rules! codes {
    ($($variant:ident => $text:literal, $severity:literal, $meaning:literal, $resource:literal;)*) => {
        /// Stable finding codes. Never rename one.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum FindingCode {
            $($variant,)*
        }

        impl FindingCode {
            /// Every code, in the order the documentation lists them.
            pub const ALL: &'static [FindingCode] = &[$(FindingCode::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingCode::$variant => $text,)*
                }
            }

            /// What the documentation says of it.
            pub fn doc(self) -> CodeDoc {
                match self {
                    $(FindingCode::$variant => CodeDoc {
                        code: $text,
                        severity: $severity,
                        meaning: $meaning,
                        resource: $resource,
                    },)*
                }
            }
        }
    };
}

codes! {
    RoleMissing => "role_missing", "error", "the role does not exist", "`role/NAME`";
    TrustPolicyMissingEc2 => "trust_policy_missing_ec2", "error", "IAM's rules deny the partition's EC2 principal `sts:AssumeRole` whatever EC2 sends: no statement allows it, or a `Deny` applies (the message names the statements)", "`role/NAME`";
    TrustPolicyExtraPrincipal => "trust_policy_extra_principal", "warning", "the trust policy also lets principals it names assume the role (another account, role, service, federated provider), or anyone meeting a condition that keeps outsiders out", "`role/NAME`";
    TrustPolicyConditional => "trust_policy_conditional", "warning", "whether EC2 may assume the role depends on condition keys EC2 is not documented to send; names the keys and the statements", "`role/NAME`";
    ManagedPolicyNotAttached => "managed_policy_not_attached", "error", "one per required policy not attached", "the policy ARN";
    InstanceProfileMissing => "instance_profile_missing", "error", "the instance profile does not exist", "`instance-profile/NAME`";
    InstanceProfileMissingRole => "instance_profile_missing_role", "error", "the profile holds no role", "`instance-profile/NAME`";
    InstanceProfileOtherRole => "instance_profile_other_role", "error", "the profile holds another role", "`instance-profile/NAME`";
    TrustPolicyPublic => "trust_policy_public", "error", "a principal in an account the policy does not name may assume the role (`\"*\"`, `{\"AWS\": \"*\"}` or `NotPrincipal` with no condition that keeps it out); only `--replace-trust-policy` fixes it", "`role/NAME`";
    TrustPolicyConditionalDeny => "trust_policy_conditional_deny", "warning", "as `trust_policy_conditional`, where the deciding statement is a `Deny`", "`role/NAME`";
    RolePathDiffers => "role_path_differs", "warning", "the role is at another IAM path than `--path` (IAM cannot move it: recreate it)", "`role/NAME`";
    InstanceProfilePathDiffers => "instance_profile_path_differs", "warning", "the profile is at another IAM path than `--path`", "`instance-profile/NAME`";
    AgentPermissionDenied => "agent_permission_denied", "error", "the role's policies (managed, inline, permissions boundary) deny an action the ECS agent calls; names the actions, the statements and policies, or the policy that lacks an `Allow`", "`role/NAME`";
    AgentPermissionConditional => "agent_permission_conditional", "warning", "an agent action is allowed only under a condition or on some resources (a cluster name pattern, say), or nothing readable allows it while a policy could not be read", "`role/NAME`";
    ScpDeniesAgent => "scp_denies_agent", "error", "a service control policy denies an agent action, or a level of the organisation has no SCP that allows it; names the SCP and where it is attached (fleet runs from the management account)", "`role/NAME`";
    PolicyNotFound => "policy_not_found", "error", "a policy the role must have (`--extra-policy`) does not exist in IAM, so nothing can attach it: fix the ARN (plan and apply refuse before any write)", "the policy ARN";
    PolicyUnreadable => "policy_unreadable", "warning", "a policy on the role (or an SCP) could not be read or parsed, so the agent's permissions were not fully evaluated", "`role/NAME`";
}

impl FindingCode {
    /// Findings about the trust policy: the ones `--replace-trust-policy` fixes.
    pub fn is_trust(self) -> bool {
        matches!(
            self,
            FindingCode::TrustPolicyMissingEc2
                | FindingCode::TrustPolicyExtraPrincipal
                | FindingCode::TrustPolicyConditional
                | FindingCode::TrustPolicyPublic
                | FindingCode::TrustPolicyConditionalDeny
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_its_own_text_and_serializes_as_it() {
        let mut texts: Vec<&str> = FindingCode::ALL.iter().map(|c| c.as_str()).collect();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), FindingCode::ALL.len());
        for c in FindingCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert_eq!(c.doc().code, c.as_str());
        }
    }
}
