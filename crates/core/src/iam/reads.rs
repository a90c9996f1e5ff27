//! The reads: one IAM action each, `None` or empty where IAM answers NoSuchEntity.

use std::time::SystemTime;

use aws_sdk_iam::types::Tag;

use crate::aws::{call, call_opt};
use crate::error::Error;
use crate::state::{ProfileState, RoleState};
use crate::trust::decode_document;

use super::Iam;
use super::paging::Page;

fn tags_of(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

impl Iam {
    /// The ARN of AWS Batch's service-linked role, if the account has one (found by its
    /// path, as [`Iam::batch_service_linked_role`] explains). Read-only.
    pub async fn find_batch_service_linked_role(&self) -> Result<Option<String>, Error> {
        const PATH: &str = "/aws-service-role/batch.amazonaws.com/";
        let out = call(
            &self.calls,
            &self.endpoint,
            "iam:ListRoles",
            self.client.list_roles().path_prefix(PATH).send(),
        )
        .await?;
        Ok(out.roles().first().map(|r| r.arn().to_owned()))
    }

    /// The roles whose description is `description`: (name, path), every page of
    /// ListRoles (which carries descriptions, not tags).
    pub async fn roles_described(&self, description: &str) -> Result<Vec<(String, String)>, Error> {
        self.all_pages(
            "iam:ListRoles",
            |marker| {
                self.client
                    .list_roles()
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |page| Page {
                items: page
                    .roles()
                    .iter()
                    .filter(|r| r.description() == Some(description))
                    .map(|r| (r.role_name().to_owned(), r.path().to_owned()))
                    .collect(),
                next: page.marker.filter(|_| page.is_truncated),
            },
        )
        .await
    }

    pub async fn get_role(&self, name: &str) -> Result<Option<RoleState>, Error> {
        let out = call_opt(
            &self.calls,
            &self.endpoint,
            "iam:GetRole",
            self.client.get_role().role_name(name).send(),
        )
        .await?;
        Ok(out.and_then(|o| o.role).map(|r| RoleState {
            created: SystemTime::try_from(r.create_date).ok(),
            trust_policy: decode_document(r.assume_role_policy_document().unwrap_or_default())
                .into_owned(),
            tags: tags_of(r.tags()),
            permissions_boundary: r
                .permissions_boundary
                .and_then(|b| b.permissions_boundary_arn),
            arn: r.arn,
            path: r.path,
        }))
    }

    /// ARNs of the managed policies attached to the role; empty when the role is missing.
    /// One call unless the role has more than 1000 attachments.
    pub async fn attached_policies(&self, role: &str) -> Result<Vec<String>, Error> {
        self.all_pages(
            "iam:ListAttachedRolePolicies",
            |marker| {
                self.client
                    .list_attached_role_policies()
                    .role_name(role)
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |page| Page {
                items: page
                    .attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned))
                    .collect(),
                next: page.marker.filter(|_| page.is_truncated),
            },
        )
        .await
    }

    pub async fn get_instance_profile(&self, name: &str) -> Result<Option<ProfileState>, Error> {
        let out = call_opt(
            &self.calls,
            &self.endpoint,
            "iam:GetInstanceProfile",
            self.client
                .get_instance_profile()
                .instance_profile_name(name)
                .send(),
        )
        .await?;
        Ok(out.and_then(|o| o.instance_profile).map(|p| ProfileState {
            created: SystemTime::try_from(p.create_date).ok(),
            roles: p.roles().iter().map(|r| r.role_name().to_owned()).collect(),
            tags: tags_of(p.tags()),
            arn: p.arn,
            path: p.path,
        }))
    }

    /// Names of every instance profile that holds the role; empty when the role is missing.
    pub async fn profiles_for_role(&self, role: &str) -> Result<Vec<String>, Error> {
        self.all_pages(
            "iam:ListInstanceProfilesForRole",
            |marker| {
                self.client
                    .list_instance_profiles_for_role()
                    .role_name(role)
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |page| Page {
                items: page
                    .instance_profiles()
                    .iter()
                    .map(|p| p.instance_profile_name().to_owned())
                    .collect(),
                next: page.marker.filter(|_| page.is_truncated),
            },
        )
        .await
    }

    /// Names of the inline policies of the role; empty when the role is missing.
    pub async fn inline_policies(&self, role: &str) -> Result<Vec<String>, Error> {
        self.all_pages(
            "iam:ListRolePolicies",
            |marker| {
                self.client
                    .list_role_policies()
                    .role_name(role)
                    .max_items(1000)
                    .set_marker(marker)
                    .send()
            },
            |page| Page {
                items: page.policy_names().to_vec(),
                next: page.marker.filter(|_| page.is_truncated),
            },
        )
        .await
    }

    /// The decoded document of one inline policy of the role; `None` when it (or the role)
    /// does not exist.
    pub async fn get_role_policy(&self, role: &str, name: &str) -> Result<Option<String>, Error> {
        let out = call_opt(
            &self.calls,
            &self.endpoint,
            "iam:GetRolePolicy",
            self.client
                .get_role_policy()
                .role_name(role)
                .policy_name(name)
                .send(),
        )
        .await?;
        Ok(out.map(|o| decode_document(&o.policy_document).into_owned()))
    }

    /// The default version id of a managed policy; `None` when the policy does not exist.
    pub async fn policy_default_version(&self, arn: &str) -> Result<Option<String>, Error> {
        let out = call_opt(
            &self.calls,
            &self.endpoint,
            "iam:GetPolicy",
            self.client.get_policy().policy_arn(arn).send(),
        )
        .await?;
        let Some(policy) = out.and_then(|o| o.policy) else {
            return Ok(None);
        };
        policy
            .default_version_id
            .map(Some)
            .ok_or_else(|| Error::Other {
                action: "iam:GetPolicy",
                detail: format!("returned no default version for {arn}"),
            })
    }

    /// The decoded document of one version of a managed policy (AWS URL-encodes it, moto
    /// does not); `None` when the policy or the version does not exist.
    pub async fn policy_version(&self, arn: &str, version: &str) -> Result<Option<String>, Error> {
        let out = call_opt(
            &self.calls,
            &self.endpoint,
            "iam:GetPolicyVersion",
            self.client
                .get_policy_version()
                .policy_arn(arn)
                .version_id(version)
                .send(),
        )
        .await?;
        let Some(v) = out.and_then(|o| o.policy_version) else {
            return Ok(None);
        };
        v.document
            .map(|d| Some(decode_document(&d).into_owned()))
            .ok_or_else(|| Error::Other {
                action: "iam:GetPolicyVersion",
                detail: format!("returned no document for {arn} version {version}"),
            })
    }
}
