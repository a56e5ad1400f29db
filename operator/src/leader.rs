//! Leader election on a `coordination.k8s.io/v1` Lease, so several operator replicas can
//! run and only one reconciles. The holder renews the lease; the others take it over only
//! once it has expired. A holder that cannot renew in time steps down.

use std::{future::Future, time::Duration};

use gochat_runtime::Shutdown;

use k8s_openapi::{
    api::coordination::v1::{Lease, LeaseSpec},
    apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta},
    jiff::{SignedDuration, Timestamp},
};
use kube::{Api, Client, api::PostParams};

use crate::{
    metrics,
    state::{ControllerState, Role},
};

/// Lease settings.
#[derive(Clone, Debug)]
pub struct LeaseConfig {
    /// The Lease object's name.
    pub name: String,
    /// Its namespace (the operator's own).
    pub namespace: String,
    /// This replica's identity (its pod name).
    pub identity: String,
    /// How long a lease stays valid without renewal.
    pub duration: Duration,
    /// How often the holder renews.
    pub renew_every: Duration,
}

/// The leader lost its lease (taken by another replica, or not renewed in time); the process
/// should exit so that a fresh replica campaigns.
#[derive(Debug, thiserror::Error)]
#[error("lost the leader lease {0}")]
pub struct LeadershipLost(String);

/// The lease could not be read or written.
#[derive(Debug, thiserror::Error)]
#[error("leader lease {name}: {source}")]
pub struct LeaseError {
    name: String,
    #[source]
    source: kube::Error,
}

/// One replica's view of the lease.
#[derive(Clone)]
pub struct Elector {
    api: Api<Lease>,
    config: LeaseConfig,
}

impl std::fmt::Debug for Elector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Elector")
            .field("config", &self.config)
            .finish()
    }
}

impl Elector {
    /// An elector for `config`.
    pub fn new(client: Client, config: LeaseConfig) -> Self {
        Self {
            api: Api::namespaced(client, &config.namespace),
            config,
        }
    }

    /// Takes the lease when it is free, expired or already ours; `Ok(false)` when another
    /// replica holds it (or won a race for it).
    pub async fn try_acquire(&self) -> Result<bool, LeaseError> {
        let now = Timestamp::now();
        let Some(current) = self
            .api
            .get_opt(&self.config.name)
            .await
            .map_err(|e| self.error(e))?
        else {
            let lease = self.lease(ObjectMeta::default(), now, now, 0);
            return self.settle(self.api.create(&PostParams::default(), &lease).await);
        };
        let spec = current.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.as_deref().unwrap_or_default();
        let ours = holder == self.config.identity;
        if !ours && !holder.is_empty() && !expired(&spec, now) {
            return Ok(false);
        }
        let transitions = spec.lease_transitions.unwrap_or(0) + i32::from(!ours);
        let acquired = if ours {
            spec.acquire_time.map_or(now, |t| t.0)
        } else {
            now
        };
        let lease = self.lease(current.metadata, acquired, now, transitions);
        self.settle(
            self.api
                .replace(&self.config.name, &PostParams::default(), &lease)
                .await,
        )
    }

    /// Renews the lease this replica holds; `Ok(false)` when it is no longer ours.
    pub async fn renew(&self) -> Result<bool, LeaseError> {
        self.try_acquire().await
    }

    /// How often to renew (and to retry taking the lease).
    pub fn period(&self) -> Duration {
        self.config.renew_every
    }

    /// How long a lease lasts without renewal.
    pub fn duration(&self) -> Duration {
        self.config.duration
    }

    fn lease(
        &self,
        mut metadata: ObjectMeta,
        acquired: Timestamp,
        now: Timestamp,
        transitions: i32,
    ) -> Lease {
        metadata.name = Some(self.config.name.clone());
        metadata.namespace = Some(self.config.namespace.clone());
        metadata.managed_fields = None;
        Lease {
            metadata,
            spec: Some(LeaseSpec {
                holder_identity: Some(self.config.identity.clone()),
                lease_duration_seconds: Some(
                    i32::try_from(self.config.duration.as_secs()).unwrap_or(i32::MAX),
                ),
                acquire_time: Some(MicroTime(acquired)),
                renew_time: Some(MicroTime(now)),
                lease_transitions: Some(transitions),
                ..LeaseSpec::default()
            }),
        }
    }

