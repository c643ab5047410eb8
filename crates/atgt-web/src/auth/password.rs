//! Password hashing with Argon2id (the crate's recommended parameters). Security-sensitive.

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

pub fn hash(password: &str) -> anyhow::Result<String> {
    let h = Argon2::default()
        .hash_password(password.as_bytes())
        .map_err(|e| anyhow::anyhow!("password hashing failed: {e}"))?;
    Ok(h.to_string())
}

pub fn verify(password: &str, stored: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), stored)
        .is_ok()
}

/// A hash that verifies no password, used to spend the same time on unknown usernames
/// as on known ones (no user enumeration by timing).
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash(&crate::auth::token::random(24)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    #[test]
    fn round_trip() {
        let h = super::hash("mật khẩu dài hơn").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("mật khẩu dài hơn", &h));
        assert!(!super::verify("mat khau dai hon", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
