//! The OpenAPI 3 document of API v1, generated from the handlers and types, served at
//! `GET /openapi.json`.

use std::sync::LazyLock;

use axum::{
    http::header::CONTENT_TYPE,
    response::{IntoResponse, Response},
};
use utoipa::{
    Modify, OpenApi,
    openapi::{
        ContentBuilder, Ref, ResponseBuilder,
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
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
    modifiers(&BearerAuth, &BodyLimit),
)]
pub struct ApiDoc;

/// Adds the 413 `payload_too_large` answer to every operation that takes a body: the body
/// limit applies to all of them alike, so it is stated once here.
struct BodyLimit;

impl Modify for BodyLimit {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let too_large = ResponseBuilder::new()
            .description("payload_too_large (over the body limit, 64 KiB by default)")
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                if operation.request_body.is_some() {
                    operation
                        .responses
                        .responses
                        .insert("413".to_owned(), too_large.clone().into());
                }
            }
        }
    }
}

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

static DOCUMENT: LazyLock<Result<String, String>> = LazyLock::new(render);

/// The document as JSON, with its link objects' fields named as OpenAPI names them.
fn render() -> Result<String, String> {
    let mut document = serde_json::to_value(ApiDoc::openapi()).map_err(|e| e.to_string())?;
    name_link_fields(&mut document);
    serde_json::to_string(&document).map_err(|e| e.to_string())
}

/// Renames the snake_case fields utoipa 5.5 writes in Link objects (`operation_id`,
/// `operation_ref`, `request_body`) to the spec's camelCase, so that tools follow the links.
fn name_link_fields(document: &mut serde_json::Value) {
    let Some(paths) = document["paths"].as_object_mut() else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|item| item.values_mut());
    let responses = operations
        .filter_map(|operation| operation["responses"].as_object_mut())
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        let Some(links) = response.get_mut("links").and_then(|l| l.as_object_mut()) else {
            continue;
        };
        for link in links
            .values_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            for (written, named) in [
                ("operation_id", "operationId"),
                ("operation_ref", "operationRef"),
                ("request_body", "requestBody"),
            ] {
                if let Some(value) = link.remove(written) {
                    link.insert(named.to_owned(), value);
                }
            }
        }
    }
}

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
