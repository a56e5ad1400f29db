//! What identifies this host to people reading Redis keys and logs.

/// The host name (in Kubernetes, the pod name), or `None` where the system has none.
pub fn host_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
}
