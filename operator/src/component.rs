//! The four gochat components the operator runs, and what differs between them.

use crate::crd::{ChatClusterSpec, ComponentSpec};

/// One gochat service, run as its own Deployment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    /// The public HTTP/WebSocket API.
    Gateway,
    /// Accounts, sessions and tokens.
    Auth,
    /// Conversations and messages.
    Chat,
    /// Verification mail.
    Email,
}

/// Port of the gateway's public API inside its pod.
pub const API_PORT: i32 = 8080;
/// Port of `/healthz`, `/readyz` and `/metrics` of the gRPC services.
pub const OPS_PORT: i32 = 8081;

impl Component {
    /// Every component, in the order they are listed to users.
    pub const ALL: [Component; 4] = [Self::Gateway, Self::Auth, Self::Chat, Self::Email];

    /// The name used in object names, labels and `gochat <target>`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Gateway => "gateway",
            Self::Auth => "auth",
            Self::Chat => "chat",
            Self::Email => "email",
        }
    }

    /// The gRPC port the service listens on; the gateway has none.
    pub fn grpc_port(self) -> Option<i32> {
        match self {
            Self::Gateway => None,
            Self::Auth => Some(50051),
            Self::Chat => Some(50052),
            Self::Email => Some(50053),
        }
    }

    /// The port serving `/healthz`, `/readyz` and `/metrics`.
    pub fn ops_port(self) -> i32 {
        match self {
            Self::Gateway => API_PORT,
            _ => OPS_PORT,
        }
    }

    /// The components allowed to call this one's gRPC port (none: reachable from anywhere,
    /// which only the gateway is).
    pub fn callers(self) -> &'static [Component] {
        match self {
            Self::Gateway => &[],
            Self::Auth | Self::Chat => &[Self::Gateway],
            Self::Email => &[Self::Auth],
        }
    }

    /// The user's settings for this component.
    pub fn spec(self, spec: &ChatClusterSpec) -> &ComponentSpec {
        match self {
            Self::Gateway => &spec.gateway.component,
            Self::Auth => &spec.auth,
            Self::Chat => &spec.chat,
            Self::Email => &spec.email,
        }
    }
}
