//! The flows: check → plan → apply, and destroy. Reads are concurrent; writes are made
//! one at a time, in dependency order, and only the ones the plan lists.

use std::time::Duration;

use serde::Serialize;

use crate::desired::Desired;
use crate::error::Error;
use crate::findings::{self, Action, Actual, PlanOptions, Report, Step, owned};
use crate::iam::Iam;
use crate::partition::Partition;

/// The engine for one desired state.
#[derive(Debug, Clone)]
pub struct Engine {
    iam: Iam,
    desired: Desired,
}

/// The result of `plan` and `apply`.
#[derive(Debug, Clone, Serialize)]
pub struct PlanOutcome {
    pub role_name: String,
    pub instance_profile_name: String,
    pub partition: Partition,
    pub account_id: Option<String>,
    pub actions: Vec<Action>,
    pub applied: bool,
}

/// The result of `destroy`.
#[derive(Debug, Clone, Serialize)]
pub struct DestroyOutcome {
    pub role_name: String,
    pub instance_profile_name: String,
    pub partition: Partition,
    pub account_id: Option<String>,
    pub actions: Vec<Action>,
    pub destroyed: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct ApplyOptions {
    pub plan: PlanOptions,
    /// How long to wait for IAM to show the profile with the role; `None` skips the wait.
    pub wait: Option<Duration>,
}

/// One write `destroy` makes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DestroyStep {
    RemoveRoleFromProfile(String),
    DeleteProfile,
    DetachPolicy(String),
    DeleteInlinePolicy(String),
    DeleteRole,
}

impl Engine {
    pub fn new(iam: Iam, desired: Desired) -> Engine {
        Engine { iam, desired }
    }

    pub fn desired(&self) -> &Desired {
        &self.desired
    }

    /// The three concurrent reads.
    pub async fn read(&self) -> Result<Actual, Error> {
        self.iam
            .read(&self.desired.role_name, &self.desired.instance_profile_name)
            .await
    }

    pub async fn check(&self) -> Result<Report, Error> {
        Ok(findings::check(&self.desired, &self.read().await?))
    }

    pub async fn plan(&self, opts: PlanOptions) -> Result<PlanOutcome, Error> {
        let actual = self.read().await?;
        let steps = findings::plan(&self.desired, &actual, opts)?;
        Ok(self.outcome(&actual, &steps, false))
    }

    fn outcome(&self, actual: &Actual, steps: &[Step], applied: bool) -> PlanOutcome {
        PlanOutcome {
            role_name: self.desired.role_name.clone(),
            instance_profile_name: self.desired.instance_profile_name.clone(),
            partition: self.desired.partition,
            account_id: actual.account_id(),
            actions: steps.iter().map(|s| s.describe(&self.desired)).collect(),
            applied,
        }
    }

    /// Makes exactly the planned writes, then (unless told not to) waits until IAM shows
    /// the instance profile with the role. With nothing planned it makes no write and no wait.
    pub async fn apply(&self, opts: ApplyOptions) -> Result<PlanOutcome, Error> {
        let actual = self.read().await?;
        let steps = findings::plan(&self.desired, &actual, opts.plan)?;
        let d = &self.desired;
        let mut account = actual.account_id();
        for (done, step) in steps.iter().enumerate() {
            tracing::info!(action = step.describe(d).action, "applying");
            let result = match step {
                Step::CreateRole { document } => {
                    let created = self
                        .iam
                        .create_role(&d.role_name, &d.path, document, &d.create_tags())
                        .await;
                    if let Ok(arn) = &created {
                        account = account.or_else(|| account_of(arn));
                    }
                    created.map(drop)
                }
                Step::UpdateTrustPolicy { document, .. } => {
                    self.iam.update_trust_policy(&d.role_name, document).await
                }
                Step::AttachRolePolicy { arn } => self.iam.attach_policy(&d.role_name, arn).await,
                Step::CreateInstanceProfile => {
                    self.iam
                        .create_instance_profile(
                            &d.instance_profile_name,
                            &d.path,
                            &d.create_tags(),
                        )
                        .await
                }
                Step::RemoveRoleFromInstanceProfile { role } => {
                    self.iam
                        .remove_role_from_profile(&d.instance_profile_name, role)
                        .await
                }
                Step::AddRoleToInstanceProfile => {
                    self.iam
                        .add_role_to_profile(&d.instance_profile_name, &d.role_name)
                        .await
                }
            };
            result.map_err(|e| incomplete("apply", done, steps.len(), e))?;
        }
        if let (false, Some(bound)) = (steps.is_empty(), opts.wait) {
            self.wait_for_profile(bound).await?;
        }
        let mut out = self.outcome(&actual, &steps, true);
        // From nothing, the account is known from CreateRole's answer: no extra call.
        out.account_id = account;
        Ok(out)
    }

