//! AWS's pace, time-compressed, in front of moto. moto answers at once:
//! a compute environment is VALID when created and forgotten when deleted, a job is
//! SUCCEEDED when first described. The fault-injecting proxy (`proxy.rs`) reshapes moto's
//! real answers into the real service's walk, each phase one `step` long (AWS's phases
//! last tens of seconds to minutes; `run.rs` gives the timings verify's bounds are sized
//! for):
//!
//! - a compute environment or job queue is CREATING for two steps after it was first
//!   seen, then what moto says (VALID);
//! - UPDATING for a step after an `UpdateComputeEnvironment` (a scale-up, the disable
//!   before delete);
//! - DELETING (and DISABLED) for two steps after its delete, though moto has forgotten it:
//!   the proxy answers with the last description it passed on;
//! - a job walks SUBMITTED, PENDING, RUNNABLE, STARTING, RUNNING, a step each, then what
//!   moto says (SUCCEEDED).
//!
//! Every status served is recorded, so a test can show the walk was really served.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;

use crate::harness::proxy::Proxy;

/// The job statuses before the last one, in Batch's order.
const JOB_WALK: [&str; 5] = ["SUBMITTED", "PENDING", "RUNNABLE", "STARTING", "RUNNING"];

/// What the pace served.
#[derive(Debug, Default, Clone)]
pub struct Served {
    /// (`ce/NAME`, `jq/NAME` or `job/ID`, status) pairs, each once, in the order first
    /// served.
    pub statuses: Vec<(String, String)>,
}

impl Served {
    /// The statuses served for `name` (`ce/NAME`...), in order.
    pub fn of(&self, name: &str) -> Vec<String> {
        self.statuses
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, s)| s.clone())
            .collect()
    }
}

#[derive(Default)]
struct Clock {
    first: HashMap<String, Instant>,
    updated: HashMap<String, Instant>,
    deleted: HashMap<String, Instant>,
    /// The last description passed on. Every map is keyed `ce/NAME`, `jq/NAME`, `job/ID`.
    last: HashMap<String, Value>,
    served: Served,
}

impl Clock {
    fn serve(&mut self, name: &str, status: &str) {
        let pair = (name.to_owned(), status.to_owned());
        if !self.served.statuses.contains(&pair) {
            self.served.statuses.push(pair);
        }
    }
}

/// One kind of Batch resource whose status is paced.
#[derive(Clone, Copy)]
struct Kind {
    /// `ce`, `jq`: the prefix of its names in [`Served`] (a run names its environment and
    /// its queue alike).
    tag: &'static str,
    describe: &'static str,
    list: &'static str,
    name: &'static str,
    /// The request field of the describe naming what is asked for.
    asked: &'static str,
    update: Option<&'static str>,
    delete: &'static str,
    /// The request field of the update and delete naming the resource.
    target: &'static str,
}

const KINDS: [Kind; 2] = [
    Kind {
        tag: "ce",
        describe: "describecomputeenvironments",
        list: "computeEnvironments",
        name: "computeEnvironmentName",
        asked: "computeEnvironments",
        update: Some("updatecomputeenvironment"),
        delete: "deletecomputeenvironment",
        target: "computeEnvironment",
    },
    Kind {
        tag: "jq",
        describe: "describejobqueues",
        list: "jobQueues",
        name: "jobQueueName",
        asked: "jobQueues",
        update: None,
        delete: "deletejobqueue",
        target: "jobQueue",
    },
];

/// The name an ARN or name refers to.
fn short(s: &str) -> String {
    s.rsplit('/').next().unwrap_or(s).to_owned()
}

