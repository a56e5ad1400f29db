//! Event ids: `<milliseconds>-<sequence>`, the shape of a Redis Streams entry id, so both
//! implementations hand out the same kind of id and clients can treat them as opaque.

use std::{fmt, str::FromStr};

/// The position of an event in one user's log. Ordered by time, then sequence.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    /// Milliseconds since the Unix epoch when the event was appended.
    pub ms: u64,
    /// Order among events appended in the same millisecond.
    pub seq: u64,
}

impl EventId {
    /// The id before every event: replaying after it replays everything retained.
    pub const ZERO: EventId = EventId { ms: 0, seq: 0 };

    /// An id from its parts.
    pub const fn new(ms: u64, seq: u64) -> Self {
        Self { ms, seq }
    }

    /// The smallest id that comes after `self` and after any id with a time of `now_ms`.
    pub fn next_after(self, now_ms: u64) -> Self {
        if now_ms > self.ms {
            Self::new(now_ms, 0)
        } else {
            Self::new(self.ms, self.seq + 1)
        }
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.ms, self.seq)
    }
}

/// A string that is not an event id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an event id: {0:?}")]
pub struct ParseEventIdError(String);

impl FromStr for EventId {
    type Err = ParseEventIdError;

    /// Accepts `ms-seq` and a bare `ms` (sequence 0).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || ParseEventIdError(s.chars().take(64).collect());
        let (ms, seq) = match s.split_once('-') {
            Some((ms, seq)) => (ms, seq),
            None => (s, "0"),
        };
        let digits =
            |p: &str| !p.is_empty() && p.len() <= 20 && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(ms) || !digits(seq) {
            return Err(bad());
        }
        Ok(Self::new(
            ms.parse().map_err(|_| bad())?,
            seq.parse().map_err(|_| bad())?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_redis_shape() {
        let id: EventId = "1700000000000-7".parse().unwrap();
        assert_eq!(id, EventId::new(1_700_000_000_000, 7));
        assert_eq!(id.to_string(), "1700000000000-7");
        assert_eq!("42".parse::<EventId>().unwrap(), EventId::new(42, 0));
    }

    #[test]
    fn rejects_what_is_not_an_id() {
        for bad in [
            "",
            "-",
            "a-1",
            "1-",
            "-1",
            "1-2-3",
            "1.5",
            "99999999999999999999999-0",
            " 1-0",
        ] {
            assert!(bad.parse::<EventId>().is_err(), "{bad:?} parsed");
        }
    }

    #[test]
    fn orders_by_time_then_sequence() {
        assert!(EventId::new(1, 5) < EventId::new(2, 0));
        assert!(EventId::new(2, 0) < EventId::new(2, 1));
        assert_eq!(EventId::new(5, 3).next_after(4), EventId::new(5, 4));
        assert_eq!(EventId::new(5, 3).next_after(9), EventId::new(9, 0));
    }
}
