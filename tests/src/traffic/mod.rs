//! Message traffic for the fault tests (system and node tiers): a sender that retries with the
//! same `client_msg_id` until acknowledged, a receiver that reconnects with `since`, the
//! counting of what was acknowledged against what arrived (the `FAULT` lines), and the flow
//! that puts them together.

pub mod flow;
mod receiver;
mod sender;
mod tally;

pub use receiver::{Received, Receiver};
pub use sender::{Acked, Attempt, Outcome, SendPlan, SendReport, Sender};
pub use tally::{Tally, frame_problems, full_history, history_problems};
