//! What the operator is doing right now, and `/readyz` from it: a replica is ready while it
//! can reach the API server and is either a standby or a leader whose controller has listed
//! the ChatClusters once (so it reconciles from a full picture).

use std::sync::{Arc, Mutex, PoisonError};

use async_trait::async_trait;
use gochat_runtime::ReadinessCheck;

/// This replica's part in the election.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Not yet campaigned (or not yet started the controller).
    Starting,
    /// Another replica leads; this one is waiting to take over.
    Standby,
    /// This replica reconciles; `synced` once the controller's first list is complete.
    Leader {
        /// The controller has seen every ChatCluster once.
        synced: bool,
    },
}

#[derive(Debug)]
struct Facts {
    role: Role,
    /// Why the last call to the API server (campaign or renewal) failed, if it did.
    api_error: Option<String>,
}

/// The shared state; cheap to clone, every clone sees the same facts.
#[derive(Clone, Debug)]
pub struct ControllerState(Arc<Mutex<Facts>>);

impl Default for ControllerState {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Facts {
            role: Role::Starting,
            api_error: None,
        })))
    }
}

impl ControllerState {
    /// A replica that has not started yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn update(&self, change: impl FnOnce(&mut Facts)) {
        change(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Records this replica's role.
    pub fn set_role(&self, role: Role) {
        self.update(|facts| facts.role = role);
    }

    /// Records that the controller's first list of ChatClusters is complete.
    pub fn set_synced(&self) {
        self.update(|facts| {
            if let Role::Leader { synced } = &mut facts.role {
                *synced = true;
            }
        });
    }

    /// Records the outcome of the last call to the API server.
    pub fn set_api_error(&self, error: Option<String>) {
        self.update(|facts| facts.api_error = error);
    }

    /// The current role.
    pub fn role(&self) -> Role {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).role
    }

    /// `Ok` when ready; otherwise why not.
    pub fn readiness(&self) -> Result<(), String> {
        let facts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(error) = &facts.api_error {
            return Err(format!("the API server cannot be reached: {error}"));
        }
        match facts.role {
            Role::Standby | Role::Leader { synced: true } => Ok(()),
            Role::Starting => Err("starting".to_owned()),
            Role::Leader { synced: false } => {
                Err("leading; the first list of ChatClusters is not complete".to_owned())
            }
        }
    }
}

#[async_trait]
impl ReadinessCheck for ControllerState {
    fn name(&self) -> &str {
        "controller"
    }

    async fn check(&self) -> Result<(), String> {
        self.readiness()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ready_as_a_standby_or_a_synced_leader_while_the_api_answers() {
        let state = ControllerState::new();
        assert_eq!(state.readiness(), Err("starting".to_owned()));
        state.set_role(Role::Standby);
        assert_eq!(state.readiness(), Ok(()));
        state.set_role(Role::Leader { synced: false });
        assert!(state.readiness().unwrap_err().contains("not complete"));
        state.set_synced();
        assert_eq!(state.readiness(), Ok(()));
        state.set_api_error(Some("connection refused".to_owned()));
        assert!(
            state
                .readiness()
                .unwrap_err()
                .contains("connection refused")
        );
        state.set_api_error(None);
        assert_eq!(state.role(), Role::Leader { synced: true });
        assert_eq!(state.readiness(), Ok(()));
    }

    #[test]
    fn synced_is_ignored_unless_leading() {
        let state = ControllerState::new();
        state.set_synced();
        assert_eq!(state.role(), Role::Starting);
    }
}
