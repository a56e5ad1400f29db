//! The `ChatCluster` custom resource (`gochat.dev/v1alpha1`): what a user asks for, and the
//! status the operator reports. The CRD YAML in `crds/` is generated from these types.

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, EnvVar, ResourceRequirements, Toleration, TopologySpreadConstraint,
};
use kube::{CustomResource, KubeSchema};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One gochat installation: the four services, their backends and how they are exposed.
#[derive(CustomResource, KubeSchema, Serialize, Deserialize, Clone, Debug, PartialEq)]
#[kube(
    group = "gochat.dev",
    version = "v1alpha1",
    kind = "ChatCluster",
    plural = "chatclusters",
    shortname = "chat",
    namespaced,
    status = "ChatClusterStatus",
    derive = "PartialEq",
    validation = Rule::new("self.metadata.name.matches('^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$')").message("metadata.name must be a DNS label of at most 40 characters starting with a letter: the names of the Services and Deployments are derived from it"),
    doc = "A gochat installation: auth, chat, email and gateway services with their backends.",
    printcolumn(
        name = "Ready",
        type_ = "string",
        json_path = ".status.conditions[?(@.type==\"Ready\")].status"
    ),
    printcolumn(name = "Gateway", type_ = "string", json_path = ".status.gatewayEndpoint"),
    printcolumn(name = "Age", type_ = "date", json_path = ".metadata.creationTimestamp")
)]
#[serde(rename_all = "camelCase")]
pub struct ChatClusterSpec {
    /// The gochat container image run by every component and the migration job.
    #[schemars(length(min = 1, max = 512))]
    pub image: String,
    /// When the kubelet pulls the image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<PullPolicy>,
    /// Secrets holding registry credentials for the image.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<LocalReference>,
    /// The public HTTP/WebSocket API.
    #[serde(default)]
    pub gateway: GatewaySpec,
    /// Accounts, sessions and access tokens.
    #[serde(default)]
    pub auth: ComponentSpec,
    /// Conversations and messages.
    #[serde(default)]
    pub chat: ComponentSpec,
    /// Verification mail.
    #[serde(default)]
    pub email: ComponentSpec,
    /// Where messages, accounts and sessions are stored.
    pub scylla: ScyllaSpec,
    /// The delivery queue, verification codes and rate limits.
    pub redis: RedisSpec,
    /// The mail server verification codes are sent through.
    pub smtp: SmtpSpec,
    /// OpenTelemetry trace export; off when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracing: Option<TracingSpec>,
}

/// Image pull policy of every container.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, JsonSchema)]
pub enum PullPolicy {
    /// Pull on every pod start.
    Always,
    /// Pull only when the node lacks the image.
    IfNotPresent,
    /// Never pull.
    Never,
}

impl PullPolicy {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Always => "Always",
            Self::IfNotPresent => "IfNotPresent",
            Self::Never => "Never",
        }
    }
}

/// A reference to an object by name in the ChatCluster's namespace.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
pub struct LocalReference {
    /// The object's name.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
}

/// How one component's pods are run.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentSpec {
    /// Number of pods.
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 100))]
    pub replicas: i32,
    /// CPU and memory requests and limits of the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<ResourceRequirements>,
    /// Nodes the pods may run on, by label.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Pod affinity and anti-affinity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Affinity>,
    /// Taints the pods tolerate.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<Toleration>,
    /// How the pods spread across zones and nodes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<TopologySpreadConstraint>,
    /// Extra environment variables of the container (they override the operator's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
}

impl Default for ComponentSpec {
    fn default() -> Self {
        Self {
            replicas: 1,
            resources: None,
            node_selector: BTreeMap::new(),
            affinity: None,
            tolerations: Vec::new(),
            topology_spread_constraints: Vec::new(),
            env: Vec::new(),
        }
    }
}

fn one() -> i32 {
    1
}

/// The gateway: a component plus the Service that exposes it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewaySpec {
    /// How the gateway pods are run.
    #[serde(flatten)]
    pub component: ComponentSpec,
    /// The Service clients connect to.
    #[serde(default)]
    pub service: GatewayServiceSpec,
}

/// The gateway's Service.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct GatewayServiceSpec {
    /// Service type.
    #[serde(default, rename = "type")]
    pub service_type: ServiceType,
    /// The port clients use.
    #[serde(default = "http_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: i32,
    /// Annotations of the Service (e.g. for a cloud load balancer).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

impl Default for GatewayServiceSpec {
    fn default() -> Self {
        Self {
            service_type: ServiceType::default(),
            port: http_port(),
            annotations: BTreeMap::new(),
        }
    }
}

fn http_port() -> i32 {
    80
}

/// Kubernetes Service type of the gateway.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, JsonSchema)]
pub enum ServiceType {
    /// Reachable inside the cluster only.
    #[default]
    ClusterIP,
    /// Also on a port of every node.
    NodePort,
    /// Through a cloud load balancer.
    LoadBalancer,
}

impl ServiceType {
    /// The Kubernetes spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClusterIP => "ClusterIP",
            Self::NodePort => "NodePort",
            Self::LoadBalancer => "LoadBalancer",
        }
    }
}

