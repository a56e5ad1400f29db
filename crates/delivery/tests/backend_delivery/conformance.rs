//! The conformance suite on one instance, and on a publisher and a gateway sharing Redis.

use std::sync::Arc;

use gochat_delivery::conformance;

use crate::support::{self, RedisControl, Split, cleanup, config, connect};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_instance_passes_the_conformance_suite() {
    let log_config = config("conf", Some("gw-conf"));
    let prefix = log_config.prefix.clone();
    let log = connect(log_config).await;
    let control = RedisControl { log: log.clone() };
    conformance::run_all(Arc::new(log), Arc::new(control)).await;
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publisher_and_a_gateway_pass_the_conformance_suite_together() {
    let gateway_config = config("split", Some("gw-split"));
    let prefix = gateway_config.prefix.clone();
    let publisher = connect(support::publisher_of(&gateway_config)).await;
    let gateway = connect(gateway_config).await;
    let control = RedisControl {
        log: gateway.clone(),
    };
    let split = Split { publisher, gateway };
    conformance::run_all(Arc::new(split), Arc::new(control)).await;
    cleanup(&prefix).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_redis_revocation_feed_passes_the_conformance_check() {
    let prefix = config("revocations", None).prefix;
    let client = redis::Client::open(gochat_tests::servers::redis_url()).unwrap();
    let conn = redis::aio::ConnectionManager::new(client).await.unwrap();
    let feed = gochat_delivery::redis::RedisRevocations::new(conn, &prefix);
    conformance::revocations_reach_every_reader_in_order(&feed).await;
    cleanup(&prefix).await;
}
