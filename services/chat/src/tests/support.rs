//! A chat server on a loopback port with its backends in a temp dir.

use std::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
};

use async_trait::async_trait;
use bytes::Bytes;
use gochat_delivery::{
    DeliveryError, EventId, EventLog, Presence, Replay, Subscription, embedded::EmbeddedEventLog,
};
use gochat_proto::chat::v1::{
    self as proto, CreateConversationRequest, SendMessageRequest,
    chat_service_client::ChatServiceClient,
};
use gochat_runtime::Shutdown;
use gochat_runtime::grpc::TracedChannel;
use prost::Message as _;

use crate::{Backends, ChatStore, Config, embedded, serve};

/// The embedded event log, with switches that make publishing fail or hang.
pub(super) struct SwitchableLog {
    inner: EmbeddedEventLog,
    failing: AtomicBool,
    hanging: AtomicBool,
    publishes: AtomicUsize,
}

impl SwitchableLog {
    /// Makes every publish fail (`true`) or pass through (`false`).
    pub(super) fn set_failing(&self, failing: bool) {
        self.failing.store(failing, Ordering::SeqCst);
    }

    /// Makes every publish never finish (`true`) or pass through (`false`).
    pub(super) fn set_hanging(&self, hanging: bool) {
        self.hanging.store(hanging, Ordering::SeqCst);
    }

    /// Publishes that reached the inner log.
    pub(super) fn publishes(&self) -> usize {
        self.publishes.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl EventLog for SwitchableLog {
    async fn publish(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(DeliveryError::Unavailable(
                "switched off by the test".into(),
            ));
        }
        if self.hanging.load(Ordering::SeqCst) {
            std::future::pending::<()>().await;
        }
        self.publishes.fetch_add(1, Ordering::SeqCst);
        self.inner.publish(recipients, payload).await
    }
    async fn replay(
        &self,
        user: &str,
        after: EventId,
        limit: usize,
    ) -> Result<Replay, DeliveryError> {
        self.inner.replay(user, after, limit).await
    }
    async fn subscribe(&self, user: &str) -> Result<Subscription, DeliveryError> {
        self.inner.subscribe(user).await
    }
    async fn signal(&self, recipients: &[String], payload: Bytes) -> Result<(), DeliveryError> {
        if self.failing.load(Ordering::SeqCst) {
            return Err(DeliveryError::Unavailable(
                "switched off by the test".into(),
            ));
        }
        self.inner.signal(recipients, payload).await
    }
    async fn presence(&self, users: &[String]) -> Result<Vec<Presence>, DeliveryError> {
        self.inner.presence(users).await
    }
    async fn release(&self, user: &str) -> Result<Presence, DeliveryError> {
        self.inner.release(user).await
    }
    async fn ping(&self) -> Result<(), DeliveryError> {
        self.inner.ping().await
    }
}

/// A running chat server and a client for it; dropping it stops the server.
pub(super) struct Harness {
    pub(super) client: ChatServiceClient<TracedChannel>,
    pub(super) log: Arc<SwitchableLog>,
    pub(super) store: Arc<dyn ChatStore>,
    pub(super) backends: Backends,
    shutdown: Shutdown,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// [`Harness::start_with`] node id 9 and the default timeouts.
    pub(super) async fn start() -> Self {
        Self::start_with(Config {
            node_id: 9,
            ..Config::default()
        })
        .await
    }

    /// Opens the embedded backends in a fresh temp dir and serves them on 127.0.0.1:0.
    pub(super) async fn start_with(config: Config) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let inner = EmbeddedEventLog::open(&dir.path().join("events.redb")).unwrap();
        let log = Arc::new(SwitchableLog {
            inner,
            failing: AtomicBool::new(false),
            hanging: AtomicBool::new(false),
            publishes: AtomicUsize::new(0),
        });
        let events: Arc<dyn EventLog> = log.clone();
        let backends = embedded::open(dir.path(), events).unwrap();
        let store = Arc::clone(&backends.store);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = Shutdown::new();
        tokio::spawn(serve(config, backends.clone(), listener, shutdown.clone()));
        let channel = gochat_runtime::grpc::channel(&format!("http://{addr}")).unwrap();
        Self {
            client: ChatServiceClient::new(channel),
            log,
            store,
            backends,
            shutdown,
            _dir: dir,
        }
    }

    /// Every event in `user`'s log, decoded, oldest first.
    pub(super) async fn events_of(&self, user: &str) -> Vec<proto::DeliveryEvent> {
        let replay = self.log.replay(user, EventId::ZERO, 1_000).await.unwrap();
        assert!(!replay.truncated);
        replay
            .events
            .iter()
            .map(|e| proto::DeliveryEvent::decode(e.payload.clone()).unwrap())
            .collect()
    }

    /// Creates a conversation of `creator` and `others`; returns its id.
    pub(super) async fn conversation(&mut self, creator: &str, others: &[&str]) -> String {
        let request = CreateConversationRequest {
            creator_id: creator.to_owned(),
            member_ids: others.iter().map(|m| (*m).to_owned()).collect(),
            title: None,
        };
        let response = self
            .client
            .create_conversation(request)
            .await
            .unwrap()
            .into_inner();
        response.conversation.unwrap().id
    }

    /// Sends `body` as `sender` in `conversation_id` with a fresh client_msg_id.
    pub(super) async fn send(
        &mut self,
        sender: &str,
        conversation_id: &str,
        body: &str,
    ) -> proto::Message {
        let request = send_request(
            sender,
            conversation_id,
            body,
            &uuid::Uuid::new_v4().to_string(),
        );
        self.client
            .send_message(request)
            .await
            .unwrap()
            .into_inner()
            .message
            .unwrap()
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        self.shutdown.trigger();
    }
}

/// A SendMessage request.
pub(super) fn send_request(
    sender: &str,
    conversation_id: &str,
    body: &str,
    client_msg_id: &str,
) -> SendMessageRequest {
    SendMessageRequest {
        sender_id: sender.to_owned(),
        conversation_id: conversation_id.to_owned(),
        body: body.to_owned(),
        client_msg_id: client_msg_id.to_owned(),
    }
}

/// The API error code a failed call carries.
pub(super) fn code_of(status: &tonic::Status) -> &str {
    gochat_proto::error::error_code(status).map_or("<none>", |code| code.as_str())
}
