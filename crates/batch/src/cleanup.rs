//! `cleanup`: finds what earlier verify runs left (by the run tag and by the
//! `ecsrole-verify-` name prefix) and deletes it in Batch's order.

use serde::Serialize;
use tokio::time::Instant;

use crate::api::Described;
use crate::error::Error;
use crate::run::{NAME_PREFIX, RUN_TAG};
use crate::teardown::Kind;
use crate::verifier::Verifier;
use ecsrole_core::poll::Backoff;

#[derive(Debug, Clone, Default, Serialize)]
pub struct CleanupOutcome {
    pub dry_run: bool,
    /// Everything of earlier runs that was found, in deletion order.
    pub found: Vec<String>,
    pub deleted: Vec<String>,
    /// What could not be deleted, with why.
    pub failed: Vec<String>,
}

fn ours(d: &Described) -> bool {
    !d.gone() && (d.tags.contains_key(RUN_TAG) || d.name.starts_with(NAME_PREFIX))
}

impl Verifier {
    /// Deletes queues first, then compute environments, then job definitions: a compute
    /// environment cannot go while a queue still uses it.
    pub async fn cleanup(
        &self,
        dry_run: bool,
        deadline: Instant,
        backoff: Backoff,
    ) -> Result<CleanupOutcome, Error> {
        let (ces, queues, definitions) = tokio::try_join!(
            self.batch.describe_compute_environments(&[]),
            self.batch.describe_job_queues(&[]),
            self.batch.active_job_definitions(None),
        )?;
        let queues: Vec<_> = queues.into_iter().filter(ours).collect();
        let ces: Vec<_> = ces.into_iter().filter(ours).collect();
        let definitions: Vec<_> = definitions
            .into_iter()
            .filter(|(_, name)| name.starts_with(NAME_PREFIX))
            .collect();
        let mut out = CleanupOutcome {
            dry_run,
            ..Default::default()
        };
        let targets = queues
            .iter()
            .map(|q| {
                (
                    Some((Kind::JobQueue, q.clone())),
                    q.name.clone(),
                    format!("job-queue/{}", q.name),
                )
            })
            .chain(ces.iter().map(|c| {
                (
                    Some((Kind::ComputeEnvironment, c.clone())),
                    c.name.clone(),
                    format!("compute-environment/{}", c.name),
                )
            }))
            .chain(
                definitions
                    .iter()
                    .map(|(arn, _)| (None, arn.clone(), format!("job-definition {arn}"))),
            );
        for (known, id, label) in targets {
            out.found.push(label.clone());
            if dry_run {
                continue;
            }
            let result = match known {
                Some((kind, known)) => self
                    .retire(kind, &id, Some(known), deadline, backoff)
                    .await
                    .map_err(|f| f.message),
                None => self
                    .batch
                    .deregister_job_definition(&id)
                    .await
                    .map_err(|e| e.to_string()),
            };
            match result {
                Ok(()) => out.deleted.push(label),
                Err(why) => out.failed.push(format!("{label}: {why}")),
            }
        }
        Ok(out)
    }
}
