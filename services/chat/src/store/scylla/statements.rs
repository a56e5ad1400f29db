//! Every statement the store runs, prepared once when the store is built.

use gochat_cql::scylla::{
    client::session::Session, statement::SerialConsistency, statement::prepared::PreparedStatement,
};

use super::unavailable;
use crate::StoreError;

/// How a statement may be retried and which consistency its condition needs.
#[derive(Clone, Copy)]
enum Kind {
    /// A read or an upsert of fixed values: safe for the driver to retry.
    Idempotent,
    /// A lightweight transaction (`IF ...`): SERIAL, and never retried blindly.
    Conditional,
}

/// The prepared statements of [`super::ScyllaChatStore`]; consistency comes from the
/// session's default execution profile, SERIAL for the conditions of lightweight
/// transactions.
pub(super) struct Statements {
    pub(super) insert_conversation: PreparedStatement,
    pub(super) update_members: PreparedStatement,
    pub(super) delete_membership: PreparedStatement,
    pub(super) select_conversation: PreparedStatement,
    pub(super) insert_pair: PreparedStatement,
    pub(super) delete_pair: PreparedStatement,
    pub(super) select_pair: PreparedStatement,
    pub(super) insert_membership: PreparedStatement,
    pub(super) touch_membership: PreparedStatement,
    pub(super) select_memberships: PreparedStatement,
    pub(super) insert_idempotency: PreparedStatement,
    pub(super) write_idempotency: PreparedStatement,
    pub(super) select_idempotency: PreparedStatement,
    pub(super) insert_bucket: PreparedStatement,
    pub(super) select_buckets_down: PreparedStatement,
    pub(super) select_buckets_up: PreparedStatement,
    pub(super) insert_message: PreparedStatement,
    pub(super) select_message: PreparedStatement,
    pub(super) select_page: PreparedStatement,
    pub(super) select_page_before: PreparedStatement,
    pub(super) select_since: PreparedStatement,
    pub(super) insert_published: PreparedStatement,
    pub(super) edit_message: PreparedStatement,
    pub(super) delete_message: PreparedStatement,
    pub(super) insert_read_marker: PreparedStatement,
    pub(super) trim_read_markers: PreparedStatement,
    pub(super) select_read_marker: PreparedStatement,
    pub(super) select_read_markers: PreparedStatement,
    pub(super) select_unread: PreparedStatement,
    pub(super) insert_block: PreparedStatement,
    pub(super) delete_block: PreparedStatement,
    pub(super) select_blocks: PreparedStatement,
    pub(super) select_published: PreparedStatement,
    pub(super) insert_pending: PreparedStatement,
    pub(super) delete_pending: PreparedStatement,
    pub(super) select_pending: PreparedStatement,
    pub(super) claim_pending: PreparedStatement,
    pub(super) ping: PreparedStatement,
}

/// A message row's columns, in the order `rows::message` decodes them.
macro_rules! message_columns {
    () => {
        "SELECT message_id, sender_id, body, client_msg_id, edited_at_ms, deleted \
         FROM {ks}.messages "
    };
}

const INSERT_CONVERSATION: &str = "INSERT INTO {ks}.conversations \
    (id, kind, member_ids, title, created_at_ms, created_by) VALUES (?, ?, ?, ?, ?, ?) \
    IF NOT EXISTS";
const SELECT_CONVERSATION: &str = "SELECT kind, member_ids, title, created_at_ms, created_by, \
    former_members FROM {ks}.conversations WHERE id = ?";
const UPDATE_MEMBERS: &str = "UPDATE {ks}.conversations SET member_ids = ?, former_members = ? \
    WHERE id = ? IF member_ids = ?";
const DELETE_MEMBERSHIP: &str =
    "DELETE FROM {ks}.user_conversations WHERE user_id = ? AND conversation_id = ?";
const INSERT_PAIR: &str = "INSERT INTO {ks}.direct_pairs \
    (pair, conversation_id, member_ids, created_at_ms) VALUES (?, ?, ?, ?) IF NOT EXISTS";
const DELETE_PAIR: &str = "DELETE FROM {ks}.direct_pairs WHERE pair = ? IF conversation_id = ?";
const SELECT_PAIR: &str = "SELECT conversation_id FROM {ks}.direct_pairs WHERE pair = ?";
const INSERT_MEMBERSHIP: &str = "INSERT INTO {ks}.user_conversations \
    (user_id, conversation_id, last_activity_ms) VALUES (?, ?, ?) USING TIMESTAMP ?";
