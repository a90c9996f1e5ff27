//! The whole-command bound: every command, and every fleet target, under `--timeout`.

use std::future::Future;
use std::time::Duration;

use ecsrole_core::Aws;

use crate::CommandTimedOut;

/// `work`, bounded by `bound`: its output, or past the bound `Calls::timed_out`'s words for
/// what was in flight. Every whole-command bound (single-account and fleet targets) is
/// this one.
pub(crate) async fn within<T>(
    aws: &Aws,
    bound: Duration,
    work: impl Future<Output = T>,
) -> Result<T, String> {
    within_grace(aws, bound, Duration::ZERO, work).await
}

/// [`within`], waiting `grace` past the bound (for work whose own waits end at the bound
/// with their own message) while the words name the bound.
async fn within_grace<T>(
    aws: &Aws,
    bound: Duration,
    grace: Duration,
    work: impl Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(bound + grace, work)
        .await
        .map_err(|_| aws.calls.timed_out(bound))
}

/// A command's whole run under [`within_grace`]: past it, the command's timeout error.
pub(crate) async fn bounded<T>(
    aws: &Aws,
    bound: Duration,
    grace: Duration,
    work: impl Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    within_grace(aws, bound, grace, work)
        .await
        .map_err(CommandTimedOut)?
}
