//! The IAM side of a rescue: make what a stuck environment is missing, tagged as this
//! run's, and remove it again once nothing uses it. Nothing rescue did not create is
//! changed: a role or profile of the needed name that is not ecsrole's is used as it is
//! when it works and refused, named, when it does not.

use std::time::Duration;

use ecsrole_core::findings::{self, Standing};
use ecsrole_core::plan::Step;
use ecsrole_core::poll::{self, Poll};
use ecsrole_core::state::owned;
use ecsrole_core::{ApplyOptions, Desired, DesiredInput, Engine, PlanOptions, Subject};
use tokio::time::Instant;

use super::stuck::Missing;
use super::{RESCUE_TAG, Rescuer};
use crate::error::Error;

/// Why a missing piece was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum NotMade {
    /// Something of the name exists, is not ecsrole's and does not work: named.
    Refused(String),
    /// A call failed or IAM did not show it in time.
    Failed(String),
}

/// The description of an instance role rescue makes: how a later run finds what an
/// interrupted one left (IAM's role listing carries descriptions, not tags).
pub(super) const INSTANCE_ROLE_DESCRIPTION: &str =
    "ECS container instance role for AWS Batch, recreated by ecsrole rescue";

/// The description of a service role rescue makes.
pub(super) const SERVICE_ROLE_DESCRIPTION: &str =
    "AWS Batch service role, recreated by ecsrole rescue";

/// The name of a piece.
fn name_of(m: &Missing) -> &str {
    match m {
        Missing::InstanceProfile { name, .. } | Missing::ServiceRole { name, .. } => name,
        Missing::ServiceLinkedRole | Missing::NotMade { .. } => "",
    }
}

/// Did a rescue make it (and does ecsrole own it)?
fn rescues(tags: &[(String, String)]) -> bool {
    owned(tags) && tags.iter().any(|(k, _)| k == RESCUE_TAG)
}

impl Rescuer {
    /// The engine of an instance profile (and the role of its name) as `apply` makes them,
    /// tagged with this run.
    fn engine(&self, m: &Missing, run_id: &str) -> Result<Option<Engine>, Error> {
        let Missing::InstanceProfile {
            name,
            path,
            role_kind,
        } = m
        else {
            return Ok(None);
        };
        let input = DesiredInput {
            kind: *role_kind,
            role_name: Some(name.clone()),
            instance_profile_name: Some(name.clone()),
            path: Some(path.clone()),
            extra_policies: vec![],
            tags: vec![format!("{RESCUE_TAG}={run_id}")],
        };
        let mut desired = Desired::new(input, self.partition).map_err(ecsrole_core::Error::from)?;
        desired.role_description = Some(INSTANCE_ROLE_DESCRIPTION);
        Ok(Some(Engine::new(self.iam.clone(), desired)))
    }

