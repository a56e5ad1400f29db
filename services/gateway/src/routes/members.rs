//! Checking that the users a request names exist and are active, before chat is asked.

use std::collections::HashSet;

use gochat_proto::auth::v1::{AccountStatus, GetAccountsRequest};

use crate::{
    error::{ApiError, ErrorCode},
    state::AppState,
};

/// 404 `user_not_found` unless every id of `ids` other than `me` is an active account. Empty
/// ids are left for chat, which refuses them as `invalid_members`.
pub async fn ensure_others_active(
    state: &AppState,
    me: &str,
    ids: &[String],
) -> Result<(), ApiError> {
    let mut others: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|id| !id.is_empty() && *id != me)
        .collect();
    others.sort_unstable();
    others.dedup();
    ensure_active(state, &others).await
}

/// 404 `user_not_found` unless every id in `ids` is an active account.
pub async fn ensure_active(state: &AppState, ids: &[&str]) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Ok(());
    }
    let answer = state
        .auth()
        .get_accounts(GetAccountsRequest {
            ids: ids.iter().map(|id| (*id).to_owned()).collect(),
        })
        .await?
        .into_inner();
    let active: HashSet<&str> = answer
        .accounts
        .iter()
        .filter(|a| a.status == AccountStatus::Active as i32)
        .map(|a| a.id.as_str())
        .collect();
    match ids.iter().find(|id| !active.contains(**id)) {
        None => Ok(()),
        Some(_) => Err(ApiError::new(
            ErrorCode::UserNotFound,
            "no active user with that id",
        )),
    }
}
