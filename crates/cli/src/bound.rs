//! The whole-command bound: every command, and every fleet target, under `--timeout`.

#[allow(unused_imports)]
use crate::*;

/// `work`, bounded by `bound`: its output, or past the bound `Calls::timed_out`'s words for
/// what was in flight. Every whole-command bound (single-account and fleet targets) is
/// this one.
pub(crate) async fn within<T>(
    aws: &Aws,
    bound: Duration,
    work: impl std::future::Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(bound, work)
        .await
        .map_err(|_| aws.calls.timed_out(bound))
}

/// [`within`] for a command's whole run: past the bound (and `grace`), the command's
/// timeout error.
pub(crate) async fn bounded<T>(
    aws: &Aws,
    bound: Duration,
    grace: Duration,
    work: impl std::future::Future<Output = anyhow::Result<T>>,
) -> anyhow::Result<T> {
    match tokio::time::timeout(bound + grace, work).await {
        Ok(result) => result,
        Err(_) => Err(CommandTimedOut(aws.calls.timed_out(bound)).into()),
    }
}