    /// Makes `m`; what it created (empty: it was there and works, or it is the account's
    /// service-linked role).
    pub(super) async fn make(
        &self,
        m: &Missing,
        run_id: &str,
        wait: Duration,
    ) -> Result<Vec<Subject>, NotMade> {
        let failed = |e: &dyn std::fmt::Display| NotMade::Failed(e.to_string());
        match m {
            Missing::InstanceProfile { name, .. } => {
                let engine = self
                    .engine(m, run_id)
                    .map_err(|e| failed(&e))?
                    .expect("an instance profile has an engine");
                let actual = engine.read().await.map_err(|e| failed(&e))?;
                let report = findings::check(engine.desired(), &actual);
                if report.standing() == Standing::Compliant {
                    return Ok(vec![]);
                }
                let codes = || {
                    report
                        .findings
                        .iter()
                        .filter(|f| f.is_error())
                        .map(|f| f.code.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                // Only what a rescue made (this run or an interrupted one) is written to;
                // another's role or profile is used only as it is.
                let steps =
                    ecsrole_core::plan::plan(engine.desired(), &actual, PlanOptions::default())
                        .map_err(|e| NotMade::Refused(format!("instance profile {name}: {e}")))?;
                let role_writes = steps.iter().any(|s| {
                    matches!(
                        s,
                        Step::UpdateTrustPolicy { .. }
                            | Step::ReplaceTrustPolicy { .. }
                            | Step::AttachRolePolicy { .. }
                    )
                });
                let profile_writes = steps.iter().any(|s| {
                    matches!(
                        s,
                        Step::AddRoleToInstanceProfile | Step::RemoveRoleFromInstanceProfile { .. }
                    )
                });
                let foreign = |tags: &Option<Vec<(String, String)>>| {
                    tags.as_ref().is_some_and(|t| !rescues(t))
                };
                let role_tags = actual.role.as_ref().map(|r| r.tags.clone());
                let profile_tags = actual.instance_profile.as_ref().map(|p| p.tags.clone());
                if role_writes && foreign(&role_tags) {
                    return Err(NotMade::Refused(format!(
                        "role {name} exists and is not one rescue made (no {RESCUE_TAG} tag): rescue uses it only as it is, and as it is it does not work ({}); fix it, or delete it and run rescue again",
                        codes()
                    )));
                }
                if profile_writes && foreign(&profile_tags) {
                    return Err(NotMade::Refused(format!(
                        "instance profile {name} exists and is not one rescue made (no {RESCUE_TAG} tag): rescue uses it only as it is, and as it is it does not work ({}); fix it, or delete it and run rescue again",
                        codes()
                    )));
                }
                let mut created = vec![];
                if actual.role.is_none() {
                    created.push(Subject::Role(name.clone()));
                }
                if actual.instance_profile.is_none() {
                    created.push(Subject::InstanceProfile(name.clone()));
                }
                let applied = engine
                    .apply(ApplyOptions {
                        plan: PlanOptions::default(),
                        wait: Some(wait),
                    })
                    .await
                    .map_err(|e| failed(&e))?;
                let left: Vec<&str> = applied
                    .findings
                    .iter()
                    .filter(|f| f.is_error())
                    .map(|f| f.code.as_str())
                    .collect();
                if !left.is_empty() || !applied.undecided.is_empty() {
                    return Err(NotMade::Failed(format!(
                        "instance profile {name} and its role were made, but IAM does not show them working yet ({})",
                        left.join(", ")
                    )));
                }
                Ok(created)
            }
            Missing::ServiceRole { name, path } => {
                if self
                    .iam
                    .get_role(name)
                    .await
                    .map_err(|e| failed(&e))?
                    .is_some()
                {
                    return Ok(vec![]);
                }
                let trust = serde_json::json!({
                    "Version": "2012-10-17",
                    "Statement": [{
                        "Effect": "Allow",
                        "Principal": {"Service": "batch.amazonaws.com"},
                        "Action": "sts:AssumeRole"
                    }]
                })
                .to_string();
                let tags = [
                    (
                        ecsrole_core::names::OWNER_TAG_KEY.to_owned(),
                        ecsrole_core::names::OWNER_TAG_VALUE.to_owned(),
                    ),
                    (RESCUE_TAG.to_owned(), run_id.to_owned()),
                ];
                match self
                    .iam
                    .create_described_role(name, path, &trust, &tags, SERVICE_ROLE_DESCRIPTION)
                    .await
                {
                    Ok(_) => {}
                    // Made at the same moment by another run: theirs.
                    Err(ecsrole_core::Error::Service { code, .. })
                        if code == "EntityAlreadyExists" =>
                    {
                        return Ok(vec![]);
                    }
                    Err(e) => return Err(failed(&e)),
                }
                let policy = format!(
                    "arn:{}:iam::aws:policy/service-role/AWSBatchServiceRole",
                    self.partition
                );
                self.iam
                    .attach_policy(name, &policy)
                    .await
                    .map_err(|e| failed(&e))?;
                let deadline = Instant::now() + wait;
                poll::until(deadline, self.backoff, || async {
                    Ok::<_, ecsrole_core::Error>(match self.iam.get_role(name).await? {
                        Some(_) => Poll::Ready(()),
                        None => Poll::Pending("IAM does not show it yet".into()),
                    })
                })
                .await
                .map_err(|e| {
                    NotMade::Failed(match e {
                        poll::PollError::TimedOut { last, .. } => {
                            format!("service role {name}: {last} when the run's bound ended")
                        }
                        poll::PollError::Failed(e) => format!("service role {name}: {e}"),
                    })
                })?;
                Ok(vec![Subject::Role(name.clone())])
            }
            Missing::ServiceLinkedRole => {
                self.iam
                    .batch_service_linked_role()
                    .await
                    .map_err(|e| failed(&e))?;
                Ok(vec![])
            }
            Missing::NotMade { what } => {
                Err(NotMade::Refused(format!("rescue does not make {what}")))
            }
        }
    }

    /// What earlier runs made and left (an interrupted run, or one whose environment has
    /// gone since): the pieces rescue's descriptions and tags name.
    pub(super) async fn left_by_earlier_runs(&self) -> Result<Vec<Missing>, Error> {
        let mut left = vec![];
        for (about, instance) in [
            (INSTANCE_ROLE_DESCRIPTION, true),
            (SERVICE_ROLE_DESCRIPTION, false),
        ] {
            for (name, path) in self.iam.roles_described(about).await? {
                let Some(role) = self.iam.get_role(&name).await? else {
                    continue;
                };
                if !rescues(&role.tags) {
                    continue;
                }
                left.push(if instance {
                    Missing::InstanceProfile {
                        name,
                        path,
                        role_kind: ecsrole_core::RoleKind::EcsEc2,
                    }
                } else {
                    Missing::ServiceRole { name, path }
                });
            }
        }
        Ok(left)
    }

    /// Removes what this run made for `m`, when it is still tagged as a rescue's and
    /// nothing uses it; `false` when it is kept (something still uses it, or it is not
    /// rescue's).
    pub(super) async fn remove(&self, m: &Missing, run_id: &str) -> Result<bool, Error> {
        match m {
            Missing::InstanceProfile { .. } => {
                let engine = self.engine(m, run_id)?.expect("an instance profile");
                let actual = engine.read().await?;
                let profile_ours = actual
                    .instance_profile
                    .as_ref()
                    .is_none_or(|p| rescues(&p.tags));
                let role_ours = actual.role.as_ref().is_none_or(|r| rescues(&r.tags));
                if !profile_ours {
                    return Ok(false);
                }
                let mut plan = engine.destroy_plan(false).await?;
                let region = self
                    .aws
                    .config
                    .region()
                    .map(|r| r.as_ref().to_owned())
                    .unwrap_or_default();
                crate::in_use::refuse_if_in_use(&self.aws, &[region], &mut plan).await;
                let in_use = plan
                    .refusals
                    .iter()
                    .any(|r| matches!(r.kind, "profile_in_use" | "profile_use_unknown"));
                if in_use {
                    return Ok(false);
                }
                if role_ours {
                    if plan.stopped() {
                        return Ok(false);
                    }
                    engine.destroy(plan).await?;
                    return Ok(true);
                }
                // A profile rescue made around a role it did not: the role leaves the
                // profile, the profile goes, the role stays as it was.
                if let Some(profile) = &actual.instance_profile {
                    for role in &profile.roles {
                        self.iam.remove_role_from_profile(name_of(m), role).await?;
                    }
                    self.iam.delete_instance_profile(name_of(m)).await?;
                }
                Ok(true)
            }
            Missing::ServiceRole { name, .. } => {
                let Some(role) = self.iam.get_role(name).await? else {
                    return Ok(true);
                };
                if !rescues(&role.tags) || !owned(&role.tags) {
                    return Ok(false);
                }
                let used = self
                    .batch
                    .describe_compute_environments(&[])
                    .await?
                    .iter()
                    .any(|c| !c.gone() && c.service_role.as_deref() == Some(role.arn.as_str()));
                if used {
                    return Ok(false);
                }
                for arn in self.iam.attached_policies(name).await? {
                    self.iam.detach_policy(name, &arn).await?;
                }
                self.iam.delete_role(name).await?;
                Ok(true)
            }
            Missing::ServiceLinkedRole | Missing::NotMade { .. } => Ok(false),
        }
    }
}
