//! The one HTTP client every outgoing request goes through (fetches, deliveries, NodeInfo),
//! and the checks that keep other servers from steering it at our own network: addresses in
//! loopback, private, link-local and other special ranges are refused, whether a URL names
//! them directly, a host name resolves to them, or a redirect leads to them. In development
//! mode host names may resolve to such addresses (instances on `localhost` ports), but IP
//! literals are refused in every mode.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect;
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tsunagu_service::Context;
use url::{Host, Url};

/// Each request (connecting, sending, reading the answer) ends after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed before giving up.
const MAX_REDIRECTS: usize = 3;

/// Whether an address is one other servers may make us connect to.
pub fn is_public_address(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        // Shared address space (carrier-grade NAT), 100.64.0.0/10.
        || (a == 100 && (64..128).contains(&b))
        // IETF protocol assignments, 192.0.0.0/24, and benchmarking, 198.18.0.0/15.
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        // Reserved, 240.0.0.0/4.
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_unspecified()
        || ip.is_loopback()
        || ip.is_multicast()
        // Unique local fc00::/7, link-local fe80::/10, documentation 2001:db8::/32.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8))
}

/// Why a URL may not be requested, or `None` when it may.
pub fn refusal(url: &Url) -> Option<&'static str> {
    if !matches!(url.scheme(), "http" | "https") {
        return Some("only http and https URLs are fetched");
    }
    match url.host() {
        None => Some("the URL has no host"),
        Some(Host::Ipv4(_)) | Some(Host::Ipv6(_)) => {
            Some("URLs naming an IP address are not fetched")
        }
        Some(Host::Domain(_)) => None,
    }
}

/// Resolves host names and drops the addresses other servers may not point us at.
struct GuardedResolver {
    dev: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let dev = self.dev;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| dev || is_public_address(a.ip()))
                .collect();
            if allowed.is_empty() {
                let e: Box<dyn std::error::Error + Send + Sync> =
                    format!("{host} resolves to no address we may connect to").into();
                return Err(e);
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Follows a few redirects, each checked like the first URL.
fn redirect_policy() -> redirect::Policy {
    redirect::Policy::custom(|attempt| {
        if attempt.previous().len() >= MAX_REDIRECTS {
            return attempt.error("too many redirects");
        }
        match refusal(attempt.url()) {
            Some(reason) => attempt.error(reason),
            None => attempt.follow(),
        }
    })
}

/// Builds the guarded client. `dev` lets host names resolve to loopback and private
/// addresses (local multi-instance setups).
pub fn build_client(dev: bool, user_agent: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .redirect(redirect_policy())
        .dns_resolver(Arc::new(GuardedResolver { dev }))
        .user_agent(user_agent)
        // Connections to one host are reused briefly (a fan-out sends many to the same
        // shared inbox), and not kept open idle for long.
        .pool_idle_timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(8)
        .build()
        .unwrap_or_else(|e| {
            tracing::error!("building the HTTP client: {e}");
            reqwest::Client::new()
        })
}

/// Each instance's client, by its domain (tests run several instances in one process, each
/// on its own runtime; a pooled connection must not outlive the runtime that opened it).
static CLIENTS: OnceLock<Mutex<HashMap<String, reqwest::Client>>> = OnceLock::new();

fn clients() -> std::sync::MutexGuard<'static, HashMap<String, reqwest::Client>> {
    CLIENTS
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// Builds the client of the instance at `domain`, replacing any earlier one; done when the
/// instance starts.
pub(crate) fn install(domain: &str, dev: bool) -> reqwest::Client {
    let client = build_client(dev, &format!("Tsunagu/{}", crate::SOFTWARE_VERSION));
    clients().insert(domain.to_string(), client.clone());
    client
}

/// The guarded client of the instance `ctx` belongs to.
pub(crate) fn client(ctx: &Context) -> reqwest::Client {
    clients()
        .entry(ctx.domain.clone())
        .or_insert_with(|| build_client(ctx.scheme == "http", "Tsunagu"))
        .clone()
}

/// A plain GET through the guarded client, for the few unsigned requests we make (NodeInfo,
/// checking that an object is gone). `None` when the URL is refused or the request fails.
pub(crate) async fn get(ctx: &Context, url: &str, accept: &str) -> Option<reqwest::Response> {
    let parsed = Url::parse(url).ok()?;
    if let Some(reason) = refusal(&parsed) {
        tracing::info!("not fetching {url}: {reason}");
        return None;
    }
    let domain = crate::objects::authority(&parsed);
    if tsunagu_service::policy::require_federates(ctx, &domain)
        .await
        .is_err()
    {
        return None;
    }
    client(ctx)
        .get(parsed)
        .header("Accept", accept)
        .send()
        .await
        .map_err(|e| tracing::debug!("GET {url}: {e}"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "127.5.6.7",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(!is_public_address(ip), "{ip} must be refused");
        }
        for ip in ["93.184.216.34", "2606:4700::6810:85e5", "8.8.8.8"] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(is_public_address(ip), "{ip} is public");
        }
    }

    #[test]
    fn ip_literals_and_other_schemes_are_refused() {
        for url in [
            "http://127.0.0.1/x",
            "http://[::1]:8080/",
            "https://10.0.0.1/",
            "http://93.184.216.34/",
            "file:///etc/passwd",
            "gopher://example.com/",
        ] {
            let url = Url::parse(url).expect("url");
            assert!(refusal(&url).is_some(), "{url} must be refused");
        }
        assert!(refusal(&Url::parse("https://example.com/a").expect("url")).is_none());
        assert!(refusal(&Url::parse("http://localhost:8080/a").expect("url")).is_none());
    }
}
