//! The `gochat` binary: a thin CLI over the target registry.
#![forbid(unsafe_code)]

mod backends;
mod cli;
mod component;
mod migrate;
mod node_id;
mod runner;

use std::{collections::HashMap, net::SocketAddr};

use clap::Parser;
use gochat_runtime::{Shutdown, shutdown::trigger_on_signal};
use gochat_telemetry::{self as telemetry, TelemetryConfig, logging::LogFormat};

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
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let config = TelemetryConfig {
        format: cli.log_format.unwrap_or(default_format),
        filter: cli.log.clone(),
        default_service_name: default_service_name(&cli.command),
    };
    // The OTLP exporter sends through the runtime: build it inside, and flush it (by
    // dropping the guard) before the runtime goes away.
    let guard = {
        let _inside = runtime.enter();
        telemetry::init(&config)?
    };
    let outcome = runtime.block_on(run(cli.command));
    drop(guard);
    outcome
}

/// `gochat-<target>`: the `service.name` of traces unless `OTEL_SERVICE_NAME` says
/// otherwise (`gochat-chat-gateway` for `run --targets chat,gateway`).
fn default_service_name(command: &Command) -> String {
    let target = match command {
        Command::Local(_) => "local".to_owned(),
        Command::Migrate(_) => "migrate".to_owned(),
        Command::Email(_) => Component::Email.name().to_owned(),
        Command::Auth(_) => Component::Auth.name().to_owned(),
        Command::Chat(_) => Component::Chat.name().to_owned(),
        Command::Gateway(_) => Component::Gateway.name().to_owned(),
        Command::Run(args) => start_order(&args.targets)
            .iter()
            .map(|c| c.name())
            .collect::<Vec<_>>()
            .join("-"),
    };
    format!("gochat-{target}")
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
    trigger_on_signal(shutdown.clone());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traces_are_named_after_the_target() {
        let name = |args: &[&str]| default_service_name(&Cli::parse_from(args).command);
        assert_eq!(name(&["gochat", "auth"]), "gochat-auth");
        assert_eq!(name(&["gochat", "local"]), "gochat-local");
        assert_eq!(
            name(&["gochat", "run", "--targets", "gateway,chat"]),
            "gochat-chat-gateway"
        );
    }
}
