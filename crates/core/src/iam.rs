//! A thin wrapper over the IAM client: each method is one domain step, one IAM action.

use std::time::SystemTime;

use aws_sdk_iam::Client;
use aws_sdk_iam::types::Tag;

use crate::aws::{Aws, Calls, call, call_opt};
use crate::error::Error;
use crate::state::{Actual, ProfileState, RoleState};
use crate::trust::decode_document;

/// The IAM operations the engine uses. The names are the IAM actions the operator needs
/// (see `ecsrole permissions`, later) and the ones errors name.
#[derive(Debug, Clone)]
pub struct Iam {
    client: Client,
    calls: Calls,
    endpoint: String,
}

fn tags_of(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}

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
    pub fn new(aws: &Aws) -> Iam {
        let mut config = aws_sdk_iam::config::Builder::from(&aws.config);
        if let Some(t) = aws.calls.throttles() {
            config.push_retry_classifier(t.shared());
        }
        Iam {
            client: Client::from_conf(config.build()),
            calls: aws.calls.clone(),
            endpoint: aws.endpoint_name("IAM"),
        }
    }

    /// From a client built elsewhere (tests build one with mocked responses).
    pub fn from_client(client: Client, calls: Calls, endpoint: String) -> Iam {
        Iam {
            client,
            calls,
            endpoint,
        }
    }

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

    /// The three reads `check` needs, issued concurrently.
    pub async fn read(&self, role_name: &str, profile_name: &str) -> Result<Actual, Error> {
        let (role, attached_policies, instance_profile) = tokio::try_join!(
            self.get_role(role_name),
            self.attached_policies(role_name),
            self.get_instance_profile(profile_name),
        )?;
        Ok(Actual {
            role,
            attached_policies,
            instance_profile,
            ..Actual::default()
        })
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
        let mut arns = vec![];
        let mut marker = None;
        loop {
            let page = call_opt(
                &self.calls,
                &self.endpoint,
                "iam:ListAttachedRolePolicies",
                self.client
                    .list_attached_role_policies()
                    .role_name(role)
                    .max_items(1000)
                    .set_marker(marker.take())
                    .send(),
            )
            .await?;
            let Some(page) = page else { return Ok(vec![]) };
            arns.extend(
                page.attached_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_owned)),
            );
            match page.marker {
                Some(m) if page.is_truncated => marker = Some(m),
                _ => return Ok(arns),
            }
        }
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
        let mut names = vec![];
        let mut marker = None;
        loop {
            let page = call_opt(
                &self.calls,
                &self.endpoint,
                "iam:ListInstanceProfilesForRole",
                self.client
                    .list_instance_profiles_for_role()
                    .role_name(role)
                    .max_items(1000)
                    .set_marker(marker.take())
                    .send(),
            )
            .await?;
            let Some(page) = page else { return Ok(vec![]) };
            names.extend(
                page.instance_profiles()
                    .iter()
                    .map(|p| p.instance_profile_name().to_owned()),
            );
            match page.marker {
                Some(m) if page.is_truncated => marker = Some(m),
                _ => return Ok(names),
            }
        }
    }

    /// Names of the inline policies of the role (needed only to delete it); empty when the
    /// role is missing.
    pub async fn inline_policies(&self, role: &str) -> Result<Vec<String>, Error> {
        let mut names = vec![];
        let mut marker = None;
        loop {
            let page = call_opt(
                &self.calls,
                &self.endpoint,
                "iam:ListRolePolicies",
                self.client
                    .list_role_policies()
                    .role_name(role)
                    .max_items(1000)
                    .set_marker(marker.take())
                    .send(),
            )
            .await?;
            let Some(page) = page else { return Ok(vec![]) };
            names.extend(page.policy_names().iter().cloned());
            match page.marker {
                Some(m) if page.is_truncated => marker = Some(m),
                _ => return Ok(names),
            }
        }
    }

    /// Creates the role; returns its ARN.
    pub async fn create_role(
        &self,
        name: &str,
        path: &str,
        document: &str,
        tags: &[(String, String)],
    ) -> Result<String, Error> {
        let req = self
            .client
            .create_role()
            .role_name(name)
            .path(path)
            .assume_role_policy_document(document)
            .description("ECS container instance role for AWS Batch, managed by ecsrole")
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
