//! Connection settings of a CQL cluster.

use std::time::Duration;

use scylla::statement::Consistency;

/// Where and how to reach the CQL cluster.
#[derive(Clone, Debug)]
pub struct CqlConfig {
    /// `host:port` of one or more nodes.
    pub contact_points: Vec<String>,
    /// The keyspace every table lives in.
    pub keyspace: String,
    /// Replication factor used when the keyspace is created.
    pub replication_factor: u32,
    /// Default consistency of every statement (`LOCAL_QUORUM` in production).
    pub consistency: Consistency,
    /// Username and password, when the cluster authenticates.
    pub credentials: Option<(String, String)>,
    /// How long one request may take before it fails.
    pub request_timeout: Duration,
}

impl Default for CqlConfig {
    fn default() -> Self {
        Self {
            contact_points: vec!["127.0.0.1:9042".to_owned()],
            keyspace: "gochat".to_owned(),
            replication_factor: 1,
            consistency: Consistency::LocalQuorum,
            credentials: None,
            request_timeout: Duration::from_secs(5),
        }
    }
}

/// A consistency name that CQL does not have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown consistency {0:?} (expected one, quorum, local_quorum, all, ...)")]
pub struct ParseConsistencyError(String);

/// Parses a consistency level name, case-insensitively (`local_quorum`, `ONE`, ...).
pub fn parse_consistency(name: &str) -> Result<Consistency, ParseConsistencyError> {
    Ok(match name.trim().to_ascii_lowercase().as_str() {
        "any" => Consistency::Any,
        "one" => Consistency::One,
        "two" => Consistency::Two,
        "three" => Consistency::Three,
        "quorum" => Consistency::Quorum,
        "all" => Consistency::All,
        "local_quorum" => Consistency::LocalQuorum,
        "each_quorum" => Consistency::EachQuorum,
        "local_one" => Consistency::LocalOne,
        _ => return Err(ParseConsistencyError(name.to_owned())),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_consistency_names() {
        assert_eq!(
            parse_consistency("LOCAL_QUORUM"),
            Ok(Consistency::LocalQuorum)
        );
        assert_eq!(parse_consistency(" one "), Ok(Consistency::One));
        assert!(parse_consistency("most").is_err());
    }
}
