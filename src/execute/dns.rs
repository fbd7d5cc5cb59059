//! Where Connect is: its endpoint's address, looked up during the cold start.
//!
//! A plain client looks up the endpoint's name when its first call opens a connection: a
//! thread started for it and a query to the resolver, while a caller on a cold start waits.
//! Here the connection opened ahead looks the name up on its own thread (`look_up_here`);
//! where none is opened, the client's resolver starts that lookup as soon as the endpoint is
//! known, on a thread of its own that takes only CPU time nothing else wants (`background`).
//! The first connections take its answer. An answer is taken only while it is fresh
//! (`FRESH_FOR`), so a function started long before its first invocation looks the name up
//! again; a lookup that failed is made again by the call, whose error is then the one
//! reported.

use std::fmt;
use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_connect::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_types::service_config::ServiceConfigKey;
use tokio::sync::watch;

/// How long an answer looked up ahead serves: the first invocation's connections, well
/// within the shortest time to live AWS endpoints' names have.
const FRESH_FOR: Duration = Duration::from_secs(5);

type Answer = Option<io::Result<Vec<IpAddr>>>;

/// The client's resolver: the system's, as a plain client's, with one name looked up ahead.
#[derive(Clone, Default)]
pub struct Resolver {
    ahead: Arc<Mutex<Option<Ahead>>>,
}

struct Ahead {
    name: String,
    started: Instant,
    answer: watch::Receiver<Answer>,
}

impl Resolver {
    /// Starts looking up the name of `endpoint`, unless it is an address already. Nothing
    /// is lost when this cannot start: the first call looks it up.
    pub fn look_ahead(&self, endpoint: &http::Uri) {
        let Some(name) = endpoint.host().map(str::to_owned) else {
            return;
        };
        if name.trim_matches(['[', ']']).parse::<IpAddr>().is_ok() {
            return;
        }
        let answer = self.expect(&name);
        let _ = std::thread::Builder::new()
            .name("dns".to_owned())
            .spawn(move || {
                crate::background::run_only_when_idle();
                publish(&answer, lookup(&name))
            });
    }

    /// Looks `name` up on the calling thread; the connections that want it meanwhile wait for
    /// this answer rather than looking it up again, and those of the next few seconds take it.
    pub fn look_up_here(&self, name: &str) -> io::Result<Vec<IpAddr>> {
        publish(&self.expect(name), lookup(name))
    }

    /// Makes the connections to `name` wait for the answer sent on what this returns (or
    /// look it up themselves, once it is dropped unsent).
    fn expect(&self, name: &str) -> watch::Sender<Answer> {
        let (sender, answer) = watch::channel(None);
        *self
            .ahead
            .lock()
            .unwrap_or_else(|poison| poison.into_inner()) = Some(Ahead {
            name: name.to_owned(),
            started: Instant::now(),
            answer,
        });
        sender
    }

    /// The lookup started ahead for `name`, if there is a fresh one.
    fn ahead_for(&self, name: &str) -> Option<watch::Receiver<Answer>> {
        let ahead = self
            .ahead
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        ahead
            .as_ref()
            .filter(|ahead| ahead.name == name && ahead.started.elapsed() < FRESH_FOR)
            .map(|ahead| ahead.answer.clone())
    }
}

impl ResolveDns for Resolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        let ahead = self.ahead_for(name);
        DnsFuture::new(async move {
            if let Some(mut answer) = ahead {
                if let Ok(answer) = answer.wait_for(Option::is_some).await {
                    if let Some(Ok(addresses)) = answer.as_ref() {
                        return Ok(addresses.clone());
                    }
                }
            }
            let name = name.to_owned();
            tokio::task::spawn_blocking(move || lookup(&name))
                .await
                .map_err(ResolveDnsError::new)?
                .map_err(ResolveDnsError::new)
        })
    }
}

impl fmt::Debug for Resolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolver").finish_non_exhaustive()
    }
}

/// Sends a copy of `answer` to the connections waiting for it, and gives it back.
fn publish(
    sender: &watch::Sender<Answer>,
    answer: io::Result<Vec<IpAddr>>,
) -> io::Result<Vec<IpAddr>> {
    let shared = match &answer {
        Ok(addresses) => Ok(addresses.clone()),
        Err(error) => Err(error.kind().into()),
    };
    let _ = sender.send(Some(shared));
    answer
}

/// The system's lookup, as the SDK's own resolver makes it.
fn lookup(name: &str) -> io::Result<Vec<IpAddr>> {
    Ok((name, 0)
        .to_socket_addrs()?
        .map(|address| address.ip())
        .collect())
}

