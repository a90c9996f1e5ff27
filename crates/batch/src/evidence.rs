//! When an instance never registers or a job sits in RUNNABLE, what can be read decides
//! who is to blame. Exit 3 (the role does not work) needs evidence about the role: Batch
//! naming the instance profile or role, or an instance of this run that has run with this
//! profile for longer than the registration allowance and never registered (the role having
//! passed `check`, and the run's subnets and security groups shown able to reach ECS by
//! `crate::network`; a network not shown, or blocked, is exit 1 naming it). Anything else is exit 1 with what was seen, each line with the call it
//! came from, and the likely causes in order: capacity, the network, the AMI, the service
//! role are at least as common as the role.

use std::time::{Duration, SystemTime};

use crate::classify::about_instance_role;
use crate::diagnose::{DiagnoseOptions, Diagnoser, Selection};
use crate::ec2::Instance;
use crate::outcome::{Failure, FailureKind};
use crate::run::{RUN_TAG, RunNames, VerifyOptions};
use crate::verifier::Verifier;
use crate::verify::Checked;

/// A level that timed out: what did not happen, and where to look.
pub(crate) struct Stuck<'a> {
    pub(crate) what: String,
    pub(crate) names: &'a RunNames,
    pub(crate) compute_environment: &'a str,
    pub(crate) cluster: &'a str,
    /// The RUNNABLE job and its `statusReason`.
    pub(crate) job: Option<(&'a str, String)>,
}

