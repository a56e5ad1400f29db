//! Message ids: time-ordered 64-bit snowflakes.
//!
//! Layout, most significant first: 42 bits of milliseconds since [`EPOCH_MS`], 10 bits of
//! node id, 12 bits of sequence. Rendered as 16 lowercase hex digits, so the string order,
//! the numeric order and (within one node) the acceptance order are the same.

use std::{
    fmt,
    str::FromStr,
    sync::atomic::{AtomicU64, Ordering},
};

use serde::{Deserialize, Serialize};

/// The custom epoch of message ids: 2025-01-01T00:00:00Z, in ms since the Unix epoch.
pub const EPOCH_MS: i64 = 1_735_689_600_000;
/// Bits of the sequence part.
const SEQ_BITS: u32 = 12;
/// Bits of the node part.
const NODE_BITS: u32 = 10;
/// Bits of the time part.
const TIME_BITS: u32 = 42;
/// The largest node id (1023).
pub const MAX_NODE_ID: u16 = (1 << NODE_BITS) - 1;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;
const TIME_MASK: u64 = (1 << TIME_BITS) - 1;

/// A message id. Ordered by time, then node, then sequence.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct MessageId(u64);

impl MessageId {
    /// An id from its raw 64-bit value.
    pub const fn from_raw(raw: u64) -> Self {
        Self(raw)
    }

    /// The raw 64-bit value (what stores key on).
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// The id with the given parts; out-of-range parts are truncated to their bit width.
    pub const fn from_parts(elapsed_ms: u64, node_id: u16, seq: u64) -> Self {
        Self(
            ((elapsed_ms & TIME_MASK) << (NODE_BITS + SEQ_BITS))
                | (((node_id as u64) & MAX_NODE_ID as u64) << SEQ_BITS)
                | (seq & SEQ_MASK),
        )
    }

    /// The smallest id of any message accepted at or after `unix_ms`, for "since a time"
    /// queries (times before the epoch give the smallest id).
    pub fn first_at(unix_ms: i64) -> Self {
        let elapsed = unix_ms.saturating_sub(EPOCH_MS).max(0) as u64;
        Self::from_parts(elapsed.min(TIME_MASK), 0, 0)
    }

    /// When the id was handed out, in ms since the Unix epoch: a message's `sent_at_ms`.
    pub const fn unix_ms(self) -> i64 {
        EPOCH_MS + (self.0 >> (NODE_BITS + SEQ_BITS)) as i64
    }

    /// The node that handed the id out.
    pub const fn node_id(self) -> u16 {
        ((self.0 >> SEQ_BITS) & MAX_NODE_ID as u64) as u16
    }

    /// The sequence within the millisecond.
    pub const fn seq(self) -> u64 {
        self.0 & SEQ_MASK
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016x}", self.0)
    }
}

/// A string that is not a message id (16 lowercase hex digits).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a message id: {0:?}")]
pub struct ParseMessageIdError(String);

impl FromStr for MessageId {
    type Err = ParseMessageIdError;

    /// Accepts exactly the rendering of [`fmt::Display`]: 16 lowercase hex digits.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let well_formed =
            s.len() == 16 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        if !well_formed {
            return Err(ParseMessageIdError(s.chars().take(32).collect()));
        }
        u64::from_str_radix(s, 16)
            .map(Self)
            .map_err(|_| ParseMessageIdError(s.to_owned()))
    }
}

/// A node id outside `0..=1023`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("node id {0} is out of range (0..={MAX_NODE_ID})")]
pub struct InvalidNodeId(pub u16);

/// Hands out message ids for one node: strictly increasing within the process, even when
/// the wall clock steps back (the generator then keeps counting on its last millisecond,
/// borrowing the next millisecond when a millisecond's 4096 sequence numbers run out).
#[derive(Debug)]
pub struct MessageIdGenerator {
    node_id: u16,
    /// The last handed-out `(elapsed_ms << SEQ_BITS) | seq`, so "the next one" is `+ 1`.
    last: AtomicU64,
}

impl MessageIdGenerator {
    /// A generator for `node_id` (`0..=1023`; chat replicas must each use their own).
    pub fn new(node_id: u16) -> Result<Self, InvalidNodeId> {
        if node_id > MAX_NODE_ID {
            return Err(InvalidNodeId(node_id));
        }
        Ok(Self {
            node_id,
            last: AtomicU64::new(0),
        })
    }

    /// The next id, at the current wall-clock time.
    pub fn next_id(&self) -> MessageId {
        self.next_at(gochat_runtime::clock::now_ms())
    }

    /// The next id as if the wall clock read `unix_ms`: larger than every id handed out before.
    pub fn next_at(&self, unix_ms: i64) -> MessageId {
        let elapsed = (unix_ms.saturating_sub(EPOCH_MS).max(0) as u64).min(TIME_MASK);
        let floor = elapsed << SEQ_BITS;
        let mut last = self.last.load(Ordering::Relaxed);
        loop {
            let next = floor.max(last.wrapping_add(1));
            match self
                .last
                .compare_exchange_weak(last, next, Ordering::AcqRel, Ordering::Relaxed)
            {
                Ok(_) => return MessageId::from_parts(next >> SEQ_BITS, self.node_id, next),
                Err(seen) => last = seen,
            }
        }
    }
}

#[cfg(test)]
mod tests;
