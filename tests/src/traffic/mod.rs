//! Message traffic for the system tests: a sender that retries with the same
//! `client_msg_id` until acknowledged, a receiver that reconnects with `since`, and the
//! counting of what was acknowledged against what arrived (the `FAULT` lines).

mod receiver;
mod sender;
mod tally;

pub use receiver::{Received, Receiver};
pub use sender::{Acked, Attempt, Outcome, SendPlan, SendReport, Sender};
pub use tally::{Tally, frame_problems, full_history, history_problems};
