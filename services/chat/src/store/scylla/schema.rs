//! The keyspace's tables and how they are created.
//!
//! Messages are laid out the way Discord lays them out: one partition per conversation and
//! time bucket (a fixed window of the message id's time), clustered by message id newest
//! first, so a history page is one or a few single-partition slices and no partition grows
//! without bound. `conversation_buckets` lists the buckets that hold messages, so history and
//! catch-up walk only those (never empty windows, never a window chosen by a caller's id).

use gochat_cql::scylla::client::session::Session;

use crate::StoreError;

/// Every table of the chat store, `{ks}` standing for the keyspace. Each statement is
/// `CREATE TABLE IF NOT EXISTS`, so applying them again changes nothing.
pub const SCHEMA: &[&str] = &[
    // One row per conversation: `member_ids` in joining order, the creator first until
    // they leave; `former_members` maps who left or was removed to when. A group's member
    // changes are compare-and-set on `member_ids` (lightweight transactions).
    "CREATE TABLE IF NOT EXISTS {ks}.conversations (\
        id text PRIMARY KEY, kind text, member_ids list<text>, title text, created_at_ms bigint, \
        created_by text, former_members map<text, bigint>)",
    // A direct conversation per member pair, claimed with IF NOT EXISTS; it carries what is
    // needed to finish writing the conversation if its creator stopped half-way.
    "CREATE TABLE IF NOT EXISTS {ks}.direct_pairs (\
        pair text PRIMARY KEY, conversation_id text, member_ids list<text>, created_at_ms bigint)",
    // Each user's conversations with their last activity; read whole and sorted in the store.
    "CREATE TABLE IF NOT EXISTS {ks}.user_conversations (\
        user_id text, conversation_id text, last_activity_ms bigint, last_message_id bigint, \
        PRIMARY KEY ((user_id), conversation_id))",
    // The buckets of a conversation that hold messages, newest first.
    "CREATE TABLE IF NOT EXISTS {ks}.conversation_buckets (\
        conversation_id text, bucket int, PRIMARY KEY ((conversation_id), bucket)) \
        WITH CLUSTERING ORDER BY (bucket DESC)",
    // The messages, partitioned by conversation and bucket, newest first. An edit sets
    // `edited_at_ms`; a delete empties `body` and sets `deleted` (see `ADDED_COLUMNS`).
    "CREATE TABLE IF NOT EXISTS {ks}.messages (\
        conversation_id text, bucket int, message_id bigint, sender_id text, body text, \
        client_msg_id text, edited_at_ms bigint, deleted boolean, \
        PRIMARY KEY ((conversation_id, bucket), message_id)) \
        WITH CLUSTERING ORDER BY (message_id DESC)",
    // Idempotency records, claimed with IF NOT EXISTS before the message is written; they
    // carry the first message's id and body so a retry can finish an interrupted store.
    "CREATE TABLE IF NOT EXISTS {ks}.message_idempotency (\
        conversation_id text, sender_id text, client_msg_id text, message_id bigint, body text, \
        PRIMARY KEY ((conversation_id, sender_id, client_msg_id)))",
    // Messages whose delivery events were published (only ever inserted, so never undone).
    // The table keeps its first name so existing keyspaces keep their state.
    "CREATE TABLE IF NOT EXISTS {ks}.message_deliveries (\
        conversation_id text, message_id bigint, PRIMARY KEY ((conversation_id, message_id)))",
    // The outbox: messages stored but not yet recorded published, spread over
    // `PENDING_SHARDS` partitions; the republisher takes each with a lightweight
    // transaction on `claimed_until_ms` and deletes it once published. Rows of messages no
    // replica gets round to expire after a week.
    "CREATE TABLE IF NOT EXISTS {ks}.pending_publications (\
        shard int, message_id bigint, conversation_id text, claimed_until_ms bigint, \
        PRIMARY KEY ((shard), message_id)) WITH default_time_to_live = 604800",
    // Who each user blocks, and since when.
    "CREATE TABLE IF NOT EXISTS {ks}.blocks (\
        blocker text, blocked text, blocked_at_ms bigint, PRIMARY KEY ((blocker), blocked))",
    // Read markers: each member's newest read message. A move inserts the new row and then
    // deletes that user's rows below it, so concurrent moves never lose the furthest one
    // (no read-before-write race, no lightweight transaction); reads take the largest.
    "CREATE TABLE IF NOT EXISTS {ks}.read_markers (\
        conversation_id text, user_id text, message_id bigint, \
        PRIMARY KEY ((conversation_id), user_id, message_id)) \
        WITH CLUSTERING ORDER BY (user_id ASC, message_id DESC)",
];

/// Columns added to tables after keyspaces were first created with them: (table, column,
/// type). [`migrate`] adds each one that a keyspace lacks.
pub const ADDED_COLUMNS: &[(&str, &str, &str)] = &[
    ("conversations", "created_by", "text"),
    ("conversations", "former_members", "map<text, bigint>"),
    ("messages", "edited_at_ms", "bigint"),
    ("messages", "deleted", "boolean"),
];

/// Creates the chat tables in `keyspace` (which must exist) if they are missing, adds the
/// [`ADDED_COLUMNS`] they lack, and waits for schema agreement. Idempotent: run at every
/// start and by `gochat migrate`.
pub async fn migrate(session: &Session, keyspace: &str) -> Result<(), StoreError> {
    gochat_cql::apply_schema(session, keyspace, SCHEMA)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))?;
    gochat_cql::add_columns(session, keyspace, ADDED_COLUMNS)
        .await
        .map_err(|e| StoreError::Unavailable(e.to_string()))
}
