//! IAM, one domain step per IAM action: the client and what every part shares
//! (`mod.rs`); the reads, one action each (`reads.rs`); the writes (`writes.rs`); the
//! composite read `check` makes (`reader.rs`); IAM's `Marker` paging, once (`paging.rs`);
//! and the AWS managed policies a run keeps (`aws_managed.rs`).

use aws_sdk_iam::Client;

use crate::aws::{Aws, Calls};

mod aws_managed;
mod paging;
mod reader;
mod reads;
mod writes;

pub use reader::{InlineListing, RoleRead, UNLISTED_INLINE, is_judged_by_arn};

/// The IAM operations the engine uses. The names are the IAM actions the operator needs
/// (see `ecsrole permissions`) and the ones errors name.
#[derive(Debug, Clone)]
pub struct Iam {
    client: Client,
    calls: Calls,
    endpoint: String,
    /// The run's region (IAM is global; the region names where the run went).
    region: Option<String>,
}

impl Iam {
    /// The run's region, as configured.
    pub fn region(&self) -> Option<String> {
        self.region.clone()
    }

    pub fn new(aws: &Aws) -> Iam {
        let mut config = aws_sdk_iam::config::Builder::from(&aws.config);
        if let Some(t) = aws.calls.throttles() {
            config.push_retry_classifier(t.shared());
        }
        config.push_interceptor(aws.calls.clock().interceptor());
        Iam {
            client: Client::from_conf(config.build()),
            calls: aws.calls.clone(),
            endpoint: aws.endpoint_name("IAM"),
            region: aws.config.region().map(|r| r.as_ref().to_owned()),
        }
    }

    /// From a client built elsewhere (tests build one with mocked responses).
    pub fn from_client(client: Client, calls: Calls, endpoint: String) -> Iam {
        Iam {
            client,
            calls,
            endpoint,
            region: None,
        }
    }
}
