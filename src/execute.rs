//! The only code that talks to Connect: turns a plan's calls into SDK requests and reports
//! what happened. Attribute and contact updates run together; the transfer runs only after
//! both have succeeded, because after a transfer the contact may no longer take them.

use std::future::Future;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_connect::types::{Reference, ReferenceType as SdkReferenceType};
use aws_sdk_connect::Client;
use futures_util::future::OptionFuture;
use tokio::time::Instant;

use crate::limits::{self, ReferenceType};
use crate::outcome::{CallReport, Failure, Operation, Outcome};
use crate::plan::{AttributesCall, Calls, ContactCall, TransferCall};
use crate::rules::TransferTarget;

/// SDK attempts per call. Retries are jittered; with the deadline they never outlive it.
const MAX_ATTEMPTS: u32 = 3;
const INITIAL_BACKOFF: Duration = Duration::from_millis(50);
const MAX_BACKOFF: Duration = Duration::from_millis(500);
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

#[derive(Debug, Clone)]
pub struct Connect {
    client: Client,
    /// The longest one attempt may take, however much budget is left.
    attempt_timeout: Duration,
}

impl Connect {
    pub fn new(client: Client, block_timeout: Duration) -> Self {
        Connect {
            client,
            attempt_timeout: block_timeout / MAX_ATTEMPTS,
        }
    }

    /// Where the client's settings come from in Lambda and the CLI: region, credentials and
    /// `AWS_ENDPOINT_URL_CONNECT` from the environment.
    pub fn environment() -> ConfigLoader {
        aws_config::defaults(BehaviorVersion::latest())
    }

    /// A client from `loader`, with retries and timeouts for a flow block instead of the
    /// SDK's defaults, which have no operation timeout and back off for up to 20 s. Each call
    /// narrows the timeouts to what is left of its invocation (`within`); these bound any
    /// call by the longest block a flow can have, so the client needs no rules to be built.
    pub async fn client(loader: ConfigLoader) -> Client {
        let longest_block = Duration::from_secs(limits::BLOCK_TIMEOUT_MAX_SECONDS);
        let config = loader
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS)
                    .with_initial_backoff(INITIAL_BACKOFF)
                    .with_max_backoff(MAX_BACKOFF),
            )
            .timeout_config(timeouts(longest_block / MAX_ATTEMPTS, longest_block))
            .load()
            .await;
        Client::new(&config)
    }

    /// Timeouts for one call from what is left of the invocation's budget, so the SDK's
    /// attempts and backoff end when the budget does instead of being cut off mid-call.
    fn within(&self, deadline: Instant) -> aws_sdk_connect::config::Builder {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let attempt = self.attempt_timeout.min(remaining);
        aws_sdk_connect::config::Builder::default().timeout_config(timeouts(attempt, remaining))
    }

    /// Makes the planned calls, giving up on any still running at `deadline`.
    pub async fn execute(&self, calls: &Calls, deadline: Instant) -> Outcome {
        let mut outcome = Outcome::default();
        let attributes = calls.attributes.as_ref().map(|call| {
            timed(
                Operation::UpdateContactAttributes,
                deadline,
                self.attributes(call, deadline),
            )
        });
        let contact = calls.contact.as_ref().map(|call| {
            timed(
                Operation::UpdateContact,
                deadline,
                self.contact(call, deadline),
            )
        });
        let (attributes, contact) =
            tokio::join!(OptionFuture::from(attributes), OptionFuture::from(contact));
        for result in [attributes, contact].into_iter().flatten() {
            outcome.record(result);
        }
        if let Some(call) = &calls.transfer {
            if outcome.failures.is_empty() {
                outcome.record(
                    timed(
                        Operation::TransferContact,
                        deadline,
                        self.transfer(call, deadline),
                    )
                    .await,
                );
            } else {
                outcome.not_attempted.push(Operation::TransferContact);
            }
        }
        outcome
    }

    async fn attributes(
        &self,
        call: &AttributesCall,
        deadline: Instant,
    ) -> Result<(), (String, String)> {
        self.client
            .update_contact_attributes()
            .instance_id(&call.instance_id)
            .initial_contact_id(&call.initial_contact_id)
            .set_attributes(Some(call.attributes.clone().into_iter().collect()))
            .customize()
            .config_override(self.within(deadline))
            .send()
            .await
            .map(drop)
            .map_err(describe)
    }

    async fn contact(&self, call: &ContactCall, deadline: Instant) -> Result<(), (String, String)> {
        let mut references = std::collections::HashMap::new();
        for (name, planned) in &call.references {
            let reference = Reference::builder()
                .r#type(sdk_reference_type(planned.kind))
                .value(&planned.value)
                .build()
                .map_err(|error| ("RequestNotBuilt".to_owned(), error.to_string()))?;
            references.insert(name.clone(), reference);
        }
        self.client
            .update_contact()
            .instance_id(&call.instance_id)
            .contact_id(&call.contact_id)
            .set_name(call.name.clone())
            .set_description(call.description.clone())
            .set_references(Some(references).filter(|r| !r.is_empty()))
            .customize()
            .config_override(self.within(deadline))
            .send()
            .await
            .map(drop)
            .map_err(describe)
    }

    async fn transfer(
        &self,
        call: &TransferCall,
        deadline: Instant,
    ) -> Result<(), (String, String)> {
        let request = self
            .client
            .transfer_contact()
            .instance_id(&call.instance_id)
            .contact_id(&call.contact_id)
            .contact_flow_id(&call.contact_flow_id)
            .client_token(&call.client_token);
        let request = match &call.target {
            TransferTarget::Queue(queue_id) => request.queue_id(queue_id),
            TransferTarget::User(user_id) => request.user_id(user_id),
        };
        request
            .customize()
            .config_override(self.within(deadline))
            .send()
            .await
            .map(drop)
            .map_err(describe)
    }
}

