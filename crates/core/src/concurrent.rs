//! Bounded concurrency for work over many items (fleet targets, diagnose's reads), and the
//! adaptive bound fleet mode runs under: [`Limit`] is additive-increase,
//! multiplicative-decrease (as TCP's congestion window) on what the calls see, and
//! [`run_adaptive`] starts items under it and puts back the ones that ask to be tried again.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// A call slower than this is a sign of an overloaded backend.
pub const SLOW_CALL: Duration = Duration::from_secs(4);

/// Two cuts of the limit are at least this far apart: the calls in flight when the backend
/// was overloaded all report it, and one overload must not cut the limit to 1.
const CUT_COOLDOWN: Duration = Duration::from_secs(2);

/// How many items may run at once: starts at `max`, halves when a call is throttled, times
/// out or is slow, grows by one per `limit` calls that were fine, never below 1 or above
/// `max`.
#[derive(Debug)]
pub struct Limit {
    max: usize,
    state: Mutex<LimitState>,
}

#[derive(Debug)]
struct LimitState {
    limit: f64,
    last_cut: Option<Instant>,
    lowest: f64,
    cuts: usize,
}

impl Limit {
    pub fn new(max: usize) -> Limit {
        let max = max.max(1);
        Limit {
            max,
            state: Mutex::new(LimitState {
                limit: max as f64,
                last_cut: None,
                lowest: max as f64,
                cuts: 0,
            }),
        }
    }

    pub fn max(&self) -> usize {
        self.max
    }

    pub fn current(&self) -> usize {
        (self.state.lock().expect("limit lock").limit.floor() as usize).max(1)
    }

    /// A call was throttled, timed out or was slow: halve (at most once per cooldown).
    pub fn congested(&self, why: &str) {
        let mut s = self.state.lock().expect("limit lock");
        let now = Instant::now();
        if s.last_cut.is_some_and(|t| now - t < CUT_COOLDOWN) {
            return;
        }
        let before = s.limit;
        s.limit = (s.limit / 2.0).max(1.0);
        s.lowest = s.lowest.min(s.limit);
        s.last_cut = Some(now);
        s.cuts += 1;
        tracing::info!(
            from = before.floor(),
            to = s.limit.floor(),
            why,
            "fewer at once: the backend is overloaded"
        );
    }

    /// A call went fine: grow by one per `limit` such calls.
    pub fn fine(&self) {
        let mut s = self.state.lock().expect("limit lock");
        s.limit = (s.limit + 1.0 / s.limit).min(self.max as f64);
    }

    /// The lowest the limit went, and how many times it was cut.
    pub fn history(&self) -> (usize, usize) {
        let s = self.state.lock().expect("limit lock");
        ((s.lowest.floor() as usize).max(1), s.cuts)
    }
}

/// What one attempt at an item came to.
#[derive(Debug)]
pub enum Attempt<T> {
    Done(T),
    /// Try again after this long (the value is kept as the result should no try follow:
    /// the caller decides when to stop asking).
    Again(T, Duration),
}

/// What a task's panic said (or that it was cancelled).
fn panic_message(e: tokio::task::JoinError) -> String {
    if !e.is_panic() {
        return "cancelled".to_owned();
    }
    let payload = e.into_panic();
    let text = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic with no message".to_owned());
    format!("panicked: {text}")
}

