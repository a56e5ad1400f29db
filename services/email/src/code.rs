//! Verification codes and the addresses they belong to: generation, format, normalization.

use rand::Rng;

/// Digits in a verification code.
pub const CODE_LEN: usize = 6;

/// A uniformly random 6-digit code (leading zeros kept) from the thread-local CSPRNG.
pub fn generate_code() -> String {
    let n: u32 = rand::rng().random_range(0..1_000_000);
    format!("{n:06}")
}

/// Whether `code` is exactly six ASCII digits.
pub fn is_well_formed(code: &str) -> bool {
    code.len() == CODE_LEN && code.bytes().all(|b| b.is_ascii_digit())
}

/// The key an address is stored under: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Longest address accepted, in characters (the RFC 5321 path limit, counted as auth counts
/// it, so that every address auth accepts can be mailed).
const MAX_EMAIL_CHARS: usize = 254;

/// Whether a normalized address is plausible enough to mail: `local@domain`, no spaces or
/// control characters (which could inject headers), within the length limit.
pub fn is_mailable(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && email.chars().count() <= MAX_EMAIL_CHARS
        && !email
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_are_six_digits_and_vary() {
        let codes: Vec<String> = (0..2000).map(|_| generate_code()).collect();
        assert!(codes.iter().all(|c| is_well_formed(c)), "{codes:?}");
        let distinct: std::collections::HashSet<_> = codes.iter().collect();
        assert!(
            distinct.len() > 1900,
            "only {} distinct codes",
            distinct.len()
        );
        // Leading zeros must be kept: with 2000 draws a code below 100000 is all but certain.
        assert!(codes.iter().any(|c| c.starts_with('0')));
    }

    #[test]
    fn generated_digits_are_roughly_uniform() {
        let mut counts = [0u32; 10];
        for _ in 0..5000 {
            for b in generate_code().bytes() {
                counts[usize::from(b - b'0')] += 1;
            }
        }
        // 30000 digits, 3000 expected per digit; the bounds are many sigmas wide.
        assert!(
            counts.iter().all(|&n| (2500..3500).contains(&n)),
            "{counts:?}"
        );
    }

    #[test]
    fn format_check_is_strict() {
        assert!(is_well_formed("000000"));
        assert!(is_well_formed("123456"));
        for bad in [
            "",
            "12345",
            "1234567",
            "12345a",
            " 12345",
            "１２３４５６",
            "12 456",
            "-12345",
        ] {
            assert!(!is_well_formed(bad), "{bad:?}");
        }
    }

    #[test]
    fn normalization_trims_and_lowercases() {
        assert_eq!(normalize_email("  Ada@Example.ORG \n"), "ada@example.org");
    }

    #[test]
    fn mailable_rejects_header_injection_and_junk() {
        assert!(is_mailable("ada@example.org"));
        for bad in [
            "",
            "ada",
            "@example.org",
            "ada@",
            "ada@example.org\r\nBcc: eve@evil.test",
            "a da@example.org",
            "<ada@example.org>",
            "ada@example.org, eve@evil.test",
        ] {
            assert!(!is_mailable(bad), "{bad:?}");
        }
        assert!(!is_mailable(&format!("{}@example.org", "a".repeat(250))));
        // Characters count, not bytes: auth accepts 254 characters of any width.
        assert!(is_mailable(&format!("{}@x.io", "ü".repeat(249))));
    }
}
