//! Reading accounts: by id, by ids, by email (active only).

use gochat_proto::auth::v1::{GetAccountRequest, GetAccountsRequest, LookupAccountRequest};
use tonic::Code;

use super::{assert_error, start};

#[tokio::test]
async fn get_get_many_and_lookup() {
    let h = start().await;
    let mut auth = h.auth.clone();
    let active = h.active_account("carol@example.com").await;
    let pending = h.create("dave@example.com").await.unwrap();

    let got = auth
        .get_account(GetAccountRequest {
            id: pending.id.clone(),
        })
        .await
        .unwrap();
    assert_eq!(got.into_inner(), pending);
    let ghost = uuid::Uuid::now_v7().to_string();
    let missing = auth
        .get_account(GetAccountRequest { id: ghost.clone() })
        .await;
    assert_error(missing, Code::NotFound, "user_not_found");

    let ids = vec![pending.id.clone(), ghost, active.id.clone()];
    let many = auth
        .get_accounts(GetAccountsRequest { ids })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(many.accounts, [pending.clone(), active.clone()]);
    let too_many = GetAccountsRequest {
        ids: vec![String::from("x"); 1001],
    };
    assert_error(
        auth.get_accounts(too_many).await,
        Code::InvalidArgument,
        "invalid_request",
    );

    let lookup = |email: &str| LookupAccountRequest {
        email: email.to_owned(),
    };
    let found = auth
        .lookup_account(lookup(" CAROL@example.com"))
        .await
        .unwrap();
    assert_eq!(found.into_inner(), active);
    for email in ["dave@example.com", "erin@example.com", "not an email"] {
        assert_error(
            auth.lookup_account(lookup(email)).await,
            Code::NotFound,
            "user_not_found",
        );
    }
}