/// Like [`run_all`], under `limit` (read again whenever a slot may free), and an item whose
/// attempt returns [`Attempt::Again`] goes back in the queue, to start no sooner than asked
/// and, once due, before the items not started yet (a started item is finished first, so
/// that a slow backend does not leave every item half-done). `work` gets the item and its
/// attempt number (1-based). An attempt that panics is that item's result, made by
/// `panicked` from the panic's message: the other items run on, and every item has a
/// result.
pub async fn run_adaptive<I, T, F, Fut>(
    items: &[I],
    limit: &Limit,
    work: F,
    panicked: impl Fn(&I, String) -> T,
    mut done: impl FnMut(&I, &T, usize),
) -> Vec<T>
where
    I: Clone,
    F: Fn(I, u32) -> Fut,
    Fut: Future<Output = Attempt<T>> + Send + 'static,
    T: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    let mut running: std::collections::HashMap<tokio::task::Id, usize> =
        std::collections::HashMap::new();
    let start = Instant::now();
    let mut queue: VecDeque<(usize, u32, Instant)> =
        (0..items.len()).map(|i| (i, 1, start)).collect();
    let mut results: Vec<Option<T>> = (0..items.len()).map(|_| None).collect();
    let mut finished = 0;
    loop {
        let now = Instant::now();
        while set.len() < limit.current() {
            let Some(pos) = queue.iter().position(|(_, _, at)| *at <= now) else {
                break;
            };
            let (i, attempt, _) = queue.remove(pos).expect("found above");
            let fut = work(items[i].clone(), attempt);
            let id = set.spawn(async move { (i, attempt, fut.await) }).id();
            running.insert(id, i);
        }
        if set.is_empty() && queue.is_empty() {
            break;
        }
        // Wake for the next put-back item when a slot is free for it, or (no slot, or
        // nothing to wait for) for the next item to finish.
        let next = queue.iter().map(|(_, _, at)| *at).min();
        let wake = next.filter(|_| set.len() < limit.current());
        let joined = match wake {
            Some(at) if set.is_empty() => {
                tokio::time::sleep_until(at).await;
                continue;
            }
            Some(at) => tokio::select! {
                j = set.join_next_with_id() => j,
                () = tokio::time::sleep_until(at) => continue,
            },
            None => set.join_next_with_id().await,
        };
        let Some(joined) = joined else { continue };
        let (i, attempt, value) = match joined {
            Ok((id, (i, attempt, value))) => {
                running.remove(&id);
                (i, attempt, value)
            }
            Err(e) => {
                let i = running.remove(&e.id()).expect("every task is listed");
                let why = panic_message(e);
                (i, 0, Attempt::Done(panicked(&items[i], why)))
            }
        };
        match value {
            Attempt::Done(v) => {
                finished += 1;
                done(&items[i], &v, finished);
                results[i] = Some(v);
            }
            Attempt::Again(v, after) => {
                results[i] = Some(v);
                queue.push_front((i, attempt + 1, Instant::now() + after));
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every item ran"))
        .collect()
}

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

    #[test]
    fn the_limit_halves_once_per_overload_and_grows_back_by_one_per_window() {
        let l = Limit::new(16);
        l.congested("test");
        l.congested("test"); // the same overload, reported by another call
        assert_eq!(l.current(), 8);
        for _ in 0..9 {
            l.fine();
        }
        assert_eq!(l.current(), 9);
        for _ in 0..1000 {
            l.fine();
        }
        assert_eq!(l.current(), 16);
        assert_eq!(l.history(), (8, 1));
    }

    #[tokio::test(start_paused = true)]
    async fn put_back_items_run_again_and_the_limit_is_read_as_it_changes() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let limit = Arc::new(Limit::new(8));
        let (running, peak_after_cut) =
            (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let starts = Arc::new(std::sync::Mutex::new(vec![]));
        let items: Vec<u32> = (0..40).collect();
        let out = run_adaptive(
            &items,
            &limit,
            |item, attempt| {
                let (limit, running, peak) =
                    (limit.clone(), running.clone(), peak_after_cut.clone());
                starts.lock().unwrap().push((item, attempt));
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    if limit.history().1 > 0 {
                        peak.fetch_max(now, Ordering::SeqCst);
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    running.fetch_sub(1, Ordering::SeqCst);
                    // Every third item fails its first attempt, as a throttled call would.
                    if item % 3 == 0 && attempt == 1 {
                        limit.congested("test");
                        Attempt::Again((item, attempt), Duration::from_millis(50))
                    } else {
                        Attempt::Done((item, attempt))
                    }
                }
            },
            |item, why| panic!("item {item} panicked: {why}"),
            |_, _, _| {},
        )
        .await;
        assert!(
            out.iter()
                .enumerate()
                .all(|(i, (item, _))| *item == i as u32)
        );
        assert!(out.iter().filter(|(_, a)| *a == 2).count() == 14, "{out:?}");
        assert!(limit.history().0 < 8);
        // A put-back item, once due, starts before the items not started yet.
        let starts = starts.lock().unwrap();
        let at = |x| starts.iter().position(|s| *s == x).unwrap();
        assert!(at((0, 2)) < at((39, 1)), "{starts:?}");
    }

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

    #[tokio::test]
    async fn a_panicking_item_is_that_items_result_and_the_others_finish() {
        let limit = Limit::new(4);
        let items: Vec<u32> = (0..10).collect();
        let mut finished = vec![];
        let out = run_adaptive(
            &items,
            &limit,
            |item, _| async move {
                assert!(item != 3, "item three breaks");
                Attempt::Done(Ok::<u32, String>(item * 10))
            },
            |_, why| Err(why),
            |item, _, _| finished.push(*item),
        )
        .await;
        assert_eq!(out.len(), 10);
        assert_eq!(out[2], Ok(20));
        assert_eq!(out[4], Ok(40));
        let err = out[3].clone().unwrap_err();
        assert!(err.contains("panicked: item three breaks"), "{err}");
        finished.sort_unstable();
        assert_eq!(
            finished, items,
            "every item is reported done, the panicked one too"
        );
    }
}
