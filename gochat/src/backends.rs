//! Opens what each component stores and sends through: the production backend where one is
//! configured (Redis, ScyllaDB, SMTP), the embedded one under the data dir otherwise.

use std::{path::Path, sync::Arc, time::Duration};

use crate::node_lease::NodeLeases;
use anyhow::{Context, bail};
use gochat_cql::{CqlConfig, scylla::client::session::Session};
use gochat_delivery::EventLog;
use gochat_runtime::Shutdown;

use crate::cli::BackendArgs;

/// The delivery event log, and the chat store when it was opened with it.
pub struct Delivery {
    /// What chat publishes to and gateways subscribe through.
    pub events: Arc<dyn EventLog>,
    /// The embedded chat store that keeps the embedded log in its file, if that is the setup.
    pub chat_store: Option<Arc<dyn gochat_chat::ChatStore>>,
}

/// Open connections to the configured production servers, shared by the components of one
/// process.
pub struct Connections {
    args: BackendArgs,
    redis: Option<redis::aio::ConnectionManager>,
    cql: Option<Arc<Session>>,
    /// The revocation feed of this process when there is no Redis: auth and the gateway
    /// then run in this one process and share it.
    local_revocations: Arc<gochat_delivery::MemoryRevocations>,
}

impl Connections {
    /// Connects to every configured server, waiting (with backoff) until each answers or
    /// `shutdown` fires, so a process started before its servers comes up by itself.
    pub async fn open(args: BackendArgs, shutdown: &Shutdown) -> anyhow::Result<Self> {
        let redis = match &args.redis_url {
            Some(url) => Some(redis_connection(url)?),
            None => None,
        };
        let cql = if args.cql_contact_points.is_empty() {
            None
        } else {
            let config = cql_config(&args)?;
            let session = retry("CQL", shutdown, || gochat_cql::connect(&config)).await?;
            gochat_cql::ensure_keyspace(&session, &config.keyspace, config.replication_factor)
                .await
                .context("creating the keyspace")?;
            Some(session)
        };
        Ok(Self {
            args,
            redis,
            cql,
            local_revocations: Arc::default(),
        })
    }

    /// Whether chat and the gateway can run in different processes (they share the event log
    /// through Redis).
    pub fn shares_event_log(&self) -> bool {
        self.redis.is_some()
    }

