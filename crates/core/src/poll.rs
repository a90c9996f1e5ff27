//! The one poller every wait uses (aws-sdk-batch has no waiters; IAM is eventually
//! consistent): backs off, is bounded,
//! and remembers what it last saw so a timeout can say it.

use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// One look at the resource.
pub enum Poll<T> {
    Ready(T),
    /// Not yet; what was seen.
    Pending(String),
}

/// How to poll: first delay, largest delay, and the deadline.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Backoff {
    /// 200 ms doubling to 10 s: quick on an emulator, gentle on AWS.
    pub const DEFAULT: Backoff = Backoff {
        initial: Duration::from_millis(200),
        max: Duration::from_secs(10),
    };
}

/// Why polling stopped without the resource being ready.
#[derive(Debug)]
pub enum PollError<E> {
    /// The deadline passed; the last thing seen.
    TimedOut { waited: Duration, last: String },
    /// A look failed.
    Failed(E),
}

/// Looks with `look` until it is ready, it fails, or `deadline` passes.
pub async fn until<T, E, F, Fut>(
    deadline: Instant,
    backoff: Backoff,
    mut look: F,
) -> Result<T, PollError<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, E>>,
{
    let start = Instant::now();
    let mut delay = backoff.initial;
    loop {
        let last = match look().await.map_err(PollError::Failed)? {
            Poll::Ready(v) => return Ok(v),
            Poll::Pending(seen) => seen,
        };
        let now = Instant::now();
        if now >= deadline {
            return Err(PollError::TimedOut {
                waited: now - start,
                last,
            });
        }
        tokio::time::sleep(delay.min(deadline - now)).await;
        delay = (delay * 2).min(backoff.max);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn backs_off_and_stops_at_the_deadline() {
        let mut looks = 0;
        let deadline = Instant::now() + Duration::from_secs(5);
        let out: Result<(), PollError<()>> = until(deadline, Backoff::DEFAULT, || {
            looks += 1;
            async move { Ok(Poll::Pending(format!("look {looks}"))) }
        })
        .await;
        let PollError::TimedOut { waited, last } = out.unwrap_err() else {
            panic!()
        };
        // 0.2 + 0.4 + 0.8 + 1.6 + 2.0 (cut at the deadline) = 5 s, 6 looks.
        assert_eq!(looks, 6);
        assert_eq!(last, "look 6");
        assert_eq!(waited, Duration::from_secs(5));
    }

    #[tokio::test(start_paused = true)]
    async fn returns_when_ready_or_failed() {
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut n = 0;
        let v: Result<u32, PollError<&str>> = until(deadline, Backoff::DEFAULT, || {
            n += 1;
            let n = n;
            async move {
                Ok(if n == 3 {
                    Poll::Ready(n)
                } else {
                    Poll::Pending(String::new())
                })
            }
        })
        .await;
        assert_eq!(v.unwrap(), 3);
        let e: Result<(), PollError<&str>> =
            until(deadline, Backoff::DEFAULT, || async { Err("boom") }).await;
        assert!(matches!(e, Err(PollError::Failed("boom"))));
    }
}
