//! An unreachable CQL server makes every operation `Unavailable`; the store recovers by
//! itself when the server is back, and a send retried then is stored exactly once.

use std::{collections::HashMap, net::SocketAddr, sync::Arc, time::Duration};

use gochat_chat::{
    ChatStore, MessageIdGenerator, ScyllaChatStore, StoreError,
    conformance::{fresh_user, group, message_at},
};
use gochat_cql::scylla::{
    client::{execution_profile::ExecutionProfile, session_builder::SessionBuilder},
    policies::address_translator::AddressTranslator,
};
use gochat_tests::servers::cql_node;

use super::{keyspace, proxy::Proxy};

/// A base time after the message-id epoch.
const T0: i64 = 1_786_000_000_000;

/// A store whose session reaches the server only through `proxy`.
async fn store_behind(proxy: &Proxy) -> ScyllaChatStore {
    let node: SocketAddr = cql_node()
        .parse()
        .expect("GOCHAT_TEST_CQL_NODE is host:port");
    // The node may be reported under its own address or the one it was reached at.
    let translator: Arc<dyn AddressTranslator> = Arc::new(HashMap::from([
        (node, proxy.addr()),
        (proxy.addr(), proxy.addr()),
    ]));
    let profile = ExecutionProfile::builder()
        .request_timeout(Some(Duration::from_secs(2)))
        .build();
    let session = SessionBuilder::new()
        .known_node_addr(proxy.addr())
        .address_translator(translator)
        .connection_timeout(Duration::from_secs(2))
        .default_execution_profile_handle(profile.into_handle())
        .build()
        .await
        .expect("connect through the proxy");
    ScyllaChatStore::new(Arc::new(session), keyspace().await)
        .await
        .expect("prepare the store")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_unavailable_and_the_store_recovers_by_itself() {
    let node: SocketAddr = cql_node().parse().unwrap();
    let proxy = Proxy::start(node).await;
    let store = store_behind(&proxy).await;
    let (a, b) = (fresh_user(), fresh_user());
    let conversation = group(&[&a, &b], T0);
    store.create_conversation(&conversation).await.unwrap();
    store.ping().await.unwrap();

    proxy.set_up(false);
    let ids = MessageIdGenerator::new(13).unwrap();
    let send = message_at(&ids, &conversation, &a, "during-outage", T0 + 10);
    let unavailable = |result: Result<(), StoreError>| {
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "{result:?}"
        );
    };
    unavailable(store.ping().await);
    unavailable(store.store_message(&send).await.map(drop));
    unavailable(store.list_conversations(&a).await.map(drop));
    unavailable(
        store
            .messages_before(&conversation.id, None, 10)
            .await
            .map(drop),
    );
    unavailable(store.conversation(&conversation.id).await.map(drop));

    proxy.set_up(true);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while store.ping().await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no recovery within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let retry = message_at(&ids, &conversation, &a, "during-outage", T0 + 20);
    let first = store.store_message(&retry).await.unwrap();
    let second = store.store_message(&retry).await.unwrap();
    assert_eq!(first.message, second.message);
    assert!(!second.created);
    let history = store
        .messages_before(&conversation.id, None, 10)
        .await
        .unwrap();
    assert_eq!(history.len(), 1, "stored exactly once: {history:?}");
}