/// What the reads said, sorted.
#[derive(Debug, Default)]
struct Evidence {
    /// `source call: what it showed`.
    seen: Vec<String>,
    /// What points at the role.
    role: Vec<String>,
    /// Likely causes, most likely first.
    causes: Vec<String>,
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

impl Verifier {
    /// Reads the run's compute environment, the instances tagged with its run id, the ECS
    /// cluster's registrations (and the job), and turns them into the failure.
    pub(crate) async fn judge(
        &self,
        stuck: Stuck<'_>,
        checked: &Checked,
        allowance: Duration,
    ) -> Failure {
        let tag = format!("tag:{RUN_TAG}");
        let id = [stuck.names.run_id.as_str()];
        let run = [(tag.as_str(), &id[..])];
        let ce_names = [stuck.compute_environment];
        let (ce, instances, registered) = tokio::join!(
            self.batch.describe_compute_environments(&ce_names),
            async {
                match &self.ec2 {
                    Some(ec2) => Some(ec2.instances(&run).await),
                    None => None,
                }
            },
            self.batch.container_instances(stuck.cluster),
        );
        let mut ev = Evidence::default();
        let mut compute = None;
        match ce {
            Ok(list) => match list.into_iter().find(|c| !c.gone()) {
                Some(c) => {
                    compute = c.compute.clone();
                    ev.seen.push(format!(
                        "batch:DescribeComputeEnvironments: {} {}, {}, desiredvCpus {}: {:?}",
                        c.name,
                        c.status,
                        c.state,
                        c.compute
                            .as_ref()
                            .and_then(|r| r.desired_vcpus)
                            .map_or("?".to_owned(), |d| d.to_string()),
                        c.status_reason
                    ));
                    if about_instance_role(&c.status_reason) {
                        ev.role.push(format!(
                            "Batch names the instance profile or role: {:?}",
                            c.status_reason
                        ));
                    }
                }
                None => ev.seen.push(format!(
                    "batch:DescribeComputeEnvironments: {} not found",
                    stuck.compute_environment
                )),
            },
            Err(e) => ev.seen.push(format!(
                "batch:DescribeComputeEnvironments: could not read ({e})"
            )),
        }
        if let Some((id, reason)) = &stuck.job {
            ev.seen
                .push(format!("batch:DescribeJobs: job {id} RUNNABLE: {reason:?}"));
            job_causes(&mut ev, reason);
            if about_instance_role(reason) {
                ev.role.push(format!(
                    "Batch names the instance profile or role for job {id}: {reason:?}"
                ));
            }
        }
        let registrations = match &registered {
            Ok(arns) => {
                ev.seen.push(format!(
                    "ecs:ListContainerInstances: {} container instance(s) in {}",
                    arns.len(),
                    stuck.cluster
                ));
                arns.len()
            }
            Err(e) => {
                ev.seen
                    .push(format!("ecs:ListContainerInstances: could not read ({e})"));
                0
            }
        };
        match instances {
            None => ev
                .seen
                .push("ec2:DescribeInstances: not read (no EC2 client)".to_owned()),
            Some(Err(e)) => ev
                .seen
                .push(format!("ec2:DescribeInstances: could not read ({e})")),
            Some(Ok(list)) if list.is_empty() => {
                ev.seen.push(format!(
                    "ec2:DescribeInstances: no instance tagged {RUN_TAG}={}",
                    stuck.names.run_id
                ));
                if let Some(url) = self.batch.emulator() {
                    ev.causes.push(format!(
                        "{url} is not AWS: an emulator (moto, LocalStack) launches no instances, so level instance cannot be proven there; use --level ce or --level job"
                    ));
                }
                no_instance(&mut ev);
            }
            Some(Ok(list)) => {
                let now = self.batch.clock().now();
                let waiting = list.iter().any(|i| {
                    i.state == "running"
                        && i.instance_profile_arn.as_deref() == Some(checked.profile_arn.as_str())
                });
                let network = match (&self.ec2, waiting) {
                    (Some(ec2), true) => network(&mut ev, ec2, compute.as_ref()).await,
                    _ => Network::NotShown,
                };
                for i in &list {
                    instance(&mut ev, i, checked, allowance, registrations, now, &network);
                }
            }
        }
        ev.into_failure(&stuck.what)
    }
}

impl Verifier {
    /// `diagnose`'s findings on the run's compute environment, as lines to add to a
    /// failure's message (bounded: a failure is not held up by its explanation).
    pub(crate) async fn explain(&self, compute_environment: &str, opts: &VerifyOptions) -> String {
        let Some(ec2) = &self.ec2 else {
            return String::new();
        };
        let diagnoser = Diagnoser {
            iam: self.iam.clone(),
            batch: self.batch.clone(),
            ec2: ec2.clone(),
            partition: self.engine.desired().partition,
        };
        let options = DiagnoseOptions {
            selection: Selection {
                compute_environments: vec![compute_environment.to_owned()],
                ..Selection::default()
            },
            policies: self.engine.desired().policies.clone(),
            registration_allowance: opts.registration_allowance,
            concurrency: 4,
            scps: None,
            scps_failed: None,
            hint: opts.hint.clone(),
        };
        let found =
            tokio::time::timeout(Duration::from_secs(30), diagnoser.diagnose(&options)).await;
        match found {
            Ok(Ok(d)) if d.errors + d.warnings == 0 => {
                format!("\n  diagnose {compute_environment}: no finding")
            }
            Ok(Ok(d)) => d
                .findings()
                .map(|(_, f)| {
                    let severity = if f.is_error() { "error" } else { "warning" };
                    format!(
                        "\n  diagnose {compute_environment}: {severity} {}: {}",
                        f.code.as_str(),
                        f.message
                    )
                })
                .collect(),
            Ok(Err(e)) => format!("\n  diagnose {compute_environment}: could not read ({e})"),
            Err(_) => format!("\n  diagnose {compute_environment}: no answer within 30s"),
        }
    }
}

/// What Batch's reason for a RUNNABLE job says (the reasons its guide lists).
fn job_causes(ev: &mut Evidence, reason: &str) {
    if reason.starts_with("MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT") {
        ev.causes.push(
            "the job asks for more vCPUs or memory than the compute environment's instance types give".into(),
        );
    } else if reason.starts_with("MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE") {
        ev.causes
            .push("the compute environment's maxvCpus is below the job's needs".into());
    } else if reason.starts_with("CAPACITY:") {
        ev.causes.push(format!(
            "capacity, as Batch says ({reason}): no instance of the allowed types could be launched"
        ));
    }
}

/// Batch launched nothing (or nothing could be seen).
fn no_instance(ev: &mut Evidence) {
    ev.causes.extend([
        "capacity: Batch could not launch an instance (the instance types in these subnets' zones, Spot capacity, or the account's EC2 limits)".to_owned(),
        "the compute environment's subnets, security groups or launch template stop a launch".to_owned(),
        "the service role (AWSServiceRoleForBatch or --service-role) may not launch instances".to_owned(),
    ]);
}

/// Whether the run's network was shown able to reach ECS (`crate::network`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Network {
    Shown,
    NotShown,
    /// What stops it: the network's findings.
    Blocked(Vec<String>),
}

