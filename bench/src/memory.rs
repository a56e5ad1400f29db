//! Resident memory of the processes under test, from `/proc/<pid>/status`.

/// Sum of `VmRSS` of `pids`, in KiB; `None` when one cannot be read.
pub fn rss_kib(pids: &[u32]) -> Option<u64> {
    pids.iter().map(|pid| one(*pid)).sum()
}

fn one(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_its_own_rss() {
        let rss = super::rss_kib(&[std::process::id()]).expect("our own status");
        assert!(rss > 100, "{rss} KiB");
        assert_eq!(super::rss_kib(&[u32::MAX]), None);
    }
}
