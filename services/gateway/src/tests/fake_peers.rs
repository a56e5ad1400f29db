//! Scripted auth and chat gRPC services on a loopback port, for the paths where a peer
//! answers: success shapes, 200-versus-201, domain errors, the history fallback.

use std::sync::{Arc, Mutex};

use gochat_proto::error::{self, ErrorCode};
use gochat_proto::{
    auth::v1::{
        self as auth, Account, AccountStatus,
        auth_service_server::{AuthService, AuthServiceServer},
    },
    chat::v1::{
        self as chat, Conversation, ConversationKind,
        chat_service_server::{ChatService, ChatServiceServer},
    },
};
use gochat_runtime::Shutdown;
use tokio::net::TcpListener;
use tonic::{Request, Response, Status, service::Routes};

use super::{fake_log::message, support::*};
use crate::Peers;

/// An active user besides `ME`.
pub const OTHER: &str = "0190a5e0-0000-7000-8000-000000000002";
/// A user that has not verified yet.
pub const PENDING: &str = "0190a5e0-0000-7000-8000-000000000003";
/// A conversation whose sends chat answers only after [`SLOW_SEND`].
pub const SLOW_CONVERSATION: &str = "slow";
/// How long a send to [`SLOW_CONVERSATION`] takes.
pub const SLOW_SEND: std::time::Duration = std::time::Duration::from_millis(600);

/// What the fakes were asked, for assertions.
#[derive(Default)]
pub struct Calls {
    pub logouts: Vec<String>,
    pub created_emails: Vec<String>,
    pub lookups: Vec<String>,
    /// Sends to [`SLOW_CONVERSATION`] that chat has started (and is holding).
    pub slow_sends: usize,
    /// (user, conversation) of each typing call chat got.
    pub typing: Vec<(String, String)>,
    /// (user, online) of each presence announcement chat got.
    pub announced: Vec<(String, bool)>,
}

/// Starts both fakes; they stop when `shutdown` fires.
pub async fn start(
    keys: auth::GetVerificationKeysResponse,
    shutdown: &Shutdown,
) -> (Peers, Arc<Mutex<Calls>>) {
    let calls = Arc::new(Mutex::new(Calls::default()));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let routes = Routes::new(AuthServiceServer::new(FakeAuth {
        keys,
        calls: calls.clone(),
    }))
    .add_service(ChatServiceServer::new(FakeChat {
        calls: calls.clone(),
    }));
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let _ = gochat_runtime::grpc::serve(listener, routes, &[], stop).await;
    });
    let channel = gochat_runtime::grpc::channel(&url).unwrap();
    let peers = Peers {
        auth: auth::auth_service_client::AuthServiceClient::new(channel.clone()),
        chat: chat::chat_service_client::ChatServiceClient::new(channel),
    };
    (peers, calls)
}

fn account(id: &str) -> Option<Account> {
    let (email, status) = match id {
        ME => ("me@example.com", AccountStatus::Active),
        OTHER => ("other@example.com", AccountStatus::Active),
        PENDING => ("pending@example.com", AccountStatus::PendingVerification),
        _ => return None,
    };
    Some(Account {
        id: id.into(),
        email: email.into(),
        display_name: format!("name of {email}"),
        status: status as i32,
    })
}

struct FakeAuth {
    keys: auth::GetVerificationKeysResponse,
    calls: Arc<Mutex<Calls>>,
}

type Answer<T> = Result<Response<T>, Status>;

