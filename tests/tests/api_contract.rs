//! The public API contract (`api-v1.md`, the shared API document) walked end to end against the real
//! `gochat local` binary. Written from the contract alone: every assertion names what the
//! contract says. Each test starts its own process on its own port and temporary data dir, so
//! tests run in parallel and each process stays far below the per-IP rate limits.
//!
//! Build the binary first: `cargo build -p gochat` (or set `GOCHAT_BIN`).

#[path = "contract/accounts.rs"]
mod accounts;
#[path = "contract/blocks.rs"]
mod blocks;
#[path = "contract/changes.rs"]
mod changes;
#[path = "contract/conversations.rs"]
mod conversations;
#[path = "contract/groups.rs"]
mod groups;
#[path = "contract/history.rs"]
mod history;
#[path = "contract/membership.rs"]
mod membership;
#[path = "contract/messages.rs"]
mod messages;
#[path = "contract/operations.rs"]
mod operations;
#[path = "contract/presence.rs"]
mod presence;
#[path = "contract/rate_limit.rs"]
mod rate_limit;
#[path = "contract/reads.rs"]
mod reads;
#[path = "contract/restart.rs"]
mod restart;
#[path = "contract/resume.rs"]
mod resume;
#[path = "contract/sessions.rs"]
mod sessions;
#[path = "contract/support.rs"]
mod support;
#[path = "contract/verification.rs"]
mod verification;
#[path = "contract/websocket.rs"]
mod websocket;
