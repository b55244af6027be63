//! Password hashing and verification: argon2id with the crate's default
//! parameters, in PHC string format.

use std::sync::{LazyLock, OnceLock};

use actix_web::error::BlockingError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use tokio::sync::Semaphore;

/// The shortest password `user add` accepts, in characters.
pub const MIN_LEN: usize = 12;

/// Longer passwords are refused rather than hashed, so that nobody can make
/// the server hash megabytes.
pub const MAX_LEN: usize = 1024;

/// Why a password cannot be used.
pub fn check_strength(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_LEN {
        return Err(format!(
            "the password is too short: it needs at least {MIN_LEN} characters"
        ));
    }
    if password.len() > MAX_LEN {
        return Err(format!("the password is too long: at most {MAX_LEN} bytes"));
    }
    Ok(())
}

/// An argon2id hash of `password` with a fresh random salt.
pub fn hash(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored `hash`; a malformed hash never matches.
pub fn verify(password: &str, hash: &str) -> bool {
    if password.len() > MAX_LEN {
        return false;
    }
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Spends as long as a real verification, for a login whose email names
/// nobody: an answer's timing must not tell which emails exist.
pub fn verify_dummy(password: &str) {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash(&crate::auth::random_token()).ok());
    if let Some(h) = dummy {
        let _ = verify(password, h);
    }
}

/// Password checks running at once: one per core. Each holds argon2's
/// 19 MiB and a core for its whole run, so more at once would only queue
/// on the cores while holding their memory; the others wait their turn
/// here, on the async side, holding nothing.
static CHECKS: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

/// Whether `password` matches `hash`, or, for a login whose email names
/// nobody (no hash), `false` after as long as a real check takes. Runs on
/// the blocking pool, off the async workers, and never with a database
/// connection in hand: the caller takes what it needs and lets go first.
pub async fn check(password: String, hash: Option<String>) -> Result<bool, BlockingError> {
    // Never closed; without a permit the check still runs.
    let _permit = CHECKS.acquire().await.ok();
    actix_web::web::block(move || match hash {
        Some(hash) => verify(&password, &hash),
        None => {
            verify_dummy(&password);
            false
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_verifies_its_password_only() {
        let h = hash("correct horse battery").expect("hash");
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse battery", &h));
        assert!(!verify("correct horse batterY", &h));
        assert!(!verify("correct horse battery", "not a hash"));
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(check_strength("elevenchars").is_err());
        assert!(check_strength("twelve chars").is_ok());
        assert!(check_strength("ééééééééééé").is_err());
    }
}