/// Where the client's calls go: its endpoint rules applied to the settings the client was
/// built from, `AWS_ENDPOINT_URL_CONNECT` and `AWS_ENDPOINT_URL` included, as the SDK reads
/// them for Connect.
pub fn endpoint(config: &SdkConfig) -> Option<http::Uri> {
    let key = ServiceConfigKey::builder()
        .service_id("Connect")
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    let endpoint_url = config
        .service_config()
        .and_then(|service| service.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_owned));
    resolve(
        Params::builder()
            .set_region(config.region().map(ToString::to_string))
            .set_use_fips(config.use_fips())
            .set_use_dual_stack(config.use_dual_stack())
            .set_endpoint(endpoint_url),
    )
}

/// Where the client's calls will go, as far as the environment alone says, before the SDK's
/// settings are loaded: region, FIPS and dual-stack settings and configured endpoints read
/// as the SDK reads them there. A guess, to be held against `endpoint` once they are: a
/// profile file can say otherwise.
pub fn endpoint_from_environment(variable: impl Fn(&str) -> Option<String>) -> Option<http::Uri> {
    let set = |name: &str| variable(name).filter(|value| !value.is_empty());
    let flag = |name: &str| set(name).map(|value| value.eq_ignore_ascii_case("true"));
    let endpoint_url = (flag("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") != Some(true))
        .then(|| set("AWS_ENDPOINT_URL_CONNECT").or_else(|| set("AWS_ENDPOINT_URL")))
        .flatten();
    resolve(
        Params::builder()
            .set_region(set("AWS_REGION").or_else(|| set("AWS_DEFAULT_REGION")))
            .set_use_fips(flag("AWS_USE_FIPS_ENDPOINT"))
            .set_use_dual_stack(flag("AWS_USE_DUALSTACK_ENDPOINT"))
            .set_endpoint(endpoint_url),
    )
}

