//! `Debug` for the messages that carry a password, a token or a verification code (listed
//! in `src/secret_messages.rs`, which the build reads to leave them without a derived one):
//! the secret prints as `<redacted>`, so no log line or span field made with `{:?}` holds
//! it.

use std::fmt;

use crate::{auth::v1 as auth, email::v1 as email};

/// What a secret field prints as.
const REDACTED: &str = "<redacted>";

impl fmt::Debug for auth::CreateAccountRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateAccountRequest")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .field("display_name", &self.display_name)
            .finish()
    }
}

impl fmt::Debug for auth::VerifyAccountRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyAccountRequest")
            .field("email", &self.email)
            .field("code", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for auth::LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("email", &self.email)
            .field("password", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for auth::TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &REDACTED)
            .field("refresh_token", &REDACTED)
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

impl fmt::Debug for auth::RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &REDACTED)
            .finish()
    }
}

impl fmt::Debug for email::CheckVerificationCodeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckVerificationCodeRequest")
            .field("email", &self.email)
            .field("code", &REDACTED)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let secret = "s3cret-value";
        let printed = [
            format!(
                "{:?}",
                auth::CreateAccountRequest {
                    email: "a@b.c".into(),
                    password: secret.into(),
                    display_name: "A".into(),
                }
            ),
            format!(
                "{:?}",
                auth::VerifyAccountRequest {
                    email: "a@b.c".into(),
                    code: secret.into(),
                }
            ),
            format!(
                "{:?}",
                auth::LoginRequest {
                    email: "a@b.c".into(),
                    password: secret.into(),
                }
            ),
            format!(
                "{:?}",
                auth::TokenPair {
                    access_token: secret.into(),
                    refresh_token: secret.into(),
                    expires_in: 900,
                }
            ),
            format!(
                "{:?}",
                auth::RefreshRequest {
                    refresh_token: secret.into(),
                }
            ),
            format!(
                "{:?}",
                email::CheckVerificationCodeRequest {
                    email: "a@b.c".into(),
                    code: secret.into(),
                }
            ),
        ];
        assert_eq!(printed.len(), crate::secret_messages::SECRET_MESSAGES.len());
        for line in printed {
            assert!(!line.contains(secret), "{line}");
            assert!(line.contains(REDACTED), "{line}");
        }
    }
}
