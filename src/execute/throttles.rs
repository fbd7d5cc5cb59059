//! Counts a call's throttled attempts, which the SDK retries out of sight: the metrics
//! report how many throttles retries absorbed.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Connect's answer to too many requests: ThrottlingException.
const TOO_MANY_REQUESTS: u16 = 429;

/// Attempts of one call that Connect throttled.
#[derive(Debug, Clone, Default)]
pub(super) struct Throttles(Arc<AtomicU32>);

impl Throttles {
    pub(super) fn count(&self) -> u32 {
        self.0.load(Ordering::Relaxed)
    }
}

impl Intercept for Throttles {
    fn name(&self) -> &'static str {
        "Throttles"
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if context
            .response()
            .is_some_and(|response| response.status().as_u16() == TOO_MANY_REQUESTS)
        {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}
