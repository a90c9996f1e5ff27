//! The composite read `check` makes: the role, its attachments, its profile and its inline
//! policy names in one round, then every permissions policy on it as a document.

use crate::concurrent::run_all;
use crate::error::Error;
use crate::partition::Partition;
use crate::state::{Actual, PolicySource, PolicyText, RolePolicy, RoleState};

use super::{Iam, aws_managed};

/// How many managed-policy reads, and how many inline-policy reads, `read` has in flight
/// at once (a role has at most 20 managed policies by default, and few inline ones).
const POLICY_READS: usize = 8;

/// The name `role_policies` gives the one unreadable inline entry when the list of inline
/// policies itself was refused (no inline policy can be named so: IAM names are
/// `[\w+=,.@-]+`).
pub const UNLISTED_INLINE: &str = "*";

/// The names of a role's inline policies, or why they could not be listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InlineListing {
    Names(Vec<String>),
    /// ListRolePolicies was refused (AccessDenied): the message.
    Refused(String),
}

/// Whether `arn` is an AWS managed policy whose grant the agent's findings take from
/// `docs/policies.md` by its ARN (`findings::agent`): reading its text would change no
/// verdict.
pub fn is_judged_by_arn(arn: &str) -> bool {
    Partition::ALL
        .iter()
        .any(|p| p.policies_judged_by_arn().iter().any(|a| a == arn))
}

/// A policy read's outcome: a document, or why there is none when the read was refused
/// (AccessDenied) or found nothing (`gone`); any other error fails.
fn readable(
    out: Result<Option<String>, Error>,
    gone: impl FnOnce() -> String,
) -> Result<PolicyText, Error> {
    match out {
        Ok(Some(document)) => Ok(PolicyText::Read(document)),
        Ok(None) => Ok(PolicyText::Unreadable(gone())),
        Err(e @ Error::AccessDenied { .. }) => Ok(PolicyText::Unreadable(e.to_string())),
        Err(e) => Err(e),
    }
}

/// A role as IAM answers it, with every permissions policy on it as a document: what
/// `check` and `diagnose` judge a role by.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleRead {
    pub role: Option<RoleState>,
    /// ARNs of the attached managed policies (empty when the role is missing).
    pub attached: Vec<String>,
    /// See [`Actual::role_policies`].
    pub policies: Vec<RolePolicy>,
}

impl Iam {
    /// The reads `check` needs: the role with its policies ([`Iam::read_role`]) and,
    /// concurrently with its first round, the instance profile (a compliant role costs one
    /// round of four calls).
    pub async fn read(&self, role_name: &str, profile_name: &str) -> Result<Actual, Error> {
        let (read, instance_profile) = tokio::try_join!(
            self.read_role(role_name),
            self.get_instance_profile(profile_name),
        )?;
        Ok(Actual {
            role: read.role,
            attached_policies: read.attached,
            instance_profile,
            role_policies: read.policies,
            now: Some(self.calls.clock().now()),
            ..Actual::default()
        })
    }

