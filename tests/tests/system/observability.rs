//! Proof with real collectors: the cluster's observability opt-in runs an OpenTelemetry
//! Collector (OTLP in, JSON lines out) and Prometheus scraping every gochat process. One
//! signup is one trace through gateway, auth and email; one message send is one trace through
//! gateway and chat, and the push on the recipient's (other) gateway links to it; Prometheus
//! scrapes every process and counts exactly the message frames the test's socket received.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gochat_tests::cluster::{Cluster, Part};
use gochat_tests::prometheus::Prometheus;
use gochat_tests::traces::{self, Span};
use gochat_tests::{HarnessError, PASSWORD, WsAuth, WsClient};

use crate::support::{self, WAIT, api, expect, register, tag};

/// How long exported spans may take to reach the collector's file.
const SPANS: Duration = Duration::from_secs(30);
/// How long Prometheus may take to scrape the figures the test expects.
const SCRAPE: Duration = Duration::from_secs(30);
/// Messages sent in the Prometheus test.
const MESSAGES: usize = 5;
/// The HTTP span of a signup on the gateway.
const SIGNUP_SPAN: &str = "POST /api/v1/accounts";
/// The HTTP span of a send on the gateway (named by its route template).
const SEND_SPAN: &str = "POST /api/v1/conversations/{id}/messages";

#[tokio::test(flavor = "multi_thread")]
async fn observed_signup_is_one_trace_through_gateway_auth_and_email() {
    let (_turn, cluster) = support::observed_cluster().await;
    support::finish(signup_trace(&cluster).await);
    support::finish(cluster.down().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn observed_send_is_one_trace_and_the_push_links_to_it() {
    let (_turn, cluster) = support::observed_cluster().await;
    support::finish(send_trace(&cluster).await);
    support::finish(cluster.down().await);
}

#[tokio::test(flavor = "multi_thread")]
async fn prometheus_scrapes_every_process_and_counts_deliveries() {
    let (_turn, cluster) = support::observed_cluster().await;
    support::finish(scraped(&cluster).await);
    support::finish(cluster.down().await);
}

fn traces_file(cluster: &Cluster) -> std::path::PathBuf {
    cluster
        .traces_file()
        .unwrap_or_else(|| panic!("cluster up --observability printed no TRACES_FILE"))
}

/// The spans of trace `trace_id`.
fn in_trace<'a>(spans: &'a [Span], trace_id: &str) -> Vec<&'a Span> {
    spans.iter().filter(|s| s.trace_id == trace_id).collect()
}

/// The service names of `spans`.
fn services(spans: &[&Span]) -> BTreeSet<String> {
    spans.iter().map(|s| s.service.clone()).collect()
}

/// Prints the spans of a trace (for a failing assertion's context).
fn show(spans: &[&Span]) -> String {
    spans
        .iter()
        .map(|s| {
            format!(
                "\n  {} | {} | {} <- {}",
                s.service, s.name, s.span_id, s.parent_span_id
            )
        })
        .collect()
}

/// The spans of trace `trace_id` whose parent is not in it (none in a whole trace).
fn orphans<'a>(trace: &[&'a Span]) -> Vec<&'a Span> {
    let ids: BTreeSet<&str> = trace.iter().map(|s| s.span_id.as_str()).collect();
    trace
        .iter()
        .copied()
        .filter(|s| !s.parent_span_id.is_empty() && !ids.contains(s.parent_span_id.as_str()))
        .collect()
}

