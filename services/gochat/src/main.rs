//! The `gochat` binary: a thin CLI over the target registry.
#![forbid(unsafe_code)]

mod backends;
mod cli;
mod component;
mod migrate;
mod runner;

use std::{collections::HashMap, net::SocketAddr};

use clap::Parser;
use gochat_common::{Shutdown, logging, logging::LogFormat, shutdown::wait_for_signal};

use crate::{
    cli::{Cli, Command, ServiceArgs},
    component::{Component, start_order},
    runner::Plan,
};

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let default_format = match cli.command {
        Command::Local(_) => LogFormat::Plain,
        _ => LogFormat::Json,
    };
    logging::init(cli.log_format.unwrap_or(default_format), &cli.log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run(cli.command))
}

async fn run(command: Command) -> anyhow::Result<()> {
    let plan = match command {
        Command::Migrate(args) => return migrate::run(&args.data_dir, args.backends).await,
        Command::Local(args) => local_plan(args),
        Command::Email(args) => service_plan(&[Component::Email], args),
        Command::Auth(args) => service_plan(&[Component::Auth], args),
        Command::Chat(args) => service_plan(&[Component::Chat], args),
        Command::Gateway(args) => service_plan(&[Component::Gateway], args),
        Command::Run(args) => service_plan(&args.targets, args.service),
    };
    let shutdown = Shutdown::new();
    let on_signal = shutdown.clone();
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("shutdown signal received; draining");
        on_signal.trigger();
    });
    runner::run(plan, shutdown).await
}

/// Every component in this process, gRPC on ephemeral loopback ports.
fn local_plan(args: cli::LocalArgs) -> Plan {
    let loopback: SocketAddr = ([127, 0, 0, 1], 0).into();
    Plan {
        components: start_order(&Component::ALL),
        data_dir: args.data_dir,
        gateway_listen: args.listen,
        http_listen: loopback,
        grpc_listen: Component::ALL.iter().map(|c| (*c, loopback)).collect(),
        peer_urls: HashMap::new(),
        backends: args.backends,
        tuning: args.tuning,
        announce: true,
    }
}

/// Some components, on the configured addresses, calling the rest at their URLs.
fn service_plan(targets: &[Component], args: ServiceArgs) -> Plan {
    Plan {
        components: start_order(targets),
        data_dir: args.data_dir,
        gateway_listen: args.listen,
        http_listen: args.http_listen,
        grpc_listen: HashMap::from([
            (Component::Auth, args.auth_grpc_listen),
            (Component::Chat, args.chat_grpc_listen),
            (Component::Email, args.email_grpc_listen),
        ]),
        peer_urls: HashMap::from([
            (Component::Auth, args.auth_url),
            (Component::Chat, args.chat_url),
            (Component::Email, args.email_url),
        ]),
        backends: args.backends,
        tuning: args.tuning,
        announce: false,
    }
}