/// Paces `proxy`'s Batch answers, each phase `step` long.
pub fn install(proxy: &Proxy, step: Duration) -> Pace {
    let clock = Arc::new(Mutex::new(Clock::default()));
    for kind in KINDS {
        let c = clock.clone();
        proxy.exchange(kind.delete, move |req, _| {
            if let Some(t) = req[kind.target].as_str() {
                let key = format!("{}/{}", kind.tag, short(t));
                c.lock().unwrap().deleted.insert(key, Instant::now());
            }
        });
        if let Some(update) = kind.update {
            let c = clock.clone();
            proxy.exchange(update, move |req, _| {
                if let Some(t) = req[kind.target].as_str() {
                    let key = format!("{}/{}", kind.tag, short(t));
                    c.lock().unwrap().updated.insert(key, Instant::now());
                }
            });
        }
        let c = clock.clone();
        proxy.exchange(kind.describe, move |req, answer| {
            let mut c = c.lock().unwrap();
            let now = Instant::now();
            let Some(list) = answer[kind.list].as_array_mut() else {
                return;
            };
            let mut present = HashSet::new();
            for item in list.iter_mut() {
                let name = format!(
                    "{}/{}",
                    kind.tag,
                    item[kind.name].as_str().unwrap_or_default()
                );
                present.insert(name.clone());
                let first = *c.first.entry(name.clone()).or_insert(now);
                let status = if c.deleted.get(&name).is_some_and(|d| now < *d + step * 2) {
                    // moto may still list it (DELETED), or not at all (below).
                    item["state"] = "DISABLED".into();
                    Some("DELETING")
                } else if now < first + step * 2 {
                    Some("CREATING")
                } else if c.updated.get(&name).is_some_and(|u| now < *u + step) {
                    Some("UPDATING")
                } else {
                    None
                };
                if let Some(s) = status {
                    item["status"] = s.into();
                    item["statusReason"] = format!("{} (paced)", s.to_lowercase()).into();
                }
                let shown = item["status"].as_str().unwrap_or_default().to_owned();
                c.serve(&name, &shown);
                c.last.insert(name.clone(), item.clone());
            }
            // Deleted, but AWS still shows it DELETING for a while; asked for by name or
            // ARN, or (no names asked) every one.
            let asked: Vec<String> = req[kind.asked]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .map(|v| format!("{}/{}", kind.tag, short(v)))
                        .collect()
                })
                .unwrap_or_default();
            let deleting: Vec<String> = c
                .deleted
                .iter()
                .filter(|(name, at)| {
                    now < **at + step * 2
                        && !present.contains(*name)
                        && (asked.is_empty() || asked.contains(name))
                })
                .map(|(name, _)| name.clone())
                .collect();
            for name in deleting {
                if let Some(mut item) = c.last.get(&name).cloned() {
                    item["status"] = "DELETING".into();
                    item["state"] = "DISABLED".into();
                    item["statusReason"] = "deleting (paced)".into();
                    c.serve(&name, "DELETING");
                    list.push(item);
                }
            }
        });
    }
    let c = clock.clone();
    proxy.exchange("describejobs", move |_, answer| {
        let mut c = c.lock().unwrap();
        let now = Instant::now();
        let Some(jobs) = answer["jobs"].as_array_mut() else {
            return;
        };
        for job in jobs {
            let id = job["jobId"].as_str().unwrap_or_default().to_owned();
            let first = *c.first.entry(format!("job/{id}")).or_insert(now);
            let phase = ((now - first).as_millis() / step.as_millis().max(1)) as usize;
            if let Some(status) = JOB_WALK.get(phase) {
                job["status"] = (*status).into();
                if let Some(o) = job.as_object_mut() {
                    o.remove("stoppedAt");
                    if phase < 4 {
                        o.remove("startedAt");
                    }
                }
            }
            let shown = job["status"].as_str().unwrap_or_default().to_owned();
            c.serve(&format!("job/{id}"), &shown);
        }
    });
    Pace(clock)
}

/// A pace installed on a proxy: what it served so far.
pub struct Pace(Arc<Mutex<Clock>>);

impl Pace {
    pub fn served(&self) -> Served {
        let c = self.0.lock().unwrap();
        Served {
            statuses: c.served.statuses.clone(),
        }
    }
}

/// Every job status served, in order (the run's job is the only one paced).
fn job_statuses(served: &Served) -> Vec<String> {
    served
        .statuses
        .iter()
        .filter(|(n, _)| n.starts_with("job/"))
        .map(|(_, s)| s.clone())
        .collect()
}