const TOUCH_MEMBERSHIP: &str = "UPDATE {ks}.user_conversations USING TIMESTAMP ? \
    SET last_activity_ms = ?, last_message_id = ? WHERE user_id = ? AND conversation_id = ?";
const SELECT_MEMBERSHIPS: &str = "SELECT conversation_id, last_activity_ms, last_message_id \
    FROM {ks}.user_conversations WHERE user_id = ?";
const INSERT_IDEMPOTENCY: &str = "INSERT INTO {ks}.message_idempotency \
    (conversation_id, sender_id, client_msg_id, message_id, body) VALUES (?, ?, ?, ?, ?) \
    IF NOT EXISTS";
const WRITE_IDEMPOTENCY: &str = "INSERT INTO {ks}.message_idempotency \
    (conversation_id, sender_id, client_msg_id, message_id, body) VALUES (?, ?, ?, ?, ?)";
const SELECT_IDEMPOTENCY: &str = "SELECT message_id, body FROM {ks}.message_idempotency \
    WHERE conversation_id = ? AND sender_id = ? AND client_msg_id = ?";
const INSERT_BUCKET: &str =
    "INSERT INTO {ks}.conversation_buckets (conversation_id, bucket) VALUES (?, ?)";
const SELECT_BUCKETS_DOWN: &str =
    "SELECT bucket FROM {ks}.conversation_buckets WHERE conversation_id = ? AND bucket <= ?";
const SELECT_BUCKETS_UP: &str = "SELECT bucket FROM {ks}.conversation_buckets \
    WHERE conversation_id = ? AND bucket >= ? ORDER BY bucket ASC";
const INSERT_MESSAGE: &str = "INSERT INTO {ks}.messages \
    (conversation_id, bucket, message_id, sender_id, body, client_msg_id) \
    VALUES (?, ?, ?, ?, ?, ?)";
const SELECT_MESSAGE: &str = concat!(
    message_columns!(),
    "WHERE conversation_id = ? AND bucket = ? AND message_id = ?"
);
const SELECT_PAGE: &str = concat!(
    message_columns!(),
    "WHERE conversation_id = ? AND bucket = ? LIMIT ?"
);
const SELECT_PAGE_BEFORE: &str = concat!(
    message_columns!(),
    "WHERE conversation_id = ? AND bucket = ? AND message_id < ? LIMIT ?"
);
const SELECT_SINCE: &str = concat!(
    message_columns!(),
    "WHERE conversation_id = ? AND bucket = ? AND message_id >= ? ",
    "ORDER BY message_id ASC LIMIT ?"
);
const INSERT_PUBLISHED: &str =
    "INSERT INTO {ks}.message_deliveries (conversation_id, message_id) VALUES (?, ?)";
const SELECT_PUBLISHED: &str = "SELECT message_id FROM {ks}.message_deliveries \
    WHERE conversation_id = ? AND message_id = ?";
const INSERT_PENDING: &str = "INSERT INTO {ks}.pending_publications \
    (shard, message_id, conversation_id, claimed_until_ms) VALUES (?, ?, ?, 0)";
const DELETE_PENDING: &str =
    "DELETE FROM {ks}.pending_publications WHERE shard = ? AND message_id = ?";
const SELECT_PENDING: &str = "SELECT conversation_id, message_id FROM {ks}.pending_publications \
    WHERE shard = ? AND message_id < ? LIMIT ?";
const CLAIM_PENDING: &str = "UPDATE {ks}.pending_publications SET claimed_until_ms = ? \
    WHERE shard = ? AND message_id = ? IF claimed_until_ms < ?";
const EDIT_MESSAGE: &str = "UPDATE {ks}.messages SET body = ?, edited_at_ms = ? \
    WHERE conversation_id = ? AND bucket = ? AND message_id = ? \
    IF sender_id = ? AND deleted != true";
const DELETE_MESSAGE: &str = "UPDATE {ks}.messages SET body = '', deleted = true \
    WHERE conversation_id = ? AND bucket = ? AND message_id = ? IF sender_id = ?";
const INSERT_READ_MARKER: &str =
    "INSERT INTO {ks}.read_markers (conversation_id, user_id, message_id) VALUES (?, ?, ?)";
const TRIM_READ_MARKERS: &str = "DELETE FROM {ks}.read_markers \
    WHERE conversation_id = ? AND user_id = ? AND message_id < ?";
const SELECT_READ_MARKER: &str = "SELECT message_id FROM {ks}.read_markers \
    WHERE conversation_id = ? AND user_id = ? LIMIT 1";
const SELECT_READ_MARKERS: &str =
    "SELECT user_id, message_id FROM {ks}.read_markers WHERE conversation_id = ?";