    /// A conflict (someone else wrote first) means not acquired.
    fn settle(&self, result: Result<Lease, kube::Error>) -> Result<bool, LeaseError> {
        match result {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(e) => Err(self.error(e)),
        }
    }

    fn error(&self, source: kube::Error) -> LeaseError {
        LeaseError {
            name: self.config.name.clone(),
            source,
        }
    }
}

/// Campaigns until this replica leads (or `shutdown` fires), then runs `work` while renewing
/// the lease. `work` gets a future that completes when leadership ends or the process shuts
/// down; it must return once that future completes.
pub async fn lead<W, F>(
    elector: Elector,
    state: ControllerState,
    shutdown: Shutdown,
    work: W,
) -> Result<(), LeadershipLost>
where
    W: FnOnce(std::pin::Pin<Box<dyn Future<Output = ()> + Send + Sync>>) -> F,
    F: Future<Output = ()>,
{
    loop {
        if shutdown.is_triggered() {
            return Ok(());
        }
        match elector.try_acquire().await {
            Ok(true) => break,
            Ok(false) => {
                state.set_api_error(None);
                state.set_role(Role::Standby);
                tracing::debug!("another replica leads; waiting");
            }
            Err(e) => {
                tracing::warn!(error = %e, "campaigning for the leader lease failed");
                state.set_api_error(Some(e.to_string()));
            }
        }
        sleep_or(elector.period(), &shutdown).await;
    }
    tracing::info!("became leader");
    state.set_api_error(None);
    state.set_role(Role::Leader { synced: false });
    metrics::LEADER.set(1);
    let lost = Shutdown::new();
    let name = elector.config.name.clone();
    let keeper = tokio::spawn(keep_lease(
        elector,
        state.clone(),
        lost.clone(),
        shutdown.clone(),
    ));
    let stop = {
        let (shutdown, lost) = (shutdown.clone(), lost.clone());
        Box::pin(async move {
            tokio::select! {
                () = shutdown.wait() => {}
                () = lost.wait() => {}
            }
        })
    };
    work(stop).await;
    metrics::LEADER.set(0);
    keeper.abort();
    if lost.is_triggered() && !shutdown.is_triggered() {
        return Err(LeadershipLost(name));
    }
    Ok(())
}

/// Renews the lease every period; triggers `lost` when it is taken or cannot be renewed
/// before it would expire.
async fn keep_lease(elector: Elector, state: ControllerState, lost: Shutdown, shutdown: Shutdown) {
    let mut last_renewal = tokio::time::Instant::now();
    loop {
        sleep_or(elector.period(), &shutdown).await;
        if shutdown.is_triggered() {
            return;
        }
        match elector.renew().await {
            Ok(true) => {
                last_renewal = tokio::time::Instant::now();
                state.set_api_error(None);
            }
            Ok(false) => {
                tracing::error!("the leader lease was taken by another replica");
                lost.trigger();
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "renewing the leader lease failed");
                state.set_api_error(Some(e.to_string()));
                if last_renewal.elapsed() + elector.period() >= elector.duration() {
                    tracing::error!("could not renew the leader lease before it expires");
                    lost.trigger();
                    return;
                }
            }
        }
    }
}

async fn sleep_or(period: Duration, shutdown: &Shutdown) {
    tokio::select! {
        () = tokio::time::sleep(period) => {}
        () = shutdown.wait() => {}
    }
}

fn expired(spec: &LeaseSpec, now: Timestamp) -> bool {
    let Some(renewed) = spec.renew_time.as_ref().map(|t| t.0) else {
        return true;
    };
    let duration = SignedDuration::from_secs(i64::from(spec.lease_duration_seconds.unwrap_or(15)));
    renewed
        .checked_add(duration)
        .map_or(true, |deadline| deadline < now)
}
