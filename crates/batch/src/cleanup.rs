//! `cleanup`: finds what verify runs left (verify resources only: `managed-by=ecsrole`,
//! `ecsrole:verify-run` and the run's `ecsrole-verify-` name, see [`lease::verify_run`])
//! and deletes, in Batch's order, what the sweep asks for: by default only what is past its
//! lease, so that a run still in progress in the same account is never touched (one
//! without a readable lease is left too).

use ecsrole_core::poll::Backoff;
use serde::Serialize;
use tokio::time::Instant;

use crate::error::Error;
use crate::lease::{self, Sweep, Verdict};
use crate::teardown::Kind;
use crate::verifier::Verifier;

#[derive(Debug, Clone, Default, Serialize)]
pub struct CleanupOutcome {
    /// The account and region swept (set by the caller: the account from STS).
    pub account_id: Option<String>,
    pub region: Option<String>,
    /// `--run ID`: the run swept (`None`: every run past its lease, or `--all`).
    pub run_id: Option<String>,
    pub dry_run: bool,
    /// What the sweep deletes (a dry run: would delete), in deletion order.
    pub found: Vec<String>,
    pub deleted: Vec<String>,
    /// What could not be deleted, with why.
    pub failed: Vec<String>,
    /// ecsrole's resources left alone because their lease is still running.
    pub leased: Vec<Leased>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Leased {
    pub resource: String,
    /// The run it belongs to (`cleanup --run` takes it).
    pub run_id: String,
    /// When the lease ends (RFC 3339); `null` when it has no readable `ecsrole:expires`
    /// tag (the run may still use it: only `--run` or `--all` delete it).
    pub expires: Option<String>,
}

/// One resource a sweep found.
struct Target {
    kind: Option<Kind>,
    /// What Batch takes to delete it: a name, or a job definition's ARN.
    id: String,
    label: String,
    verdict: Verdict,
    known: Option<crate::api::Described>,
}

impl Verifier {
    /// Deletes queues first, then compute environments, then job definitions: a compute
    /// environment cannot go while a queue still uses it.
    pub async fn cleanup(
        &self,
        sweep: &Sweep,
        dry_run: bool,
        deadline: Instant,
        backoff: Backoff,
    ) -> Result<CleanupOutcome, Error> {
        let (ces, queues, definitions) = tokio::try_join!(
            self.batch.describe_compute_environments(&[]),
            self.batch.describe_job_queues(&[]),
            self.batch.active_job_definitions(None),
        )?;
        // Leases end on AWS's clock (the tag was written on it), read from these answers.
        let now = self.batch.clock().now();
        let described = |kind: Kind, list: Vec<crate::api::Described>| {
            list.into_iter().filter(|d| !d.gone()).map(move |d| Target {
                kind: Some(kind),
                id: d.name.clone(),
                label: format!("{}/{}", kind.resource(), d.name),
                verdict: sweep.judge(&d.name, &d.tags, now),
                known: Some(d),
            })
        };
        let targets: Vec<Target> = described(Kind::JobQueue, queues)
            .chain(described(Kind::ComputeEnvironment, ces))
            .chain(definitions.into_iter().map(|d| Target {
                kind: None,
                label: format!("job-definition {}", d.arn),
                verdict: sweep.judge(&d.name, &d.tags, now),
                id: d.arn,
                known: None,
            }))
            .collect();
        let mut out = CleanupOutcome {
            region: Some(self.region.clone()),
            run_id: match sweep {
                Sweep::Run(id) => Some(id.clone()),
                _ => None,
            },
            dry_run,
            ..Default::default()
        };
        for t in targets {
            match t.verdict {
                Verdict::Ignore => continue,
                Verdict::Leased { run, until } => {
                    out.leased.push(Leased {
                        resource: t.label,
                        run_id: run,
                        expires: until.map(lease::format),
                    });
                    continue;
                }
                Verdict::Delete => {}
            }
            out.found.push(t.label.clone());
            if dry_run {
                continue;
            }
            let result = match t.kind {
                Some(kind) => self
                    .batch
                    .retire(kind, &t.id, t.known, deadline, backoff)
                    .await
                    .map_err(|f| f.message),
                None => self
                    .batch
                    .deregister_job_definition(&t.id)
                    .await
                    .map_err(|e| e.to_string()),
            };
            match result {
                Ok(()) => out.deleted.push(t.label),
                Err(why) => out.failed.push(format!("{}: {why}", t.label)),
            }
        }
        Ok(out)
    }
}
