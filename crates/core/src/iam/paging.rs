//! IAM's `Marker` paging, written once: every page of a list, in order.

use std::future::Future;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use crate::aws::call_opt;
use crate::error::Error;

use super::Iam;

/// What one page holds: its items, and the next page's marker when IAM says the list is
/// truncated.
pub(super) struct Page<T> {
    pub items: Vec<T>,
    pub next: Option<String>,
}

impl Iam {
    /// Every item of a `Marker`-paged list: `send(marker)` asks for one page, `page` reads
    /// it. Empty when IAM answers NoSuchEntity (the role is missing).
    pub(super) async fn all_pages<O, E, T, F, Fut>(
        &self,
        action: &'static str,
        mut send: F,
        page: impl Fn(O) -> Page<T>,
    ) -> Result<Vec<T>, Error>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut items = vec![];
        let mut marker = None;
        loop {
            let out = call_opt(&self.calls, &self.endpoint, action, send(marker.take())).await?;
            let Some(out) = out else { return Ok(vec![]) };
            let Page { items: got, next } = page(out);
            items.extend(got);
            match next {
                Some(m) => marker = Some(m),
                None => return Ok(items),
            }
        }
    }
}