/// Reads and judges the run's subnets and security groups, for an instance of this run
/// that runs and has not registered: only a network shown able to reach ECS lets that be
/// blamed on the role.
async fn network(
    ev: &mut Evidence,
    ec2: &crate::ec2::Ec2,
    compute: Option<&crate::api::Compute>,
) -> Network {
    let Some(c) = compute else {
        ev.seen
            .push("ec2 network: not read (the compute environment was not read)".into());
        return Network::NotShown;
    };
    let facts = match ec2.network_facts(&c.subnets, &c.security_groups).await {
        Ok(f) => f,
        Err(e) => {
            ev.seen.push(format!("ec2 network: could not read ({e})"));
            return Network::NotShown;
        }
    };
    let judged = crate::network::judge(
        &facts,
        crate::network::Placement {
            subnets: &c.subnets,
            security_groups: &c.security_groups,
            region: ec2.region(),
            public_ip_elsewhere: c.launch_template.as_ref().map(|_| "the launch template"),
        },
    );
    ev.seen
        .extend(judged.seen.iter().map(|l| format!("ec2 network: {l}")));
    if !judged.findings.is_empty() {
        Network::Blocked(
            judged
                .findings
                .iter()
                .map(|f| format!("the network ({}): {}", f.code.as_str(), f.message))
                .collect(),
        )
    } else if judged.shown {
        Network::Shown
    } else {
        Network::NotShown
    }
}

/// One instance of the run.
fn instance(
    ev: &mut Evidence,
    i: &Instance,
    checked: &Checked,
    allowance: Duration,
    registrations: usize,
    now: SystemTime,
    network: &Network,
) {
    // `now` is AWS's clock, as EC2's LaunchTime is.
    let age = i
        .launched
        .and_then(|t| now.duration_since(t).ok())
        .unwrap_or_default();
    let profile = i.instance_profile_arn.as_deref().unwrap_or("none");
    ev.seen.push(format!(
        "ec2:DescribeInstances: {} {}, launched {}s ago, instance profile {profile}",
        i.id,
        i.state,
        secs(age)
    ));
    let ours = profile == checked.profile_arn;
    let running = i.state == "running";
    let overdue = running && ours && age > allowance && registrations == 0;
    if overdue && *network == Network::Shown {
        ev.role.push(format!(
            "instance {} has run with instance profile {profile} for {}s (registration allowance {}s) and never registered with ECS, though the role passed check and its network was shown able to reach ECS: what the role grants the ECS agent (or a permissions boundary or SCP on it) falls short",
            i.id,
            secs(age),
            secs(allowance)
        ));
    } else if overdue {
        // The role is not to blame while the network may be (exit 1, naming the network).
        match network {
            Network::Blocked(why) => ev.causes.extend(why.iter().cloned()),
            _ => ev.causes.push(
                "the network could not be shown able to reach ECS (see the ec2 network lines): an instance that never registers is not blamed on the role until it is".into(),
            ),
        }
        ev.causes.push(format!(
            "instance {} has run with instance profile {profile} for {}s (registration allowance {}s) and never registered with ECS",
            i.id,
            secs(age),
            secs(allowance)
        ));
    } else if running && !ours {
        ev.causes.push(format!(
            "instance {} runs with instance profile {profile}, not {}: the compute environment's instance role is another one",
            i.id, checked.profile_arn
        ));
    } else if running {
        if let Network::Blocked(why) = network {
            ev.causes.extend(why.iter().cloned());
        }
        ev.causes.extend([
            format!(
                "instance {} is still starting: it has run {}s of the {}s registration allowance; give verify more --timeout",
                i.id,
                secs(age),
                secs(allowance)
            ),
            "the instance cannot reach the ECS endpoint: a subnet without a route to the internet, a NAT gateway or ECS VPC endpoints".into(),
            "the AMI: not an ECS-optimized AMI, or its ECS agent does not start".into(),
        ]);
    } else {
        ev.causes.push(format!(
            "instance {} is {}: its launch failed (capacity, the AMI, the launch template)",
            i.id, i.state
        ));
    }
}

