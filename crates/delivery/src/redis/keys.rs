//! The key layout. Every per-user key carries the hash tag `{u:<user>}` and every
//! per-gateway key `{gw:<id>}`, so each command (and each atomic block) touches one Redis
//! Cluster slot; the gateway registry is a single key of its own.

/// The consumer group each gateway reads its inbox with.
pub(crate) const GROUP: &str = "gateway";
/// The field holding an event's payload in a user's log.
pub(crate) const PAYLOAD_FIELD: &str = "p";
/// The field holding the user id in an inbox notification.
pub(crate) const USER_FIELD: &str = "u";
/// The field holding a signal's payload in an inbox notification.
pub(crate) const SIGNAL_FIELD: &str = "s";

/// Builds key names under one prefix.
#[derive(Clone, Debug)]
pub(crate) struct Keys {
    prefix: String,
}

impl Keys {
    /// Keys under `prefix`.
    pub(crate) fn new(prefix: &str) -> Self {
        Self {
            prefix: prefix.to_owned(),
        }
    }

    /// `<prefix>:{u:<user>}:log`: the user's event log (stream; entry id = event id).
    pub(crate) fn log(&self, user: &str) -> String {
        format!("{}:{{u:{user}}}:log", self.prefix)
    }

    /// `<prefix>:{u:<user>}:gw`: the gateways where the user is connected (hash: gateway
    /// id -> presence expiry in ms; the key itself expires too).
    pub(crate) fn presence(&self, user: &str) -> String {
        format!("{}:{{u:{user}}}:gw", self.prefix)
    }

    /// `<prefix>:{u:<user>}:seen`: when the user was last seen present (ms), refreshed with
    /// presence and stamped when their last subscription goes.
    pub(crate) fn seen(&self, user: &str) -> String {
        format!("{}:{{u:{user}}}:seen", self.prefix)
    }

    /// `<prefix>:{gw:<id>}:inbox`: notifications for one gateway (stream, consumer group
    /// [`GROUP`], consumer = the gateway id).
    pub(crate) fn inbox(&self, gateway: &str) -> String {
        format!("{}:{{gw:{gateway}}}:inbox", self.prefix)
    }

    /// `<prefix>:origin`: when this dataset began (ms): set once when missing, so a Redis
    /// that lost its data (FLUSHALL, a restart without persistence) gets a later one.
    pub(crate) fn origin(&self) -> String {
        format!("{}:origin", self.prefix)
    }

    /// `<prefix>:gateways`: every gateway's last heartbeat (sorted set: id -> ms).
    pub(crate) fn gateways(&self) -> String {
        format!("{}:gateways", self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::Keys;

    /// The slot-deciding part of a key: the first `{...}` with something inside.
    fn hash_tag(key: &str) -> &str {
        let open = key.find('{').expect("a hash tag");
        let close = key[open..].find('}').expect("a closed hash tag") + open;
        &key[open + 1..close]
    }

    #[test]
    fn keys_of_one_user_or_gateway_share_a_slot() {
        let keys = Keys::new("gochat");
        assert_eq!(keys.log("ada"), "gochat:{u:ada}:log");
        assert_eq!(keys.presence("ada"), "gochat:{u:ada}:gw");
        assert_eq!(keys.inbox("gw-1"), "gochat:{gw:gw-1}:inbox");
        assert_eq!(keys.gateways(), "gochat:gateways");
        assert_eq!(keys.seen("ada"), "gochat:{u:ada}:seen");
        assert_eq!(hash_tag(&keys.log("ada")), hash_tag(&keys.presence("ada")));
        assert_eq!(hash_tag(&keys.log("ada")), hash_tag(&keys.seen("ada")));
        assert_ne!(hash_tag(&keys.log("ada")), hash_tag(&keys.log("bob")));
        assert_ne!(hash_tag(&keys.log("gw-1")), hash_tag(&keys.inbox("gw-1")));
    }

    #[test]
    fn a_user_id_with_braces_still_keeps_its_keys_together() {
        let keys = Keys::new("t");
        let user = "we}ird{";
        assert_eq!(hash_tag(&keys.log(user)), hash_tag(&keys.presence(user)));
    }
}
