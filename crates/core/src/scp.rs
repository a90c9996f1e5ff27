//! The service control policies over each fleet target's account, read from AWS
//! Organizations once per run (from the management account or a delegated administrator),
//! and the one wording of what a run did not evaluate.
//!
//! The reads, for all targets at once, each bounded to [`IN_FLIGHT`] calls at a time:
//! `DescribeOrganization` (is there one, and which is the management account: SCPs never
//! apply there), `ListRoots` (is the SCP policy type enabled: else no SCP applies),
//! `ListParents` from each account up to the root (each OU's parent read once),
//! `ListPoliciesForTarget` (`SERVICE_CONTROL_POLICY`) and `DescribeOrganizationalUnit`
//! once per root, OU and account on the paths, `DescribePolicy` once per policy, however
//! many accounts share it. Organizations saying no (not in an organisation, access denied)
//! is not a failure of the run: SCPs are then not read, and [`Scps::not_evaluated`] says so.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use aws_sdk_organizations::types::{ParentType, PolicyType, PolicyTypeStatus};
use serde::Serialize;

use crate::aws::call;
use crate::concurrent::run_all;
use crate::error::Error;
use crate::org::Organizations;
use crate::state::{Scp, ScpLevel};
use crate::trust::decode_document;

/// At most this many Organizations calls at once (Organizations' rate limits are low).
pub const IN_FLIGHT: usize = 8;

/// What a run knows of the SCPs over its targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scps {
    /// Read: each account's levels, root first (empty for the management account, or when
    /// the organisation has SCPs disabled: none applies). `outside`: accounts the
    /// organisation does not hold (their SCPs, if any, belong to another one).
    Read {
        levels: HashMap<String, Vec<ScpLevel>>,
        outside: Vec<String>,
    },
    /// Not read by design (a single-account run, a caller outside any organisation or
    /// without access to its policies), and why: a stated limit.
    NotRead { why: String },
    /// Asked for and not read (an error, a timeout): every target's verdicts that rest
    /// on them are not decided.
    Failed { why: String },
}

/// What a run did not evaluate, and why: printed once per run (stderr in human output,
/// `"not_evaluated"` in JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotEvaluated {
    /// `SCPs`, `RCPs`, `session policies`.
    pub policies: Vec<&'static str>,
    pub why: String,
}

/// Why RCPs and session policies are never evaluated.
const NEVER_READ: &str = "ecsrole reads no RCPs or session policies";

impl std::fmt::Display for NotEvaluated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = match self.policies.as_slice() {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [init @ .., last] => format!("{} and {last}", init.join(", ")),
        };
        write!(f, "{list} were not evaluated: {}", self.why)
    }
}

impl Scps {
    /// A single-account run reads no SCPs.
    pub fn single_account() -> Scps {
        Scps::NotRead {
            why: "a single-account run does not read them (fleet mode reads them from the management account or a delegated administrator)".into(),
        }
    }

    /// The levels over `account`; `None` when not read.
    pub fn of(&self, account: &str) -> Option<Vec<ScpLevel>> {
        match self {
            Scps::Read { levels, .. } => levels.get(account).cloned(),
            Scps::NotRead { .. } | Scps::Failed { .. } => None,
        }
    }

    /// Why the read failed, when it did.
    pub fn failed(&self) -> Option<String> {
        match self {
            Scps::Failed { why } => Some(why.clone()),
            _ => None,
        }
    }

    /// The run's one note.
    pub fn not_evaluated(&self) -> NotEvaluated {
        match self {
            Scps::Read { outside, .. } if outside.is_empty() => NotEvaluated {
                policies: vec!["RCPs", "session policies"],
                why: "ecsrole does not read them".into(),
            },
            Scps::Read { outside, .. } => NotEvaluated {
                policies: vec!["SCPs", "RCPs", "session policies"],
                why: format!(
                    "the SCPs of account(s) {} were not read: the caller's organisation does not hold them; {NEVER_READ}",
                    outside.join(", ")
                ),
            },
            Scps::NotRead { why } | Scps::Failed { why } => NotEvaluated {
                policies: vec!["SCPs", "RCPs", "session policies"],
                why: format!("{why}; {NEVER_READ}"),
            },
        }
    }
}

/// What an error reading the SCPs means: not read by design (the caller is outside any
/// organisation, or may not read its policies, or the endpoint has no Organizations), or
/// a failed read.
fn why_not(e: &Error) -> Scps {
    match e {
        Error::Service { code, .. } if code == "AWSOrganizationsNotInUseException" => {
            Scps::NotRead {
                why: "the caller's account is not in an organisation".into(),
            }
        }
        // An emulator without Organizations (free LocalStack): there is nothing to read.
        Error::NotImplemented { .. } => Scps::NotRead {
            why: format!("the endpoint has no Organizations API ({e})"),
        },
        Error::AccessDenied { .. } => Scps::NotRead {
            why: format!(
                "the caller may not read the organisation's policies ({e}): run from the management account or a delegated administrator"
            ),
        },
        _ => Scps::Failed {
            why: format!("reading them failed: {e}"),
        },
    }
}