const SELECT_UNREAD: &str = "SELECT sender_id, deleted FROM {ks}.messages \
    WHERE conversation_id = ? AND bucket = ? AND message_id > ? ORDER BY message_id ASC LIMIT ?";
const INSERT_BLOCK: &str =
    "INSERT INTO {ks}.blocks (blocker, blocked, blocked_at_ms) VALUES (?, ?, ?)";
const DELETE_BLOCK: &str = "DELETE FROM {ks}.blocks WHERE blocker = ? AND blocked = ?";
const SELECT_BLOCKS: &str = "SELECT blocked, blocked_at_ms FROM {ks}.blocks WHERE blocker = ?";
const PING: &str = "SELECT release_version FROM system.local WHERE key = 'local'";

impl Statements {
    /// Prepares every statement against the tables in `keyspace`.
    pub(super) async fn prepare(session: &Session, keyspace: &str) -> Result<Self, StoreError> {
        use Kind::{Conditional, Idempotent};
        let p = |kind: Kind, text: &str| prepare(session, kind, text.replace("{ks}", keyspace));
        Ok(Self {
            insert_conversation: p(Conditional, INSERT_CONVERSATION).await?,
            update_members: p(Conditional, UPDATE_MEMBERS).await?,
            delete_membership: p(Idempotent, DELETE_MEMBERSHIP).await?,
            select_conversation: p(Idempotent, SELECT_CONVERSATION).await?,
            insert_pair: p(Conditional, INSERT_PAIR).await?,
            delete_pair: p(Conditional, DELETE_PAIR).await?,
            select_pair: p(Idempotent, SELECT_PAIR).await?,
            insert_membership: p(Idempotent, INSERT_MEMBERSHIP).await?,
            touch_membership: p(Idempotent, TOUCH_MEMBERSHIP).await?,
            select_memberships: p(Idempotent, SELECT_MEMBERSHIPS).await?,
            insert_idempotency: p(Conditional, INSERT_IDEMPOTENCY).await?,
            write_idempotency: p(Idempotent, WRITE_IDEMPOTENCY).await?,
            select_idempotency: p(Idempotent, SELECT_IDEMPOTENCY).await?,
            insert_bucket: p(Idempotent, INSERT_BUCKET).await?,
            select_buckets_down: p(Idempotent, SELECT_BUCKETS_DOWN).await?,
            select_buckets_up: p(Idempotent, SELECT_BUCKETS_UP).await?,
            insert_message: p(Idempotent, INSERT_MESSAGE).await?,
            select_message: p(Idempotent, SELECT_MESSAGE).await?,
            select_page: p(Idempotent, SELECT_PAGE).await?,
            select_page_before: p(Idempotent, SELECT_PAGE_BEFORE).await?,
            select_since: p(Idempotent, SELECT_SINCE).await?,
            insert_published: p(Idempotent, INSERT_PUBLISHED).await?,
            edit_message: p(Conditional, EDIT_MESSAGE).await?,
            delete_message: p(Conditional, DELETE_MESSAGE).await?,
            insert_read_marker: p(Idempotent, INSERT_READ_MARKER).await?,
            trim_read_markers: p(Idempotent, TRIM_READ_MARKERS).await?,
            select_read_marker: p(Idempotent, SELECT_READ_MARKER).await?,
            select_read_markers: p(Idempotent, SELECT_READ_MARKERS).await?,
            select_unread: p(Idempotent, SELECT_UNREAD).await?,
            insert_block: p(Idempotent, INSERT_BLOCK).await?,
            delete_block: p(Idempotent, DELETE_BLOCK).await?,
            select_blocks: p(Idempotent, SELECT_BLOCKS).await?,
            select_published: p(Idempotent, SELECT_PUBLISHED).await?,
            insert_pending: p(Idempotent, INSERT_PENDING).await?,
            delete_pending: p(Idempotent, DELETE_PENDING).await?,
            select_pending: p(Idempotent, SELECT_PENDING).await?,
            claim_pending: p(Conditional, CLAIM_PENDING).await?,
            ping: p(Idempotent, PING).await?,
        })
    }
}

/// Prepares one statement with the settings of its kind.
async fn prepare(
    session: &Session,
    kind: Kind,
    text: String,
) -> Result<PreparedStatement, StoreError> {
    let mut statement = session.prepare(text).await.map_err(unavailable)?;
    match kind {
        Kind::Idempotent => statement.set_is_idempotent(true),
        Kind::Conditional => statement.set_serial_consistency(Some(SerialConsistency::Serial)),
    }
    Ok(statement)
}
