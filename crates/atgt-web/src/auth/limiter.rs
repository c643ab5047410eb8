//! The sign-in limiter: failed sign-ins are counted per client address and username,
//! and per address alone, in a sliding window. Security-sensitive.
//!
//! In memory, per process: a deployment with several instances behind a balancer
//! should pin clients or put the limit in the proxy too.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct LoginLimiter {
    max: u32,
    window: Duration,
    failures: Mutex<HashMap<String, Vec<Instant>>>,
}

impl LoginLimiter {
    pub fn new(max_failures: u32, window_minutes: u32) -> LoginLimiter {
        LoginLimiter {
            max: max_failures.max(1),
            window: Duration::from_secs(u64::from(window_minutes.max(1)) * 60),
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(ip: &str, username: &str) -> [String; 2] {
        [
            format!("{ip}|{}", username.to_lowercase()),
            format!("{ip}|*"),
        ]
    }

    /// Minutes to wait before another try, if the client is blocked now.
    pub fn blocked(&self, ip: &str, username: &str) -> Option<u64> {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let [pair, addr] = Self::keys(ip, username);
        // The address alone may fail four times as often (several people behind one NAT).
        for (key, limit) in [(pair, self.max), (addr, self.max * 4)] {
            if let Some(v) = map.get_mut(&key) {
                v.retain(|t| now.duration_since(*t) < self.window);
                if v.len() as u32 >= limit {
                    let oldest = v.first().copied().unwrap_or(now);
                    let wait = self.window.saturating_sub(now.duration_since(oldest));
                    return Some(wait.as_secs().div_ceil(60).max(1));
                }
            }
        }
        None
    }

    pub fn record_failure(&self, ip: &str, username: &str) {
        let now = Instant::now();
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // Bound the memory an attacker can make us hold.
            let window = self.window;
            map.retain(|_, v| v.last().is_some_and(|t| now.duration_since(*t) < window));
        }
        for k in Self::keys(ip, username) {
            map.entry(k).or_default().push(now);
        }
    }

    pub fn record_success(&self, ip: &str, username: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&Self::keys(ip, username)[0]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max_failures() {
        let l = LoginLimiter::new(3, 15);
        for _ in 0..3 {
            assert!(l.blocked("1.2.3.4", "an").is_none());
            l.record_failure("1.2.3.4", "an");
        }
        assert_eq!(l.blocked("1.2.3.4", "AN"), Some(15));
        // Another address is not affected.
        assert!(l.blocked("5.6.7.8", "an").is_none());
        // Another username from the same address still works until the address limit.
        assert!(l.blocked("1.2.3.4", "binh").is_none());
    }
}
