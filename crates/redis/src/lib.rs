//! Redis commands: a connection wrapper that puts every command (and pipeline) in a client
//! span with `db.system=redis` and `db.operation`, and records
//! `gochat_redis_command_duration_seconds`.

use std::{sync::LazyLock, time::Instant};

use prometheus::HistogramVec;
use redis::{Arg, Cmd, Pipeline, RedisFuture, Value, aio::ConnectionLike};
use tracing::{Instrument as _, Span, field::Empty};

use gochat_telemetry::{self as telemetry, metrics};

static DURATION: LazyLock<HistogramVec> = LazyLock::new(|| {
    metrics::histogram_vec(
        "gochat_redis_command_duration_seconds",
        "Time of one Redis command or pipeline, by command (PIPELINE for a pipeline) and outcome.",
        &["command", "outcome"],
        metrics::COMMAND_BUCKETS,
    )
});

/// A Redis connection (e.g. `ConnectionManager`) whose commands are traced and timed.
/// Cheap to clone when the inner connection is.
#[derive(Clone, Debug)]
pub struct TracedRedis<C> {
    inner: C,
}

impl<C> TracedRedis<C> {
    /// Wraps `inner`.
    pub fn new(inner: C) -> Self {
        Self { inner }
    }

    /// The wrapped connection.
    pub fn inner(&self) -> &C {
        &self.inner
    }
}

impl<C: ConnectionLike + Send> ConnectionLike for TracedRedis<C> {
    fn req_packed_command<'a>(&'a mut self, cmd: &'a Cmd) -> RedisFuture<'a, Value> {
        let command = command_name(cmd);
        let work = self.inner.req_packed_command(cmd);
        Box::pin(observe(command, None, work))
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        pipeline: &'a Pipeline,
        offset: usize,
        count: usize,
    ) -> RedisFuture<'a, Vec<Value>> {
        let work = self.inner.req_packed_commands(pipeline, offset, count);
        Box::pin(observe("PIPELINE", Some(pipeline.len()), work))
    }

    fn get_db(&self) -> i64 {
        self.inner.get_db()
    }
}

/// The command's name (`XADD`, `EVALSHA`, ...) when it is a plain word, else `OTHER`.
fn command_name(cmd: &Cmd) -> &str {
    match cmd.args_iter().next() {
        Some(Arg::Simple(name))
            if !name.is_empty()
                && name.len() <= 24
                && name.iter().all(|b| b.is_ascii_alphabetic() || *b == b'_') =>
        {
            std::str::from_utf8(name).unwrap_or("OTHER")
        }
        _ => "OTHER",
    }
}

async fn observe<T>(
    command: &str,
    batch: Option<usize>,
    work: impl Future<Output = redis::RedisResult<T>>,
) -> redis::RedisResult<T> {
    let span = if telemetry::enabled() {
        tracing::info_span!(
            "redis",
            otel.name = command,
            otel.kind = "client",
            otel.status_code = Empty,
            db.system = "redis",
            db.operation = command,
            db.operation.batch.size = batch.map(|n| i64::try_from(n).unwrap_or(i64::MAX)),
        )
    } else {
        Span::none()
    };
    let started = Instant::now();
    let result = work.instrument(span.clone()).await;
    if result.is_err() {
        span.record("otel.status_code", "ERROR");
    }
    DURATION
        .with_label_values(&[command, metrics::outcome(&result)])
        .observe(started.elapsed().as_secs_f64());
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use gochat_telemetry::testing::SpanCapture;

    #[test]
    fn commands_are_named_by_their_first_argument() {
        assert_eq!(command_name(redis::cmd("XADD").arg("k").arg("*")), "XADD");
        assert_eq!(command_name(&redis::cmd("evalsha")), "evalsha");
        assert_eq!(command_name(&redis::cmd("X ADD")), "OTHER");
        assert_eq!(command_name(&Cmd::new()), "OTHER");
    }

    #[tokio::test]
    async fn a_command_gets_a_client_span_and_a_latency_sample() {
        let capture = SpanCapture::new();
        let _default = tracing::subscriber::set_default(capture.subscriber());
        let before = DURATION
            .with_label_values(&["PROBECMD", "error"])
            .get_sample_count();
        let failed: redis::RedisResult<()> = observe("PROBECMD", None, async {
            Err((redis::ErrorKind::Io, "down").into())
        })
        .await;
        assert!(failed.is_err());
        let after = DURATION
            .with_label_values(&["PROBECMD", "error"])
            .get_sample_count();
        assert_eq!(after, before + 1);
        let span = capture.span("PROBECMD").unwrap();
        assert!(
            span.attributes
                .iter()
                .any(|kv| kv.key.as_str() == "db.system" && kv.value.as_str() == "redis")
        );
        assert!(matches!(
            span.status,
            opentelemetry::trace::Status::Error { .. }
        ));
    }
}
