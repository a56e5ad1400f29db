//! The `gochat` binary: parses the command line, starts telemetry and hands the command to
//! the runner (`gochat::runner`); everything else lives in the library.
#![forbid(unsafe_code)]

use clap::Parser;
use gochat::{cli::Cli, runner};
use gochat_runtime::{Shutdown, shutdown::trigger_on_signal};
use gochat_telemetry::{self as telemetry, TelemetryConfig};

/// mimalloc instead of the system allocator: the embedded stores' writer thread allocates
/// and frees a page buffer per page it copies, and the Tokio workers a few buffers per frame.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let config = TelemetryConfig {
        format: cli.log_format.unwrap_or(cli.command.default_log_format()),
        filter: cli.log.clone(),
        default_service_name: cli.command.service_name(),
    };
    // The OTLP exporter sends through the runtime: build it inside, and flush it (by
    // dropping the guard) before the runtime goes away.
    let guard = {
        let _inside = runtime.enter();
        telemetry::init(&config)?
    };
    let shutdown = Shutdown::new();
    let outcome = runtime.block_on(async {
        trigger_on_signal(shutdown.clone());
        runner::run_command(cli.command, shutdown).await
    });
    drop(guard);
    outcome
}
