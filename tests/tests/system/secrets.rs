//! No secret reaches a log line or an exported span at any level: every gochat process logs
//! at `trace`, spans go to a real OpenTelemetry Collector, and a whole session's worth of
//! calls (sign-up, verification, login, refresh, a socket with the token in its query, a
//! send, a lookup by email, logout) must leave no password, token, code or email address in
//! any of the logs or the exported spans.

use std::path::Path;
use std::time::Duration;

use gochat_tests::cluster::Cluster;
use gochat_tests::mail::maildir;
use gochat_tests::{HarnessError, MAIL_TIMEOUT, PASSWORD, WsAuth, WsClient, check, traces};

use crate::support::{self, WAIT, api, register};

/// How long exported spans may take to reach the collector's file.
const SPANS: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_reaches_a_log_or_a_span_at_trace_level() {
    let (_turn, cluster) = support::observed_cluster_logging("trace").await;
    support::finish(run(&cluster).await);
    support::finish(cluster.down().await);
}

/// Every line of the files under `dir` holding one of `forms` of a secret (named `what`),
/// as "what in file: line".
fn occurrences(dir: &Path, forms: &[String], what: &str) -> Result<Vec<String>, HarnessError> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).map_err(|e| HarnessError::io("list the logs", e))?;
    for entry in entries {
        let path = entry
            .map_err(|e| HarnessError::io("list the logs", e))?
            .path();
        if !path.is_file() {
            continue;
        }
        let text = std::fs::read_to_string(&path).map_err(|e| HarnessError::io("read a log", e))?;
        for line in text
            .lines()
            .filter(|l| forms.iter().any(|f| l.contains(f.as_str())))
        {
            let shown: String = line.chars().take(300).collect();
            found.push(format!("{what} in {}: {shown}", path.display()));
        }
    }
    Ok(found)
}

async fn run(cluster: &Cluster) -> Result<(), HarnessError> {
    let user = register(cluster, "secret-sal", [0, 1, 0]).await?;
    let other = register(cluster, "secret-sid", [1, 0, 1]).await?;
    let code = maildir::wait_for_code(&cluster.maildir(), &user.email, MAIL_TIMEOUT).await?;
    let (gw1, gw2) = (api(cluster, 0), api(cluster, 1));

    let rotated = gw2.refresh(&user.refresh_token).await?;
    check::status(&rotated, 200);
    let access = rotated.str_at("/access_token")?;
    let refresh = rotated.str_at("/refresh_token")?;
    let mut socket = WsClient::connect(&cluster.ws_url(1), WsAuth::Query(&access), None).await?;
    let found = gw1.lookup(&access, &other.email).await?;
    check::status(&found, 200);
    let created = gw1.create_conversation(&access, &[&other.id], None).await?;
    let conversation = created.str_at("/id")?;
    check::status(
        &gw1.send(&access, &conversation, "hello", "secrets-1")
            .await?,
        201,
    );
    socket.next_of_type("message", WAIT).await?;
    check::status(&gw1.logout(Some(&access)).await?, 204);

    let traces_file = cluster
        .traces_file()
        .ok_or_else(|| HarnessError::Unexpected("no TRACES_FILE".into()))?;
    let (spans, landed) = traces::wait_until(&traces_file, SPANS, |spans| {
        spans
            .iter()
            .any(|s| s.name == "DELETE /api/v1/sessions/current")
    })
    .await?;
    assert!(landed, "the logout's span never reached the collector");
    let log_dir = cluster
        .value("LOG_DIR")
        .ok_or_else(|| HarnessError::Unexpected("no LOG_DIR".into()))?;
    let whole = |s: &str| vec![s.to_owned()];
    // Six digits alone would match unrelated numbers in trace output: the code is looked for
    // in the forms a log line or span would give it.
    let code_forms = vec![
        format!("\"{code}\""),
        format!("\\\"{code}\\\""),
        format!("code={code}"),
        format!("code: {code}"),
    ];
    let secrets = [
        (whole(PASSWORD), "the password"),
        (whole(&user.email), "an email address"),
        (whole(&other.email), "an email address"),
        (code_forms, "the verification code"),
        (whole(&user.access_token), "an access token"),
        (whole(&access), "an access token"),
        (whole(&user.refresh_token), "a refresh token"),
        (whole(&refresh), "a refresh token"),
    ];
    let mut leaks = Vec::new();
    for (forms, what) in &secrets {
        leaks.extend(occurrences(Path::new(log_dir), forms, what)?);
        leaks.extend(occurrences(
            traces_file.parent().unwrap_or(Path::new(".")),
            forms,
            what,
        )?);
    }
    // The search finds what is there: the account id (not a secret) is logged at login.
    let ids = occurrences(Path::new(log_dir), &whole(&user.id), "the account id")?;
    assert!(
        !ids.is_empty(),
        "the logs were not searched: no account id in them"
    );
    let log_lines: usize = std::fs::read_dir(log_dir)
        .map_err(|e| HarnessError::io("list the logs", e))?
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .map(|text| text.lines().count())
        .sum();
    println!(
        "DETAIL secrets: {log_lines} log lines at trace and {} exported spans searched for 8 secrets: {} found",
        spans.len(),
        leaks.len()
    );
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
    Ok(())
}