impl Evidence {
    fn into_failure(mut self, what: &str) -> Failure {
        let seen = self
            .seen
            .iter()
            .map(|s| format!("\n  seen: {s}"))
            .collect::<String>();
        if !self.role.is_empty() {
            let mut f = Failure::new(
                FailureKind::RoleBroken,
                format!(
                    "{what}; the evidence points at the role: {}{seen}",
                    self.role.join("; ")
                ),
            );
            f.evidence = Some(crate::outcome::Evidence {
                what: what.to_owned(),
                seen: self.seen,
                points_at_role: self.role,
                likely_causes: vec![],
            });
            return f;
        }
        if self.causes.is_empty() {
            // Nothing narrowed it down (the instances could not be read): the usual suspects.
            no_instance(&mut self);
            self.causes.push(
                "the instances cannot reach the ECS endpoint: a subnet without a route to the internet, a NAT gateway or ECS VPC endpoints".into(),
            );
        }
        self.causes.dedup();
        let causes = self
            .causes
            .iter()
            .enumerate()
            .map(|(n, c)| format!("\n  {}. {c}", n + 1))
            .collect::<String>();
        let mut f = Failure::new(
            FailureKind::Error,
            format!(
                "{what}; nothing read points at the role (exit 1, not 3){seen}\n  likely causes, most likely first:{causes}"
            ),
        );
        f.evidence = Some(crate::outcome::Evidence {
            what: what.to_owned(),
            seen: self.seen,
            points_at_role: vec![],
            likely_causes: self.causes,
        });
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OURS: &str = "arn:aws:iam::123456789012:instance-profile/ecsInstanceRole";
    const ALLOWANCE: Duration = Duration::from_secs(300);

    fn checked() -> Checked {
        Checked {
            profile_arn: OURS.into(),
            youngest: SystemTime::UNIX_EPOCH,
        }
    }

    /// An instance of the run, launched `age` before `now`.
    fn at(state: &str, profile: &str, age: Duration, now: SystemTime) -> Instance {
        Instance {
            id: "i-0abc".into(),
            state: state.into(),
            launched: Some(now - age),
            instance_profile_arn: Some(profile.into()),
            subnet: None,
            tags: std::collections::HashMap::new(),
        }
    }

    fn judged(i: &Instance, registrations: usize, now: SystemTime, network: &Network) -> Evidence {
        let mut ev = Evidence::default();
        instance(
            &mut ev,
            i,
            &checked(),
            ALLOWANCE,
            registrations,
            now,
            network,
        );
        ev
    }

    /// Exit 3 from an instance needs all of: running, with the run's profile, past the
    /// allowance (strictly), nothing registered, and the network shown able to reach ECS.
    #[test]
    fn an_instance_points_at_the_role_only_when_every_condition_holds() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let past = ALLOWANCE + Duration::from_secs(1);
        let blamed = |ev: &Evidence| !ev.role.is_empty();
        assert!(blamed(&judged(
            &at("running", OURS, past, now),
            0,
            now,
            &Network::Shown
        )));
        // Each condition taken away in turn.
        for (why, ev) in [
            (
                "at the allowance, not past it",
                judged(
                    &at("running", OURS, ALLOWANCE, now),
                    0,
                    now,
                    &Network::Shown,
                ),
            ),
            (
                "one instance registered",
                judged(&at("running", OURS, past, now), 1, now, &Network::Shown),
            ),
            (
                "pending",
                judged(&at("pending", OURS, past, now), 0, now, &Network::Shown),
            ),
            (
                "another profile",
                judged(
                    &at(
                        "running",
                        "arn:aws:iam::123456789012:instance-profile/other",
                        past,
                        now,
                    ),
                    0,
                    now,
                    &Network::Shown,
                ),
            ),
            (
                "the network not shown",
                judged(&at("running", OURS, past, now), 0, now, &Network::NotShown),
            ),
            (
                "the network blocked",
                judged(
                    &at("running", OURS, past, now),
                    0,
                    now,
                    &Network::Blocked(vec!["no route".into()]),
                ),
            ),
        ] {
            assert!(!blamed(&ev), "{why}: {ev:?}");
            assert!(!ev.causes.is_empty(), "{why}: a cause is named: {ev:?}");
        }
    }

