//! The public portal's protections and caches. Security-sensitive.
//!
//! [`LookupLimiter`] is the per-client token bucket in front of the plate lookup, so
//! nobody can walk the plate space: `portal_lookup_per_minute` tokens a minute,
//! `portal_lookup_burst` at once, per client address (IPv6 clients per /64). The client
//! address is the peer's, or — only when the peer is one of
//! `portal_trusted_proxies` — the last `X-Forwarded-For` entry that is not itself a
//! trusted proxy. Addresses in `portal_exempt` (the load benchmark's) are not limited.
//! The buckets live in 16 shards, each a `Mutex<HashMap>`, so one lookup costs one
//! short uncontended lock; idle buckets (full again) are swept every minute, and the
//! table is bounded: when it is full of active clients, new clients are refused
//! rather than letting memory grow without limit.
//!
//! [`BehaviourLabels`] caches the violation catalog's texts (public law, no personal
//! data) for a minute. The open cases themselves come from the store's in-memory
//! index (`atgt_store::portal::OpenIndex`), which holds only their public fields.

use atgt_core::portal::{Bucket, Rate};
use atgt_store::Store;
use axum::http::HeaderMap;
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

const SHARDS: usize = 16;
/// Buckets one shard holds at most (about 1.6 million clients in all).
const SHARD_CAP: usize = 100_000;
const SWEEP_EVERY: Duration = Duration::from_secs(60);

struct Shard {
    buckets: HashMap<IpAddr, Bucket>,
    swept: f64,
}

/// The per-client limiter of the plate lookup.
pub struct LookupLimiter {
    rate: Rate,
    exempt: Vec<IpAddr>,
    trusted: Vec<IpAddr>,
    start: Instant,
    hasher: std::collections::hash_map::RandomState,
    shards: Vec<Mutex<Shard>>,
}

/// The answer of the limiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Allowed,
    /// Over the limit: seconds until the next request would be allowed.
    Limited {
        retry_after_s: u64,
    },
}

/// Parses a list of addresses, skipping (and logging) the ones that do not parse.
fn addresses(list: &[String], key: &str) -> Vec<IpAddr> {
    list.iter()
        .filter_map(|s| match s.trim().parse::<IpAddr>() {
            Ok(a) => Some(a),
            Err(_) => {
                tracing::warn!(key, value = %s, "not an IP address; ignored");
                None
            }
        })
        .collect()
}

/// The key a client is limited under: its address, or its /64 for IPv6.
fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

impl LookupLimiter {
    pub fn new(per_minute: u32, burst: u32, exempt: &[String], trusted: &[String]) -> Self {
        LookupLimiter {
            rate: Rate { per_minute, burst },
            exempt: addresses(exempt, "portal_exempt"),
            trusted: addresses(trusted, "portal_trusted_proxies"),
            start: Instant::now(),
            hasher: Default::default(),
            shards: (0..SHARDS)
                .map(|_| {
                    Mutex::new(Shard {
                        buckets: HashMap::new(),
                        swept: 0.0,
                    })
                })
                .collect(),
        }
    }

    /// The client's address: the peer, or the forwarded address when the peer is a
    /// trusted proxy. `None` when the peer is unknown (in-process requests).
    pub fn client(&self, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
        let peer = peer?.ip();
        if !self.trusted.contains(&peer) {
            return Some(peer);
        }
        // Walk X-Forwarded-For from the right: the first address not of our proxies is
        // the client (entries further left are whatever the client claimed).
        let mut client = peer;
        for v in headers.get_all("x-forwarded-for").iter().rev() {
            let Ok(v) = v.to_str() else { break };
            for part in v.rsplit(',') {
                match part.trim().parse::<IpAddr>() {
                    Ok(a) if self.trusted.contains(&a) => client = a,
                    Ok(a) => return Some(a),
                    Err(_) => return Some(client),
                }
            }
        }
        Some(client)
    }

    pub fn is_exempt(&self, ip: IpAddr) -> bool {
        self.exempt.contains(&ip)
    }