/// Connect's endpoint rules applied to `params`.
fn resolve(params: aws_sdk_connect::config::endpoint::ParamsBuilder) -> Option<http::Uri> {
    let params = params.build().ok()?;
    let endpoint =
        futures_util::FutureExt::now_or_never(DefaultResolver::new().resolve_endpoint(&params))?
            .ok()?;
    endpoint.url().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::{BehaviorVersion, Region};
    use aws_types::service_config::LoadServiceConfig;

    const SEEN_AHEAD: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, 7));

    /// A resolver whose lookup ahead of `name` started `age` ago and found `answer`.
    fn ahead(name: &str, age: Duration, answer: Answer) -> Resolver {
        let resolver = Resolver::default();
        *resolver.ahead.lock().unwrap() = Some(Ahead {
            name: name.to_owned(),
            started: Instant::now() - age,
            answer: watch::channel(answer).1,
        });
        resolver
    }

    fn is_loopback(addresses: &[IpAddr]) -> bool {
        !addresses.is_empty() && addresses.iter().all(IpAddr::is_loopback)
    }

    #[tokio::test]
    async fn a_fresh_answer_serves_every_connection_to_its_name() {
        let resolver = ahead("localhost", Duration::ZERO, Some(Ok(vec![SEEN_AHEAD])));
        for _ in 0..2 {
            assert_eq!(
                resolver.resolve_dns("localhost").await.unwrap(),
                [SEEN_AHEAD]
            );
        }
    }

    #[tokio::test]
    async fn a_connection_waits_for_the_lookup_ahead_rather_than_making_its_own() {
        let resolver = Resolver::default();
        let (sender, answer) = watch::channel(None);
        *resolver.ahead.lock().unwrap() = Some(Ahead {
            name: "localhost".to_owned(),
            started: Instant::now(),
            answer,
        });
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            sender.send(Some(Ok(vec![SEEN_AHEAD])))
        });
        assert_eq!(
            resolver.resolve_dns("localhost").await.unwrap(),
            [SEEN_AHEAD]
        );
    }

    #[tokio::test]
    async fn a_stale_answer_a_failed_lookup_or_another_name_is_looked_up_again() {
        let stale = ahead("localhost", FRESH_FOR, Some(Ok(vec![SEEN_AHEAD])));
        assert!(is_loopback(&stale.resolve_dns("localhost").await.unwrap()));
        let failed = ahead(
            "localhost",
            Duration::ZERO,
            Some(Err(io::ErrorKind::Other.into())),
        );
        assert!(is_loopback(&failed.resolve_dns("localhost").await.unwrap()));
        let other = ahead(
            "connect.example",
            Duration::ZERO,
            Some(Ok(vec![SEEN_AHEAD])),
        );
        assert!(is_loopback(&other.resolve_dns("localhost").await.unwrap()));
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_fails_the_lookup() {
        let resolver = Resolver::default();
        assert!(resolver.resolve_dns("no-such-host.invalid").await.is_err());
    }

    fn config() -> aws_types::sdk_config::Builder {
        SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-2"))
    }

    #[derive(Debug)]
    struct ServiceEndpoint;

    impl LoadServiceConfig for ServiceEndpoint {
        fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
            let connect = (key.service_id(), key.env(), key.profile())
                == ("Connect", "AWS_ENDPOINT_URL", "endpoint_url");
            connect.then(|| "https://connect.internal.example:8443/".to_owned())
        }
    }

    #[test]
    fn the_endpoint_is_where_the_sdk_sends_connect_calls() {
        let host = |config: aws_types::sdk_config::Builder| {
            endpoint(&config.build()).map(|uri| uri.authority().unwrap().to_string())
        };
        assert_eq!(
            host(config()).as_deref(),
            Some("connect.eu-west-2.amazonaws.com")
        );
        assert_eq!(
            host(config().use_fips(true)).as_deref(),
            Some("connect-fips.eu-west-2.amazonaws.com")
        );
        assert_eq!(
            host(config().endpoint_url("http://localhost:4566")).as_deref(),
            Some("localhost:4566")
        );
        assert_eq!(
            host(
                config()
                    .endpoint_url("http://localhost:4566")
                    .service_config(ServiceEndpoint)
            )
            .as_deref(),
            Some("connect.internal.example:8443"),
            "AWS_ENDPOINT_URL_CONNECT comes before AWS_ENDPOINT_URL"
        );
        assert_eq!(host(SdkConfig::builder()), None, "no region, no endpoint");
    }

    #[test]
    fn the_environment_alone_names_the_endpoint_the_loaded_settings_would() {
        let guess = |variables: &[(&str, &str)]| {
            endpoint_from_environment(|name| {
                let set = variables.iter().find(|(set, _)| *set == name);
                set.map(|(_, value)| (*value).to_owned())
            })
        };
        let region = ("AWS_REGION", "eu-west-2");
        assert_eq!(guess(&[region]), endpoint(&config().build()));
        assert_eq!(
            guess(&[("AWS_DEFAULT_REGION", "eu-west-2")]),
            endpoint(&config().build())
        );
        assert_eq!(
            guess(&[region, ("AWS_USE_FIPS_ENDPOINT", "true")]),
            endpoint(&config().use_fips(true).build())
        );
        assert_eq!(
            guess(&[region, ("AWS_USE_DUALSTACK_ENDPOINT", "TRUE")]),
            endpoint(&config().use_dual_stack(true).build())
        );
        let configured = [
            region,
            ("AWS_ENDPOINT_URL", "http://localhost:4566"),
            (
                "AWS_ENDPOINT_URL_CONNECT",
                "https://connect.internal.example:8443/",
            ),
        ];
        assert_eq!(
            guess(&configured),
            endpoint(&config().service_config(ServiceEndpoint).build())
        );
        assert_eq!(
            guess(&configured[..2]),
            endpoint(&config().endpoint_url("http://localhost:4566").build())
        );
        let ignored = configured
            .into_iter()
            .chain([("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")])
            .collect::<Vec<_>>();
        assert_eq!(guess(&ignored), endpoint(&config().build()));
        assert_eq!(guess(&[("AWS_REGION", "")]), None, "no region, no endpoint");
        assert_eq!(guess(&[]), None);
    }

    #[tokio::test]
    async fn looking_ahead_starts_for_a_name_and_not_for_an_address() {
        let resolver = Resolver::default();
        resolver.look_ahead(&"http://127.0.0.1:4566".parse().unwrap());
        assert!(resolver.ahead.lock().unwrap().is_none());
        resolver.look_ahead(&"http://[::1]:4566".parse().unwrap());
        assert!(resolver.ahead.lock().unwrap().is_none());

        resolver.look_ahead(&"http://localhost:4566".parse().unwrap());
        let mut answer = resolver.ahead_for("localhost").expect("a lookup ahead");
        let answer = answer.wait_for(Option::is_some).await.unwrap();
        assert!(is_loopback(answer.as_ref().unwrap().as_ref().unwrap()));
    }
}
