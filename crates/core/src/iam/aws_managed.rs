//! The AWS managed policies a run has read, kept for the rest of the run. AWS owns their
//! text (`arn:<partition>:iam::aws:policy/...`): it is the same in every account of a
//! partition, so a fleet run reads each once per endpoint instead of once per account.
//! Only documents that were read are kept: a refused read is tried again by the next
//! account, whose credentials may allow it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use tokio::sync::OnceCell;

use crate::error::Error;
use crate::state::{PolicyText, RolePolicy};

type Cells = HashMap<(String, String), Arc<OnceCell<RolePolicy>>>;

fn cells() -> &'static Mutex<Cells> {
    static CELLS: OnceLock<Mutex<Cells>> = OnceLock::new();
    CELLS.get_or_init(Mutex::default)
}

/// Whether AWS owns the policy `arn` (its account field is `aws`).
pub fn owned_by_aws(arn: &str) -> bool {
    let mut parts = arn.splitn(6, ':');
    parts.next() == Some("arn")
        && parts.next().is_some()
        && parts.next() == Some("iam")
        && parts.next() == Some("")
        && parts.next() == Some("aws")
        && parts.next().is_some_and(|r| r.starts_with("policy/"))
}

/// Why a read is not kept.
enum Unkept {
    Unreadable(RolePolicy),
    Failed(Error),
}

/// The policy `arn` at `endpoint`: the kept document, or `read()`'s answer (kept when it
/// is a document). Concurrent callers for one policy wait for one read.
pub async fn read<F, Fut>(endpoint: &str, arn: &str, read: F) -> Result<RolePolicy, Error>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<RolePolicy, Error>>,
{
    let cell = {
        let mut cells = cells().lock().unwrap_or_else(|p| p.into_inner());
        Arc::clone(
            cells
                .entry((endpoint.to_owned(), arn.to_owned()))
                .or_default(),
        )
    };
    let got = cell
        .get_or_try_init(|| async {
            match read().await {
                Ok(p) if matches!(p.text, PolicyText::Read(_)) => Ok(p),
                Ok(p) => Err(Unkept::Unreadable(p)),
                Err(e) => Err(Unkept::Failed(e)),
            }
        })
        .await;
    match got {
        Ok(p) => Ok(p.clone()),
        Err(Unkept::Unreadable(p)) => Ok(p),
        Err(Unkept::Failed(e)) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::PolicySource;

    fn policy(text: PolicyText) -> RolePolicy {
        RolePolicy {
            source: PolicySource::Managed {
                arn: "arn:aws:iam::aws:policy/ReadOnlyAccess".into(),
                version: "v1".into(),
            },
            text,
        }
    }

    #[test]
    fn owned_by_aws_reads_the_account_field() {
        assert!(owned_by_aws("arn:aws:iam::aws:policy/ReadOnlyAccess"));
        assert!(owned_by_aws("arn:aws-cn:iam::aws:policy/service-role/X"));
        assert!(!owned_by_aws("arn:aws:iam::123456789012:policy/aws"));
        assert!(!owned_by_aws("arn:aws:iam::aws:role/x"));
        assert!(!owned_by_aws("arn:aws:s3::aws:policy/x"));
    }

    #[tokio::test]
    async fn a_document_is_read_once_and_a_refusal_again() {
        let endpoint = "http://127.0.0.1:1/a_document_is_read_once";
        let arn = "arn:aws:iam::aws:policy/ReadOnlyAccess";
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let refused = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(policy(PolicyText::Unreadable("AccessDenied".into())))
        };
        for _ in 0..2 {
            let got = read(endpoint, arn, refused).await.unwrap();
            assert_eq!(got.text, PolicyText::Unreadable("AccessDenied".into()));
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 2);
        let document = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(policy(PolicyText::Read("{}".into())))
        };
        for _ in 0..3 {
            let got = read(endpoint, arn, document).await.unwrap();
            assert_eq!(got.text, PolicyText::Read("{}".into()));
        }
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 3);
        // Another endpoint is another account's view: read again.
        read("http://127.0.0.1:2/other", arn, document)
            .await
            .unwrap();
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 4);
    }
}
