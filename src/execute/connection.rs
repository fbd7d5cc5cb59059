//! The connection to Connect, opened during the cold start.
//!
//! A plain client opens its first connection when its first call is made: a round trip for
//! TCP, one more for TLS and the handshake's CPU, all while a caller on a cold start waits.
//! Here it is opened from the start of init, where the environment says the calls will go
//! (then where the loaded settings say, if they differ), on a thread of its own: init's
//! thread is busy building the client, and a current-thread runtime would drive the
//! handshake only while it waits. Once made, the TLS stream is handed to init's runtime
//! (`socket`). Every call goes over it when it is idle; a call that finds it busy (calls made
//! together), closed, or never opened goes through the SDK's own pool, as every call of a
//! plain client does.
//!
//! It opens only where a second CPU is there to open it: on one, its handshake would take
//! CPU time from init, which the caller waits for all the same.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::retries::ErrorKind;
use aws_smithy_types::body::SdkBody;
use http::uri::{Authority, PathAndQuery};
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use tokio::sync::watch;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::ServerName;
use tokio_rustls::TlsConnector;

use super::dns::Resolver;
use super::socket::Socket;

/// How long the connection may sit unused and still be used: the SDK pool's idle timeout.
/// (Counted from its last request rather than from that request's end, at most an attempt
/// earlier.)
const IDLE_FOR: Duration = Duration::from_secs(90);

/// The connection opened ahead, shared by the client's connector and the task opening it.
#[derive(Clone, Default)]
pub struct Ahead {
    shared: Arc<Mutex<Option<Opening>>>,
}

struct Opening {
    authority: Authority,
    /// True once the opening has ended, opened or not.
    ended: watch::Receiver<bool>,
    /// Whether a call is waiting for the opening to end.
    awaited: bool,
    connection: Option<Connection>,
}

struct Connection {
    sender: SendRequest<SdkBody>,
    /// Whether it has carried a request.
    used: bool,
    /// When it was opened, or last given a request.
    since: Instant,
}

impl Ahead {
    /// Starts opening a connection to `endpoint`, if it is reached over HTTPS and a second
    /// CPU is there to open it while init goes on: on a thread of its own, which connects and
    /// makes the TLS handshake, then hands the connection to the calling task's runtime (a
    /// current-thread runtime makes progress on a connection only while its thread waits, and
    /// init's waits little). Whether it started; nothing is lost when it fails: the calls
    /// open their own. A connection opening already is given up.
    pub fn open(&self, endpoint: &http::Uri, resolver: Resolver, timeout: Duration) -> bool {
        *self.lock() = None;
        let spare_cpu = std::thread::available_parallelism().is_ok_and(|cpus| cpus.get() > 1);
        let (Some(authority), Some("https"), true, Ok(runtime)) = (
            endpoint.authority(),
            endpoint.scheme_str(),
            spare_cpu,
            tokio::runtime::Handle::try_current(),
        ) else {
            return false;
        };
        let deadline = Instant::now() + timeout;
        let (handed, handover) = tokio::sync::oneshot::channel();
        let to = authority.clone();
        let opener = std::thread::Builder::new()
            .name("connection".to_owned())
            .spawn(move || {
                let _ = handed.send(open_here(&to, &resolver, deadline));
            });
        if opener.is_err() {
            return false;
        }
        let (ended, watch) = watch::channel(false);
        let this_opening = watch.clone();
        *self.lock() = Some(Opening {
            authority: authority.clone(),
            ended: watch,
            awaited: false,
            connection: None,
        });
        let ahead = self.clone();
        runtime.spawn(async move {
            let handed = tokio::time::timeout_at(deadline.into(), handover).await;
            if let Ok(Ok(Ok(tls))) = handed {
                if let Ok(sender) = serve(tls).await {
                    match ahead.lock().as_mut() {
                        Some(opening) if opening.ended.same_channel(&this_opening) => {
                            opening.connection = Some(Connection {
                                sender,
                                used: false,
                                since: Instant::now(),
                            });
                        }
                        _ => {}
                    }
                }
            }
            let _ = ended.send(true);
        });
        true
    }

