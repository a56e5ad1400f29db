//! Running reads and decoding their rows into the domain types.

use std::collections::BTreeMap;

use gochat_cql::scylla::{
    client::session::Session, deserialize::row::DeserializeRow, serialize::row::SerializeRow,
    statement::prepared::PreparedStatement,
};

use super::{corrupt, keys, unavailable};
use crate::{Conversation, ConversationKind, Message, StoreError};

/// Runs a bounded read (one partition, or a `LIMIT`) and decodes every row.
pub(super) async fn select<R>(
    session: &Session,
    statement: &PreparedStatement,
    values: impl SerializeRow,
) -> Result<Vec<R>, StoreError>
where
    R: for<'frame> DeserializeRow<'frame, 'frame>,
{
    let result = gochat_cql::execute_unpaged(session, statement, values)
        .await
        .map_err(unavailable)?;
    let rows = result.into_rows_result().map_err(corrupt)?;
    rows.rows::<R>()
        .map_err(corrupt)?
        .map(|row| row.map_err(corrupt))
        .collect()
}

/// A message row: id, sender, body, client_msg_id, edit time, deleted.
pub(super) type MessageRow = (i64, String, String, String, Option<i64>, Option<bool>);

/// The message a row of `conversation_id` holds; its time is its id's. A deleted message's
/// body reads empty whatever the row still holds (an edit that raced the delete).
pub(super) fn message(conversation_id: &str, row: MessageRow) -> Result<Message, StoreError> {
    let (raw, sender_id, body, client_msg_id, edited_at_ms, deleted) = row;
    let id = keys::read_id(raw)?;
    let deleted = deleted.unwrap_or(false);
    Ok(Message {
        edited_at_ms,
        deleted,
        body: if deleted { String::new() } else { body },
        ..Message::new(
            id,
            conversation_id.to_owned(),
            sender_id,
            String::new(),
            client_msg_id,
        )
    })
}

/// A conversation row: kind, members (null once every member left), title, creation time,
/// creator, former members.
pub(super) type ConversationRow = (
    String,
    Option<Vec<String>>,
    Option<String>,
    i64,
    Option<String>,
    Option<BTreeMap<String, i64>>,
);

/// The conversation `id` a row holds.
pub(super) fn conversation(id: &str, row: ConversationRow) -> Result<Conversation, StoreError> {
    let (kind, member_ids, title, created_at_ms, created_by, former_members) = row;
    let conversation = Conversation {
        created_by: created_by.unwrap_or_default(),
        former_members: former_members.unwrap_or_default(),
        ..Conversation::new(
            id.to_owned(),
            parse_kind(&kind)?,
            member_ids.unwrap_or_default(),
            title,
            created_at_ms,
        )
    };
    Ok(conversation.with_creator())
}

/// How a kind is stored.
pub(super) fn kind_name(kind: ConversationKind) -> &'static str {
    match kind {
        ConversationKind::Direct => "direct",
        ConversationKind::Group => "group",
    }
}

/// A stored kind read back.
pub(super) fn parse_kind(name: &str) -> Result<ConversationKind, StoreError> {
    match name {
        "direct" => Ok(ConversationKind::Direct),
        "group" => Ok(ConversationKind::Group),
        other => Err(StoreError::Corrupt(format!(
            "unknown conversation kind {other:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MessageId;

    #[test]
    fn kinds_round_trip() {
        for kind in [ConversationKind::Direct, ConversationKind::Group] {
            assert_eq!(parse_kind(kind_name(kind)).unwrap(), kind);
        }
        assert!(matches!(parse_kind("channel"), Err(StoreError::Corrupt(_))));
    }

    #[test]
    fn message_time_is_the_id_time() {
        let id = MessageId::from_parts(86_400_000, 1, 2);
        let row = |raw: i64, deleted: Option<bool>| {
            (raw, "s".into(), "b".into(), "k".into(), None, deleted)
        };
        let raw = i64::try_from(id.raw()).unwrap();
        let decoded = message("c", row(raw, None)).unwrap();
        assert_eq!((decoded.id, decoded.sent_at_ms), (id, id.unix_ms()));
        assert_eq!((decoded.body.as_str(), decoded.deleted), ("b", false));
        let deleted = message("c", row(raw, Some(true))).unwrap();
        assert_eq!((deleted.body.as_str(), deleted.deleted), ("", true));
        assert!(message("c", row(-5, None)).is_err());
    }
}
