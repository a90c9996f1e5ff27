//! What the SDK's retries hide from [`call`](super::call): an attempt that was throttled
//! (or failed on the server) and then retried. In fleet mode every SDK client carries
//! [`Throttles`], which runs after the SDK's own retry classifiers, changes nothing, and
//! tells the fleet's [`Limit`] about each such attempt, so the fleet slows down on the
//! first throttle rather than on the third.

use std::sync::Arc;

use aws_smithy_runtime_api::client::interceptors::context::InterceptorContext;
use aws_smithy_runtime_api::client::retries::classifiers::{
    ClassifyRetry, RetryAction, RetryClassifierPriority, RetryReason, SharedRetryClassifier,
};
use aws_smithy_types::retry::ErrorKind;

use crate::concurrent::Limit;

#[derive(Debug, Clone)]
pub struct Throttles(pub Arc<Limit>);

impl Throttles {
    pub fn shared(&self) -> SharedRetryClassifier {
        SharedRetryClassifier::new(self.clone())
    }
}

impl ClassifyRetry for Throttles {
    fn classify_retry(&self, _ctx: &InterceptorContext) -> RetryAction {
        RetryAction::NoActionIndicated
    }

    fn classify_retry_v2(&self, _ctx: &InterceptorContext, previous: &RetryAction) -> RetryAction {
        if let RetryAction::RetryIndicated(RetryReason::RetryableError { kind, .. }) = previous {
            match kind {
                ErrorKind::ThrottlingError => self.0.congested("a throttled attempt"),
                ErrorKind::ServerError => self.0.congested("a server error"),
                _ => {}
            }
        }
        previous.clone()
    }

    fn name(&self) -> &'static str {
        "ecsrole fleet: throttled attempts slow the fleet"
    }

    fn priority(&self) -> RetryClassifierPriority {
        // After the SDK's classifiers (the transient-error one runs last of them).
        RetryClassifierPriority::run_after(RetryClassifierPriority::transient_error_classifier())
    }
}
