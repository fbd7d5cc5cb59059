//! A local Amazon Connect endpoint on loopback, for connect-rules' end-to-end tests and for
//! trying flows without an AWS account.
//!
//! It speaks Connect's REST-JSON for UpdateContactAttributes, UpdateContact,
//! UpdateContactRoutingData, TransferContact, StartTaskContact and GetContactAttributes; holds every request to the official API model (see `model`),
//! to SigV4 signing for service `connect` and to Connect's documented rules (see
//! `contacts`); keeps contact state; and injects faults per operation.
//!
//! Test control lives under `/_local/`: `PUT /_local/contacts` seeds a contact,
//! `GET /_local/contacts/{instance}/{contact}` reads one, `GET /_local/contacts/{instance}`
//! lists an instance's (tasks started here included), `POST /_local/faults` queues a
//! fault, `GET /_local/requests` lists the requests served.

pub mod contacts;
mod control;
mod faults;
pub mod fixtures;
pub mod model;

use faults::Faults;
pub use faults::{Fault, FaultKind};

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::net::TcpListener;

use contacts::{Contact, Contacts, ServiceError};
use model::Model;

pub const OPERATIONS: [&str; 6] = [
    "UpdateContactAttributes",
    "UpdateContact",
    "UpdateContactRoutingData",
    "TransferContact",
    "StartTaskContact",
    "GetContactAttributes",
];

/// The API model: `CONNECT_MODEL`, else botocore's copy in the workspace's `.venv` (where
/// `scripts/test` installs it).
pub fn find_model() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("CONNECT_MODEL") {
        return Some(path.into());
    }
    let lib = fixtures::workspace().join(".venv/lib");
    std::fs::read_dir(lib).ok()?.flatten().find_map(|python| {
        let path = python
            .path()
            .join("site-packages/botocore/data/connect/2017-08-08/service-2.json.gz");
        path.is_file().then_some(path)
    })
}

/// One request as served, for tests to assert the exact calls made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Served {
    pub operation: String,
    pub input: Value,
    pub status: u16,
    pub error: Option<String>,
}

#[derive(Debug, Default)]
struct State {
    contacts: Contacts,
    faults: Faults,
    served: Vec<Served>,
}

