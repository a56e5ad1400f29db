//! `--node-id`: a fixed message-id node id, or `auto` to lease a free one through Redis.

use std::{fmt, str::FromStr};

use crate::node_lease::{LeaseError, NodeLease};
use anyhow::{Context, bail};
use gochat_chat::MAX_NODE_ID;
use gochat_runtime::Shutdown;

use crate::{
    backends::{Connections, retry},
    cli::BackendArgs,
};

/// What `--node-id` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeIdSetting {
    /// This number, which the operator keeps unique across running chat replicas.
    Fixed(u16),
    /// A free number leased through Redis for as long as chat runs.
    Auto,
}

impl FromStr for NodeIdSetting {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("auto") {
            return Ok(Self::Auto);
        }
        match s.parse::<u16>() {
            Ok(id) if id <= MAX_NODE_ID => Ok(Self::Fixed(id)),
            _ => Err(format!(
                "expected a node id in 0..={MAX_NODE_ID} or `auto`, got {s:?}"
            )),
        }
    }
}

impl fmt::Display for NodeIdSetting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fixed(id) => write!(f, "{id}"),
            Self::Auto => f.write_str("auto"),
        }
    }
}

/// Refuses `auto` without Redis before anything starts.
pub fn check(setting: NodeIdSetting, backends: &BackendArgs) -> anyhow::Result<()> {
    if setting == NodeIdSetting::Auto && backends.redis_url.is_none() {
        bail!(
            "--node-id auto (GOCHAT_NODE_ID=auto) leases a node id through Redis: set \
             --redis-url (GOCHAT_REDIS_URL), or give each chat replica its own number in \
             0..={MAX_NODE_ID}"
        );
    }
    Ok(())
}

/// The node id chat uses, and the lease that keeps it ours when it was claimed. Waits for
/// Redis (until `shutdown`) while it does not answer; fails when every id is taken.
pub async fn resolve(
    setting: NodeIdSetting,
    connections: &Connections,
    shutdown: &Shutdown,
) -> anyhow::Result<(u16, Option<NodeLease>)> {
    let NodeIdSetting::Fixed(node_id) = setting else {
        let Some(leases) = connections.node_leases() else {
            bail!("--node-id auto needs --redis-url");
        };
        let leases = &leases;
        // Only an unanswering Redis is worth waiting for: the claim's own answer is kept.
        let lease = retry("Redis", shutdown, move || async move {
            match leases.claim().await {
                Err(LeaseError::Unavailable(e)) => Err(e),
                claimed => Ok(claimed),
            }
        })
        .await?
        .context("claiming a chat node id")?;
        tracing::info!(
            node_id = lease.node_id(),
            key = lease.key(),
            owner = lease.owner(),
            "chat generates message ids as node {} (leased through Redis)",
            lease.node_id()
        );
        return Ok((lease.node_id(), Some(lease)));
    };
    tracing::info!(
        node_id,
        "chat generates message ids as node {node_id} (--node-id)"
    );
    Ok((node_id, None))
}

/// Runs chat's `serve`, holding `lease` for as long as it runs when there is one.
pub async fn serve_holding<F, E>(lease: Option<NodeLease>, serve: F) -> anyhow::Result<()>
where
    F: Future<Output = Result<(), E>>,
    E: Into<anyhow::Error>,
{
    match lease {
        Some(lease) => lease.hold_while(serve).await?.map_err(Into::into),
        None => serve.await.map_err(Into::into),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    #[test]
    fn parses_numbers_in_range_and_auto() {
        assert_eq!("0".parse(), Ok(NodeIdSetting::Fixed(0)));
        assert_eq!(" 1023 ".parse(), Ok(NodeIdSetting::Fixed(1023)));
        assert_eq!("auto".parse(), Ok(NodeIdSetting::Auto));
        assert_eq!("AUTO".parse(), Ok(NodeIdSetting::Auto));
        for bad in ["1024", "-1", "", "automatic", "65536"] {
            let err = bad.parse::<NodeIdSetting>().unwrap_err();
            assert!(err.contains("0..=1023"), "{bad}: {err}");
        }
        assert_eq!(NodeIdSetting::Auto.to_string(), "auto");
        assert_eq!(NodeIdSetting::Fixed(12).to_string(), "12");
    }

    fn service_args(args: &[&str]) -> crate::cli::ServiceArgs {
        match Cli::parse_from(args).command {
            Command::Chat(a) => a,
            other => panic!("expected chat, got {other:?}"),
        }
    }

    #[test]
    fn the_flag_defaults_to_zero_and_takes_auto() {
        assert_eq!(
            service_args(&["gochat", "chat"]).tuning.node_id,
            NodeIdSetting::Fixed(0)
        );
        let auto = service_args(&["gochat", "chat", "--node-id", "auto"]);
        assert_eq!(auto.tuning.node_id, NodeIdSetting::Auto);
        assert!(Cli::try_parse_from(["gochat", "chat", "--node-id", "1024"]).is_err());
    }

    #[test]
    fn auto_without_redis_is_refused_and_a_number_needs_nothing() {
        let without = service_args(&["gochat", "chat", "--node-id", "auto"]);
        let err = check(without.tuning.node_id, &without.backends).unwrap_err();
        assert!(err.to_string().contains("--redis-url"), "{err}");
        let with = service_args(&[
            "gochat",
            "chat",
            "--node-id",
            "auto",
            "--redis-url",
            "redis://127.0.0.1:6379/",
        ]);
        check(with.tuning.node_id, &with.backends).unwrap();
        let fixed = service_args(&["gochat", "chat", "--node-id", "3"]);
        check(fixed.tuning.node_id, &fixed.backends).unwrap();
    }
}
