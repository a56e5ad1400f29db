//! Instant queries against a Prometheus server's HTTP API (`/api/v1/query`), as the system
//! tests' proof that every process is scraped and the counters add up.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::HarnessError;

/// One sample of an instant vector: its labels and value.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// The series' labels (`__name__` included when the result has one).
    pub labels: BTreeMap<String, String>,
    /// The sample value.
    pub value: f64,
}

/// A client of one Prometheus server.
#[derive(Debug, Clone)]
pub struct Prometheus {
    base: String,
    http: reqwest::Client,
}

impl Prometheus {
    /// A client of the server at `base_url` (e.g. `http://127.0.0.1:9090`).
    pub fn new(base_url: &str) -> Result<Self, HarnessError> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| HarnessError::Unexpected(format!("HTTP client: {e}")))?;
        Ok(Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        })
    }

    /// Evaluates `promql` now; an error unless Prometheus answers `status: success` with a
    /// vector.
    pub async fn query(&self, promql: &str) -> Result<Vec<Sample>, HarnessError> {
        let url = format!("{}/api/v1/query", self.base);
        let answer = self
            .http
            .get(&url)
            .query(&[("query", promql)])
            .send()
            .await
            .map_err(|source| HarnessError::Http {
                method: "GET".into(),
                url: url.clone(),
                source,
            })?;
        let text = answer.text().await.map_err(|source| HarnessError::Http {
            method: "GET".into(),
            url: url.clone(),
            source,
        })?;
        parse_vector(&text)
            .map_err(|why| HarnessError::Unexpected(format!("query {promql:?}: {why}: {text}")))
    }
}

/// The samples of a `/api/v1/query` answer whose result is a vector.
fn parse_vector(text: &str) -> Result<Vec<Sample>, String> {
    let answer: Value = serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
    if answer["status"] != "success" {
        return Err("status is not success".into());
    }
    if answer["data"]["resultType"] != "vector" {
        return Err("the result is not a vector".into());
    }
    let results = answer["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    results
        .iter()
        .map(|r| {
            let labels = r["metric"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                        .collect()
                })
                .unwrap_or_default();
            let value = r["value"][1]
                .as_str()
                .and_then(|v| v.parse::<f64>().ok())
                .ok_or_else(|| format!("a sample without a numeric value: {r}"))?;
            Ok(Sample { labels, value })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_an_instant_vector() {
        let samples = parse_vector(
            r#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","process":"gw1"},"value":[1.5,"1"]},{"metric":{},"value":[1.5,"7"]}]}}"#,
        )
        .unwrap();
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[0].labels["process"], "gw1");
        assert!((samples[0].value - 1.0).abs() < f64::EPSILON);
        assert!((samples[1].value - 7.0).abs() < f64::EPSILON);
    }

    #[test]
    fn rejects_errors_and_other_result_types() {
        assert!(parse_vector(r#"{"status":"error","error":"bad"}"#).is_err());
        assert!(
            parse_vector(r#"{"status":"success","data":{"resultType":"scalar","result":[1,"1"]}}"#)
                .is_err()
        );
        assert!(parse_vector("<html>").is_err());
    }
}
