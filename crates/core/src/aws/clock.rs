//! AWS's clock. Ages (of a profile, an instance) and lease expiries compare AWS's
//! timestamps, so they are measured on AWS's clock, not this machine's: every answer's
//! `Date` header says what time AWS thinks it is, and [`AwsClock`] keeps the offset of the
//! latest one from this machine's clock. A machine whose clock is 2 minutes fast then does
//! not take a 21-second-old profile for a 141-second-old one.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::SharedInterceptor;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use aws_smithy_types::date_time::{DateTime, Format};

/// An offset below this is the `Date` header's one-second resolution and the time the
/// answer took, not a clock that is off: it is not reported.
pub const REPORTED_SKEW: Duration = Duration::from_secs(30);

/// The offset of AWS's clock from this machine's, once an answer has shown it.
#[derive(Debug, Clone, Default)]
pub struct AwsClock(Arc<Mutex<Option<Offset>>>);

/// AWS's time minus this machine's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offset {
    /// AWS's clock is ahead (this machine is slow) by this much.
    Ahead(Duration),
    /// AWS's clock is behind (this machine is fast) by this much.
    Behind(Duration),
}

impl AwsClock {
    /// Takes an answer's `Date` header (an HTTP date) received at `local`; an unreadable
    /// one is ignored.
    pub fn observe(&self, date: &str, local: SystemTime) {
        let Ok(aws) = DateTime::from_str(date.trim(), Format::HttpDate) else {
            return;
        };
        let Ok(aws) = SystemTime::try_from(aws) else {
            return;
        };
        self.set(match aws.duration_since(local) {
            Ok(ahead) => Offset::Ahead(ahead),
            Err(e) => Offset::Behind(e.duration()),
        });
    }

    /// Sets the offset (tests; [`observe`](Self::observe) otherwise).
    pub fn set(&self, offset: Offset) {
        *self.0.lock().expect("clock lock") = Some(offset);
    }

    /// The offset seen, if any answer has shown one.
    pub fn offset(&self) -> Option<Offset> {
        *self.0.lock().expect("clock lock")
    }

    /// What time AWS thinks it is: this machine's time moved by the offset seen (this
    /// machine's own time before any answer).
    pub fn now(&self) -> SystemTime {
        self.to_aws(SystemTime::now())
    }

    /// A time on this machine's clock, on AWS's.
    pub fn to_aws(&self, local: SystemTime) -> SystemTime {
        match self.offset() {
            Some(Offset::Ahead(d)) => local + d,
            Some(Offset::Behind(d)) => local.checked_sub(d).unwrap_or(local),
            None => local,
        }
    }

    /// The note worth printing: this machine's clock is off from AWS's by
    /// [`REPORTED_SKEW`] or more.
    pub fn note(&self) -> Option<String> {
        let (by, way) = match self.offset()? {
            Offset::Ahead(d) => (d, "behind"),
            Offset::Behind(d) => (d, "ahead of"),
        };
        (by >= REPORTED_SKEW).then(|| {
            format!(
                "this machine's clock is {}s {way} AWS's (the Date of its answers): ages and leases were measured on AWS's clock",
                by.as_secs()
            )
        })
    }

    /// The interceptor every SDK client of a run carries: it reads each answer's `Date`.
    pub fn interceptor(&self) -> SharedInterceptor {
        SharedInterceptor::new(DateObserver(self.clone()))
    }
}

#[derive(Debug)]
struct DateObserver(AwsClock);

impl Intercept for DateObserver {
    fn name(&self) -> &'static str {
        "ecsrole: AWS's clock from the Date of each answer"
    }

    fn read_before_deserialization(
        &self,
        ctx: &BeforeDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(date) = ctx.response().headers().get("date") {
            self.0.observe(date, SystemTime::now());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offset_is_read_from_an_http_date() {
        let clock = AwsClock::default();
        assert_eq!(clock.offset(), None);
        assert!(clock.note().is_none());
        // Sun, 06 Nov 1994 08:49:37 GMT is 784111777.
        let at = |s| SystemTime::UNIX_EPOCH + Duration::from_secs(s);
        clock.observe("Sun, 06 Nov 1994 08:49:37 GMT", at(784_111_777 + 120));
        assert_eq!(
            clock.offset(),
            Some(Offset::Behind(Duration::from_secs(120)))
        );
        let note = clock.note().unwrap();
        assert!(note.contains("120s ahead of AWS's"), "{note}");
        let now = clock.now();
        let expected = SystemTime::now() - Duration::from_secs(120);
        let off = now
            .duration_since(expected)
            .unwrap_or_else(|e| e.duration());
        assert!(off < Duration::from_secs(2), "{off:?}");

        clock.observe("Sun, 06 Nov 1994 08:49:37 GMT", at(784_111_777 - 5));
        assert_eq!(clock.offset(), Some(Offset::Ahead(Duration::from_secs(5))));
        assert!(clock.note().is_none(), "5s is within the reported skew");
        clock.observe("yesterday", at(0));
        assert_eq!(
            clock.offset(),
            Some(Offset::Ahead(Duration::from_secs(5))),
            "an unreadable date changes nothing"
        );
    }
}
