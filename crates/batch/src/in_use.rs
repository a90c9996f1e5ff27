//! What uses an instance profile: what `destroy` reads before it deletes one, in each
//! region it reads.
//!
//! - Compute environments: every one is described (paged); one that is not DELETED or
//!   DELETING uses the profile when its `instanceRole`, its ECS Managed Instances profile,
//!   or a launch template it names (the template or one of its overrides: Batch ignores a
//!   template's profile, but whoever set it expects it) names the profile, by name or ARN.
//!   Templates are read once each, and only for environments whose own settings do not
//!   already name it.
//! - EC2 instances pending, running, stopping or stopped with the profile (an Auto Scaling
//!   group's say so, by its `aws:autoscaling:groupName` tag): deleting the profile leaves
//!   them unable to renew their credentials.
//! - Launch templates whose default or latest version sets the profile: what an Auto
//!   Scaling group, or the next `run-instances`, launches with.
//! - Auto Scaling groups whose launch configuration sets the profile, or that name one of
//!   those templates: they launch with it even while they have no instance.

use std::collections::HashMap;
use std::fmt;

use ecsrole_core::Aws;

use crate::api::{BatchApi, Described, LaunchTemplate};
use crate::ec2::Ec2;
use crate::error::Error;
use crate::names::profile_name;
use crate::status::Status;

/// One compute environment that uses the profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileUser {
    pub environment: String,
    pub region: String,
    pub status: String,
    pub state: String,
    /// Which of its settings names the profile.
    pub via: String,
}

impl fmt::Display for ProfileUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} ({}, {} {}, {})",
            self.environment, self.region, self.status, self.state, self.via
        )
    }
}

/// What the reads found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Usage {
    pub users: Vec<ProfileUser>,
    /// EC2 instances with the profile: `EC2 instance ID (region, state[, Auto Scaling group
    /// NAME])`.
    pub instances: Vec<String>,
    /// Launch templates that set it: `launch template NAME (ID) version N (region)`.
    pub templates: Vec<String>,
    /// Auto Scaling groups that launch with it (through a launch configuration, or one of
    /// those templates): `Auto Scaling group NAME (region, via ...)`.
    pub groups: Vec<String>,
    /// Regions whose endpoint answered that it has no Batch API (HTTP 501: an emulator's
    /// edition without it), so no compute environment there can use anything.
    pub no_batch: Vec<String>,
}

/// Does `value` (an instance profile's name or ARN) name `profile`? IAM names are unique
/// without regard to case.
fn names(value: &str, profile: &str) -> bool {
    profile_name(value).is_some_and(|n| n.eq_ignore_ascii_case(profile))
}

/// Is the environment still there (not DELETED or DELETING)?
fn live(ce: &Described) -> bool {
    !matches!(ce.status, Status::Deleted | Status::Deleting)
}

/// The setting of `ce` that names `profile` without reading a template: one of the
/// profiles its kind uses.
fn named_directly(ce: &Described, profile: &str) -> Option<&'static str> {
    let c = ce.compute.as_ref()?;
    crate::diagnose::kinds::profiles(ce, c)
        .into_iter()
        .find(|(_, value)| names(value, profile))
        .map(|(setting, _)| setting)
}

