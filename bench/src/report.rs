//! The report: one run's figures as a text table and as JSON.

use std::fmt::Write;

use serde::Serialize;

use crate::scenario::{
    idle::Idle, latency::LatencyPoint, overload::Overload, throughput::Throughput,
};

/// Everything one run measured.
#[derive(Debug, Serialize)]
pub struct Report {
    /// What was measured (e.g. `gochat local`).
    pub label: String,
    /// `gochat` or `centrifugo`.
    pub target: String,
    /// The closed-loop run.
    pub throughput: Throughput,
    /// The open-loop runs, by offered rate.
    pub latency: Vec<LatencyPoint>,
    /// The overload run.
    pub overload: Option<Overload>,
    /// The idle-socket run.
    pub idle: Option<Idle>,
}

impl Report {
    /// The figures as a plain-text table.
    pub fn table(&self) -> String {
        let t = &self.throughput;
        let mut out = String::new();
        let _ = writeln!(out, "\n== {} ({})", self.label, self.target);
        let _ = writeln!(
            out,
            "throughput: {:.0} delivered msg/s | users {} senders {} for {} s | sent {} received {} lost {} duplicated {} errors {}",
            t.delivered_per_sec,
            t.users,
            t.senders,
            t.seconds,
            t.sent,
            t.received,
            t.lost,
            t.duplicated,
            t.errors
        );
        let _ = writeln!(
            out,
            "{:>10} {:>8} {:>8} {:>7} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "rate/s", "sent", "recv", "refused", "lost", "p50 ms", "p90 ms", "p99 ms", "max ms"
        );
        for p in &self.latency {
            let l = &p.latency;
            let _ = writeln!(
                out,
                "{:>10.0} {:>8} {:>8} {:>7} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                p.rate,
                p.sent,
                p.received,
                p.refused,
                p.lost,
                l.p50_ms,
                l.p90_ms,
                l.p99_ms,
                l.max_ms
            );
        }
        if let Some(o) = &self.overload {
            let _ = writeln!(
                out,
                "overload: {:.0} msg/s for {} s | sent {} accepted {} refused {} unanswered {} | lost {} duplicated {} | accepted p50 {:.2} ms p99 {:.2} ms max {:.2} ms | errors {:?} | sockets closed {}",
                o.rate,
                o.seconds,
                o.sent,
                o.accepted,
                o.refused,
                o.unanswered,
                o.lost,
                o.duplicated,
                o.accepted_latency.p50_ms,
                o.accepted_latency.p99_ms,
                o.accepted_latency.max_ms,
                o.errors,
                o.closed_early
            );
        }
        if let Some(i) = &self.idle {
            let _ = writeln!(
                out,
                "idle: {} of {} sockets open, server RSS {} -> {} KiB, {:.2} KiB per socket, {} closed while idle",
                i.opened,
                i.sockets,
                i.rss_before_kib,
                i.rss_after_kib,
                i.kib_per_socket,
                i.closed_early
            );
        }
        out
    }
}