/// A running endpoint. Dropping it stops the server.
pub struct LocalConnect {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for LocalConnect {
    fn drop(&mut self) {
        self.server.abort();
    }
}

struct Shared {
    model: Model,
    state: Arc<Mutex<State>>,
}

impl LocalConnect {
    /// Serves on `address` (port 0 picks a free one) with the API model at `model_path`.
    pub async fn start(
        model_path: &Path,
        address: SocketAddr,
    ) -> Result<LocalConnect, Box<dyn std::error::Error>> {
        let model = Model::load(model_path, &OPERATIONS)?;
        let listener = TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::new(Shared {
            model,
            state: state.clone(),
        });
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |request| {
                        let shared = shared.clone();
                        async move { shared.serve(request).await }
                    });
                    // A dropped connection is a fault we injected, or the client's choice.
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Ok(LocalConnect {
            address,
            state,
            server,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn put_contact(&self, contact: Contact) {
        self.lock().contacts.put(contact);
    }

    pub fn contact(&self, instance_id: &str, contact_id: &str) -> Option<Contact> {
        self.lock().contacts.get(instance_id, contact_id).cloned()
    }

    /// Holds the contact of every event in `events/`, as Connect does when it sends one.
    pub fn put_event_contacts(&self) {
        for name in fixtures::event_names() {
            self.put_contact(Contact::from_event(&fixtures::event(&name)));
        }
    }

    /// Holds the contact an event describes, unless it holds it already: a contact Connect
    /// sends again keeps what earlier invocations did to it.
    pub fn put_contact_once(&self, event: &Value) {
        let contact = Contact::from_event(event);
        let mut state = self.lock();
        if state
            .contacts
            .get(&contact.instance_id, &contact.contact_id)
            .is_none()
        {
            state.contacts.put(contact);
        }
    }

    /// The contact an event describes, as this endpoint now holds it.
    pub fn contact_of(&self, event: &Value) -> Option<Contact> {
        let described = Contact::from_event(event);
        self.contact(&described.instance_id, &described.contact_id)
    }

    /// Every contact of an instance, tasks started here included, ordered by id.
    pub fn contacts(&self, instance_id: &str) -> Vec<Contact> {
        self.lock().contacts.of_instance(instance_id)
    }

    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push(fault);
    }

    /// Every request served so far, in order of arrival.
    pub fn served(&self) -> Vec<Served> {
        self.lock().served.clone()
    }

    pub fn clear_served(&self) {
        self.lock().served.clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

type Answer = Result<Response<Full<Bytes>>, std::io::Error>;

impl Shared {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    async fn serve(&self, request: Request<Incoming>) -> Answer {
        let method = request.method().as_str().to_owned();
        let path = request.uri().path().to_owned();
        let authorization = request
            .headers()
            .get("authorization")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = request
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes())
            .unwrap_or_default();
        if let Some(control) = path.strip_prefix("/_local/") {
            return Ok(self.control(&method, control, &body));
        }
        let Some((operation, labels)) = self.model.route(&method, &path) else {
            return Ok(error(&ServiceError::new(
                404,
                "UnknownOperationException",
                format!("no operation at {method} {path}"),
            )));
        };
        let name = operation.name.clone();
        if let Err(message) = check_signature(authorization.as_deref()) {
            let failure = ServiceError::new(403, "InvalidSignatureException", message);
            return Ok(self.record(&name, Value::Null, Err(failure)));
        }
        let call = match self.model.input(operation, labels, &body) {
            Ok(call) => call,
            Err(violations) => {
                let failure =
                    ServiceError::new(400, "InvalidParameterException", violations.join("; "));
                return Ok(self.record(&name, Value::Null, Err(failure)));
            }
        };
        let fault = self.lock().faults.take(&name);
        match fault.as_ref().map(|f| f.kind) {
            Some(FaultKind::Latency) => {
                // tokio's timer rounds up to whole milliseconds: an injected 20 ms measured
                // 22.0 ms from a client here, a thread's sleep 21.0 ms (the rest is waking
                // processes), so benchmarks see close to the latency they asked for.
                let latency = Duration::from_millis(fault.as_ref().map_or(0, |f| f.latency_ms));
                let _ = tokio::task::spawn_blocking(move || std::thread::sleep(latency)).await;
            }
            Some(FaultKind::Throttle) => {
                return Ok(self.record(
                    &name,
                    call.input,
                    Err(ServiceError::new(
                        429,
                        "ThrottlingException",
                        "Rate exceeded",
                    )),
                ));
            }
            Some(FaultKind::ServerError) => {
                let failure =
                    ServiceError::new(500, "InternalServiceException", "injected server error");
                return Ok(self.record(&name, call.input, Err(failure)));
            }
            Some(FaultKind::DropBefore) => {
                self.record(
                    &name,
                    call.input,
                    Err(ServiceError::new(0, "Dropped", "dropped before applying")),
                );
                return Err(std::io::Error::other(
                    "injected: connection dropped before applying",
                ));
            }
            Some(FaultKind::DropAfter) | None => {}
        }
        let result = self.lock().contacts.apply(&name, &call.input);
        let answer = self.record(&name, call.input, result);
        if fault.is_some_and(|f| f.kind == FaultKind::DropAfter) {
            return Err(std::io::Error::other(
                "injected: connection dropped after applying",
            ));
        }
        Ok(answer)
    }

    fn record(
        &self,
        operation: &str,
        input: Value,
        result: Result<Value, ServiceError>,
    ) -> Response<Full<Bytes>> {
        let (status, error_code, response) = match &result {
            Ok(output) => (200, None, respond(200, output, None)),
            Err(failure) => (
                failure.status,
                Some(failure.code.to_owned()),
                error(failure),
            ),
        };
        self.lock().served.push(Served {
            operation: operation.to_owned(),
            input,
            status,
            error: error_code,
        });
        response
    }
}

/// Connect's REST-JSON error: the code in `x-amzn-ErrorType`, the message in the body.
pub(crate) fn error(failure: &ServiceError) -> Response<Full<Bytes>> {
    respond(
        failure.status,
        &json!({ "message": failure.message }),
        Some(failure.code),
    )
}

pub(crate) fn respond(
    status: u16,
    body: &Value,
    error_type: Option<&str>,
) -> Response<Full<Bytes>> {
    let mut response = Response::builder()
        .status(status)
        .header("content-type", "application/json");
    if let Some(code) = error_type {
        response = response.header("x-amzn-ErrorType", code);
    }
    response
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

/// The request must be SigV4-signed for service `connect`: `AWS4-HMAC-SHA256
/// Credential=KEY/DATE/REGION/connect/aws4_request, SignedHeaders=…, Signature=…`.
pub fn check_signature(authorization: Option<&str>) -> Result<(), String> {
    let header = authorization.ok_or("the request is not signed: no Authorization header")?;
    let fields = header
        .strip_prefix("AWS4-HMAC-SHA256 ")
        .ok_or("the Authorization header is not AWS4-HMAC-SHA256")?;
    let field = |name: &str| {
        fields
            .split(", ")
            .find_map(|part| part.trim().strip_prefix(name))
            .ok_or(format!("the Authorization header has no {name}"))
    };
    let credential: Vec<&str> = field("Credential=")?.split('/').collect();
    match credential.as_slice() {
        [key, date, region, "connect", "aws4_request"]
            if !key.is_empty()
                && date.len() == 8
                && date.bytes().all(|b| b.is_ascii_digit())
                && !region.is_empty() => {}
        _ => {
            return Err(format!(
                "the credential scope {credential:?} is not KEY/DATE/REGION/connect/aws4_request"
            ))
        }
    }
    let signed: Vec<&str> = field("SignedHeaders=")?.split(';').collect();
    if !signed.contains(&"host") || !signed.contains(&"x-amz-date") {
        return Err("SignedHeaders must include host and x-amz-date".to_owned());
    }
    let signature = field("Signature=")?;
    if signature.len() != 64 || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("the Signature is not 64 hex digits".to_owned());
    }
    Ok(())
}
