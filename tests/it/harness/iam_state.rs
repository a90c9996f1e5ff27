//! The IAM side of a test: a role and profile made as someone else would make them, and
//! the state read back from the emulator (never ecsrole's word).

#[allow(unused_imports)]
use super::*;

pub const ECS_POLICY: &str =
    "arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role";

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub trust: Option<serde_json::Value>,
    pub role_tags: Option<Vec<(String, String)>>,
    pub role_path: Option<String>,
    pub policies: Vec<String>,
    pub profile_roles: Option<Vec<String>>,
    pub profile_tags: Option<Vec<(String, String)>>,
}

impl Ctx {
    pub fn trust_ec2() -> &'static str {
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#
    }

    /// Creates the role directly through IAM (not through ecsrole), untagged unless asked.
    pub async fn create_role(&self, trust: &str, tags: &[(&str, &str)]) {
        let tags = tags
            .iter()
            .map(|(k, v)| Tag::builder().key(*k).value(*v).build().unwrap())
            .collect();
        self.iam
            .create_role()
            .role_name(&self.role)
            .assume_role_policy_document(trust)
            .set_tags(Some(tags))
            .send()
            .await
            .unwrap();
    }

    pub async fn attach(&self, arn: &str) {
        self.iam
            .attach_role_policy()
            .role_name(&self.role)
            .policy_arn(arn)
            .send()
            .await
            .unwrap();
    }

    pub async fn create_profile(&self, name: &str, role: Option<&str>) {
        self.iam
            .create_instance_profile()
            .instance_profile_name(name)
            .send()
            .await
            .unwrap();
        if let Some(role) = role {
            self.iam
                .add_role_to_instance_profile()
                .instance_profile_name(name)
                .role_name(role)
                .send()
                .await
                .unwrap();
        }
    }

    /// A correct role, attached policy and profile, all made directly through IAM.
    pub async fn create_compliant(&self, tags: &[(&str, &str)]) {
        self.create_role(Self::trust_ec2(), tags).await;
        self.attach(ECS_POLICY).await;
        self.create_profile(&self.role, Some(&self.role)).await;
    }

    /// What the emulator holds, read directly: (trust policy JSON, attached ARNs, profile
    /// roles). "Gone" is IAM's NoSuchEntity and nothing else: any other failed read panics,
    /// so a "deleted" assertion cannot pass on an emulator that stopped answering.
    pub async fn state(&self) -> State {
        let role = gone_is_none(
            "GetRole",
            self.iam.get_role().role_name(&self.role).send().await,
        );
        let role = role.and_then(|r| r.role);
        let policies = gone_is_none(
            "ListAttachedRolePolicies",
            self.iam
                .list_attached_role_policies()
                .role_name(&self.role)
                .send()
                .await,
        )
        .map(|o| {
            o.attached_policies()
                .iter()
                .filter_map(|p| p.policy_arn().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
        let profile = gone_is_none(
            "GetInstanceProfile",
            self.iam
                .get_instance_profile()
                .instance_profile_name(&self.role)
                .send()
                .await,
        )
        .and_then(|o| o.instance_profile);
        State {
            trust: role.as_ref().map(|r| {
                let raw = r.assume_role_policy_document().unwrap_or_default();
                let decoded = percent_encoding::percent_decode_str(raw)
                    .decode_utf8()
                    .unwrap();
                serde_json::from_str(&decoded).unwrap()
            }),
            role_tags: role.as_ref().map(|r| tag_pairs(r.tags())),
            role_path: role.as_ref().map(|r| r.path().to_owned()),
            policies,
            profile_roles: profile
                .as_ref()
                .map(|p| p.roles().iter().map(|r| r.role_name().to_owned()).collect()),
            profile_tags: profile.as_ref().map(|p| tag_pairs(p.tags())),
        }
    }
}

/// `Some` for an answer, `None` for IAM's NoSuchEntity; any other error panics, naming it.
pub fn gone_is_none<T, E>(action: &str, result: Result<T, SdkError<E>>) -> Option<T>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(v) => Some(v),
        Err(e) if e.code() == Some("NoSuchEntity") => None,
        Err(e) => panic!(
            "iam:{action} failed, so the state is unknown (not gone): {}",
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        ),
    }
}

pub(super) fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_owned(), t.value().to_owned()))
        .collect()
}
