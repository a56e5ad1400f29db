/// The messages that carry a password, a token or a verification code. The build gives them
/// no derived `Debug` (`proto/build.rs` includes this file) and `src/redacted.rs` writes one
/// that hides the secret.
pub const SECRET_MESSAGES: &[&str] = &[
    ".gochat.auth.v1.CreateAccountRequest",
    ".gochat.auth.v1.VerifyAccountRequest",
    ".gochat.auth.v1.LoginRequest",
    ".gochat.auth.v1.TokenPair",
    ".gochat.auth.v1.RefreshRequest",
    ".gochat.email.v1.CheckVerificationCodeRequest",
];