/// A child Organizations does not hold.
fn not_found(e: &Error) -> bool {
    matches!(e, Error::Service { code, .. }
        if code == "AccountNotFoundException" || code == "ChildNotFoundException")
}

/// What is read of one node: its name (OUs), and its SCPs as (id, name).
type Node = (Option<String>, Vec<(String, String)>);

/// One node of a path: the root, an OU or an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Root,
    Ou,
    Account,
}

impl Organizations {
    /// The SCPs over each of `accounts` (see the module's doc). Never fails: what stops
    /// the reads is the reason they were not read.
    pub async fn scps(&self, accounts: &[String]) -> Scps {
        match self.read_scps(accounts).await {
            Ok(scps) => scps,
            Err(e) => {
                tracing::info!(error = %e, "SCPs not read");
                why_not(&e)
            }
        }
    }

    async fn read_scps(&self, accounts: &[String]) -> Result<Scps, Error> {
        let org = call(
            &self.calls,
            &self.endpoint,
            "organizations:DescribeOrganization",
            self.client.describe_organization().send(),
        )
        .await?;
        let management = org
            .organization()
            .and_then(|o| o.master_account_id())
            .map(str::to_owned);
        let page = |token| self.client.list_roots().set_next_token(token).send();
        let roots = self
            .paged("organizations:ListRoots", page, |page, out| {
                out.extend(page.roots().iter().cloned());
                page.next_token
            })
            .await?;
        let enabled = roots.iter().any(|r| {
            r.policy_types().iter().any(|t| {
                t.r#type() == Some(&PolicyType::ServiceControlPolicy)
                    && t.status() == Some(&PolicyTypeStatus::Enabled)
            })
        });
        // SCPs never apply to the management account, nor anywhere while disabled.
        let (members, unaffected): (Vec<String>, Vec<String>) = accounts
            .iter()
            .cloned()
            .partition(|a| enabled && management.as_deref() != Some(a.as_str()));
        let mut levels: HashMap<String, Vec<ScpLevel>> =
            unaffected.into_iter().map(|a| (a, vec![])).collect();

        // Each node's parent, walking up a level at a time: an OU shared by many accounts
        // is asked for its parent once.
        let mut parent: HashMap<String, (String, Kind)> = HashMap::new();
        let mut frontier = members.clone();
        while !frontier.is_empty() {
            let me = Arc::new(self.clone());
            let found = run_all(
                &frontier,
                IN_FLIGHT,
                |child| {
                    let me = me.clone();
                    async move { me.parent(&child).await }
                },
                |_, _, _| {},
            )
            .await;
            let mut next = BTreeSet::new();
            for (child, found) in frontier.iter().zip(found) {
                match found {
                    Ok(Some((id, kind))) => {
                        // An OU of this round (nested under another) is asked already.
                        if kind == Kind::Ou && !parent.contains_key(&id) && !frontier.contains(&id)
                        {
                            next.insert(id.clone());
                        }
                        parent.insert(child.clone(), (id, kind));
                    }
                    // Not held by the organisation: its path ends here (see below).
                    Ok(None) => {}
                    Err(e) if not_found(&e) => {}
                    Err(e) => return Err(e),
                }
            }
            frontier = next.into_iter().collect();
        }

        // Every node on the paths, each read once.
        let mut nodes: Vec<(String, Kind)> = members
            .iter()
            .filter(|a| parent.contains_key(*a))
            .map(|a| (a.clone(), Kind::Account))
            .collect();
        let mut seen = BTreeSet::new();
        for (id, kind) in parent.values() {
            if seen.insert(id.clone()) {
                nodes.push((id.clone(), *kind));
            }
        }
        let me = Arc::new(self.clone());
        let listed = run_all(
            &nodes,
            IN_FLIGHT,
            |(id, kind)| {
                let me = me.clone();
                async move {
                    let name = match kind {
                        Kind::Ou => me.ou_name(&id).await?,
                        Kind::Root | Kind::Account => None,
                    };
                    Ok::<_, Error>((name, me.policies_for(&id).await?))
                }
            },
            |_, _, _| {},
        )
        .await;
        let mut node: HashMap<String, Node> = HashMap::new();
        for ((id, _), listed) in nodes.iter().zip(listed) {
            node.insert(id.clone(), listed?);
        }

        // Every policy described once.
        let ids: Vec<String> = node
            .values()
            .flat_map(|(_, policies)| policies.iter().map(|(id, _)| id.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let described = run_all(
            &ids,
            IN_FLIGHT,
            |id| {
                let me = me.clone();
                async move { me.document(&id).await }
            },
            |_, _, _| {},
        )
        .await;
        let mut documents = HashMap::new();
        for (id, document) in ids.iter().zip(described) {
            documents.insert(id.clone(), document?);
        }

        let mut outside = vec![];
        for account in &members {
            // The account, then up to the root; reversed: root first. A path that does not
            // reach the root (the account, or an OU on its way, not found): not held.
            let mut path = vec![(account.clone(), Kind::Account)];
            while let Some((id, kind)) = parent.get(&path[path.len() - 1].0) {
                path.push((id.clone(), *kind));
                if *kind == Kind::Root {
                    break;
                }
            }
            if path[path.len() - 1].1 != Kind::Root {
                outside.push(account.clone());
                continue;
            }
            path.reverse();
            let account_levels = path
                .iter()
                .map(|(id, kind)| {
                    let (name, policies) = node.get(id).cloned().unwrap_or_default();
                    ScpLevel {
                        target: match (kind, name) {
                            (Kind::Root, _) => format!("root {id}"),
                            (Kind::Ou, Some(name)) => format!("OU {id} ({name})"),
                            (Kind::Ou, None) => format!("OU {id}"),
                            (Kind::Account, _) => format!("account {id}"),
                        },
                        policies: policies
                            .into_iter()
                            .map(|(pid, name)| Scp {
                                document: documents.get(&pid).cloned().unwrap_or_default(),
                                id: pid,
                                name,
                            })
                            .collect(),
                    }
                })
                .collect();
            levels.insert(account.clone(), account_levels);
        }
        Ok(Scps::Read { levels, outside })
    }

    /// The parent of an account or OU (an account or OU has exactly one).
    async fn parent(&self, child: &str) -> Result<Option<(String, Kind)>, Error> {
        let page = |token| {
            self.client
                .list_parents()
                .child_id(child)
                .set_next_token(token)
                .send()
        };
        let parents = self
            .paged("organizations:ListParents", page, |page, out| {
                out.extend(page.parents().iter().cloned());
                page.next_token
            })
            .await?;
        Ok(parents.into_iter().find_map(|p| {
            let kind = match p.r#type()? {
                ParentType::Root => Kind::Root,
                ParentType::OrganizationalUnit => Kind::Ou,
                _ => return None,
            };
            Some((p.id()?.to_owned(), kind))
        }))
    }

    async fn ou_name(&self, id: &str) -> Result<Option<String>, Error> {
        let out = call(
            &self.calls,
            &self.endpoint,
            "organizations:DescribeOrganizationalUnit",
            self.client
                .describe_organizational_unit()
                .organizational_unit_id(id)
                .send(),
        )
        .await?;
        Ok(out
            .organizational_unit()
            .and_then(|u| u.name())
            .map(str::to_owned))
    }

    /// The SCPs attached to a root, OU or account: (id, name), in listing order.
    async fn policies_for(&self, target: &str) -> Result<Vec<(String, String)>, Error> {
        let page = |token| {
            self.client
                .list_policies_for_target()
                .target_id(target)
                .filter(PolicyType::ServiceControlPolicy)
                .set_next_token(token)
                .send()
        };
        self.paged("organizations:ListPoliciesForTarget", page, |page, out| {
            out.extend(page.policies().iter().filter_map(|p| {
                Some((p.id()?.to_owned(), p.name().unwrap_or_default().to_owned()))
            }));
            page.next_token
        })
        .await
    }

    /// A policy's document, decoded (Organizations may URL-encode it).
    async fn document(&self, id: &str) -> Result<String, Error> {
        let out = call(
            &self.calls,
            &self.endpoint,
            "organizations:DescribePolicy",
            self.client.describe_policy().policy_id(id).send(),
        )
        .await?;
        let content = out.policy().and_then(|p| p.content()).unwrap_or_default();
        Ok(decode_document(content).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_note_names_what_was_not_evaluated_and_why() {
        let single = Scps::single_account().not_evaluated().to_string();
        assert!(
            single.starts_with(
                "SCPs, RCPs and session policies were not evaluated: a single-account run"
            ),
            "{single}"
        );
        let read = Scps::Read {
            levels: HashMap::new(),
            outside: vec![],
        };
        assert_eq!(
            read.not_evaluated().to_string(),
            "RCPs and session policies were not evaluated: ecsrole does not read them"
        );
        let partly = Scps::Read {
            levels: HashMap::new(),
            outside: vec!["111122223333".into()],
        };
        let note = partly.not_evaluated().to_string();
        assert!(
            note.starts_with("SCPs, RCPs and session policies") && note.contains("111122223333"),
            "{note}"
        );
        let denied = Error::AccessDenied {
            action: "organizations:ListRoots",
            message: "no".into(),
        };
        let Scps::NotRead { why } = why_not(&denied) else {
            panic!("no access to the organisation is a stated limit, not a failed read")
        };
        assert!(
            why.contains("organizations:ListRoots") && why.contains("delegated administrator"),
            "{why}"
        );
        let throttled = Error::Service {
            action: "organizations:ListPoliciesForTarget",
            code: "TooManyRequestsException".into(),
            message: "slow down".into(),
        };
        let failed = why_not(&throttled);
        assert_eq!(failed.of("111122223333"), None);
        let why = failed.failed().expect("any other error is a failed read");
        assert!(why.contains("TooManyRequestsException"), "{why}");
        assert!(
            failed.not_evaluated().to_string().starts_with("SCPs, RCPs"),
            "the note names it too"
        );
    }
}
