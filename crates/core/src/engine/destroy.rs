//! destroy: what it would delete and what stops it (read first, nothing written), then
//! the deletes in IAM's order: the role leaves its profiles, the profile goes, the
//! policies are detached, the role goes.

use serde::Serialize;

use super::{Engine, incomplete};
use crate::desired::Desired;
use crate::error::{Error, Refusal};
use crate::partition::Partition;
use crate::plan::Action;
use crate::state::owned;

/// The result of `destroy`.
#[derive(Debug, Clone, Serialize)]
pub struct DestroyOutcome {
    pub role_name: String,
    pub instance_profile_name: String,
    pub partition: Partition,
    pub account_id: Option<String>,
    /// The region the run used (IAM is global: it names where the run went).
    pub region: Option<String>,
    pub actions: Vec<Action>,
    /// Something was deleted (or emptied).
    pub destroyed: bool,
    /// The refusals the run's flags overrode: it deleted despite each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub overridden: Vec<Refusal>,
}

/// What `destroy` would delete and what stops it (`destroy --dry-run` prints it).
#[derive(Debug, Clone, Serialize)]
pub struct DestroyPlan {
    pub role_name: String,
    pub instance_profile_name: String,
    pub partition: Partition,
    pub account_id: Option<String>,
    /// The region the run used (IAM is global: it names where the run went).
    pub region: Option<String>,
    /// What it would delete, in order.
    pub actions: Vec<Action>,
    /// What stops it, each with the flag that overrides it; an overridden one is listed
    /// still, and printed as overridden when the run deletes.
    pub refusals: Vec<Refusal>,
    /// Made with `--force`: ownership and other profiles do not stop it.
    pub forced: bool,
    /// Made with `--delete-profile-in-use`: what uses the instance profile (or that
    /// nothing can tell) does not stop it.
    pub delete_in_use: bool,
    /// The instance profile's ARN when it exists: what a compute environment may name.
    #[serde(skip)]
    pub profile_arn: Option<String>,
    #[serde(skip)]
    steps: Vec<DestroyStep>,
}

impl DestroyPlan {
    /// Adds what stops the delete.
    pub fn refuse(&mut self, e: &Error) {
        self.refusals.push(Refusal {
            kind: e.kind(),
            message: e.to_string(),
            overridden_by: e.overridden_by(),
        });
    }

    /// Was this refusal overridden by the flag it names?
    pub fn overrides(&self, r: &Refusal) -> bool {
        if r.overridden_by == crate::error::DELETE_IN_USE_FLAG {
            self.delete_in_use
        } else {
            self.forced
        }
    }

    /// The refusals that stop it: those whose flag was not given.
    pub fn stopping(&self) -> Vec<Refusal> {
        self.refusals
            .iter()
            .filter(|r| !self.overrides(r))
            .cloned()
            .collect()
    }

    /// A refusal stops it.
    pub fn stopped(&self) -> bool {
        !self.stopping().is_empty()
    }
}

/// One write `destroy` makes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum DestroyStep {
    /// (profile, role): the role leaves a profile (ours, or with --force another).
    RemoveRoleFromProfile(String, String),
    DeleteProfile,
    DetachPolicy(String),
    DeleteInlinePolicy(String),
    DeleteRole,
}

impl Engine {
    /// What `destroy` would delete, and what stops it: everything is read first, nothing
    /// is written. The refusals found here (ownership, another profile holding the role)
    /// are listed, not raised; the caller adds the ones it reads elsewhere (compute
    /// environments using the profile) with [`DestroyPlan::refuse`].
    pub async fn destroy_plan(&self, force: bool) -> Result<DestroyPlan, Error> {
        let d = &self.desired;
        let (actual, holders, inline) = tokio::try_join!(
            self.read(),
            self.iam.profiles_for_role(&d.role_name),
            self.iam.inline_policies(&d.role_name),
        )?;
        let others: Vec<String> = holders
            .into_iter()
            .filter(|p| !p.eq_ignore_ascii_case(&d.instance_profile_name))
            .collect();
        let mut refusals = vec![];
        if actual.role.as_ref().is_some_and(|r| !owned(&r.tags)) {
            refusals.push(Error::NotOwned {
                resource: d.role_resource().to_string(),
            });
        }
        if actual
            .instance_profile
            .as_ref()
            .is_some_and(|p| !owned(&p.tags))
        {
            refusals.push(Error::NotOwned {
                resource: d.profile_resource().to_string(),
            });
        }
        if actual.role.is_some() && !others.is_empty() {
            refusals.push(Error::RoleInOtherProfiles {
                role: d.role_name.clone(),
                profiles: others.clone(),
            });
        }
        let mut steps = vec![];
        if actual.role.is_some() {
            steps.extend(
                others
                    .into_iter()
                    .map(|p| DestroyStep::RemoveRoleFromProfile(p, d.role_name.clone())),
            );
        }
        if let Some(profile) = &actual.instance_profile {
            steps.extend(profile.roles.iter().map(|role| {
                DestroyStep::RemoveRoleFromProfile(d.instance_profile_name.clone(), role.clone())
            }));
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
            steps.extend(inline.into_iter().map(DestroyStep::DeleteInlinePolicy));
            steps.push(DestroyStep::DeleteRole);
        }
        let mut plan = DestroyPlan {
            role_name: d.role_name.clone(),
            instance_profile_name: d.instance_profile_name.clone(),
            partition: d.partition,
            account_id: actual.account_id(),
            region: self.iam.region(),
            actions: steps.iter().map(|s| describe_destroy(s, d)).collect(),
            refusals: vec![],
            forced: force,
            delete_in_use: false,
            profile_arn: actual.instance_profile.as_ref().map(|p| p.arn.clone()),
            steps,
        };
        for e in &refusals {
            plan.refuse(e);
        }
        Ok(plan)
    }

    /// Deletes what `plan` lists, in IAM's order; refuses (deleting nothing) when the plan
    /// has a refusal and was not made with `--force`.
    pub async fn destroy(&self, plan: DestroyPlan) -> Result<DestroyOutcome, Error> {
        let stopping = plan.stopping();
        if !stopping.is_empty() {
            return Err(Error::Refused { refusals: stopping });
        }
        let d = &self.desired;
        let steps = &plan.steps;
        for (done, step) in steps.iter().enumerate() {
            let result = match step {
                DestroyStep::RemoveRoleFromProfile(profile, role) => {
                    self.iam.remove_role_from_profile(profile, role).await
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
            role_name: plan.role_name,
            instance_profile_name: plan.instance_profile_name,
            partition: plan.partition,
            account_id: plan.account_id,
            region: plan.region,
            destroyed: !plan.actions.is_empty(),
            overridden: if plan.actions.is_empty() {
                vec![]
            } else {
                plan.refusals
            },
            actions: plan.actions,
        })
    }
}

fn describe_destroy(step: &DestroyStep, d: &Desired) -> Action {
    let (action, resource, detail) = match step {
        DestroyStep::RemoveRoleFromProfile(profile, role) => (
            "remove_role_from_instance_profile",
            crate::Subject::InstanceProfile(profile.clone()),
            if profile.eq_ignore_ascii_case(&d.instance_profile_name) {
                format!("remove role {role}")
            } else {
                format!("remove role {role} (--force; the profile is not deleted)")
            },
        ),
        DestroyStep::DeleteProfile => (
            "delete_instance_profile",
            d.profile_resource(),
            String::new(),
        ),
        DestroyStep::DetachPolicy(arn) => (
            "detach_role_policy",
            crate::Subject::Policy(arn.clone()),
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
