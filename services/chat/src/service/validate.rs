//! Request checks that need no backend.

use std::collections::HashSet;

use super::{
    ChatError,
    limits::{
        DEFAULT_PAGE_SIZE, MAX_BODY_CHARS, MAX_CLIENT_MSG_ID_CHARS, MAX_OTHER_MEMBERS,
        MAX_PAGE_SIZE, MAX_SINCE_MESSAGES, MAX_TITLE_CHARS,
    },
};
use crate::MessageId;

/// Every member of a new conversation, the creator first: `listed` deduplicated (first
/// occurrence kept) without the creator.
pub(crate) fn members(creator: &str, listed: &[String]) -> Result<Vec<String>, ChatError> {
    if creator.is_empty() || listed.iter().any(String::is_empty) {
        return Err(ChatError::InvalidMembers("member ids must not be empty"));
    }
    let mut all = vec![creator.to_owned()];
    let mut seen = HashSet::from([creator]);
    for id in listed {
        if seen.insert(id.as_str()) {
            if all.len() > MAX_OTHER_MEMBERS {
                return Err(ChatError::InvalidMembers("at most 255 other members"));
            }
            all.push(id.clone());
        }
    }
    if all.len() == 1 {
        return Err(ChatError::InvalidMembers(
            "a conversation needs at least one other member",
        ));
    }
    Ok(all)
}

/// A group title: trimmed, `None` when empty, at most 128 characters.
pub(crate) fn title(raw: Option<&str>) -> Result<Option<String>, ChatError> {
    let title = raw.map(str::trim).unwrap_or_default();
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(ChatError::InvalidRequest(
            "the title is longer than 128 characters",
        ));
    }
    Ok((!title.is_empty()).then(|| title.to_owned()))
}

/// A message body: not blank, at most 4096 characters.
pub(crate) fn body(body: &str) -> Result<(), ChatError> {
    if body.trim().is_empty() {
        return Err(ChatError::InvalidBody("the message body is empty"));
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err(ChatError::InvalidBody(
            "the message body is longer than 4096 characters",
        ));
    }
    Ok(())
}

/// A `client_msg_id`: not empty, at most 128 characters.
pub(crate) fn client_msg_id(id: &str) -> Result<(), ChatError> {
    if id.is_empty() {
        return Err(ChatError::InvalidRequest("client_msg_id is required"));
    }
    if id.chars().count() > MAX_CLIENT_MSG_ID_CHARS {
        return Err(ChatError::InvalidRequest(
            "client_msg_id is longer than 128 characters",
        ));
    }
    Ok(())
}

/// A user id the caller vouches for: not empty.
pub(crate) fn user_id(id: &str) -> Result<(), ChatError> {
    if id.is_empty() {
        return Err(ChatError::InvalidRequest("user_id is required"));
    }
    Ok(())
}

/// Whether `id` can name a conversation at all (a UUID), so junk never reaches the store.
pub(crate) fn is_conversation_id(id: &str) -> bool {
    uuid::Uuid::try_parse(id).is_ok()
}

/// The message a path names; an id that cannot be one names no message.
pub(crate) fn message_in_path(raw: &str) -> Result<MessageId, ChatError> {
    raw.parse().map_err(|_| ChatError::MessageNotFound)
}

/// The message a request body names.
pub(crate) fn message_in_body(raw: &str) -> Result<MessageId, ChatError> {
    if raw.is_empty() {
        return Err(ChatError::InvalidRequest("message_id is required"));
    }
    raw.parse()
        .map_err(|_| ChatError::InvalidRequest("message_id is not a message id"))
}

/// A history cursor: empty for the newest page, else a message id.
pub(crate) fn before(raw: &str) -> Result<Option<MessageId>, ChatError> {
    if raw.is_empty() {
        return Ok(None);
    }
    raw.parse()
        .map(Some)
        .map_err(|_| ChatError::InvalidRequest("before is not a message id"))
}

/// A history page size: 0 means the default, anything above the maximum is clamped.
pub(crate) fn page_size(limit: u32) -> usize {
    match limit {
        0 => DEFAULT_PAGE_SIZE,
        n => usize::try_from(n)
            .unwrap_or(MAX_PAGE_SIZE)
            .min(MAX_PAGE_SIZE),
    }
}

/// A catch-up size: 0 means the maximum, anything above it is clamped.
pub(crate) fn since_size(limit: u32) -> usize {
    match limit {
        0 => MAX_SINCE_MESSAGES,
        n => usize::try_from(n)
            .unwrap_or(MAX_SINCE_MESSAGES)
            .min(MAX_SINCE_MESSAGES),
    }
}

#[cfg(test)]
mod tests;
