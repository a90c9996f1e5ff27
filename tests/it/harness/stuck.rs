//! Batch as AWS behaves when IAM a compute environment uses is gone, played by the proxy
//! on moto's real answers (moto keeps such an environment VALID and deletes it at once;
//! docs/aws-facts.md, "Compute environments their IAM left stuck"):
//!
//! - an environment whose instance profile (or custom service role) is gone is INVALID
//!   with Batch's reason (`CLIENT_ERROR - Invalid IamInstanceProfile: NAME`), and stays
//!   INVALID until an `UpdateComputeEnvironment` made after it is back;
//! - deleting it while the profile is gone leaves it DELETING (moto forgot it: the proxy
//!   shows it still) until the profile is back, then it is gone.
//!
//! - an environment a job queue still uses (one the proxy saw described) cannot be deleted:
//!   "Cannot delete, found existing JobQueue relationship".
//!
//! "Back" is what the proxy saw: an `iam:AddRoleToInstanceProfile` (for a service role an
//! `iam:CreateRole`) after the test said it was gone (each scene is an account of its own, so nothing else writes there).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::proxy::Proxy;

#[derive(Default)]
struct Sim {
    /// Profile name → the proxy log's length when the test said it was gone.
    gone: HashMap<String, usize>,
    /// Service role name → the same.
    gone_roles: HashMap<String, usize>,
    /// Compute environments Batch holds INVALID.
    invalid: HashSet<String>,
    /// Compute environments deleted while their profile was gone: their profile and how
    /// they were last described.
    deleting: HashMap<String, (String, Value)>,
    /// Each environment as last described.
    last: HashMap<String, Value>,
    /// The environments `UpdateComputeEnvironment` was asked for, in order.
    updated: Vec<String>,
    /// The environments and queues deleted, in order (`compute-environment/NAME`...).
    deleted: Vec<String>,
    /// Each job queue seen, with the environments it uses (until it is deleted).
    queues: HashMap<String, Vec<String>>,
}

/// The simulation installed on a proxy.
#[derive(Clone)]
pub struct StuckBatch {
    sim: Arc<Mutex<Sim>>,
    proxy: Proxy,
}

fn short(s: &str) -> String {
    s.rsplit('/').next().unwrap_or(s).to_owned()
}

impl StuckBatch {
    pub fn install(proxy: &Proxy) -> StuckBatch {
        let me = StuckBatch {
            sim: Arc::default(),
            proxy: proxy.clone(),
        };
        let m = me.clone();
        proxy.exchange("describecomputeenvironments", move |req, answer| {
            m.describe(req, answer)
        });
        let m = me.clone();
        proxy.exchange("updatecomputeenvironment", move |req, _| {
            let name = short(req["computeEnvironment"].as_str().unwrap_or_default());
            let mut sim = m.sim.lock().unwrap();
            sim.updated.push(name.clone());
            let whole = sim.last.get(&name).is_none_or(|i| m.whole(&sim, i));
            if whole {
                sim.invalid.remove(&name);
            }
        });
        let m = me.clone();
        proxy.exchange("deletecomputeenvironment", move |req, _| {
            let name = short(req["computeEnvironment"].as_str().unwrap_or_default());
            let mut sim = m.sim.lock().unwrap();
            sim.deleted.push(format!("compute-environment/{name}"));
            if let Some(item) = sim.last.get(&name).cloned() {
                let profile = short(
                    item["computeResources"]["instanceRole"]
                        .as_str()
                        .unwrap_or(""),
                );
                if !m.back(&sim, &profile) {
                    sim.deleting.insert(name, (profile, item));
                }
            }
        });
        let m = me.clone();
        proxy.exchange("deletejobqueue", move |req, _| {
            let name = short(req["jobQueue"].as_str().unwrap_or_default());
            let mut sim = m.sim.lock().unwrap();
            sim.deleted.push(format!("job-queue/{name}"));
            sim.queues.remove(&name);
        });
        let m = me.clone();
        proxy.exchange("describejobqueues", move |_, answer| {
            let mut sim = m.sim.lock().unwrap();
            for q in answer["jobQueues"].as_array().into_iter().flatten() {
                let name = q["jobQueueName"].as_str().unwrap_or_default().to_owned();
                if q["status"] == "DELETED" || q["status"] == "DELETING" {
                    sim.queues.remove(&name);
                    continue;
                }
                let uses = q["computeEnvironmentOrder"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|o| o["computeEnvironment"].as_str())
                    .map(short)
                    .collect();
                sim.queues.insert(name, uses);
            }
        });
        // AWS: "Cannot delete, found existing JobQueue relationship".
        let m = me.clone();
        proxy.refuse_batch("deletecomputeenvironment", move |req| {
            let name = short(req["computeEnvironment"].as_str().unwrap_or_default());
            let sim = m.sim.lock().unwrap();
            sim.queues
                .values()
                .any(|uses| uses.contains(&name))
                .then(|| "Cannot delete, found existing JobQueue relationship".to_owned())
        });
        me
    }

