//! Times on the public API: RFC 3339 UTC with milliseconds and `Z`.

use chrono::{DateTime, SecondsFormat};

/// `ms` (milliseconds since the Unix epoch) as `2026-11-24T08:42:24.123Z`. Values outside
/// the representable range print as the epoch rather than failing a response.
pub fn rfc3339_ms(ms: i64) -> String {
    DateTime::from_timestamp_millis(ms)
        .unwrap_or(DateTime::UNIX_EPOCH)
        .to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_and_z() {
        assert_eq!(rfc3339_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339_ms(1_795_509_744_123), "2026-11-24T08:42:24.123Z");
        assert_eq!(rfc3339_ms(1_795_509_744_000), "2026-11-24T08:42:24.000Z");
        assert_eq!(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
        assert_eq!(rfc3339_ms(i64::MAX), "1970-01-01T00:00:00.000Z");
    }
}