    fn lock(&self) -> MutexGuard<'_, Option<Opening>> {
        self.shared
            .lock()
            .unwrap_or_else(|poison| poison.into_inner())
    }

    /// Sends `request` over the connection opened ahead if it is to its endpoint and idle;
    /// gives the request back otherwise.
    async fn send(&self, request: HttpRequest) -> Result<SendOutcome, HttpRequest> {
        let mut ended = match self.lock().as_mut() {
            Some(opening) if for_endpoint(&request, &opening.authority) => {
                // The first call that comes while the connection is still opening waits for
                // it rather than opening another, which would be the same work over again;
                // the calls made with it would only wait behind it, and go to the pool.
                let opened = *opening.ended.borrow();
                if !opened && std::mem::replace(&mut opening.awaited, true) {
                    return Err(request);
                }
                opening.ended.clone()
            }
            _ => return Err(request),
        };
        if ended.wait_for(|ended| *ended).await.is_err() {
            return Err(request);
        }
        let response = match self.take_idle(request) {
            Ok(Ok(response)) => response,
            Ok(Err(unsendable)) => return Ok(Err(ConnectorError::user(unsendable))),
            Err(request) => return Err(*request),
        };
        Ok(match response.await {
            Ok(response) => HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|error| ConnectorError::other(error.into(), None)),
            Err(error) => {
                // A connection that failed a request is not trusted with another, as the
                // SDK's pool does not reuse one after a transient error.
                if let Some(opening) = self.lock().as_mut() {
                    opening.connection = None;
                }
                Err(connector_error(error))
            }
        })
    }

    /// Sends `request` over the connection opened ahead, if it is idle; gives it back
    /// otherwise.
    fn take_idle(
        &self,
        request: HttpRequest,
    ) -> Result<Result<ResponseFuture, BoxError>, Box<HttpRequest>> {
        let mut opening = self.lock();
        let Some(opening) = opening.as_mut() else {
            return Err(Box::new(request));
        };
        let open = opening.connection.as_ref().is_some_and(|connection| {
            !connection.sender.is_closed() && connection.since.elapsed() < IDLE_FOR
        });
        if !open {
            opening.connection = None;
        }
        // hyper takes a connection's first request before its task has run.
        let idle = opening
            .connection
            .as_mut()
            .filter(|connection| !connection.used || connection.sender.is_ready());
        let Some(connection) = idle else {
            return Err(Box::new(request));
        };
        connection.used = true;
        connection.since = Instant::now();
        Ok(origin_form(request, &opening.authority)
            .map(|request| -> ResponseFuture { Box::pin(connection.sender.send_request(request)) }))
    }
}

type SendOutcome = Result<HttpResponse, ConnectorError>;

type ResponseFuture = Pin<Box<dyn Future<Output = hyper::Result<http::Response<Incoming>>> + Send>>;

/// TCP and TLS to `authority`, on the first address it has, blocking the calling thread
/// until `deadline` at most.
fn open_here(
    authority: &Authority,
    resolver: &Resolver,
    deadline: Instant,
) -> Result<TlsStream<Socket>, BoxError> {
    let host = authority.host().trim_matches(['[', ']']);
    let address: IpAddr = match host.parse() {
        Ok(address) => address,
        Err(_) => *resolver.look_up_here(host)?.first().ok_or("no address")?,
    };
    let port = authority.port_u16().unwrap_or(443);
    let left = deadline.saturating_duration_since(Instant::now());
    let socket = std::net::TcpStream::connect_timeout(&(address, port).into(), left)?;
    socket.set_nodelay(true)?;
    let tls = TlsConnector::from(Arc::new(super::https::tls_config()));
    let mut handshake = tls.connect(
        ServerName::try_from(host.to_owned())?,
        Socket::opening(socket)?,
    );
    loop {
        match Pin::new(&mut handshake).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(tls) => return Ok(tls?),
            Poll::Pending => handshake
                .get_ref()
                .ok_or("the TLS handshake lost its socket")?
                .wait(deadline)?,
        }
    }
}

/// HTTP/1.1 over a connection opened on another thread, served from here on by a task of
/// the calling task's runtime.
async fn serve(mut tls: TlsStream<Socket>) -> Result<SendRequest<SdkBody>, BoxError> {
    tls.get_mut().0.register()?;
    let (sender, connection) = http1::handshake(TokioIo::new(tls)).await?;
    tokio::spawn(connection);
    Ok(sender)
}

