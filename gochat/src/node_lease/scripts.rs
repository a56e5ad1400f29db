//! The compare-and-act scripts of a lease. Redis runs a script atomically and each one
//! touches exactly one key, so they are safe on Redis Cluster.

use std::sync::LazyLock;

use redis::Script;

/// Extends the TTL of `KEYS[1]` to `ARGV[2]` ms if its value is still `ARGV[1]` (our owner
/// token). Returns `{1, ""}` when renewed, `{0, holder}` otherwise (`""` when the key is gone).
const RENEW: &str = r"
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return {1, ''}
end
return {0, holder or ''}
";

/// Deletes `KEYS[1]` if its value is still `ARGV[1]`; returns 1 when it did, 0 otherwise.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

static RENEW_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RENEW));
static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE));

/// The compare-and-pexpire script.
pub(super) fn renew() -> &'static Script {
    &RENEW_SCRIPT
}

/// The compare-and-delete script.
pub(super) fn release() -> &'static Script {
    &RELEASE_SCRIPT
}