/// An attempt's timeout (and a connect timeout within it, at most `MAX_CONNECT_TIMEOUT`)
/// and the whole call's, retries and backoff included.
fn timeouts(attempt: Duration, call: Duration) -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(attempt.min(MAX_CONNECT_TIMEOUT))
        .operation_attempt_timeout(attempt)
        .operation_timeout(call)
        .build()
}

/// One call's result, with how long it took.
struct Timed {
    operation: Operation,
    result: Result<(), (String, String)>,
    latency: Duration,
}

async fn timed(
    operation: Operation,
    deadline: Instant,
    call: impl Future<Output = Result<(), (String, String)>>,
) -> Timed {
    let started = Instant::now();
    let result = tokio::time::timeout_at(deadline, call).await.unwrap_or_else(|_| {
        Err((
            "Timeout".to_owned(),
            "no answer from Connect within the flow block's time budget; the call may or may not have taken effect"
                .to_owned(),
        ))
    });
    Timed {
        operation,
        result,
        latency: started.elapsed(),
    }
}

impl Outcome {
    fn record(&mut self, timed: Timed) {
        let succeeded = timed.result.is_ok();
        self.calls.push(CallReport {
            operation: timed.operation,
            succeeded,
            latency: timed.latency,
        });
        match timed.result {
            Ok(()) => self.applied.push(timed.operation),
            Err((code, message)) => self.failures.push(Failure {
                operation: timed.operation,
                code,
                message,
            }),
        }
    }
}

/// Connect's error code and message, or a code of ours for failures with no answer.
fn describe<E, R>(error: SdkError<E, R>) -> (String, String)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let code = match &error {
        SdkError::ServiceError(_) => error.code().unwrap_or("ServiceError"),
        SdkError::TimeoutError(_) => "Timeout",
        SdkError::DispatchFailure(_) => "ConnectUnreachable",
        SdkError::ResponseError(_) => "BadResponse",
        SdkError::ConstructionFailure(_) => "RequestNotBuilt",
        _ => "SdkError",
    }
    .to_owned();
    let message = match error.message() {
        Some(message) => message.to_owned(),
        None => aws_sdk_connect::error::DisplayErrorContext(&error).to_string(),
    };
    (code, message)
}

fn sdk_reference_type(kind: ReferenceType) -> SdkReferenceType {
    match kind {
        ReferenceType::Url => SdkReferenceType::Url,
        ReferenceType::Attachment => SdkReferenceType::Attachment,
        ReferenceType::Number => SdkReferenceType::Number,
        ReferenceType::String => SdkReferenceType::String,
        ReferenceType::Date => SdkReferenceType::Date,
        ReferenceType::Email => SdkReferenceType::Email,
    }
}