    /// Applies every CQL schema (idempotent); a no-op without CQL.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        if let Some(session) = &self.cql {
            let ks = &self.args.cql_keyspace;
            gochat_auth::store::scylla::migrate(session, ks)
                .await
                .context("auth schema")?;
            gochat_chat::scylla::migrate(session, ks)
                .await
                .context("chat schema")?;
        }
        Ok(())
    }

    /// The event log chat publishes to and gateways subscribe through (`gateway_id` is set
    /// when a gateway runs in this process) and, when both it and the chat store are
    /// embedded, the chat store, which keeps the log in its own file so that a send's message
    /// and events are committed together.
    pub async fn delivery(
        &self,
        data_dir: &Path,
        retention: Duration,
        gateway_id: Option<String>,
    ) -> anyhow::Result<Delivery> {
        if let Some(url) = &self.args.redis_url {
            let config = gochat_delivery::redis::RedisLogConfig {
                prefix: self.args.redis_prefix.clone(),
                retention,
                gateway_id,
                ..Default::default()
            };
            let events = gochat_delivery::redis::RedisEventLog::connect(url, config)
                .await
                .context("opening the Redis event log")?;
            return Ok(Delivery {
                events: Arc::new(events),
                chat_store: None,
            });
        }
        if self.cql.is_some() {
            let events = gochat_delivery::embedded::EmbeddedEventLog::open(
                &data_dir.join(gochat_chat::embedded::SEPARATE_LOG_FILE),
            )
            .context("opening the event log")?
            .with_retention(retention);
            return Ok(Delivery {
                events: Arc::new(events),
                chat_store: None,
            });
        }
        let (store, events) = gochat_chat::embedded::open_with_event_log(data_dir, retention)
            .await
            .context("opening the chat store and event log")?;
        Ok(Delivery {
            events: Arc::new(events),
            chat_store: Some(store),
        })
    }

    /// The email service's code store and mailer.
    pub fn email(
        &self,
        data_dir: &Path,
        config: &gochat_email::Config,
    ) -> anyhow::Result<gochat_email::Backends> {
        let codes: Arc<dyn gochat_email::CodeStore> = match &self.redis {
            Some(conn) => Arc::new(gochat_email::RedisCodeStore::new(
                conn.clone(),
                &self.args.redis_prefix,
            )),
            None => Arc::new(gochat_email::RedbCodeStore::open(
                &data_dir.join(gochat_email::embedded::STORE_FILE),
            )?),
        };
        let mailer: Arc<dyn gochat_email::Mailer> = match &self.args.smtp_host {
            Some(host) => {
                let tls: gochat_email::SmtpTls = self.args.smtp_tls.parse()?;
                let mut smtp =
                    gochat_email::SmtpConfig::new(host.clone(), self.args.smtp_port, tls);
                smtp.from = config.from_address.clone();
                smtp.credentials = credentials(
                    &self.args.smtp_username,
                    &self.args.smtp_password_file,
                    "GOCHAT_SMTP_PASSWORD",
                )?
                .map(|(username, password)| gochat_email::SmtpCredentials { username, password });
                Arc::new(gochat_email::SmtpMailer::new(smtp).context("configuring SMTP")?)
            }
            None => Arc::new(
                gochat_email::OutboxMailer::open(
                    data_dir.join(gochat_email::embedded::OUTBOX_DIR),
                    &config.from_address,
                )
                .context("opening the mail outbox")?,
            ),
        };
        Ok(gochat_email::Backends { codes, mailer })
    }

    /// The auth service's stores and signing key.
    pub async fn auth(
        &self,
        data_dir: &Path,
        signing_key_file: Option<&Path>,
    ) -> anyhow::Result<gochat_auth::Backends> {
        match &self.cql {
            Some(session) => {
                let store = Arc::new(
                    gochat_auth::store::scylla::ScyllaStore::new(
                        session.clone(),
                        &self.args.cql_keyspace,
                    )
                    .await
                    .context("preparing auth statements")?,
                );
                let key = match signing_key_file {
                    Some(path) => gochat_tokens::SigningKey::load(path),
                    None => gochat_tokens::SigningKey::load_or_generate(
                        &data_dir.join(gochat_tokens::GENERATED_KEY_FILE),
                    ),
                }
                .context("loading the signing key")?;
                Ok(gochat_auth::Backends {
                    accounts: store.clone(),
                    sessions: store,
                    signing_key: Arc::new(key),
                })
            }
            None => Ok(gochat_auth::embedded::open(data_dir, signing_key_file)?),
        }
    }

    /// The chat service's store.
    pub async fn chat_store(
        &self,
        data_dir: &Path,
    ) -> anyhow::Result<Arc<dyn gochat_chat::ChatStore>> {
        match &self.cql {
            Some(session) => {
                let store =
                    gochat_chat::ScyllaChatStore::new(session.clone(), &self.args.cql_keyspace)
                        .await
                        .context("preparing chat statements")?;
                Ok(Arc::new(match &self.redis {
                    Some(conn) => store.with_claims(gochat_chat::scylla::SendClaims::new(
                        conn.clone(),
                        &self.args.redis_prefix,
                    )),
                    None => store,
                }))
            }
            None => Ok(gochat_chat::embedded::open_store(data_dir)?),
        }
    }

    /// Chat's node id leases (`--node-id auto`), when Redis is configured.
    pub fn node_leases(&self) -> Option<NodeLeases> {
        let conn = self.redis.as_ref()?;
        Some(NodeLeases::new(conn.clone(), &self.args.redis_prefix))
    }

    /// Where auth records the sessions it ends early and gateways follow them: in Redis
    /// when configured (auth and gateways may then run anywhere), else in this process.
    pub fn revocations(&self) -> Arc<dyn gochat_delivery::RevocationFeed> {
        match &self.redis {
            Some(conn) => Arc::new(gochat_delivery::redis::RedisRevocations::new(
                conn.clone(),
                &self.args.redis_prefix,
            )),
            None => self.local_revocations.clone(),
        }
    }

    /// The gateway's rate-limit counters.
    pub fn rate_limits(&self) -> Arc<dyn gochat_gateway::rate_limit::RateLimitStore> {
        match &self.redis {
            Some(conn) => Arc::new(gochat_gateway::rate_limit::RedisRateLimitStore::new(
                conn.clone(),
                &self.args.redis_prefix,
            )),
            None => Arc::new(gochat_gateway::rate_limit::MemoryRateLimitStore::new()),
        }
    }
}