fn for_endpoint(request: &HttpRequest, authority: &Authority) -> bool {
    request
        .uri()
        .strip_prefix("https://")
        .and_then(|rest| rest.split('/').next())
        == Some(authority.as_str())
}

/// The request as HTTP/1.1 sends it to a server: its target the path and query, its host in
/// `Host` (which the SDK leaves to the connector, as hyper's pooled client writes it).
fn origin_form(
    request: HttpRequest,
    authority: &Authority,
) -> Result<http::Request<SdkBody>, BoxError> {
    let mut request = request.try_into_http1x()?;
    let target = request
        .uri()
        .path_and_query()
        .cloned()
        .unwrap_or_else(|| PathAndQuery::from_static("/"));
    *request.uri_mut() = http::Uri::from(target);
    request
        .headers_mut()
        .entry(http::header::HOST)
        .or_insert(http::HeaderValue::from_str(authority.as_str())?);
    Ok(request)
}

/// hyper's errors classified as the SDK's own connector classifies them, for its retries.
fn connector_error(error: hyper::Error) -> ConnectorError {
    let from_io = {
        let mut source = std::error::Error::source(&error);
        std::iter::from_fn(|| {
            let this = source?;
            source = this.source();
            Some(this)
        })
        .any(|source| source.is::<std::io::Error>())
    };
    if error.is_timeout() {
        ConnectorError::timeout(error.into())
    } else if error.is_user() {
        ConnectorError::user(error.into())
    } else if error.is_closed() || error.is_canceled() || from_io {
        ConnectorError::io(error.into())
    } else if error.is_incomplete_message() {
        ConnectorError::other(error.into(), Some(ErrorKind::TransientError))
    } else {
        ConnectorError::other(error.into(), None)
    }
}

/// The client's connector: a connection opened ahead when one is idle, the SDK's pool
/// otherwise.
#[derive(Clone)]
pub struct Connector {
    pub ahead: Ahead,
    pub pool: SharedHttpConnector,
}

impl HttpConnector for Connector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let this = self.clone();
        HttpConnectorFuture::new(async move {
            match this.ahead.send(request).await {
                Ok(outcome) => outcome,
                Err(request) => this.pool.call(request).await,
            }
        })
    }
}

impl fmt::Debug for Connector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connector").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> HttpRequest {
        let request = http::Request::builder()
            .uri(uri)
            .body(SdkBody::from("{}"))
            .unwrap();
        HttpRequest::try_from(request).unwrap()
    }

    #[test]
    fn only_https_requests_to_the_endpoint_go_over_the_connection_opened_ahead() {
        let authority = Authority::from_static("connect.eu-west-2.amazonaws.com");
        let to = |uri: &str| for_endpoint(&request(uri), &authority);
        assert!(to(
            "https://connect.eu-west-2.amazonaws.com/contact/attributes"
        ));
        assert!(to("https://connect.eu-west-2.amazonaws.com"));
        assert!(!to(
            "http://connect.eu-west-2.amazonaws.com/contact/attributes"
        ));
        assert!(!to("https://connect.eu-west-2.amazonaws.com:8443/contact"));
        assert!(!to(
            "https://connect.us-east-1.amazonaws.com/contact/attributes"
        ));
    }

    #[test]
    fn a_request_is_sent_to_its_path_and_query_with_its_host() {
        let authority = Authority::from_static("localhost:8443");
        let sent = origin_form(
            request("https://localhost:8443/contact/attributes?x=1"),
            &authority,
        )
        .unwrap();
        assert_eq!(sent.uri(), "/contact/attributes?x=1");
        assert_eq!(sent.headers()[http::header::HOST], "localhost:8443");
        assert_eq!(sent.body().bytes(), Some(&b"{}"[..]));

        let mut named = request("https://localhost:8443");
        named.headers_mut().insert("host", "connect.example");
        let sent = origin_form(named, &authority).unwrap();
        assert_eq!(sent.uri(), "/");
        assert_eq!(sent.headers()[http::header::HOST], "connect.example");
    }
}
