//! `gochat-bench`: drives a chat server through its public API as real clients do and
//! reports delivered messages per second, send → receive latency at fixed offered rates, and
//! memory per idle socket. It reports; it never passes or fails.
#![forbid(unsafe_code)]

mod conn;
mod memory;
mod operator;
mod report;
mod scenario;
mod stats;
mod target;

use std::{path::PathBuf, sync::Arc};

use anyhow::Context;
use clap::{Args, Parser, Subcommand};

use crate::{
    report::Report,
    target::{
        Target,
        centrifugo::Centrifugo,
        gochat::{Gochat, Mail},
    },
};

/// Benchmarks gochat (or Centrifugo, the same load shape) through its public API.
#[derive(Debug, Parser)]
#[command(name = "gochat-bench", version, about)]
struct Cli {
    #[command(subcommand)]
    target: TargetArgs,
}

#[derive(Debug, Subcommand)]
enum TargetArgs {
    /// A gochat installation (`gochat local` or several gateways).
    Gochat {
        /// Gateway base URLs (`http://127.0.0.1:8080`), comma-separated; users alternate.
        #[arg(long, value_delimiter = ',', required = true)]
        gateways: Vec<String>,
        /// `gochat local`'s outbox directory, where verification codes arrive.
        #[arg(long, conflicts_with = "maildir")]
        outbox: Option<PathBuf>,
        /// The SMTP sink's Maildir, where verification codes arrive.
        #[arg(long)]
        maildir: Option<PathBuf>,
        #[command(flatten)]
        load: Load,
    },
    /// A Centrifugo server with a `personal` namespace allowing client publishes.
    Centrifugo {
        /// WebSocket endpoint, e.g. `ws://127.0.0.1:8000/connection/websocket`.
        #[arg(long)]
        ws: String,
        /// HMAC secret of connection tokens.
        #[arg(long)]
        secret: String,
        #[command(flatten)]
        load: Load,
    },
    /// The operator (running against KUBECONFIG): ChatCluster create → children present.
    Operator {
        /// Namespace to create the ChatClusters in.
        #[arg(long, default_value = "bench")]
        namespace: String,
        /// ChatClusters created one at a time (for the latency distribution).
        #[arg(long, default_value_t = 20)]
        singles: usize,
        /// ChatClusters created at once.
        #[arg(long, default_value_t = 100)]
        batch: usize,
        /// The operator's pid, for its RSS.
        #[arg(long)]
        operator_pid: Option<u32>,
        /// Where to write the figures as JSON.
        #[arg(long)]
        json: Option<PathBuf>,
    },
}

/// The load shape, the same for every target.
#[derive(Debug, Args)]
struct Load {
    /// Label of this run in the report (e.g. `gochat local`).
    #[arg(long)]
    label: String,
    /// Server processes whose RSS is measured (comma-separated pids).
    #[arg(long, value_delimiter = ',')]
    pids: Vec<u32>,
    /// Users with an open socket; half send, each to its own peer in the other half.
    #[arg(long, default_value_t = 200)]
    users: usize,
    /// Seconds of closed-loop sending.
    #[arg(long, default_value_t = 10.0)]
    seconds: f64,
    /// Offered rates of the latency runs, as fractions of the measured throughput.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "0.1,0.25,0.5,0.75,0.9,1.0"
    )]
    rates: Vec<f64>,
    /// Seconds of each latency run.
    #[arg(long, default_value_t = 5.0)]
    latency_seconds: f64,
    /// Offered rate of the overload run, as a multiple of the measured throughput (0 skips it).
    #[arg(long, default_value_t = 2.0)]
    overload_factor: f64,
    /// Seconds of the overload run.
    #[arg(long, default_value_t = 10.0)]
    overload_seconds: f64,
    /// Idle sockets to open (0 skips the measurement).
    #[arg(long, default_value_t = 10_000)]
    idle: usize,
    /// Where to write the report as JSON.
    #[arg(long)]
    json: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let (target, load): (Arc<dyn Target>, Load) = match cli.target {
        TargetArgs::Gochat {
            gateways,
            outbox,
            maildir,
            load,
        } => {
            let mail = match (outbox, maildir) {
                (Some(dir), None) => Mail::Outbox(dir),
                (None, Some(dir)) => Mail::Maildir(dir),
                _ => anyhow::bail!("give --outbox or --maildir (where verification codes arrive)"),
            };
            (Arc::new(Gochat::new(gateways, mail)?), load)
        }
        TargetArgs::Centrifugo { ws, secret, load } => {
            (Arc::new(Centrifugo::new(ws, &secret)), load)
        }
        TargetArgs::Operator {
            namespace,
            singles,
            batch,
            operator_pid,
            json,
        } => {
            let figures = operator::run(&namespace, singles, batch, operator_pid).await?;
            println!(
                "operator: create -> children present p50 {:.0} ms p90 {:.0} ms max {:.0} ms ({} one at a time); {} at once in {:.2} s; operator RSS {} KiB",
                figures.single.p50_ms,
                figures.single.p90_ms,
                figures.single.max_ms,
                figures.singles,
                figures.batch,
                figures.batch_seconds,
                figures
                    .operator_rss_kib
                    .map_or_else(|| "?".to_owned(), |k| k.to_string()),
            );
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&figures)?)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            return Ok(());
        }
    };
    if load.users < 2 {
        anyhow::bail!("--users must be at least 2");
    }
    eprintln!("[{}] preparing {} users", load.label, load.users);
    let users = target
        .prepare(load.users)
        .await
        .context("preparing users")?;

    eprintln!(
        "[{}] throughput: {} senders for {} s",
        load.label,
        load.users / 2,
        load.seconds
    );
    let throughput = scenario::throughput::run(target.clone(), &users, load.seconds).await?;
    eprintln!(
        "[{}]   {:.0} delivered/s",
        load.label, throughput.delivered_per_sec
    );

    let mut latency = Vec::new();
    for fraction in &load.rates {
        let rate = (throughput.delivered_per_sec * fraction).max(1.0).round();
        eprintln!("[{}] latency at {rate} msg/s", load.label);
        let point =
            scenario::latency::run(target.clone(), &users, rate, load.latency_seconds).await?;
        eprintln!(
            "[{}]   p50 {:.2} ms p99 {:.2} ms",
            load.label, point.latency.p50_ms, point.latency.p99_ms
        );
        latency.push(point);
    }

    let overload = if load.overload_factor > 0.0 {
        let rate = (throughput.delivered_per_sec * load.overload_factor)
            .max(1.0)
            .round();
        eprintln!(
            "[{}] overload at {rate} msg/s for {} s",
            load.label, load.overload_seconds
        );
        let run =
            scenario::overload::run(target.clone(), &users, rate, load.overload_seconds).await?;
        eprintln!(
            "[{}]   accepted {} refused {} unanswered {} lost {}; accepted p99 {:.2} ms",
            load.label,
            run.accepted,
            run.refused,
            run.unanswered,
            run.lost,
            run.accepted_latency.p99_ms
        );
        Some(run)
    } else {
        None
    };

    let idle = if load.idle > 0 {
        eprintln!("[{}] {} idle sockets", load.label, load.idle);
        Some(scenario::idle::run(target.clone(), &users, load.idle, &load.pids).await?)
    } else {
        None
    };

    let report = Report {
        label: load.label,
        target: target.name().to_owned(),
        throughput,
        latency,
        overload,
        idle,
    };
    print!("{}", report.table());
    if let Some(path) = load.json {
        std::fs::write(&path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