fn templates(ce: &Described) -> Vec<LaunchTemplate> {
    ce.compute
        .as_ref()
        .map(|c| {
            c.launch_template
                .iter()
                .chain(&c.template_overrides)
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

fn template_name(t: &LaunchTemplate) -> String {
    let id = t.id.as_deref().or(t.name.as_deref()).unwrap_or("?");
    format!(
        "launch template {id} version {}",
        t.version.as_deref().unwrap_or("$Default")
    )
}

/// Is `e` EC2 saying the template (or its version) does not exist? Such a template sets
/// no profile.
fn template_missing(e: &Error) -> bool {
    matches!(e, Error::Core(ecsrole_core::Error::Service { code, .. })
        if code.starts_with("InvalidLaunchTemplate"))
}

/// The compute environments in `regions` that use instance profile `profile`.
pub async fn environments_using(
    aws: &Aws,
    regions: &[String],
    profile: &str,
) -> Result<Usage, Error> {
    let mut usage = Usage::default();
    for region in regions {
        let aws = aws.in_region(region);
        let batch = BatchApi::new(&aws);
        let all = match batch.describe_compute_environments(&[]).await {
            Ok(all) => all,
            Err(Error::Core(ecsrole_core::Error::NotImplemented { .. })) => {
                usage.no_batch.push(region.clone());
                continue;
            }
            Err(e) => return Err(e),
        };
        let ec2 = Ec2::new(&aws);
        let mut read: HashMap<LaunchTemplate, Option<String>> = HashMap::new();
        for ce in all.iter().filter(|ce| live(ce)) {
            let mut via = named_directly(ce, profile).map(str::to_owned);
            for t in templates(ce) {
                if via.is_some() {
                    break;
                }
                if !read.contains_key(&t) {
                    let got = match ec2
                        .launch_template_profile(
                            t.id.as_deref(),
                            t.name.as_deref(),
                            t.version.as_deref(),
                        )
                        .await
                    {
                        Ok(p) => p,
                        Err(e) if template_missing(&e) => None,
                        Err(e) => return Err(e),
                    };
                    read.insert(t.clone(), got);
                }
                if read[&t].as_deref().is_some_and(|v| names(v, profile)) {
                    via = Some(template_name(&t));
                }
            }
            if let Some(via) = via {
                usage.users.push(ProfileUser {
                    environment: ce.name.clone(),
                    region: region.clone(),
                    status: ce.status.to_string(),
                    state: ce.state.to_string(),
                    via,
                });
            }
        }
    }
    Ok(usage)
}

/// The EC2 instances (not terminated), the launch templates (default or latest version)
/// and the Auto Scaling groups in `regions` that use instance profile `profile`, added to
/// `usage`. Each region's four reads run in one round.
pub async fn ec2_using(
    aws: &Aws,
    regions: &[String],
    profile: &str,
    usage: &mut Usage,
) -> Result<(), Error> {
    const LIVE: [&str; 4] = ["pending", "running", "stopping", "stopped"];
    for region in regions {
        let aws = aws.in_region(region);
        let (ec2, scaling) = (Ec2::new(&aws), Ec2::autoscaling(&aws));
        let filters = [("instance-state-name", &LIVE[..])];
        let (instances, templates, scaling) = tokio::try_join!(
            ec2.instances(&filters),
            ec2.template_profiles(),
            scaling_of(&scaling),
        )?;
        for i in instances {
            if !i
                .instance_profile_arn
                .as_deref()
                .is_some_and(|v| names(v, profile))
            {
                continue;
            }
            let group = i
                .tags
                .get("aws:autoscaling:groupName")
                .map(|g| format!(", Auto Scaling group {g}"))
                .unwrap_or_default();
            usage.instances.push(format!(
                "EC2 instance {} ({region}, {}{group})",
                i.id, i.state
            ));
        }
        let using: Vec<&crate::ec2::TemplateProfile> = templates
            .iter()
            .filter(|t| t.profile.as_deref().is_some_and(|v| names(v, profile)))
            .collect();
        usage.templates.extend(using.iter().map(|t| {
            format!(
                "launch template {} ({}) version {} ({region})",
                t.name, t.id, t.version
            )
        }));
        let (groups, configurations) = scaling;
        for g in groups {
            let by_configuration = g.launch_configuration.as_ref().filter(|lc| {
                configurations
                    .iter()
                    .any(|(n, p)| n == *lc && p.as_deref().is_some_and(|v| names(v, profile)))
            });
            let by_template = using
                .iter()
                .find(|t| g.templates.iter().any(|x| *x == t.id || *x == t.name));
            let via = match (by_configuration, by_template) {
                (Some(lc), _) => format!("launch configuration {lc}"),
                (None, Some(t)) => format!("launch template {}", t.name),
                (None, None) => continue,
            };
            usage.groups.push(format!(
                "Auto Scaling group {} ({region}, via {via})",
                g.name
            ));
        }
    }
    Ok(())
}

/// A region's Auto Scaling groups and launch configurations; none where the endpoint has
/// no Auto Scaling (HTTP 501).
async fn scaling_of(
    scaling: &Ec2,
) -> Result<(Vec<crate::ec2::Group>, Vec<(String, Option<String>)>), Error> {
    match tokio::try_join!(
        scaling.auto_scaling_groups(),
        scaling.launch_configurations()
    ) {
        Err(Error::Core(ecsrole_core::Error::NotImplemented { .. })) => Ok((vec![], vec![])),
        read => read,
    }
}

/// destroy's in-use refusals, added to `plan`: the compute environments, EC2 instances,
/// launch templates and Auto Scaling groups in `regions` that use its instance profile,
/// or, when they could not be read, that (what cannot be seen may be in use). Returns the regions whose endpoint has no Batch API (none there can use
/// it), for the caller's note.
pub async fn refuse_if_in_use(
    aws: &Aws,
    regions: &[String],
    plan: &mut ecsrole_core::DestroyPlan,
) -> Vec<String> {
    use ecsrole_core::Error as E;
    let profile = plan.instance_profile_name.clone();
    // The compute environments and what EC2 and Auto Scaling hold, concurrently.
    let read = async {
        let mut from_ec2 = Usage::default();
        let (mut usage, ()) = tokio::try_join!(
            environments_using(aws, regions, &profile),
            ec2_using(aws, regions, &profile, &mut from_ec2),
        )?;
        usage.instances = from_ec2.instances;
        usage.templates = from_ec2.templates;
        usage.groups = from_ec2.groups;
        Ok::<_, Error>(usage)
    };
    match read.await {
        Ok(usage) => {
            let users: Vec<String> = usage
                .users
                .iter()
                .map(|u| format!("compute environment {u}"))
                .chain(usage.instances)
                .chain(usage.templates)
                .chain(usage.groups)
                .collect();
            if !users.is_empty() {
                plan.refuse(&E::ProfileInUse { profile, users });
            }
            usage.no_batch
        }
        Err(e) => {
            plan.refuse(&E::ProfileUseUnknown {
                profile,
                detail: e.to_string(),
            });
            vec![]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::Compute;
    use crate::status::State;

    fn ce(status: Status, compute: Compute) -> Described {
        Described {
            name: "prod-ce".into(),
            arn: String::new(),
            status,
            status_reason: String::new(),
            state: State::Enabled,
            ecs_cluster_arn: None,
            tags: HashMap::new(),
            service_role: None,
            compute: Some(compute),
            environments: vec![],
            eks: false,
        }
    }

    #[test]
    fn a_profile_is_named_by_name_or_arn_in_any_case() {
        assert!(names("ecsInstanceRole", "ecsinstancerole"));
        assert!(names(
            "arn:aws:iam::123456789012:instance-profile/team/ecsInstanceRole",
            "ecsInstanceRole"
        ));
        assert!(!names("ecsInstanceRole2", "ecsInstanceRole"));
        assert!(
            !names(
                "arn:aws:iam::123456789012:role/ecsInstanceRole",
                "ecsInstanceRole"
            ),
            "a role's ARN names no profile"
        );
    }

    #[test]
    fn instance_role_and_managed_instances_name_it_and_deleted_ones_do_not_count() {
        let by_role = ce(
            Status::Valid,
            Compute {
                managed: true,
                kind: crate::api::Kind::Ec2,
                instance_role: Some("ecsInstanceRole".into()),
                ..Compute::default()
            },
        );
        assert_eq!(
            named_directly(&by_role, "ecsInstanceRole"),
            Some("instanceRole")
        );
        assert_eq!(named_directly(&by_role, "other"), None);
        let managed = ce(
            Status::Invalid,
            Compute {
                managed: true,
                kind: crate::api::Kind::EcsManagedInstances,
                managed_instances_profile: Some(
                    "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole".into(),
                ),
                ..Compute::default()
            },
        );
        assert!(named_directly(&managed, "ecsInstanceRole").is_some());
        assert!(live(&managed), "an INVALID environment still uses it");
        assert!(!live(&ce(Status::Deleting, Compute::default())));
        assert!(!live(&ce(Status::Deleted, Compute::default())));
    }
}