    #[test]
    fn each_case_names_its_own_cause() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let past = ALLOWANCE + Duration::from_secs(1);
        let has = |ev: &Evidence, words: &str| ev.causes.iter().any(|c| c.contains(words));
        let ev = judged(&at("running", OURS, past, now), 0, now, &Network::NotShown);
        assert!(
            has(&ev, "could not be shown able to reach ECS") && has(&ev, "never registered"),
            "{ev:?}"
        );
        let ev = judged(
            &at("running", OURS, past, now),
            0,
            now,
            &Network::Blocked(vec!["no route".into()]),
        );
        assert_eq!(ev.causes[0], "no route", "{ev:?}");
        let ev = judged(
            &at("running", OURS, ALLOWANCE, now),
            0,
            now,
            &Network::Blocked(vec!["no route".into()]),
        );
        assert!(
            has(&ev, "no route") && has(&ev, "still starting: it has run 300s of the 300s"),
            "{ev:?}"
        );
        let ev = judged(
            &at("running", "arn:aws:iam::1:instance-profile/x", past, now),
            0,
            now,
            &Network::Shown,
        );
        assert!(
            has(
                &ev,
                "the compute environment's instance role is another one"
            ),
            "{ev:?}"
        );
        let ev = judged(
            &at("shutting-down", OURS, past, now),
            0,
            now,
            &Network::Shown,
        );
        assert!(has(&ev, "is shutting-down: its launch failed"), "{ev:?}");
        assert!(ev.seen[0].contains("launched 301s ago"), "{ev:?}");
    }

    #[test]
    fn a_runnable_jobs_reason_names_its_cause() {
        for (reason, words) in [
            (
                "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT - the job asks for 8 vCPUs",
                "asks for more vCPUs",
            ),
            (
                "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE - 2 < 8",
                "maxvCpus is below",
            ),
            (
                "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - none",
                "capacity, as Batch says",
            ),
        ] {
            let mut ev = Evidence::default();
            job_causes(&mut ev, reason);
            assert_eq!(ev.causes.len(), 1, "{reason}");
            assert!(ev.causes[0].contains(words), "{reason}: {ev:?}");
        }
        let mut ev = Evidence::default();
        job_causes(&mut ev, "waiting for capacity, Batch says nothing");
        assert!(ev.causes.is_empty());
    }

    /// The failure's kind follows the evidence: something about the role is exit 3,
    /// nothing is exit 1 with the usual suspects when nothing narrowed it down.
    #[test]
    fn the_failure_is_the_roles_only_with_evidence() {
        let role = Evidence {
            role: vec!["Batch names the instance profile".into()],
            ..Evidence::default()
        };
        let f = role.into_failure("no instance registered");
        assert_eq!(f.kind, FailureKind::RoleBroken);
        assert!(
            f.message.contains("the evidence points at the role"),
            "{}",
            f.message
        );
        let f = Evidence::default().into_failure("no instance registered");
        assert_eq!(f.kind, FailureKind::Error);
        let e = f.evidence.unwrap();
        assert!(e.points_at_role.is_empty());
        assert!(
            e.likely_causes.iter().any(|c| c.starts_with("capacity")),
            "{e:?}"
        );
        assert!(f.message.contains("(exit 1, not 3)"));
    }
}
