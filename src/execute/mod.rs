//! The only code that talks to Connect: turns a plan's calls into SDK requests and reports
//! what happened. Calls run together, but a call that hands the contact on (a transfer) waits
//! for the changes to that contact and runs only if they all succeeded.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use aws_config::environment::{
    EnvironmentVariableCredentialsProvider, EnvironmentVariableRegionProvider,
};
use aws_config::retry::RetryConfig;
use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader};
use aws_sdk_connect::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_connect::primitives::DateTime;
use aws_sdk_connect::types::{Reference, ReferenceType as SdkReferenceType, SegmentAttributeValue};
use aws_sdk_connect::Client;
use futures_util::future::join_all;
use tokio::time::Instant;

use crate::calls::{Call, Calls, PlannedReference, TaskCall, TaskLink, TaskTarget, TransferTarget};
use crate::limits::{self, ReferenceType};
use crate::outcome::{Applied, CallError, CallReport, Outcome};
use crate::vocabulary::code;
use throttles::Throttles;

mod connection;
mod dns;
mod https;
mod rehearsal;
mod socket;
mod throttles;

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

/// Sends a request with the call's timeouts and reads Connect's answer. A macro because
/// every operation's fluent builder is a type of its own.
macro_rules! send {
    ($request:expr, $within:expr) => {
        $request
            .customize()
            .config_override($within)
            .send()
            .await
            .map(|_| Applied::Done)
            .map_err(describe)
    };
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
    ///
    /// Lambda puts every function's region and credentials in its environment, where the SDK's
    /// default chains look first. When they are there, they are taken from there without
    /// building the rest of each chain (an STS client for web identity, an IMDS client), which
    /// a cold start would pay for and never use; the answer is the one the chains would give.
    pub fn environment() -> ConfigLoader {
        let loader = aws_config::defaults(BehaviorVersion::latest());
        let set = |name: &str| std::env::var_os(name).is_some_and(|value| !value.is_empty());
        let loader = if set("AWS_REGION") {
            loader.region(EnvironmentVariableRegionProvider::new())
        } else {
            loader
        };
        if set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY") {
            loader.credentials_provider(EnvironmentVariableCredentialsProvider::new())
        } else {
            loader
        }
    }

    /// A client from `loader`, with retries and timeouts for a flow block instead of the
    /// SDK's defaults, which have no operation timeout and back off for up to 20 s. Each call
    /// narrows them to what is left of its invocation (`within`, `timed`); these bound a call
    /// by the longest block a flow can have, so the client needs no rules to be built.
    /// Its HTTPS connector and trust store: `https`; the connection to Connect is opened, and
    /// the endpoint's address looked up, while the cold start goes on: `connection`, `dns`.
    /// Stalled-stream protection is off: it ends a body that stalls for 20 s, and an attempt
    /// here ends sooner (a third of the block's timeout, at most 2.7 s), so all it did was
    /// watch every request's few hundred bytes.
    pub async fn client(loader: ConfigLoader) -> Client {
        let longest_block = Duration::from_secs(limits::BLOCK_TIMEOUT_MAX_SECONDS);
        let resolver = dns::Resolver::default();
        let ahead = connection::Ahead::default();
        // The settings take a good part of init to load; the connection starts opening before,
        // where the environment says it will go, and is given up if they say otherwise.
        let open =
            |endpoint: &http::Uri| ahead.open(endpoint, resolver.clone(), MAX_CONNECT_TIMEOUT);
        let expected = dns::endpoint_from_environment(|name| std::env::var(name).ok());
        let opening = expected.as_ref().is_some_and(open);
        let config = loader
            .http_client(https::client(
                MAX_CONNECT_TIMEOUT,
                resolver.clone(),
                ahead.clone(),
            ))
            .retry_config(
                RetryConfig::standard()
                    .with_max_attempts(MAX_ATTEMPTS)
                    .with_initial_backoff(INITIAL_BACKOFF)
                    .with_max_backoff(MAX_BACKOFF),
            )
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_attempt_timeout(longest_block / MAX_ATTEMPTS)
                    .operation_timeout(longest_block)
                    .build(),
            )
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .load()
            .await;
        let endpoint = dns::endpoint(&config);
        let opened_there = opening && endpoint == expected;
        if let (Some(endpoint), false) = (endpoint, opened_there) {
            if !open(&endpoint) {
                resolver.look_ahead(&endpoint);
            }
        }
        Client::new(&config)
    }

    /// An attempt's timeout for one call, from what is left of the invocation's budget. The
    /// whole call ends at the deadline itself (`timed`), so the SDK's operation timeout, one
    /// more timer for the same moment on every call, is off.
    fn within(&self, deadline: Instant) -> aws_sdk_connect::config::Builder {
        let remaining = deadline.saturating_duration_since(Instant::now());
        let timeouts = TimeoutConfig::builder()
            .operation_attempt_timeout(self.attempt_timeout.min(remaining))
            .disable_operation_timeout()
            .build();
        aws_sdk_connect::config::Builder::default().timeout_config(timeouts)
    }

    /// Makes the planned calls, giving up on any still running at `deadline`. Every call
    /// starts at once but those with prerequisites (`Calls::prerequisites`), which start
    /// when theirs have ended, and only if all of them succeeded.
    pub async fn execute(&self, calls: &Calls, deadline: Instant) -> Outcome {
        let count = calls.0.len();
        let waiting: Vec<usize> = (0..count)
            .filter(|&index| !calls.prerequisites(index).is_empty())
            .collect();
        let needed: BTreeSet<usize> = waiting
            .iter()
            .flat_map(|&index| calls.prerequisites(index))
            .collect();
        let free = (0..count).filter(|index| !needed.contains(index) && !waiting.contains(index));
        let run =
            |index: usize| async move { (index, self.timed(&calls.0[index], deadline).await) };
        let chain = async {
            let mut done = join_all(needed.iter().map(|&index| run(index))).await;
            let succeeded = |index: &usize| {
                done.iter()
                    .any(|(other, report)| other == index && report.result.is_ok())
            };
            let (ready, held): (Vec<usize>, Vec<usize>) = waiting
                .iter()
                .partition(|&&index| calls.prerequisites(index).iter().all(succeeded));
            done.extend(join_all(ready.into_iter().map(run)).await);
            (done, held)
        };
        let (free, (chained, held)) = tokio::join!(join_all(free.map(run)), chain);
        let mut reports: Vec<(usize, CallReport)> = free.into_iter().chain(chained).collect();
        reports.sort_by_key(|(index, _)| *index);
        Outcome {
            calls: reports.into_iter().map(|(_, report)| report).collect(),
            not_attempted: held
                .into_iter()
                .map(|index| calls.0[index].label())
                .collect(),
            dry_run: false,
        }
    }

    /// One call, with how long it took and how often Connect throttled it; abandoned at
    /// `deadline`.
    async fn timed(&self, call: &Call, deadline: Instant) -> CallReport {
        let started = Instant::now();
        let throttles = Throttles::default();
        let within = self.within(deadline).interceptor(throttles.clone());
        let result = tokio::time::timeout_at(deadline, self.send(call, within))
            .await
            .unwrap_or(Err(CallError::Timeout));
        CallReport {
            operation: call.operation(),
            label: call.label(),
            result,
            latency: started.elapsed(),
            throttled: throttles.count(),
        }
    }

    /// The one place a planned call becomes an SDK request: an arm per operation.
    async fn send(
        &self,
        call: &Call,
        within: aws_sdk_connect::config::Builder,
    ) -> Result<Applied, CallError> {
        match call {
            Call::UpdateContactAttributes(call) => send!(
                self.client
                    .update_contact_attributes()
                    .instance_id(&call.instance_id)
                    .initial_contact_id(&call.initial_contact_id)
                    .set_attributes(Some(call.attributes.clone().into_iter().collect())),
                within
            ),
            Call::UpdateContact(call) => send!(
                self.client
                    .update_contact()
                    .instance_id(&call.instance_id)
                    .contact_id(&call.contact_id)
                    .set_name(call.name.clone())
                    .set_description(call.description.clone())
                    .set_references(Some(references(&call.references)?).filter(|r| !r.is_empty()))
                    .set_segment_attributes(call.expiry_minutes.map(expiry)),
                within
            ),
            Call::UpdateContactRoutingData(call) => send!(
                self.client
                    .update_contact_routing_data()
                    .instance_id(&call.instance_id)
                    .contact_id(&call.contact_id)
                    .queue_priority(call.queue_priority),
                within
            ),
            Call::StartTaskContact(call) => self.start_task(call, within).await,
            Call::TransferContact(call) => {
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
                send!(request, within)
            }
        }
    }

    async fn start_task(
        &self,
        call: &TaskCall,
        within: aws_sdk_connect::config::Builder,
    ) -> Result<Applied, CallError> {
        let request = self
            .client
            .start_task_contact()
            .instance_id(&call.instance_id)
            .name(&call.name)
            .set_description(call.description.clone())
            .set_attributes(
                Some(call.attributes.clone().into_iter().collect())
                    .filter(|a: &HashMap<_, _>| !a.is_empty()),
            )
            .set_references(Some(references(&call.references)?).filter(|r| !r.is_empty()))
            .set_scheduled_time(call.scheduled_time.map(DateTime::from_secs))
            .set_segment_attributes(call.expiry_minutes.map(expiry))
            .client_token(&call.client_token);
        let request = match &call.target {
            TaskTarget::ContactFlow(id) => request.contact_flow_id(id),
            TaskTarget::QuickConnect(id) => request.quick_connect_id(id),
            TaskTarget::TaskTemplate(id) => request.task_template_id(id),
        };
        let request = match &call.link {
            TaskLink::Previous(id) => request.previous_contact_id(id),
            TaskLink::Related(id) => request.related_contact_id(id),
        };
        let created = |contact_id: Option<&str>| Applied::TaskCreated {
            task: call.task.clone(),
            contact_id: contact_id.map(str::to_owned),
        };
        match request.customize().config_override(within).send().await {
            Ok(output) => Ok(created(output.contact_id())),
            // The token is derived from this very intent: Connect has it from an earlier
            // invocation for the same contact, which made the task.
            Err(error) => match describe(error) {
                error if error.code() == code::IDEMPOTENCY => Ok(created(None)),
                error => Err(error),
            },
        }
    }
}

