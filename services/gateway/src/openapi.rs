//! The OpenAPI 3 document of API v1, generated from the handlers and types, served at
//! `GET /openapi.json`.

use std::sync::LazyLock;

use axum::{
    http::header::CONTENT_TYPE,
    response::{IntoResponse, Response},
};
use utoipa::{
    Modify, OpenApi,
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
};

use crate::{dto, error, routes, ws};

/// The API description; `ApiDoc::openapi()` builds the document.
#[derive(OpenApi)]
#[openapi(
    info(title = "gochat API", version = "1", description = "The public API of gochat, version 1."),
    paths(
        routes::accounts::create,
        routes::accounts::verify,
        routes::accounts::resend_code,
        routes::accounts::me,
        routes::users::lookup,
        routes::sessions::login,
        routes::sessions::refresh,
        routes::sessions::logout,
        routes::conversations::create,
        routes::conversations::list,
        routes::messages::send,
        routes::messages::list,
        routes::messages::send_direct,
        routes::message_changes::edit,
        routes::message_changes::delete,
        routes::reads::mark,
        routes::reads::members,
        routes::presence::list,
        routes::group_members::add,
        routes::group_members::remove,
        routes::blocks::block,
        routes::blocks::unblock,
        routes::blocks::list,
        ws::upgrade,
    ),
    components(schemas(
        error::ErrorBody,
        error::ErrorDetail,
        dto::AccountJson,
        dto::StatusJson,
        dto::EmptyJson,
        dto::TokenPairJson,
        dto::UserJson,
        dto::MessageJson,
        dto::ConversationJson,
        dto::ConversationListJson,
        dto::MessagePageJson,
        dto::MemberJson,
        dto::MemberListJson,
        dto::PresenceJson,
        dto::PresenceListJson,
        dto::BlockJson,
        dto::BlockListJson,
    )),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

static DOCUMENT: LazyLock<Result<String, String>> =
    LazyLock::new(|| ApiDoc::openapi().to_json().map_err(|e| e.to_string()));

/// `GET /openapi.json`.
pub(crate) async fn document() -> Response {
    match DOCUMENT.as_ref() {
        Ok(json) => ([(CONTENT_TYPE, "application/json")], json.clone()).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "rendering the OpenAPI document failed");
            error::ApiError::internal().into_response()
        }
    }
}