#[tonic::async_trait]
impl AuthService for FakeAuth {
    async fn create_account(&self, r: Request<auth::CreateAccountRequest>) -> Answer<Account> {
        let r = r.into_inner();
        if r.email == "taken@example.com" {
            return Err(error::status(ErrorCode::EmailTaken, "email taken"));
        }
        self.calls
            .lock()
            .unwrap()
            .created_emails
            .push(r.email.clone());
        Ok(Response::new(Account {
            id: "new".into(),
            email: r.email,
            display_name: r.display_name,
            status: AccountStatus::PendingVerification as i32,
        }))
    }
    async fn verify_account(&self, r: Request<auth::VerifyAccountRequest>) -> Answer<Account> {
        match r.into_inner().code.as_str() {
            "123456" => Ok(Response::new(account(ME).unwrap())),
            "000000" => Err(error::status(ErrorCode::CodeExpired, "expired")),
            _ => Err(error::status(ErrorCode::InvalidCode, "wrong code")),
        }
    }
    async fn resend_verification_code(
        &self,
        _: Request<auth::ResendVerificationCodeRequest>,
    ) -> Answer<auth::ResendVerificationCodeResponse> {
        Err(error::status(ErrorCode::UserNotFound, "no pending account"))
    }
    async fn login(&self, _: Request<auth::LoginRequest>) -> Answer<auth::TokenPair> {
        Ok(Response::new(auth::TokenPair {
            access_token: "access".into(),
            refresh_token: "refresh".into(),
            expires_in: 900,
        }))
    }
    async fn refresh(&self, _: Request<auth::RefreshRequest>) -> Answer<auth::TokenPair> {
        Err(error::status(ErrorCode::InvalidRefreshToken, "rotated"))
    }
    async fn logout(&self, r: Request<auth::LogoutRequest>) -> Answer<auth::LogoutResponse> {
        self.calls
            .lock()
            .unwrap()
            .logouts
            .push(r.into_inner().session_id);
        Ok(Response::new(auth::LogoutResponse {}))
    }
    async fn get_account(&self, r: Request<auth::GetAccountRequest>) -> Answer<Account> {
        account(&r.into_inner().id)
            .map(Response::new)
            .ok_or_else(|| error::status(ErrorCode::UserNotFound, "no such user"))
    }
    async fn get_accounts(
        &self,
        r: Request<auth::GetAccountsRequest>,
    ) -> Answer<auth::GetAccountsResponse> {
        let accounts = r
            .into_inner()
            .ids
            .iter()
            .filter_map(|id| account(id))
            .collect();
        Ok(Response::new(auth::GetAccountsResponse { accounts }))
    }
    async fn lookup_account(&self, r: Request<auth::LookupAccountRequest>) -> Answer<Account> {
        let email = r.into_inner().email;
        self.calls.lock().unwrap().lookups.push(email.clone());
        [ME, OTHER, PENDING]
            .into_iter()
            .filter_map(account)
            .find(|a| a.email == email)
            .map(Response::new)
            .ok_or_else(|| error::status(ErrorCode::UserNotFound, "no such user"))
    }
    async fn get_verification_keys(
        &self,
        _: Request<auth::GetVerificationKeysRequest>,
    ) -> Answer<auth::GetVerificationKeysResponse> {
        Ok(Response::new(self.keys.clone()))
    }
}

struct FakeChat {
    calls: Arc<Mutex<Calls>>,
}

fn sent(id: &str, client_msg_id: &str, created: bool) -> chat::SendMessageResponse {
    let mut m = message(id, 1_795_509_744_123);
    m.client_msg_id = client_msg_id.into();
    chat::SendMessageResponse {
        message: Some(m),
        created,
    }
}