/// The time-compressed phase: long enough that verify's backoff (200 ms doubling) sees
/// most phases, short enough for the suite.
const STEP: Duration = Duration::from_millis(1500);

/// `apply` then `verify --level job` under the pace: a new instance profile invisible
/// for a while (IAM's propagation), the environment and queue CREATING then VALID, the job
/// walking every status, everything DELETING for a while after its delete. verify ends
/// verified, tears down and leaves nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_verify_job_under_aws_pace() {
    crate::harness::needs_batch();
    let (ctx, proxy) = crate::harness::Ctx::proxied("pace_job").await;
    let pace = install(&proxy, STEP);
    proxy.hide_after("CreateInstanceProfile", "GetInstanceProfile", STEP * 2);
    let apply = ctx.ecsrole(&["apply", "-q"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    assert!(
        proxy
            .injected()
            .iter()
            .any(|i| i.action == "GetInstanceProfile"),
        "the new profile was hidden: {:?}",
        proxy.injected()
    );
    let run = ctx.ecsrole(&["verify", "--level", "job", "--timeout", "120"]);
    assert_eq!(run.code, 0, "{run:?}");
    let id = crate::harness::run_id_of(&run.stderr);
    let served = pace.served();
    let name = format!("ecsrole-verify-{id}");
    for (what, want) in [
        ("ce", ["CREATING", "VALID", "DELETING"]),
        ("jq", ["CREATING", "VALID", "DELETING"]),
    ] {
        let got = served.of(&format!("{what}/{name}"));
        for w in want {
            assert!(
                got.iter().any(|g| g == w),
                "{what} never served {w}: {got:?}"
            );
        }
    }
    let jobs = job_statuses(&served);
    assert_eq!(
        jobs.last().map(String::as_str),
        Some("SUCCEEDED"),
        "{jobs:?}"
    );
    let walked = jobs
        .iter()
        .filter(|s| JOB_WALK.contains(&s.as_str()))
        .count();
    assert!(
        walked >= 3,
        "the job was seen in at least 3 of its 5 walking statuses: {jobs:?}"
    );
    assert_eq!(
        crate::harness::left_of_run(&ctx, &id).await,
        Vec::<String>::new()
    );
}

/// `verify --level instance` under the pace: the environment CREATING, UPDATING after the
/// scale-up, an instance that launches late and registers later (the test plays Batch and
/// the ECS agent, with delays), DELETING after its delete. Verified, nothing left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batch_verify_instance_under_aws_pace() {
    crate::harness::needs_batch();
    let (ctx, proxy) = crate::harness::Ctx::proxied("pace_instance").await;
    let apply = ctx.ecsrole(&["apply", "-q"]);
    assert_eq!(apply.code, 0, "{apply:?}");
    let pace = install(&proxy, STEP);
    let (child, stderr, run) = crate::harness::start_instance_run(&ctx, "120");
    tokio::time::sleep(STEP).await;
    let profile = crate::harness::profile_arn(&ctx).await;
    let instance = crate::harness::launch_instance(&run, Some(&profile)).await;
    tokio::time::sleep(STEP * 2).await;
    let cluster = crate::harness::cluster_of(&ctx.batch, &format!("ecsrole-verify-{run}")).await;
    crate::harness::register_instance(&ctx.ecs, &cluster, &instance).await;
    let (code, stdout, rest) = crate::harness::finish(child, stderr);
    assert_eq!(code, 0, "{stdout}\n{rest}");
    assert!(rest.contains("✓ container_instance_registered"), "{rest}");
    let got = pace.served().of(&format!("ce/ecsrole-verify-{run}"));
    for w in ["CREATING", "VALID", "UPDATING", "DELETING"] {
        assert!(
            got.iter().any(|g| g == w),
            "never served {w}: {got:?} {:?}",
            proxy.log()
        );
    }
    assert_eq!(
        crate::harness::left_of_run(&ctx, &run).await,
        Vec::<String>::new()
    );
}
