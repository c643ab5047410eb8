//! Random tokens and their hashes. Security-sensitive.

use base64::Engine;
use sha2::{Digest, Sha256};

/// A random token of `bytes` bytes, URL-safe base64 without padding.
pub fn random(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// Lower-case hex SHA-256, the stored form of session tokens and API keys.
pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

/// Compares two strings in time independent of where they differ.
pub fn constant_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new API key: `atgt_<prefix>_<secret>`; returns (key, prefix).
pub fn new_api_key() -> (String, String) {
    let prefix: String = random(6)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .take(8)
        .collect();
    let prefix = if prefix.len() < 6 {
        random(9).replace(['-', '_'], "x")[..8].to_string()
    } else {
        prefix
    };
    let secret = random(32);
    (format!("atgt_{prefix}_{secret}"), prefix)
}

/// The prefix of a presented API key, if it has the right shape.
pub fn api_key_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("atgt_")?;
    let (prefix, secret) = rest.split_once('_')?;
    (!prefix.is_empty() && secret.len() >= 32).then_some(prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_a_findable_prefix() {
        for _ in 0..50 {
            let (key, prefix) = new_api_key();
            assert_eq!(api_key_prefix(&key), Some(prefix.as_str()), "{key}");
        }
        assert_eq!(api_key_prefix("atgt_abc_short"), None);
        assert_eq!(api_key_prefix("Bearer x"), None);
    }

    #[test]
    fn tokens_are_random_and_compare_in_constant_time() {
        assert_ne!(random(32), random(32));
        assert!(constant_eq("abc", "abc"));
        assert!(!constant_eq("abc", "abd"));
        assert!(!constant_eq("abc", "ab"));
    }
}
