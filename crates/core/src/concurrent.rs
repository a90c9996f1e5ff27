//! Bounded concurrency for work over many items (fleet targets, diagnose's reads).

use std::future::Future;

/// Runs `work` for every item, at most `concurrency` at once; calls `done` as each
/// finishes (in completion order) and returns the results in item order.
///
/// An item's future is created only when a slot frees up: spawned futures occupy their
/// full size at once, so creating all of them up front would make memory grow with the
/// fleet instead of with the concurrency.
pub async fn run_all<I, T, F, Fut>(
    items: &[I],
    concurrency: usize,
    work: F,
    mut done: impl FnMut(&I, &T, usize),
) -> Vec<T>
where
    I: Clone,
    F: Fn(I) -> Fut,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut next = items.iter().enumerate();
    let mut results: Vec<Option<T>> = (0..items.len()).map(|_| None).collect();
    let mut finished = 0;
    loop {
        while set.len() < concurrency.max(1) {
            let Some((i, item)) = next.next() else {
                break;
            };
            let fut = work(item.clone());
            set.spawn(async move { (i, fut.await) });
        }
        let Some(joined) = set.join_next().await else {
            break;
        };
        let (i, value) = joined.expect("the tasks do not panic");
        finished += 1;
        done(&items[i], &value, finished);
        results[i] = Some(value);
    }
    results
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn run_all_bounds_concurrency_and_keeps_order() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let items: Vec<String> = (0..20).map(|i| format!("{i:012}")).collect();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut seen = 0;
        let out = run_all(
            &items,
            3,
            |item: String| {
                let (running, peak) = (running.clone(), peak.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    item
                }
            },
            |_, _, n| seen = n,
        )
        .await;
        assert_eq!(seen, 20);
        assert_eq!(out, items);
        assert!(peak.load(Ordering::SeqCst) <= 3);
    }
}
