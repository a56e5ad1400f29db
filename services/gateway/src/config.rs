//! The gateway's settings: plain typed values with the contract's defaults.

use std::time::Duration;

/// Lowest per-account send rate the contract allows (messages per second).
pub const MIN_SEND_RATE_PER_SECOND: u32 = 20;
/// Lowest per-IP rate for signup, login, verify and resend the contract allows (per minute).
pub const MIN_AUTH_PER_IP_PER_MINUTE: u32 = 30;
/// Lowest per-account rate for signup, login, verify and resend the contract allows (per minute).
pub const MIN_AUTH_PER_ACCOUNT_PER_MINUTE: u32 = 10;

/// How the gateway behaves. Limits below the contract's minimums are raised to them.
#[derive(Clone, Debug)]
pub struct Config {
    /// Largest accepted request body, in bytes; bigger ones get 413 `payload_too_large`.
    pub max_body_bytes: usize,
    /// Messages one account may send per second (REST and WebSocket together); at least 20.
    pub send_rate_per_second: u32,
    /// Calls per minute one client IP may make to each of signup, login, verify and resend.
    pub auth_per_ip_per_minute: u32,
    /// Calls per minute per account (normalized email) to each of those endpoints.
    pub auth_per_account_per_minute: u32,
    /// Take the client address from `X-Forwarded-For` instead of the peer address. Only
    /// behind proxies you trust: clients can write that header.
    pub trust_forwarded_for: bool,
    /// The trusted proxies in front, each appending to `X-Forwarded-For`: the client address
    /// is the entry this many places from the right (at least 1).
    pub trusted_proxies: usize,
    /// Sockets one account may hold open at once on this gateway.
    pub max_sockets_per_account: usize,
    /// Sockets one client address may hold open at once on this gateway.
    pub max_sockets_per_address: usize,
    /// Frames that may wait to be written to one socket; a socket that falls further
    /// behind is closed (1013) rather than buffered without bound.
    pub ws_queue_frames: usize,
    /// Largest incoming WebSocket frame or message, in bytes.
    pub ws_max_message_bytes: usize,
    /// How often idle sockets are pinged; a socket silent for two intervals is closed.
    pub ws_ping_interval: Duration,
    /// Events read from the event log per replay page.
    pub replay_page_size: usize,
    /// Minimum time between two verification-key fetches caused by an unknown key id.
    pub key_refresh_interval: Duration,
    /// Sends (REST and WebSocket together) that may wait on chat at once; a send over it is
    /// refused at once with 503 `unavailable` and a retry hint. The limit in force follows
    /// `send_latency_target` below this maximum.
    pub max_sends_in_flight: usize,
    /// The mean time in flight the send budget steers towards (see `send_budget`).
    pub send_latency_target: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            max_body_bytes: 64 * 1024,
            send_rate_per_second: 50,
            auth_per_ip_per_minute: MIN_AUTH_PER_IP_PER_MINUTE,
            auth_per_account_per_minute: MIN_AUTH_PER_ACCOUNT_PER_MINUTE,
            trust_forwarded_for: false,
            trusted_proxies: 1,
            max_sockets_per_account: 100,
            max_sockets_per_address: 20_000,
            ws_queue_frames: 256,
            ws_max_message_bytes: 64 * 1024,
            ws_ping_interval: Duration::from_secs(30),
            replay_page_size: 500,
            key_refresh_interval: Duration::from_secs(10),
            max_sends_in_flight: 256,
            send_latency_target: Duration::from_millis(100),
        }
    }
}

impl Config {
    /// The configuration with every limit raised to the contract's minimum and every size
    /// and interval made usable (non-zero).
    pub fn normalized(mut self) -> Self {
        self.send_rate_per_second = self.send_rate_per_second.max(MIN_SEND_RATE_PER_SECOND);
        self.auth_per_ip_per_minute = self.auth_per_ip_per_minute.max(MIN_AUTH_PER_IP_PER_MINUTE);
        self.auth_per_account_per_minute = self
            .auth_per_account_per_minute
            .max(MIN_AUTH_PER_ACCOUNT_PER_MINUTE);
        self.max_body_bytes = self.max_body_bytes.max(1024);
        self.max_sockets_per_account = self.max_sockets_per_account.max(1);
        self.max_sockets_per_address = self.max_sockets_per_address.max(1);
        self.ws_queue_frames = self.ws_queue_frames.max(8);
        self.ws_max_message_bytes = self.ws_max_message_bytes.max(1024);
        self.ws_ping_interval = self.ws_ping_interval.max(Duration::from_millis(100));
        self.replay_page_size = self.replay_page_size.clamp(1, 10_000);
        self.max_sends_in_flight = self.max_sends_in_flight.max(1);
        self.send_latency_target = self.send_latency_target.max(Duration::from_millis(1));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_raised_to_the_contract_minimums() {
        let c = Config {
            send_rate_per_second: 5,
            auth_per_ip_per_minute: 1,
            auth_per_account_per_minute: 0,
            ws_queue_frames: 0,
            replay_page_size: 0,
            ..Config::default()
        }
        .normalized();
        assert_eq!(c.send_rate_per_second, 20);
        assert_eq!(c.auth_per_ip_per_minute, 30);
        assert_eq!(c.auth_per_account_per_minute, 10);
        assert!(c.ws_queue_frames > 0 && c.replay_page_size > 0);
        let c = Config {
            send_rate_per_second: 500,
            ..Config::default()
        }
        .normalized();
        assert_eq!(c.send_rate_per_second, 500);
    }

    #[test]
    fn defaults_match_the_contract() {
        let c = Config::default();
        assert_eq!(c.max_body_bytes, 65_536);
        assert_eq!(c.send_rate_per_second, 50);
        assert!(!c.trust_forwarded_for);
        assert_eq!(c.ws_queue_frames, 256);
        assert_eq!(c.ws_ping_interval, Duration::from_secs(30));
    }
}
