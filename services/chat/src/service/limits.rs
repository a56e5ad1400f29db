//! The limits the service enforces (the public API's rules, in one place).

/// Most members a conversation may have besides its creator.
pub const MAX_OTHER_MEMBERS: usize = 255;
/// Longest group title, in characters (after trimming).
pub const MAX_TITLE_CHARS: usize = 128;
/// Longest message body, in characters.
pub const MAX_BODY_CHARS: usize = 4096;
/// Longest `client_msg_id`, in characters.
pub const MAX_CLIENT_MSG_ID_CHARS: usize = 128;
/// History page size when the request says 0.
pub const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest history page.
pub const MAX_PAGE_SIZE: usize = 100;
/// Most messages (and the default) one catch-up call returns.
pub const MAX_SINCE_MESSAGES: usize = 1000;