#[tonic::async_trait]
impl ChatService for FakeChat {
    async fn create_conversation(
        &self,
        r: Request<chat::CreateConversationRequest>,
    ) -> Answer<chat::CreateConversationResponse> {
        let r = r.into_inner();
        let direct = r.member_ids.len() == 1;
        let mut member_ids = vec![r.creator_id];
        member_ids.extend(r.member_ids);
        let kind = if direct {
            ConversationKind::Direct
        } else {
            ConversationKind::Group
        };
        Ok(Response::new(chat::CreateConversationResponse {
            conversation: Some(Conversation {
                id: "c1".into(),
                kind: kind as i32,
                member_ids,
                title: r.title,
                created_at_ms: 1_795_509_744_123,
                last_message: None,
                ..Default::default()
            }),
            // A direct conversation "already exists"; groups are always new.
            created: !direct,
        }))
    }
    async fn list_conversations(
        &self,
        _: Request<chat::ListConversationsRequest>,
    ) -> Answer<chat::ListConversationsResponse> {
        Ok(Response::new(chat::ListConversationsResponse {
            conversations: vec![Conversation {
                id: "c1".into(),
                kind: ConversationKind::Direct as i32,
                member_ids: vec![ME.into(), OTHER.into()],
                title: None,
                created_at_ms: 0,
                last_message: Some(message("m9", 5)),
                created_by: ME.into(),
                unread_count: 3,
                read_up_to: "m6".into(),
            }],
        }))
    }
    async fn send_message(
        &self,
        r: Request<chat::SendMessageRequest>,
    ) -> Answer<chat::SendMessageResponse> {
        let r = r.into_inner();
        if r.conversation_id == SLOW_CONVERSATION {
            self.calls.lock().unwrap().slow_sends += 1;
            tokio::time::sleep(SLOW_SEND).await;
        }
        match r.conversation_id.as_str() {
            "missing" => Err(error::status(
                ErrorCode::ConversationNotFound,
                "no such conversation",
            )),
            "theirs" => Err(error::status(ErrorCode::NotAMember, "not a member")),
            _ if r.body.is_empty() => Err(error::status(ErrorCode::InvalidBody, "empty")),
            _ => Ok(Response::new(sent(
                "m1",
                &r.client_msg_id,
                r.client_msg_id != "again",
            ))),
        }
    }
    async fn send_direct_message(
        &self,
        r: Request<chat::SendDirectMessageRequest>,
    ) -> Answer<chat::SendMessageResponse> {
        Ok(Response::new(sent(
            "m2",
            &r.into_inner().client_msg_id,
            true,
        )))
    }
    async fn list_messages(
        &self,
        r: Request<chat::ListMessagesRequest>,
    ) -> Answer<chat::ListMessagesResponse> {
        let r = r.into_inner();
        let (messages, next_before) = if r.before.is_empty() {
            (vec![message("m3", 3), message("m2", 2)], "m2".to_owned())
        } else {
            (vec![message("m1", 1)], String::new())
        };
        assert!((1..=100).contains(&r.limit));
        Ok(Response::new(chat::ListMessagesResponse {
            messages,
            next_before,
        }))
    }
    async fn list_messages_since(
        &self,
        r: Request<chat::ListMessagesSinceRequest>,
    ) -> Answer<chat::ListMessagesSinceResponse> {
        let since = r.into_inner().since_ms;
        let messages = [message("h1", 10), message("h2", 20)]
            .into_iter()
            .filter(|m| m.sent_at_ms >= since)
            .collect();
        Ok(Response::new(chat::ListMessagesSinceResponse { messages }))
    }
    async fn edit_message(
        &self,
        r: Request<chat::EditMessageRequest>,
    ) -> Answer<chat::EditMessageResponse> {
        let r = r.into_inner();
        match r.message_id.as_str() {
            "theirs" => Err(error::status(ErrorCode::NotTheSender, "not the sender")),
            "gone" => Err(error::status(ErrorCode::MessageNotFound, "no such message")),
            _ => {
                let mut m = message(&r.message_id, 5);
                m.body = r.body;
                m.edited_at_ms = Some(1_795_509_744_123);
                Ok(Response::new(chat::EditMessageResponse {
                    message: Some(m),
                }))
            }
        }
    }
    async fn delete_message(
        &self,
        r: Request<chat::DeleteMessageRequest>,
    ) -> Answer<chat::DeleteMessageResponse> {
        let r = r.into_inner();
        match r.message_id.as_str() {
            "theirs" => Err(error::status(ErrorCode::NotTheSender, "not the sender")),
            _ => {
                let mut m = message(&r.message_id, 5);
                m.body.clear();
                m.deleted = true;
                Ok(Response::new(chat::DeleteMessageResponse {
                    message: Some(m),
                }))
            }
        }
    }
    async fn mark_read(&self, r: Request<chat::MarkReadRequest>) -> Answer<chat::MarkReadResponse> {
        match r.into_inner().message_id.as_str() {
            "gone" => Err(error::status(ErrorCode::MessageNotFound, "no such message")),
            _ => Ok(Response::new(chat::MarkReadResponse { moved: true })),
        }
    }
    async fn list_read_markers(
        &self,
        r: Request<chat::ListReadMarkersRequest>,
    ) -> Answer<chat::ListReadMarkersResponse> {
        let conversation_id = r.into_inner().conversation_id;
        let marker = |user: &str, message_id: &str| chat::ReadMarker {
            conversation_id: conversation_id.clone(),
            user_id: user.into(),
            message_id: message_id.into(),
        };
        Ok(Response::new(chat::ListReadMarkersResponse {
            markers: vec![marker(ME, "m3"), marker(OTHER, "")],
        }))
    }
    async fn send_typing(
        &self,
        r: Request<chat::SendTypingRequest>,
    ) -> Answer<chat::SendTypingResponse> {
        let r = r.into_inner();
        if r.conversation_id == "theirs" {
            return Err(error::status(ErrorCode::NotAMember, "not a member"));
        }
        self.calls
            .lock()
            .unwrap()
            .typing
            .push((r.user_id, r.conversation_id));
        Ok(Response::new(chat::SendTypingResponse {}))
    }
    async fn announce_presence(
        &self,
        r: Request<chat::AnnouncePresenceRequest>,
    ) -> Answer<chat::AnnouncePresenceResponse> {
        let r = r.into_inner();
        self.calls
            .lock()
            .unwrap()
            .announced
            .push((r.user_id, r.online));
        Ok(Response::new(chat::AnnouncePresenceResponse {}))
    }
    async fn list_contacts(
        &self,
        _: Request<chat::ListContactsRequest>,
    ) -> Answer<chat::ListContactsResponse> {
        Ok(Response::new(chat::ListContactsResponse {
            user_ids: vec![OTHER.into()],
        }))
    }
    async fn add_members(
        &self,
        r: Request<chat::AddMembersRequest>,
    ) -> Answer<chat::AddMembersResponse> {
        let r = r.into_inner();
        if r.conversation_id == "theirs" {
            return Err(error::status(ErrorCode::NotAMember, "not a member"));
        }
        let mut member_ids = vec![ME.to_owned()];
        member_ids.extend(r.member_ids);
        Ok(Response::new(chat::AddMembersResponse {
            conversation: Some(Conversation {
                id: r.conversation_id,
                kind: ConversationKind::Group as i32,
                member_ids,
                created_by: ME.into(),
                created_at_ms: 1_795_509_744_123,
                ..Default::default()
            }),
        }))
    }
    async fn remove_member(
        &self,
        r: Request<chat::RemoveMemberRequest>,
    ) -> Answer<chat::RemoveMemberResponse> {
        let r = r.into_inner();
        if r.member_id != r.user_id {
            return Err(error::status(ErrorCode::NotTheCreator, "not the creator"));
        }
        Ok(Response::new(chat::RemoveMemberResponse {}))
    }
    async fn block(&self, _: Request<chat::BlockRequest>) -> Answer<chat::BlockResponse> {
        Ok(Response::new(chat::BlockResponse {}))
    }
    async fn unblock(&self, _: Request<chat::UnblockRequest>) -> Answer<chat::UnblockResponse> {
        Ok(Response::new(chat::UnblockResponse {}))
    }
    async fn list_blocks(
        &self,
        _: Request<chat::ListBlocksRequest>,
    ) -> Answer<chat::ListBlocksResponse> {
        Ok(Response::new(chat::ListBlocksResponse {
            blocks: vec![chat::BlockedUser {
                user_id: OTHER.into(),
                blocked_at_ms: 1_795_509_744_123,
            }],
        }))
    }
}