async fn signup_trace(cluster: &Cluster) -> Result<(), HarnessError> {
    let file = traces_file(cluster);
    let email = format!("{}@example.com", tag("traced"));
    let created = api(cluster, 0).signup(&email, PASSWORD, "traced").await?;
    expect(&created, 201, "signup");
    let wanted = ["gochat-gateway-gw1", "gochat-auth", "gochat-email"];
    // Complete: spans of all three services, and every parent arrived (a server span is
    // exported when it ends, after its children).
    let (spans, complete) = traces::wait_until(&file, SPANS, |spans| {
        spans.iter().filter(|s| s.name == SIGNUP_SPAN).any(|root| {
            let trace = in_trace(spans, &root.trace_id);
            let found = services(&trace);
            wanted.iter().all(|w| found.contains(*w)) && orphans(&trace).is_empty()
        })
    })
    .await?;
    let roots: Vec<&Span> = spans.iter().filter(|s| s.name == SIGNUP_SPAN).collect();
    assert_eq!(
        roots.len(),
        1,
        "one signup, {} {SIGNUP_SPAN:?} spans: {roots:?}",
        roots.len()
    );
    let root = roots[0];
    let trace = in_trace(&spans, &root.trace_id);
    println!(
        "TRACE signup {}: {} spans from {:?}{}",
        root.trace_id,
        trace.len(),
        services(&trace),
        show(&trace)
    );
    assert!(
        complete,
        "within {SPANS:?} the signup trace is not whole: services {:?} (wanted {wanted:?}), spans whose parent is missing: {}",
        services(&trace),
        show(&orphans(&trace))
    );
    assert_eq!(root.service, "gochat-gateway-gw1", "{root:?}");
    assert!(
        root.parent_span_id.is_empty(),
        "the HTTP span is the root: {root:?}"
    );
    // The one CreateAccount on auth and the one SendVerificationCode on email of this run
    // are both in the signup's trace, each a child of the hop before it.
    for (service, method, caller) in [
        (
            "gochat-auth",
            "gochat.auth.v1.AuthService/CreateAccount",
            "gochat-gateway-gw1",
        ),
        (
            "gochat-email",
            "gochat.email.v1.EmailService/SendVerificationCode",
            "gochat-auth",
        ),
    ] {
        let calls: Vec<&Span> = spans
            .iter()
            .filter(|s| s.service == service && s.name == method)
            .collect();
        assert_eq!(
            calls.len(),
            1,
            "one {method} span on {service}: {}",
            show(&calls)
        );
        assert_eq!(
            calls[0].trace_id, root.trace_id,
            "{method} is in the signup trace"
        );
        let parent = trace
            .iter()
            .find(|s| s.span_id == calls[0].parent_span_id)
            .unwrap_or_else(|| panic!("{method}'s parent is not in the trace"));
        assert_eq!(
            parent.service, caller,
            "{method} is called from {caller}: {parent:?}"
        );
    }
    Ok(())
}

async fn send_trace(cluster: &Cluster) -> Result<(), HarnessError> {
    let file = traces_file(cluster);
    let from = register(cluster, "tr-sender", [0, 1, 0]).await?;
    let to = register(cluster, "tr-recipient", [1, 0, 1]).await?;
    let created = api(cluster, 0)
        .create_conversation(&from.access_token, &[&to.id], None)
        .await?;
    expect(&created, 201, "create the direct conversation");
    let conversation = created.str_at("/id")?;
    let mut socket =
        WsClient::connect(&cluster.ws_url(1), WsAuth::Header(&to.access_token), None).await?;
    let sent = api(cluster, 0)
        .send(
            &from.access_token,
            &conversation,
            "traced hello",
            &tag("traced"),
        )
        .await?;
    expect(&sent, 201, "send through gw1");
    let message_id = sent.str_at("/id")?;
    socket.collect_messages(&[&message_id], WAIT).await?;
    socket.close().await;

    let (spans, complete) = traces::wait_until(&file, SPANS, |spans| {
        spans.iter().filter(|s| s.name == SEND_SPAN).any(|root| {
            let trace = in_trace(spans, &root.trace_id);
            let ids: BTreeSet<&str> = trace.iter().map(|s| s.span_id.as_str()).collect();
            services(&trace).contains("gochat-chat")
                && spans.iter().any(|p| {
                    p.name == "gochat.ws.push"
                        && p.service == "gochat-gateway-gw2"
                        && p.links
                            .iter()
                            .any(|(t, s)| *t == root.trace_id && ids.contains(s.as_str()))
                })
        })
    })
    .await?;
    let roots: Vec<&Span> = spans.iter().filter(|s| s.name == SEND_SPAN).collect();
    assert_eq!(
        roots.len(),
        1,
        "one send, {} {SEND_SPAN:?} spans: {roots:?}",
        roots.len()
    );
    let root = roots[0];
    let trace = in_trace(&spans, &root.trace_id);
    let pushes: Vec<&Span> = spans
        .iter()
        .filter(|s| s.name == "gochat.ws.push")
        .collect();
    println!(
        "TRACE send {}: {} spans from {:?}{}\nPUSH spans:{}\n  links {:?}",
        root.trace_id,
        trace.len(),
        services(&trace),
        show(&trace),
        show(&pushes),
        pushes.iter().map(|p| &p.links).collect::<Vec<_>>()
    );
    assert!(
        complete,
        "within {SPANS:?}: no send trace with chat spans and a gw2 push linked to it"
    );
    assert_eq!(root.service, "gochat-gateway-gw1", "{root:?}");
    let chat: Vec<&Span> = spans
        .iter()
        .filter(|s| s.service == "gochat-chat")
        .collect();
    let send_rpc: Vec<&&Span> = chat
        .iter()
        .filter(|s| s.name.ends_with("/SendMessage"))
        .collect();
    assert_eq!(
        send_rpc.len(),
        1,
        "one SendMessage span on chat: {}",
        show(&chat)
    );
    assert_eq!(
        send_rpc[0].trace_id, root.trace_id,
        "SendMessage is in the send's trace"
    );
    assert_eq!(
        pushes.len(),
        1,
        "one socket, one message: one push span, got {}",
        show(&pushes)
    );
    let push = pushes[0];
    assert_eq!(
        push.service, "gochat-gateway-gw2",
        "the push runs on the recipient's gateway"
    );
    assert_ne!(
        push.trace_id, root.trace_id,
        "the push is linked, not a child"
    );
    Ok(())
}