    /// The test deleted `profile` (directly in the emulator).
    pub fn profile_gone(&self, profile: &str) {
        let at = self.proxy.qualified_log().len();
        self.sim.lock().unwrap().gone.insert(profile.to_owned(), at);
    }

    /// The test deleted service role `role` (directly in the emulator).
    pub fn service_role_gone(&self, role: &str) {
        let at = self.proxy.qualified_log().len();
        self.sim
            .lock()
            .unwrap()
            .gone_roles
            .insert(role.to_owned(), at);
    }

    /// The environments an update was asked for, in order.
    pub fn updated(&self) -> Vec<String> {
        self.sim.lock().unwrap().updated.clone()
    }

    /// The environments and queues deleted through the proxy, in order.
    pub fn deleted(&self) -> Vec<String> {
        self.sim.lock().unwrap().deleted.clone()
    }

    /// Is `profile` there: never gone, or put back since (a role added to it).
    fn back(&self, sim: &Sim, profile: &str) -> bool {
        self.since(sim.gone.get(profile), "iam:AddRoleToInstanceProfile")
    }

    /// Is service role `role` there: never gone, or made again since (a custom one by
    /// CreateRole, the service-linked one by CreateServiceLinkedRole).
    fn role_back(&self, sim: &Sim, role: &str) -> bool {
        self.since(sim.gone_roles.get(role), "iam:CreateRole")
            || self.since(sim.gone_roles.get(role), "iam:CreateServiceLinkedRole")
    }

    /// Never gone, or `action` seen since it went.
    fn since(&self, gone_at: Option<&usize>, action: &str) -> bool {
        match gone_at {
            None => true,
            Some(at) => self.proxy.qualified_log()[*at..]
                .iter()
                .any(|a| a.eq_ignore_ascii_case(action)),
        }
    }

    /// Are the environment's profile and service role there?
    fn whole(&self, sim: &Sim, item: &Value) -> bool {
        let profile = short(
            item["computeResources"]["instanceRole"]
                .as_str()
                .unwrap_or(""),
        );
        let role = short(item["serviceRole"].as_str().unwrap_or(""));
        self.back(sim, &profile) && self.role_back(sim, &role)
    }

    fn describe(&self, req: &Value, answer: &mut Value) {
        let mut sim = self.sim.lock().unwrap();
        let Some(list) = answer["computeEnvironments"].as_array_mut() else {
            return;
        };
        for item in list.iter_mut() {
            let name = item["computeEnvironmentName"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let profile = short(
                item["computeResources"]["instanceRole"]
                    .as_str()
                    .unwrap_or(""),
            );
            if !self.whole(&sim, item) {
                sim.invalid.insert(name.clone());
            }
            sim.last.insert(name.clone(), item.clone());
            if sim.invalid.contains(&name) {
                item["status"] = "INVALID".into();
                item["statusReason"] = if self.back(&sim, &profile) {
                    format!(
                        "CLIENT_ERROR - Role {} does not exist",
                        item["serviceRole"].as_str().unwrap_or("")
                    )
                } else {
                    format!("CLIENT_ERROR - Invalid IamInstanceProfile: {profile}")
                }
                .into();
            }
        }
        // Deleted while its profile was gone: DELETING until the profile is back.
        let asked: Vec<String> = req["computeEnvironments"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str()).map(short).collect())
            .unwrap_or_default();
        let names: Vec<String> = sim.deleting.keys().cloned().collect();
        for name in names {
            let (profile, item) = sim.deleting[&name].clone();
            if self.back(&sim, &profile) {
                sim.deleting.remove(&name);
                continue;
            }
            if asked.is_empty() || asked.contains(&name) {
                let mut item = item;
                item["status"] = "DELETING".into();
                item["state"] = "DISABLED".into();
                item["statusReason"] =
                    format!("CLIENT_ERROR - Invalid IamInstanceProfile: {profile}").into();
                list.push(item);
            }
        }
    }
}