    /// Of `arns` (policies the role must have and lacks), those IAM says do not exist
    /// (GetPolicy: NoSuchEntity), read concurrently. A read refused (AccessDenied) says
    /// nothing: the policy is then only "not attached".
    pub async fn missing_policies(&self, arns: &[String]) -> Result<Vec<String>, Error> {
        let answers = run_all(
            arns,
            POLICY_READS,
            |arn: String| {
                let iam = self.clone();
                async move { iam.policy_default_version(&arn).await }
            },
            |_, _, _| {},
        )
        .await;
        let mut missing = vec![];
        for (arn, answer) in arns.iter().zip(answers) {
            match answer {
                Ok(None) => missing.push(arn.clone()),
                Ok(Some(_)) | Err(Error::AccessDenied { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(missing)
    }

    /// One role as `check` and `diagnose` judge it. Round one, concurrently: the role, its
    /// attached policies and the names of its inline policies. Round two, when the role
    /// exists: every permissions policy on it as a document ([`Iam::role_policies`]).
    /// Nothing about the role is cached; the AWS managed policies are.
    pub async fn read_role(&self, role_name: &str) -> Result<RoleRead, Error> {
        let (role, attached, inline) = tokio::try_join!(
            self.get_role(role_name),
            self.attached_policies(role_name),
            self.inline_listing(role_name),
        )?;
        let policies = match &role {
            Some(r) => {
                self.role_policies(
                    role_name,
                    &attached,
                    r.permissions_boundary.as_deref(),
                    inline,
                )
                .await?
            }
            None => vec![],
        };
        Ok(RoleRead {
            role,
            attached,
            policies,
        })
    }

    /// The role's permissions policies as documents: each attached managed policy at its
    /// default version, each inline policy (`inline`: their names, from
    /// [`Iam::inline_listing`]), then the permissions boundary, in that order. Managed
    /// policies and the boundary (GetPolicy, then GetPolicyVersion) and the inline ones
    /// (GetRolePolicy) are read concurrently, at most [`POLICY_READS`] of each at once.
    ///
    /// Not read: the AWS managed policies the agent's findings judge by their ARN
    /// ([`is_judged_by_arn`]). Other AWS managed policies (`arn:<p>:iam::aws:policy/...`)
    /// are read once per endpoint per process ([`aws_managed`]). A read refused
    /// (AccessDenied), or a policy gone between the list and the get, is
    /// [`PolicyText::Unreadable`] saying so; any other error fails the whole read.
    pub async fn role_policies(
        &self,
        role: &str,
        attached: &[String],
        boundary: Option<&str>,
        inline: InlineListing,
    ) -> Result<Vec<RolePolicy>, Error> {
        let managed: Vec<(String, bool)> = attached
            .iter()
            .filter(|arn| !is_judged_by_arn(arn))
            .map(|arn| (arn.clone(), false))
            .chain(boundary.map(|arn| (arn.to_owned(), true)))
            .collect();
        let managed = async {
            run_all(
                &managed,
                POLICY_READS,
                |(arn, is_boundary)| {
                    let iam = self.clone();
                    async move {
                        if !is_boundary && aws_managed::owned_by_aws(&arn) {
                            aws_managed::read(&iam.endpoint, &arn, || {
                                iam.managed_policy(&arn, false)
                            })
                            .await
                        } else {
                            iam.managed_policy(&arn, is_boundary).await
                        }
                    }
                },
                |_, _, _| {},
            )
            .await
            .into_iter()
            .collect::<Result<Vec<_>, Error>>()
        };
        let (mut managed, inline) = tokio::try_join!(managed, self.inline_documents(role, inline))?;
        // The boundary (if any) is the last managed read: put it after the inline ones.
        let boundary = boundary.and_then(|_| managed.pop());
        managed.extend(inline);
        managed.extend(boundary);
        Ok(managed)
    }

    /// One managed policy (attached, or the boundary) at its default version.
    async fn managed_policy(&self, arn: &str, is_boundary: bool) -> Result<RolePolicy, Error> {
        let source = |version: String| {
            let arn = arn.to_owned();
            if is_boundary {
                PolicySource::Boundary { arn, version }
            } else {
                PolicySource::Managed { arn, version }
            }
        };
        let version = match self.policy_default_version(arn).await {
            Ok(Some(v)) => v,
            other => {
                // Not read: the version is unknown (empty).
                let text = readable(other.map(|_| None), || {
                    format!("policy {arn} no longer exists")
                })?;
                return Ok(RolePolicy {
                    source: source(String::new()),
                    text,
                });
            }
        };
        let text = readable(self.policy_version(arn, &version).await, || {
            format!("version {version} of policy {arn} no longer exists")
        })?;
        Ok(RolePolicy {
            source: source(version),
            text,
        })
    }

    /// The names of the role's inline policies; `Refused` when the list itself was.
    pub async fn inline_listing(&self, role: &str) -> Result<InlineListing, Error> {
        match self.inline_policies(role).await {
            Ok(names) => Ok(InlineListing::Names(names)),
            Err(e @ Error::AccessDenied { .. }) => Ok(InlineListing::Refused(e.to_string())),
            Err(e) => Err(e),
        }
    }

    /// Every inline policy of the role, read concurrently. When the list itself was
    /// refused, one unreadable entry named [`UNLISTED_INLINE`] stands for them.
    async fn inline_documents(
        &self,
        role: &str,
        listing: InlineListing,
    ) -> Result<Vec<RolePolicy>, Error> {
        let names = match listing {
            InlineListing::Names(names) => names,
            InlineListing::Refused(why) => {
                return Ok(vec![RolePolicy {
                    source: PolicySource::Inline {
                        name: UNLISTED_INLINE.to_owned(),
                    },
                    text: PolicyText::Unreadable(why),
                }]);
            }
        };
        run_all(
            &names,
            POLICY_READS,
            |name| {
                let (iam, role) = (self.clone(), role.to_owned());
                async move {
                    let text = readable(iam.get_role_policy(&role, &name).await, || {
                        format!("inline policy {name} of role {role} no longer exists")
                    })?;
                    Ok(RolePolicy {
                        source: PolicySource::Inline { name },
                        text,
                    })
                }
            },
            |_, _, _| {},
        )
        .await
        .into_iter()
        .collect()
    }
}

#[cfg(test)]
mod tests {
    //! What moto cannot answer: a refused GetPolicyVersion, a policy gone between the list
    //! and the get, URL-encoded documents as AWS sends them.

    use aws_sdk_iam::Client;
    use aws_sdk_iam::operation::get_instance_profile::GetInstanceProfileError;
    use aws_sdk_iam::operation::get_policy::GetPolicyOutput;
    use aws_sdk_iam::operation::get_policy_version::{
        GetPolicyVersionError, GetPolicyVersionOutput,
    };
    use aws_sdk_iam::operation::get_role::{GetRoleError, GetRoleOutput};
    use aws_sdk_iam::operation::get_role_policy::{GetRolePolicyError, GetRolePolicyOutput};
    use aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesOutput;
    use aws_sdk_iam::operation::list_role_policies::ListRolePoliciesOutput;
    use aws_sdk_iam::types::{
        AttachedPermissionsBoundary, AttachedPolicy, PermissionsBoundaryAttachmentType, Policy,
        PolicyVersion, Role,
    };
    use aws_smithy_mocks::{MockResponseInterceptor, Rule, RuleMode, mock};
    use aws_smithy_types::DateTime;
    use aws_smithy_types::error::ErrorMetadata;

    use super::*;
    use crate::aws::Calls;

    const ROLE: &str = "ecsInstanceRole";
    const ATTACHED: &str = "arn:aws:iam::111122223333:policy/Attached";
    const BOUNDARY: &str = "arn:aws:iam::111122223333:policy/Boundary";
    const ALLOW_ALL: &str =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;

    fn iam(rules: &[Rule]) -> Iam {
        let mut interceptor = MockResponseInterceptor::new().rule_mode(RuleMode::MatchAny);
        for rule in rules {
            interceptor = interceptor.with_rule(rule);
        }
        let conf = aws_sdk_iam::Config::builder()
            .behavior_version(aws_sdk_iam::config::BehaviorVersion::latest())
            .region(aws_sdk_iam::config::Region::new("us-east-1"))
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "AKIDMOCK", "mock", None, None, "mock",
            ))
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .interceptor(interceptor)
            .build();
        Iam::from_client(Client::from_conf(conf), Calls::default(), "IAM".into())
    }

    fn error(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder()
            .code(code)
            .message(format!("mocked {code}"))
            .build()
    }

    fn url_encoded(document: &str) -> String {
        percent_encoding::utf8_percent_encode(document, percent_encoding::NON_ALPHANUMERIC)
            .to_string()
    }

    /// GetRole's answer: the role, with `boundary` when given.
    fn get_role(boundary: Option<&'static str>) -> GetRoleOutput {
        let role = Role::builder()
            .path("/")
            .role_name(ROLE)
            .role_id("AROAMOCK")
            .arn(format!("arn:aws:iam::111122223333:role/{ROLE}"))
            .create_date(DateTime::from_secs(0))
            .assume_role_policy_document("%7B%7D")
            .set_permissions_boundary(boundary.map(|arn| {
                AttachedPermissionsBoundary::builder()
                    .permissions_boundary_type(PermissionsBoundaryAttachmentType::Policy)
                    .permissions_boundary_arn(arn)
                    .build()
            }))
            .build()
            .unwrap();
        GetRoleOutput::builder().role(role).build()
    }

    /// The role (with the boundary), its one attached policy, no instance profile.
    fn role_rules() -> Vec<Rule> {
        vec![
            mock!(Client::get_role).then_output(|| get_role(Some(BOUNDARY))),
            mock!(Client::list_attached_role_policies).then_output(|| {
                ListAttachedRolePoliciesOutput::builder()
                    .attached_policies(AttachedPolicy::builder().policy_arn(ATTACHED).build())
                    .build()
            }),
            mock!(Client::get_instance_profile)
                .then_error(|| GetInstanceProfileError::generic(error("NoSuchEntity"))),
            mock!(Client::get_policy).then_output(|| {
                GetPolicyOutput::builder()
                    .policy(Policy::builder().default_version_id("v3").build())
                    .build()
            }),
        ]
    }

    #[tokio::test]
    async fn a_refused_document_is_unreadable_and_the_boundary_and_inline_ones_are_read() {
        let mut rules = role_rules();
        rules.extend([
            mock!(Client::get_policy_version)
                .match_requests(|r| r.policy_arn() == Some(ATTACHED))
                .then_error(|| GetPolicyVersionError::generic(error("AccessDenied"))),
            mock!(Client::get_policy_version)
                .match_requests(|r| {
                    r.policy_arn() == Some(BOUNDARY) && r.version_id() == Some("v3")
                })
                .then_output(|| {
                    GetPolicyVersionOutput::builder()
                        .policy_version(
                            PolicyVersion::builder()
                                .document(url_encoded(ALLOW_ALL))
                                .build(),
                        )
                        .build()
                }),
            mock!(Client::list_role_policies).then_output(|| {
                ListRolePoliciesOutput::builder()
                    .policy_names("inline")
                    .policy_names("gone")
                    .build()
                    .unwrap()
            }),
            mock!(Client::get_role_policy)
                .match_requests(|r| r.policy_name() == Some("inline"))
                .then_output(|| {
                    GetRolePolicyOutput::builder()
                        .role_name(ROLE)
                        .policy_name("inline")
                        .policy_document(url_encoded(ALLOW_ALL))
                        .build()
                        .unwrap()
                }),
            // Deleted between ListRolePolicies and GetRolePolicy.
            mock!(Client::get_role_policy)
                .match_requests(|r| r.policy_name() == Some("gone"))
                .then_error(|| GetRolePolicyError::generic(error("NoSuchEntity"))),
        ]);
        let actual = iam(&rules).read(ROLE, ROLE).await.unwrap();
        assert_eq!(
            actual
                .role
                .as_ref()
                .unwrap()
                .permissions_boundary
                .as_deref(),
            Some(BOUNDARY)
        );
        let denied = "access denied calling iam:GetPolicyVersion: mocked AccessDenied";
        assert_eq!(
            actual.role_policies,
            [
                RolePolicy {
                    source: PolicySource::Managed {
                        arn: ATTACHED.into(),
                        version: "v3".into()
                    },
                    text: PolicyText::Unreadable(denied.into()),
                },
                RolePolicy {
                    source: PolicySource::Inline {
                        name: "inline".into()
                    },
                    text: PolicyText::Read(ALLOW_ALL.into()),
                },
                RolePolicy {
                    source: PolicySource::Inline {
                        name: "gone".into()
                    },
                    text: PolicyText::Unreadable(format!(
                        "inline policy gone of role {ROLE} no longer exists"
                    )),
                },
                RolePolicy {
                    source: PolicySource::Boundary {
                        arn: BOUNDARY.into(),
                        version: "v3".into()
                    },
                    text: PolicyText::Read(ALLOW_ALL.into()),
                },
            ]
        );
        assert_eq!(actual.scps, None, "SCPs are not read here");
    }

    #[tokio::test]
    async fn a_refused_list_of_inline_policies_is_one_unreadable_entry() {
        let mut rules = role_rules();
        rules.extend([
            mock!(Client::get_policy_version).then_output(|| {
                GetPolicyVersionOutput::builder()
                    .policy_version(PolicyVersion::builder().document(ALLOW_ALL).build())
                    .build()
            }),
            mock!(Client::list_role_policies).then_error(|| {
                aws_sdk_iam::operation::list_role_policies::ListRolePoliciesError::generic(error(
                    "AccessDenied",
                ))
            }),
        ]);
        let actual = iam(&rules).read(ROLE, ROLE).await.unwrap();
        let inline: Vec<_> = actual
            .role_policies
            .iter()
            .filter(|p| matches!(p.source, PolicySource::Inline { .. }))
            .collect();
        assert_eq!(
            inline,
            [&RolePolicy {
                source: PolicySource::Inline {
                    name: UNLISTED_INLINE.into()
                },
                text: PolicyText::Unreadable(
                    "access denied calling iam:ListRolePolicies: mocked AccessDenied".into()
                ),
            }]
        );
        // The raw (moto-style) documents are read as they are.
        assert_eq!(actual.role_policies.len(), 3);
        assert!(
            actual
                .role_policies
                .iter()
                .filter(|p| !matches!(p.source, PolicySource::Inline { .. }))
                .all(|p| p.text == PolicyText::Read(ALLOW_ALL.into()))
        );
    }

    #[tokio::test]
    async fn any_other_error_fails_the_read_naming_the_action() {
        let mut rules = role_rules();
        rules.extend([
            mock!(Client::get_policy_version).then_output(|| {
                GetPolicyVersionOutput::builder()
                    .policy_version(PolicyVersion::builder().document(ALLOW_ALL).build())
                    .build()
            }),
            mock!(Client::list_role_policies).then_output(|| {
                ListRolePoliciesOutput::builder()
                    .policy_names("inline")
                    .build()
                    .unwrap()
            }),
            mock!(Client::get_role_policy)
                .then_error(|| GetRolePolicyError::generic(error("InvalidInput"))),
        ]);
        let err = iam(&rules).read(ROLE, ROLE).await.unwrap_err();
        assert_eq!(err.action(), Some("iam:GetRolePolicy"), "{err}");
    }

    #[tokio::test]
    async fn a_missing_role_reads_no_policy() {
        // No rule for the policy reads: a call to one would not be answered.
        let rules = vec![
            mock!(Client::get_role).then_error(|| GetRoleError::generic(error("NoSuchEntity"))),
            mock!(Client::list_attached_role_policies).then_error(|| {
                aws_sdk_iam::operation::list_attached_role_policies::ListAttachedRolePoliciesError::generic(
                    error("NoSuchEntity"),
                )
            }),
            mock!(Client::get_instance_profile)
                .then_error(|| GetInstanceProfileError::generic(error("NoSuchEntity"))),
            mock!(Client::list_role_policies).then_error(|| {
                aws_sdk_iam::operation::list_role_policies::ListRolePoliciesError::generic(error(
                    "NoSuchEntity",
                ))
            }),
        ];
        let actual = iam(&rules).read(ROLE, ROLE).await.unwrap();
        assert!(actual.now.is_some(), "the reads say when they were made");
        assert_eq!(
            actual,
            Actual {
                now: actual.now,
                ..Actual::default()
            }
        );
    }

    /// A compliant role costs four reads in one round: the required AWS managed policy is
    /// judged by its ARN, so its text is not read; another AWS managed policy is read once
    /// however many roles carry it.
    #[tokio::test]
    async fn the_required_managed_policy_is_not_read_and_another_aws_one_once() {
        let other = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        let rules = vec![
            mock!(Client::get_role).then_output(|| get_role(None)),
            mock!(Client::list_attached_role_policies).then_output(move || {
                ListAttachedRolePoliciesOutput::builder()
                    .attached_policies(
                        AttachedPolicy::builder()
                            .policy_arn(Partition::Aws.ecs_instance_policy_arn())
                            .build(),
                    )
                    .attached_policies(AttachedPolicy::builder().policy_arn(other).build())
                    .build()
            }),
            mock!(Client::get_instance_profile)
                .then_error(|| GetInstanceProfileError::generic(error("NoSuchEntity"))),
            mock!(Client::list_role_policies).then_output(|| {
                ListRolePoliciesOutput::builder()
                    .set_policy_names(Some(vec![]))
                    .build()
                    .unwrap()
            }),
            mock!(Client::get_policy)
                .match_requests(move |r| r.policy_arn() == Some(other))
                .then_output(|| {
                    GetPolicyOutput::builder()
                        .policy(Policy::builder().default_version_id("v9").build())
                        .build()
                }),
            mock!(Client::get_policy_version)
                .match_requests(move |r| r.policy_arn() == Some(other))
                .then_output(|| {
                    GetPolicyVersionOutput::builder()
                        .policy_version(PolicyVersion::builder().document(ALLOW_ALL).build())
                        .build()
                }),
        ];
        // A fresh endpoint name: what this process remembers is its own.
        let mut iam = iam(&rules);
        iam.endpoint = "mock endpoint of the_required_managed_policy_is_not_read".into();
        for _ in 0..3 {
            let actual = iam.read(ROLE, ROLE).await.unwrap();
            assert_eq!(
                actual.role_policies,
                [RolePolicy {
                    source: PolicySource::Managed {
                        arn: other.into(),
                        version: "v9".into()
                    },
                    text: PolicyText::Read(ALLOW_ALL.into()),
                }]
            );
        }
        let calls: Vec<usize> = rules.iter().map(|r| r.num_calls()).collect();
        assert_eq!(
            calls,
            [3, 3, 3, 3, 1, 1],
            "GetPolicy(Version) of the other only once"
        );
    }

    /// IAM's paging: a truncated page names the next; every page's items are kept, in order.
    #[tokio::test]
    async fn every_page_of_a_truncated_list_is_read() {
        let rules = vec![
            mock!(Client::list_role_policies)
                .match_requests(|r| r.marker().is_none())
                .then_output(|| {
                    ListRolePoliciesOutput::builder()
                        .policy_names("a")
                        .policy_names("b")
                        .is_truncated(true)
                        .marker("m1")
                        .build()
                        .unwrap()
                }),
            mock!(Client::list_role_policies)
                .match_requests(|r| r.marker() == Some("m1"))
                .then_output(|| {
                    ListRolePoliciesOutput::builder()
                        .policy_names("c")
                        .is_truncated(false)
                        .build()
                        .unwrap()
                }),
        ];
        let names = iam(&rules).inline_policies(ROLE).await.unwrap();
        assert_eq!(names, ["a", "b", "c"]);
        assert_eq!(rules.iter().map(|r| r.num_calls()).sum::<usize>(), 2);
    }
}