/// The ScyllaDB (or Cassandra) cluster.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("self.keyspace == oldSelf.keyspace").message("scylla.keyspace cannot be changed: the data lives in the old keyspace"))]
pub struct ScyllaSpec {
    /// `host:port` of one or more nodes.
    #[schemars(
        length(min = 1, max = 32),
        inner(regex(pattern = r"^[A-Za-z0-9.\-]+:[0-9]{1,5}$"))
    )]
    pub contact_points: Vec<String>,
    /// Keyspace holding gochat's tables (created when missing).
    #[serde(default = "default_keyspace")]
    #[schemars(regex(pattern = r"^[A-Za-z][A-Za-z0-9_]{0,47}$"))]
    pub keyspace: String,
    /// Replication factor used when the keyspace is created.
    #[serde(default = "one")]
    #[schemars(range(min = 1, max = 15))]
    pub replication_factor: i32,
    /// Consistency level of every statement.
    #[serde(default)]
    pub consistency: Consistency,
    /// Secret with the CQL username and password, when the cluster authenticates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_secret: Option<CredentialsSecret>,
}

fn default_keyspace() -> String {
    "gochat".to_owned()
}

/// CQL consistency levels gochat accepts.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Consistency {
    /// One replica.
    One,
    /// A majority of all replicas.
    Quorum,
    /// A majority of the local datacenter's replicas.
    #[default]
    LocalQuorum,
    /// A majority in every datacenter.
    EachQuorum,
    /// Every replica.
    All,
}

impl Consistency {
    /// The spelling `gochat --cql-consistency` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::One => "one",
            Self::Quorum => "quorum",
            Self::LocalQuorum => "local_quorum",
            Self::EachQuorum => "each_quorum",
            Self::All => "all",
        }
    }
}

/// A Secret holding a username and a password.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct CredentialsSecret {
    /// The Secret's name, in the ChatCluster's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Key of the username.
    #[serde(default = "username_key")]
    pub username_key: String,
    /// Key of the password.
    #[serde(default = "password_key")]
    pub password_key: String,
}

fn username_key() -> String {
    "username".to_owned()
}

fn password_key() -> String {
    "password".to_owned()
}

/// The Redis server: a URL, or a Secret holding one (when it carries a password).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("has(self.url) != has(self.urlSecret)").message("redis: set exactly one of url and urlSecret"))]
pub struct RedisSpec {
    /// `redis://host:port/` (or `rediss://`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^rediss?://.+"))]
    pub url: Option<String>,
    /// A Secret key holding the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_secret: Option<SecretKey>,
    /// Prefix of every Redis key (default: the ChatCluster's namespace and name), so several
    /// installations can share one Redis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = r"^[A-Za-z0-9_.\-]{1,64}$"))]
    pub key_prefix: Option<String>,
}

/// One key of a Secret.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
pub struct SecretKey {
    /// The Secret's name, in the ChatCluster's namespace.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// The key.
    #[schemars(length(min = 1, max = 253))]
    pub key: String,
}

/// The SMTP server.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, KubeSchema)]
#[serde(rename_all = "camelCase")]
#[x_kube(validation = Rule::new("!has(self.credentialsSecret) || self.tls != 'none'").message("smtp: credentials are only sent over TLS; set tls to starttls or tls"))]
pub struct SmtpSpec {
    /// Host name of the server.
    #[schemars(length(min = 1, max = 253))]
    pub host: String,
    /// Port of the server.
    #[serde(default = "smtp_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: i32,
    /// Transport security.
    #[serde(default)]
    pub tls: SmtpTls,
    /// The From address of mail, e.g. `gochat <no-reply@example.com>`.
    #[schemars(length(min = 3, max = 320))]
    pub from: String,
    /// Secret with the SMTP username and password, when the server authenticates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_secret: Option<CredentialsSecret>,
}

fn smtp_port() -> i32 {
    587
}

/// SMTP transport security.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain text (a local relay only).
    None,
    /// STARTTLS, required.
    #[default]
    Starttls,
    /// Implicit TLS.
    Tls,
}

impl SmtpTls {
    /// The spelling `gochat --smtp-tls` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Starttls => "starttls",
            Self::Tls => "tls",
        }
    }
}

/// OpenTelemetry trace export.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct TracingSpec {
    /// OTLP/gRPC endpoint of a collector, e.g. `http://otel-collector.observability:4317`.
    #[schemars(regex(pattern = r"^http://.+"))]
    pub otlp_endpoint: String,
    /// Fraction of new traces sampled (parents' decisions are followed).
    #[serde(default = "full_sampling")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub sampling_ratio: f64,
}

fn full_sampling() -> f64 {
    1.0
}

/// What the operator last saw and did.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChatClusterStatus {
    /// The spec generation this status describes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// `Ready`, `Progressing` and `Degraded`.
    #[serde(default)]
    pub conditions: Vec<Condition>,
    /// Pods per component.
    #[serde(default)]
    pub components: BTreeMap<String, ComponentStatus>,
    /// Where clients reach the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_endpoint: Option<String>,
    /// The image whose schema migration has succeeded; the components run it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub migrated_image: Option<String>,
}

/// Pods of one component.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ComponentStatus {
    /// Pods asked for.
    pub desired: i32,
    /// Pods ready.
    pub ready: i32,
    /// Pods running the current template.
    pub updated: i32,
}

/// A condition in the Kubernetes convention.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// `Ready`, `Progressing` or `Degraded`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: String,
    /// A CamelCase word saying why.
    pub reason: String,
    /// A sentence for humans.
    pub message: String,
    /// When `status` last changed (RFC 3339).
    pub last_transition_time: String,
    /// The spec generation the condition was computed from.
    pub observed_generation: i64,
}