    /// Polls GetInstanceProfile, backing off, until it lists the role or `bound` passes.
    /// A profile that is not visible yet (NoSuchEntity, IAM's eventual consistency) is
    /// polled again; any other error ends the wait.
    async fn wait_for_profile(&self, bound: Duration) -> Result<(), Error> {
        let d = &self.desired;
        let start = tokio::time::Instant::now();
        let mut delay = Duration::from_millis(100);
        loop {
            let last = match self
                .iam
                .get_instance_profile(&d.instance_profile_name)
                .await?
            {
                Some(p) if p.roles.contains(&d.role_name) => return Ok(()),
                Some(p) => format!("it holds {:?}", p.roles),
                None => "it is not visible yet".to_owned(),
            };
            let waited = start.elapsed();
            if waited + delay > bound {
                return Err(Error::WaitTimedOut {
                    profile: d.instance_profile_name.clone(),
                    role: d.role_name.clone(),
                    waited,
                    last,
                });
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_secs(5));
        }
    }

    /// Deletes what ecsrole created: the role leaves the profile, the profile goes, the
    /// policies are detached, the role goes. Refuses, deleting nothing, when the role or the
    /// profile lacks `managed-by=ecsrole` and `force` is not set.
    pub async fn destroy(&self, force: bool) -> Result<DestroyOutcome, Error> {
        let d = &self.desired;
        let actual = self.read().await?;
        if !force {
            if actual.role.as_ref().is_some_and(|r| !owned(&r.tags)) {
                return Err(Error::NotOwned {
                    resource: d.role_resource(),
                });
            }
            if actual
                .instance_profile
                .as_ref()
                .is_some_and(|p| !owned(&p.tags))
            {
                return Err(Error::NotOwned {
                    resource: d.profile_resource(),
                });
            }
        }
        let mut steps = vec![];
        if let Some(profile) = &actual.instance_profile {
            steps.extend(
                profile
                    .roles
                    .iter()
                    .cloned()
                    .map(DestroyStep::RemoveRoleFromProfile),
            );
            steps.push(DestroyStep::DeleteProfile);
        }
        if actual.role.is_some() {
            steps.extend(
                actual
                    .attached_policies
                    .iter()
                    .cloned()
                    .map(DestroyStep::DetachPolicy),
            );
            let inline = self.iam.inline_policies(&d.role_name).await?;
            steps.extend(inline.into_iter().map(DestroyStep::DeleteInlinePolicy));
            steps.push(DestroyStep::DeleteRole);
        }
        for (done, step) in steps.iter().enumerate() {
            let result = match step {
                DestroyStep::RemoveRoleFromProfile(role) => {
                    self.iam
                        .remove_role_from_profile(&d.instance_profile_name, role)
                        .await
                }
                DestroyStep::DeleteProfile => {
                    self.iam
                        .delete_instance_profile(&d.instance_profile_name)
                        .await
                }
                DestroyStep::DetachPolicy(arn) => self.iam.detach_policy(&d.role_name, arn).await,
                DestroyStep::DeleteInlinePolicy(name) => {
                    self.iam.delete_inline_policy(&d.role_name, name).await
                }
                DestroyStep::DeleteRole => self.iam.delete_role(&d.role_name).await,
            };
            result.map_err(|e| incomplete("destroy", done, steps.len(), e))?;
        }
        Ok(DestroyOutcome {
            role_name: d.role_name.clone(),
            instance_profile_name: d.instance_profile_name.clone(),
            partition: d.partition,
            account_id: actual.account_id(),
            actions: steps.iter().map(|s| describe_destroy(s, d)).collect(),
            destroyed: true,
        })
    }
}

pub(crate) fn account_of(arn: &str) -> Option<String> {
    arn.split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
}

fn incomplete(command: &'static str, done: usize, total: usize, e: Error) -> Error {
    if done == 0 {
        e
    } else {
        Error::Incomplete {
            command,
            done,
            total,
            source: Box::new(e),
        }
    }
}

fn describe_destroy(step: &DestroyStep, d: &Desired) -> Action {
    let (action, resource, detail) = match step {
        DestroyStep::RemoveRoleFromProfile(role) => (
            "remove_role_from_instance_profile",
            d.profile_resource(),
            format!("remove role {role}"),
        ),
        DestroyStep::DeleteProfile => (
            "delete_instance_profile",
            d.profile_resource(),
            String::new(),
        ),
        DestroyStep::DetachPolicy(arn) => (
            "detach_role_policy",
            arn.clone(),
            format!("detach from role {}", d.role_name),
        ),
        DestroyStep::DeleteInlinePolicy(name) => (
            "delete_role_policy",
            d.role_resource(),
            format!("delete inline policy {name}"),
        ),
        DestroyStep::DeleteRole => ("delete_role", d.role_resource(), String::new()),
    };
    Action {
        action,
        resource,
        detail,
    }
}