/// A Redis connection that connects on first use and reconnects by itself, with timeouts
/// short enough that an outage answers `unavailable` quickly instead of hanging requests.
fn redis_connection(url: &str) -> anyhow::Result<redis::aio::ConnectionManager> {
    let client = redis::Client::open(url).context("parsing --redis-url")?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_number_of_retries(2)
        .set_connection_timeout(Some(Duration::from_secs(1)))
        .set_response_timeout(Some(Duration::from_secs(2)));
    redis::aio::ConnectionManager::new_lazy_with_config(client, config)
        .context("configuring the Redis connection")
}

fn cql_config(args: &BackendArgs) -> anyhow::Result<CqlConfig> {
    Ok(CqlConfig {
        contact_points: args.cql_contact_points.clone(),
        keyspace: args.cql_keyspace.clone(),
        replication_factor: args.cql_replication_factor,
        consistency: gochat_cql::parse_consistency(&args.cql_consistency)?,
        credentials: credentials(
            &args.cql_username,
            &args.cql_password_file,
            "GOCHAT_CQL_PASSWORD",
        )?,
        ..Default::default()
    })
}

/// A username with its password, read from `file` or else from the `env` variable.
fn credentials(
    username: &Option<String>,
    file: &Option<std::path::PathBuf>,
    env: &str,
) -> anyhow::Result<Option<(String, String)>> {
    credentials_from(username, file, env, |name| std::env::var(name).ok())
}

/// [`credentials`] with the environment passed in, so tests need not change the real one.
fn credentials_from(
    username: &Option<String>,
    file: &Option<std::path::PathBuf>,
    env: &str,
    lookup: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<(String, String)>> {
    let Some(user) = username else {
        return Ok(None);
    };
    let password = match file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("reading {}", path.display()))?
            .trim_end_matches(['\r', '\n'])
            .to_owned(),
        None => match lookup(env) {
            Some(p) => p,
            None => bail!("a username is set but no password: set {env} or the password file"),
        },
    };
    Ok(Some((user.clone(), password)))
}

/// Calls `connect` until it succeeds, backing off from 200 ms to 5 s, or until shutdown.
pub(crate) async fn retry<T, E, F, Fut>(
    what: &str,
    shutdown: &Shutdown,
    mut connect: F,
) -> anyhow::Result<T>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let mut delay = Duration::from_millis(200);
    loop {
        match connect().await {
            Ok(value) => return Ok(value),
            Err(e) => {
                tracing::warn!(backend = what, error = %e, retry_in_ms = delay.as_millis() as u64, "backend not reachable yet")
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.wait() => bail!("stopped while waiting for {what}"),
        }
        delay = (delay * 2).min(Duration::from_secs(5));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENV: &str = "GOCHAT_TEST_PASSWORD";

    #[test]
    fn no_username_means_no_credentials() {
        let got = credentials_from(&None, &None, ENV, |_| Some("pw".into())).unwrap();
        assert_eq!(got, None);
    }

    #[test]
    fn the_password_file_wins_and_loses_its_line_ending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("password");
        std::fs::write(&path, "s3cret\r\n").unwrap();
        let got = credentials_from(&Some("ada".into()), &Some(path), ENV, |_| {
            Some("from-env".into())
        })
        .unwrap();
        assert_eq!(got, Some(("ada".to_owned(), "s3cret".to_owned())));
    }

    #[test]
    fn the_environment_is_the_fallback_and_its_absence_an_error() {
        let from_env = credentials_from(&Some("ada".into()), &None, ENV, |name| {
            (name == ENV).then(|| "pw".to_owned())
        })
        .unwrap();
        assert_eq!(from_env, Some(("ada".to_owned(), "pw".to_owned())));
        let missing = credentials_from(&Some("ada".into()), &None, ENV, |_| None).unwrap_err();
        assert!(missing.to_string().contains(ENV), "{missing}");
        let unreadable = credentials_from(
            &Some("ada".into()),
            &Some("/nonexistent/gochat-password".into()),
            ENV,
            |_| None,
        );
        assert!(unreadable.is_err());
    }
}
