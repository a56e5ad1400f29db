//! The Lua scripts behind the read-modify-write operations. Redis runs a script atomically,
//! and each touches exactly one key, so they are safe on Redis Cluster.

use std::sync::LazyLock;

use redis::Script;

/// Adds one to the attempts of the record at `KEYS[1]` (big-endian u32 in its last four
/// bytes, saturating; the TTL is kept by `SETRANGE`) and returns the record as it was before,
/// or nil when there is none. A record not in the expected layout (61 bytes, version 1) is
/// returned untouched, so the caller reports it as corrupt.
const COUNT_ATTEMPT: &str = r"
local v = redis.call('GET', KEYS[1])
if not v then return false end
if #v == 61 and string.byte(v, 1) == 1 then
  local b1, b2, b3, b4 = string.byte(v, 58, 61)
  local n = ((b1 * 256 + b2) * 256 + b3) * 256 + b4
  if n < 4294967295 then
    n = n + 1
    local out = string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
      math.floor(n / 256) % 256, n % 256)
    redis.call('SETRANGE', KEYS[1], 57, out)
  end
end
return v
";

/// Deletes the record at `KEYS[1]` if its salt (bytes 2..=17) is `ARGV[1]`; returns 1 when
/// it did, 0 otherwise.
const CONSUME: &str = r"
local v = redis.call('GET', KEYS[1])
if v and string.sub(v, 2, 17) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
";

/// Counts a send at `ARGV[1]` (ms) in the fixed window of `ARGV[2]` ms kept in the hash at
/// `KEYS[1]` (`s` = window start, `n` = sends). Judged by the caller's clock; a new window
/// gets a TTL of `ARGV[3]` ms (its length, capped). Returns the sends in the window, this
/// one included.
const COUNT_SEND: &str = r"
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local start = tonumber(redis.call('HGET', KEYS[1], 's'))
if start and now >= start and now - start < window then
  return redis.call('HINCRBY', KEYS[1], 'n', 1)
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 's', ARGV[1], 'n', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

static COUNT_ATTEMPT_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(COUNT_ATTEMPT));
static CONSUME_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(CONSUME));
static COUNT_SEND_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(COUNT_SEND));

/// See [`COUNT_ATTEMPT`].
pub(super) fn count_attempt() -> &'static Script {
    &COUNT_ATTEMPT_SCRIPT
}

/// See [`CONSUME`].
pub(super) fn consume() -> &'static Script {
    &CONSUME_SCRIPT
}

/// See [`COUNT_SEND`].
pub(super) fn count_send() -> &'static Script {
    &COUNT_SEND_SCRIPT
}