async fn scraped(cluster: &Cluster) -> Result<(), HarnessError> {
    let url = cluster
        .value("PROMETHEUS_URL")
        .unwrap_or_else(|| panic!("cluster up --observability printed no PROMETHEUS_URL"));
    let prometheus = Prometheus::new(url)?;
    let processes: BTreeSet<String> = Part::SERVICES.iter().map(|p| p.name().to_owned()).collect();
    let deadline = Instant::now() + SCRAPE;
    loop {
        let up = prometheus.query("up").await?;
        let healthy: BTreeSet<String> = up
            .iter()
            .filter(|s| (s.value - 1.0).abs() < f64::EPSILON)
            .filter_map(|s| s.labels.get("process").cloned())
            .collect();
        if healthy == processes && up.len() == processes.len() {
            println!("PROMETHEUS up=1 for {healthy:?}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "within {SCRAPE:?} `up` is {up:?}; wanted 1 for each of {processes:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let from = register(cluster, "prom-sender", [0, 1, 0]).await?;
    let to = register(cluster, "prom-recipient", [1, 0, 1]).await?;
    let created = api(cluster, 0)
        .create_conversation(&from.access_token, &[&to.id], None)
        .await?;
    expect(&created, 201, "create the direct conversation");
    let conversation = created.str_at("/id")?;
    // The only socket of the run: every delivered frame the gateways count lands here.
    let mut socket =
        WsClient::connect(&cluster.ws_url(1), WsAuth::Header(&to.access_token), None).await?;
    let mut ids = Vec::new();
    for n in 0..MESSAGES {
        let sent = api(cluster, n % 2)
            .send(
                &from.access_token,
                &conversation,
                &format!("counted {n}"),
                &tag("prom"),
            )
            .await?;
        expect(&sent, 201, "send");
        ids.push(sent.str_at("/id")?);
    }
    let wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
    let mut frames = socket.collect_messages(&wanted, WAIT).await?.len();
    // Any extra (duplicate) frame pushed right after counts too.
    while let Ok(frame) = socket.next_of_type("message", Duration::from_secs(2)).await {
        println!("PROMETHEUS extra frame after the {MESSAGES} wanted: {frame}");
        frames += 1;
    }
    let received = frames as f64;
    let query = "sum(gochat_messages_delivered_total)";
    let deadline = Instant::now() + SCRAPE;
    let mut last;
    loop {
        last = prometheus.query(query).await?;
        if last.len() == 1 && (last[0].value - received).abs() < f64::EPSILON {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "within {SCRAPE:?} {query} is {last:?}; the socket received {frames} message frames"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    // Still equal a few scrapes later: nothing counted late.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let settled = prometheus.query(query).await?;
    println!("PROMETHEUS {query} = {settled:?}; frames received {frames}, sent {MESSAGES}");
    assert_eq!(settled.len(), 1, "{settled:?}");
    assert!(
        (settled[0].value - received).abs() < f64::EPSILON,
        "{query} moved to {} after matching {frames} frames",
        settled[0].value
    );
    assert_eq!(frames, MESSAGES, "one socket, {MESSAGES} messages sent");
    socket.close().await;
    Ok(())
}
