//! gochat's gRPC contracts: one versioned package per service, generated at build time, and
//! the public API's error vocabulary they all answer with ([`error`]).
#![forbid(unsafe_code)]

/// `gochat.auth.v1`: accounts, sessions and access tokens.
pub mod auth {
    /// Version 1 of the auth contract.
    pub mod v1 {
        tonic::include_proto!("gochat.auth.v1");
    }
}

/// `gochat.chat.v1`: conversations, messages and delivery events.
pub mod chat {
    /// Version 1 of the chat contract.
    pub mod v1 {
        tonic::include_proto!("gochat.chat.v1");
    }
}

/// `gochat.email.v1`: verification codes and mail.
pub mod email {
    /// Version 1 of the email contract.
    pub mod v1 {
        tonic::include_proto!("gochat.email.v1");
    }
}

pub mod error;
mod redacted;
#[cfg(test)]
mod secret_messages;

/// The encoded `FileDescriptorSet` of every gochat package, for gRPC reflection.
pub const FILE_DESCRIPTOR_SET: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/gochat_descriptor.bin"));