/// The references of a request, as the SDK takes them.
fn references(
    planned: &BTreeMap<String, PlannedReference>,
) -> Result<HashMap<String, Reference>, CallError> {
    planned
        .iter()
        .map(|(name, planned)| {
            let reference = Reference::builder()
                .r#type(sdk_reference_type(planned.kind))
                .value(&planned.value)
                .build()
                .map_err(|error| CallError::Sdk {
                    code: code::REQUEST_NOT_BUILT,
                    message: error.to_string(),
                    source: Box::new(error),
                })?;
            Ok((name.clone(), reference))
        })
        .collect()
}

/// `SegmentAttributes` setting the contact's expiry in minutes.
fn expiry(minutes: i32) -> HashMap<String, SegmentAttributeValue> {
    let duration = SegmentAttributeValue::builder()
        .value_integer(minutes)
        .build();
    let value = SegmentAttributeValue::builder()
        .value_map("ExpiryDuration", duration)
        .build();
    HashMap::from([("connect:ContactExpiry".to_owned(), value)])
}

/// Connect's error code and message, or a code of ours for failures with no answer.
fn describe<E, R>(error: SdkError<E, R>) -> CallError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    let message = match error.message() {
        Some(message) => message.to_owned(),
        None => aws_sdk_connect::error::DisplayErrorContext(&error).to_string(),
    };
    let code = match &error {
        SdkError::ServiceError(_) => {
            let code = error.code().unwrap_or(code::SERVICE_ERROR).to_owned();
            return CallError::Connect { code, message };
        }
        SdkError::TimeoutError(_) => code::TIMEOUT,
        SdkError::DispatchFailure(_) => code::CONNECT_UNREACHABLE,
        SdkError::ResponseError(_) => code::BAD_RESPONSE,
        SdkError::ConstructionFailure(_) => code::REQUEST_NOT_BUILT,
        _ => code::SDK_ERROR,
    };
    CallError::Sdk {
        code,
        message,
        source: Box::new(error),
    }
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
