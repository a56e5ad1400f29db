//! Router-level tests: the API driven in-process with `oneshot` (and over a real socket for
//! the WebSocket), with peers pointing at a closed port so every peer call fails fast as
//! unavailable.

mod api_errors;
mod authn;
mod fake_log;
mod fake_peers;
mod fuzz;
mod happy_paths;
mod observability;
mod openapi_doc;
mod overload;
mod rate_limits;
mod serve;
pub(crate) mod support;
mod validation;
mod ws;