    /// Takes a token for `ip` (clients of unknown address share one bucket).
    pub fn check(&self, ip: Option<IpAddr>) -> Verdict {
        let ip = ip.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        if self.is_exempt(ip) {
            return Verdict::Allowed;
        }
        let key = bucket_key(ip);
        let shard = &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS];
        let now = self.start.elapsed().as_secs_f64();
        let mut s = shard.lock().unwrap_or_else(|e| e.into_inner());
        if now - s.swept >= SWEEP_EVERY.as_secs_f64() {
            let rate = self.rate;
            s.buckets.retain(|_, b| !b.idle(rate, now));
            s.swept = now;
        }
        if !s.buckets.contains_key(&key) && s.buckets.len() >= SHARD_CAP {
            let rate = self.rate;
            s.buckets.retain(|_, b| !b.idle(rate, now));
            if s.buckets.len() >= SHARD_CAP {
                return Verdict::Limited {
                    retry_after_s: SWEEP_EVERY.as_secs(),
                };
            }
        }
        let rate = self.rate;
        let b = s
            .buckets
            .entry(key)
            .or_insert_with(|| Bucket::full(rate, now));
        match b.take(rate, now) {
            Ok(()) => Verdict::Allowed,
            Err(retry_after_s) => Verdict::Limited { retry_after_s },
        }
    }

    /// Clients currently tracked (for tests and metrics).
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().map(|s| s.buckets.len()).unwrap_or(0))
            .sum()
    }
}

/// Behaviour code → (text, catalog vehicle).
pub type Labels = Arc<HashMap<String, (String, String)>>;

/// The catalog's behaviour texts and vehicles by code, refreshed every minute.
#[derive(Default)]
pub struct BehaviourLabels {
    cached: RwLock<Option<(Instant, Labels)>>,
}

const LABELS_TTL: Duration = Duration::from_secs(60);

impl BehaviourLabels {
    /// code → (text, vehicle).
    pub async fn get(&self, store: &Store) -> atgt_store::StoreResult<Labels> {
        if let Ok(g) = self.cached.read()
            && let Some((at, m)) = g.as_ref()
            && at.elapsed() < LABELS_TTL
        {
            return Ok(m.clone());
        }
        let catalog = store.catalog().await?;
        let m: HashMap<String, (String, String)> = catalog
            .behaviour
            .iter()
            .map(|b| (b.code.clone(), (b.text.clone(), b.vehicle.clone())))
            .collect();
        let m = Arc::new(m);
        if let Ok(mut g) = self.cached.write() {
            *g = Some((Instant::now(), m.clone()));
        }
        Ok(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn peer(s: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(s.parse().unwrap(), 40000))
    }

    #[test]
    fn forwarded_for_counts_only_from_trusted_proxies() {
        let l = LookupLimiter::new(10, 5, &[], &["10.0.0.1".into()]);
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.2.3.4, 203.0.113.9, 10.0.0.1"),
        );
        // From the proxy: the last address not of the proxy.
        assert_eq!(
            l.client(peer("10.0.0.1"), &h),
            Some("203.0.113.9".parse().unwrap())
        );
        // From anyone else the header is ignored.
        assert_eq!(
            l.client(peer("198.51.100.2"), &h),
            Some("198.51.100.2".parse().unwrap())
        );
        assert_eq!(l.client(None, &h), None);
    }

    #[test]
    fn burst_then_limited_and_exempt_never() {
        let l = LookupLimiter::new(10, 5, &["127.0.0.1".into()], &[]);
        let c = Some("192.0.2.1".parse().unwrap());
        for _ in 0..5 {
            assert_eq!(l.check(c), Verdict::Allowed);
        }
        assert!(matches!(
            l.check(c),
            Verdict::Limited {
                retry_after_s: 1..=6
            }
        ));
        // Another client has its own bucket.
        assert_eq!(
            l.check(Some("192.0.2.2".parse().unwrap())),
            Verdict::Allowed
        );
        for _ in 0..100 {
            assert_eq!(
                l.check(Some("127.0.0.1".parse().unwrap())),
                Verdict::Allowed
            );
        }
        assert_eq!(l.tracked(), 2);
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let l = LookupLimiter::new(10, 1, &[], &[]);
        assert_eq!(
            l.check(Some("2001:db8::1".parse().unwrap())),
            Verdict::Allowed
        );
        assert!(matches!(
            l.check(Some("2001:db8::2".parse().unwrap())),
            Verdict::Limited { .. }
        ));
        assert_eq!(
            l.check(Some("2001:db8:0:1::1".parse().unwrap())),
            Verdict::Allowed
        );
    }
}
