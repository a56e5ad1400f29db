//! The target registry: each component, what it calls, how it starts, and the order to start
//! them in (Loki/Mimir style: a target is a set of components; `local` is just all of them).
//! Each component's start lives in its own module and registers here in [`Component::start`].

mod auth;
mod chat;
mod email;
mod gateway;

use std::{collections::HashMap, fmt, str::FromStr, sync::Arc};

use anyhow::Context as _;
use gochat_delivery::EventLog;
use gochat_runtime::{
    Readiness, Shutdown,
    grpc::{self, GrpcListener, TracedChannel},
    tls::Role,
};
use tokio::{net::TcpListener, task::JoinSet};

use crate::{
    backends::{Connections, Delivery},
    runner::Plan,
};

/// The running components' tasks: each ends with its name and how it stopped.
pub type Tasks = JoinSet<(&'static str, anyhow::Result<()>)>;

/// What the components of one process share while they start: the plan, the open backends,
/// how to reach each peer, the bound gRPC listeners, the event log (with the embedded chat
/// store when it keeps the log), the readiness checks
/// gathered so far and the task set each component adds its server to.
pub struct Wiring<'a> {
    /// What to run and with which settings.
    pub plan: &'a Plan,
    /// The backends, opened once for every component.
    pub connections: &'a Connections,
    /// The gRPC URL of every component, in this process or not.
    pub urls: HashMap<Component, String>,
    /// gRPC listeners bound for the components in this process.
    pub grpc_listeners: HashMap<Component, TcpListener>,
    /// The delivery event log, when chat or the gateway runs here.
    pub delivery: Option<Delivery>,
    /// Readiness of everything started so far (the gateway serves it).
    pub readiness: Readiness,
    /// The servers started so far.
    pub tasks: Tasks,
    /// The process's shutdown signal.
    pub shutdown: Shutdown,
}

impl Wiring<'_> {
    /// The gRPC listener bound for `component`.
    /// The gRPC listener bound for `component`, with the plan's TLS and reflection.
    fn grpc_listener(&mut self, component: Component) -> anyhow::Result<GrpcListener> {
        let listener = self
            .grpc_listeners
            .remove(&component)
            .ok_or_else(|| anyhow::anyhow!("no gRPC listener bound for {component}"))?;
        let tls = match &self.plan.tls {
            Some(dir) => Some(
                dir.server(component.role())
                    .with_context(|| format!("{component}'s server certificate"))?,
            ),
            None => None,
        };
        Ok(GrpcListener::from(listener)
            .tls(tls)
            .reflection(self.plan.grpc_reflection))
    }

    /// A channel from `caller` to `peer`, over mutual TLS when the plan has it.
    fn channel(&self, caller: Component, peer: Component) -> anyhow::Result<TracedChannel> {
        let tls = match &self.plan.tls {
            Some(dir) => Some(
                dir.client(caller.role(), peer.role())
                    .with_context(|| format!("{caller}'s client certificate"))?,
            ),
            None => None,
        };
        Ok(grpc::channel_with(&self.urls[&peer], tls)?)
    }

    /// The event log; chat and the gateway cannot run without it.
    fn event_log(&self, component: Component) -> anyhow::Result<Arc<dyn EventLog>> {
        self.delivery
            .as_ref()
            .map(|delivery| Arc::clone(&delivery.events))
            .ok_or_else(|| anyhow::anyhow!("{component} needs the delivery event log"))
    }

    /// The chat store: the one opened with the event log, or else the configured one.
    async fn chat_store(&mut self) -> anyhow::Result<Arc<dyn gochat_chat::ChatStore>> {
        match self.delivery.as_mut().and_then(|d| d.chat_store.take()) {
            Some(store) => Ok(store),
            None => self.connections.chat_store(&self.plan.data_dir).await,
        }
    }
}

/// One gochat service.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// Verification codes and mail.
    Email,
    /// Accounts, sessions, tokens; calls email.
    Auth,
    /// Conversations and messages; produces delivery events.
    Chat,
    /// The public API; calls auth and chat, consumes delivery events.
    Gateway,
}

impl Component {
    /// Every component, in start order (each after the ones it calls).
    pub const ALL: [Component; 4] = [Self::Email, Self::Auth, Self::Chat, Self::Gateway];

    /// The part this component plays on gRPC.
    pub fn role(self) -> Role {
        match self {
            Self::Email => Role::Email,
            Self::Auth => Role::Auth,
            Self::Chat => Role::Chat,
            Self::Gateway => Role::Gateway,
        }
    }

    /// The components this one calls over gRPC.
    pub fn dependencies(self) -> &'static [Component] {
        match self {
            Self::Email | Self::Chat => &[],
            Self::Auth => &[Self::Email],
            Self::Gateway => &[Self::Auth, Self::Chat],
        }
    }

    /// Starts this component into `wiring` (the registry: one start function each).
    pub async fn start(self, wiring: &mut Wiring<'_>) -> anyhow::Result<()> {
        match self {
            Self::Email => email::start(wiring).await,
            Self::Auth => auth::start(wiring).await,
            Self::Chat => chat::start(wiring).await,
            Self::Gateway => gateway::start(wiring).await,
        }
    }

    /// Whether this component serves gRPC (and so needs a gRPC listener).
    pub fn serves_grpc(self) -> bool {
        self != Self::Gateway
    }

    /// Whether this component serves the ops endpoints (`/healthz`, `/readyz`, `/metrics`)
    /// itself, on its public port; a process without one serves them on `--http-listen`.
    pub fn serves_ops(self) -> bool {
        self == Self::Gateway
    }

    /// The lower-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Auth => "auth",
            Self::Chat => "chat",
            Self::Gateway => "gateway",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Component {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.name() == s.trim())
            .ok_or_else(|| format!("unknown target {s:?} (expected email, auth, chat or gateway)"))
    }
}

/// A set of components to run in one process, without repeats, each after the
/// components it calls (so their listeners are bound before its clients are built).
pub fn start_order(targets: &[Component]) -> Vec<Component> {
    let mut order: Vec<Component> = Vec::new();
    fn visit(c: Component, targets: &[Component], order: &mut Vec<Component>) {
        if order.contains(&c) {
            return;
        }
        for &dep in c.dependencies() {
            if targets.contains(&dep) {
                visit(dep, targets, order);
            }
        }
        order.push(c);
    }
    for c in Component::ALL.into_iter().filter(|c| targets.contains(c)) {
        visit(c, targets, &mut order);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_order_puts_callees_first_and_drops_repeats() {
        let order = start_order(&[Component::Gateway, Component::Email, Component::Gateway]);
        assert_eq!(order, vec![Component::Email, Component::Gateway]);
        let all = start_order(&[
            Component::Gateway,
            Component::Auth,
            Component::Chat,
            Component::Email,
        ]);
        assert_eq!(all.len(), 4);
        for (i, c) in all.iter().enumerate() {
            for dep in c.dependencies() {
                let j = all.iter().position(|x| x == dep).unwrap();
                assert!(j < i, "{dep} must start before {c}");
            }
        }
    }

    #[test]
    fn parses_names() {
        assert_eq!("chat".parse::<Component>(), Ok(Component::Chat));
        assert!("mail".parse::<Component>().is_err());
    }
}
