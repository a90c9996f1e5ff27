//! The writes: one IAM action each (the service-linked role: found first, created when
//! missing).

use aws_sdk_iam::types::Tag;

use crate::aws::{call, call_opt};
use crate::error::Error;

use super::Iam;

fn to_tags(tags: &[(String, String)]) -> Result<Vec<Tag>, Error> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| Error::Other {
                    action: "building tags",
                    detail: e.to_string(),
                })
        })
        .collect()
}

impl Iam {
    /// The ARN of AWS Batch's service-linked role, created when missing.
    ///
    /// Found by path, not by name: AWS names it `AWSServiceRoleForBatch`, moto
    /// `AWSServiceRoleForbatch`; both live under `/aws-service-role/batch.amazonaws.com/`.
    /// Returns whether it was created by this call.
    pub async fn batch_service_linked_role(&self) -> Result<(String, bool), Error> {
        let find = async || self.find_batch_service_linked_role().await;
        if let Some(arn) = find().await? {
            return Ok((arn, false));
        }
        let created = call(
            &self.calls,
            &self.endpoint,
            "iam:CreateServiceLinkedRole",
            self.client
                .create_service_linked_role()
                .aws_service_name("batch.amazonaws.com")
                .send(),
        )
        .await;
        match created {
            Ok(out) => match out.role {
                Some(role) => Ok((role.arn, true)),
                None => find().await?.map(|a| (a, true)).ok_or(Error::Other {
                    action: "iam:CreateServiceLinkedRole",
                    detail: "returned no role".into(),
                }),
            },
            // Created concurrently by someone else: use theirs.
            Err(e @ Error::Service { .. }) => match find().await? {
                Some(arn) => Ok((arn, false)),
                None => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// Creates the ECS instance role; returns its ARN.
    pub async fn create_role(
        &self,
        name: &str,
        path: &str,
        document: &str,
        tags: &[(String, String)],
    ) -> Result<String, Error> {
        let description = "ECS container instance role for AWS Batch, managed by ecsrole";
        self.create_described_role(name, path, document, tags, description)
            .await
    }

    /// Creates a role with `description`; returns its ARN.
    pub async fn create_described_role(
        &self,
        name: &str,
        path: &str,
        document: &str,
        tags: &[(String, String)],
        description: &str,
    ) -> Result<String, Error> {
        let req = self
            .client
            .create_role()
            .role_name(name)
            .path(path)
            .assume_role_policy_document(document)
            .description(description)
            .set_tags(Some(to_tags(tags)?));
        let out = call(&self.calls, &self.endpoint, "iam:CreateRole", req.send()).await?;
        Ok(out.role.map(|r| r.arn).unwrap_or_default())
    }

    pub async fn update_trust_policy(&self, role: &str, document: &str) -> Result<(), Error> {
        let req = self
            .client
            .update_assume_role_policy()
            .role_name(role)
            .policy_document(document);
        call(
            &self.calls,
            &self.endpoint,
            "iam:UpdateAssumeRolePolicy",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn attach_policy(&self, role: &str, arn: &str) -> Result<(), Error> {
        let req = self
            .client
            .attach_role_policy()
            .role_name(role)
            .policy_arn(arn);
        call(
            &self.calls,
            &self.endpoint,
            "iam:AttachRolePolicy",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn detach_policy(&self, role: &str, arn: &str) -> Result<(), Error> {
        let req = self
            .client
            .detach_role_policy()
            .role_name(role)
            .policy_arn(arn);
        // Idempotent: already gone (a retry after a lost answer) is done.
        call_opt(
            &self.calls,
            &self.endpoint,
            "iam:DetachRolePolicy",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn delete_inline_policy(&self, role: &str, policy: &str) -> Result<(), Error> {
        let req = self
            .client
            .delete_role_policy()
            .role_name(role)
            .policy_name(policy);
        // Idempotent: already gone (a retry after a lost answer) is done.
        call_opt(
            &self.calls,
            &self.endpoint,
            "iam:DeleteRolePolicy",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn create_instance_profile(
        &self,
        name: &str,
        path: &str,
        tags: &[(String, String)],
    ) -> Result<(), Error> {
        let req = self
            .client
            .create_instance_profile()
            .instance_profile_name(name)
            .path(path)
            .set_tags(Some(to_tags(tags)?));
        call(
            &self.calls,
            &self.endpoint,
            "iam:CreateInstanceProfile",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn add_role_to_profile(&self, profile: &str, role: &str) -> Result<(), Error> {
        let req = self
            .client
            .add_role_to_instance_profile()
            .instance_profile_name(profile)
            .role_name(role);
        call(
            &self.calls,
            &self.endpoint,
            "iam:AddRoleToInstanceProfile",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn remove_role_from_profile(&self, profile: &str, role: &str) -> Result<(), Error> {
        let req = self
            .client
            .remove_role_from_instance_profile()
            .instance_profile_name(profile)
            .role_name(role);
        // Idempotent: already gone (a retry after a lost answer) is done.
        call_opt(
            &self.calls,
            &self.endpoint,
            "iam:RemoveRoleFromInstanceProfile",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn delete_instance_profile(&self, profile: &str) -> Result<(), Error> {
        let req = self
            .client
            .delete_instance_profile()
            .instance_profile_name(profile);
        // Idempotent: already gone (a retry after a lost answer) is done.
        call_opt(
            &self.calls,
            &self.endpoint,
            "iam:DeleteInstanceProfile",
            req.send(),
        )
        .await?;
        Ok(())
    }

    pub async fn delete_role(&self, role: &str) -> Result<(), Error> {
        let req = self.client.delete_role().role_name(role);
        // Idempotent: already gone (a retry after a lost answer) is done.
        call_opt(&self.calls, &self.endpoint, "iam:DeleteRole", req.send()).await?;
        Ok(())
    }
}
