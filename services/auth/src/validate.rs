//! The account input rules: what counts as an email address, a password and a display name.

/// Longest accepted address as given (surrounding spaces included), in characters (the
/// RFC 5321 path limit is 254 octets).
pub(crate) const MAX_EMAIL_CHARS: usize = 254;
/// Shortest accepted password, in characters.
pub(crate) const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters: bounds the work one request can cause.
pub(crate) const MAX_PASSWORD_CHARS: usize = 1024;
/// Longest accepted display name, in characters.
pub(crate) const MAX_DISPLAY_NAME_CHARS: usize = 64;

/// A rule an input broke; each maps to one public API error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum Invalid {
    /// Not an address this service accepts.
    #[error("the email address is not valid")]
    Email,
    /// Fewer than eight characters.
    #[error("the password must have at least 8 characters")]
    WeakPassword,
    /// Over 1024 characters: a malformed request rather than a choice of password.
    #[error("the password is too long")]
    PasswordTooLong,
    /// Empty or over 64 characters once trimmed.
    #[error("the display name must have 1 to 64 characters")]
    DisplayName,
}

/// Trims and lower-cases `raw` and checks it is a plausible address: at most 254
/// characters as given, one `@`, a non-empty local part, a dotted domain without empty
/// labels, no whitespace, control characters or `<>,;`. (The gateway's OpenAPI document states the
/// same rule as a pattern.)
pub(crate) fn normalize_email(raw: &str) -> Result<String, Invalid> {
    if raw.chars().count() > MAX_EMAIL_CHARS {
        return Err(Invalid::Email);
    }
    let email = raw.trim().to_lowercase();
    if email.is_empty() {
        return Err(Invalid::Email);
    }
    // `<>,;` would let an address change the headers of the mail that carries its code;
    // the email service refuses to mail them, so they are refused here first.
    if email
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
    {
        return Err(Invalid::Email);
    }
    let Some((local, domain)) = email.split_once('@') else {
        return Err(Invalid::Email);
    };
    let domain_ok = domain.contains('.') && domain.split('.').all(|label| !label.is_empty());
    if local.is_empty() || domain.contains('@') || !domain_ok {
        return Err(Invalid::Email);
    }
    Ok(email)
}

/// Checks a new password's length (it is never trimmed: spaces are part of it).
pub(crate) fn check_password(password: &str) -> Result<(), Invalid> {
    check_password_size(password)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Invalid::WeakPassword);
    }
    Ok(())
}

/// Rejects a password too long to be worth hashing (also applied at login).
pub(crate) fn check_password_size(password: &str) -> Result<(), Invalid> {
    if password.chars().count() > MAX_PASSWORD_CHARS {
        return Err(Invalid::PasswordTooLong);
    }
    Ok(())
}

/// Trims a display name and checks it has 1 to 64 characters and no control characters
/// (names end up in mail greetings and other people's screens).
pub(crate) fn normalize_display_name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    let chars = name.chars().count();
    if chars == 0 || chars > MAX_DISPLAY_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Invalid::DisplayName);
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests;
