//! The tonic face of [`ChatServiceImpl`].

use gochat_proto::chat::v1::{
    CreateConversationRequest, CreateConversationResponse, ListConversationsRequest,
    ListConversationsResponse, ListMessagesRequest, ListMessagesResponse, ListMessagesSinceRequest,
    ListMessagesSinceResponse, SendDirectMessageRequest, SendMessageRequest, SendMessageResponse,
    chat_service_server::ChatService,
};
use tonic::{Request, Response, Status};

use super::ChatServiceImpl;

#[tonic::async_trait]
impl ChatService for ChatServiceImpl {
    async fn create_conversation(
        &self,
        request: Request<CreateConversationRequest>,
    ) -> Result<Response<CreateConversationResponse>, Status> {
        Ok(Response::new(self.create(request.into_inner()).await?))
    }

    async fn list_conversations(
        &self,
        request: Request<ListConversationsRequest>,
    ) -> Result<Response<ListConversationsResponse>, Status> {
        Ok(Response::new(
            self.conversations_of(request.into_inner()).await?,
        ))
    }

    async fn send_message(
        &self,
        request: Request<SendMessageRequest>,
    ) -> Result<Response<SendMessageResponse>, Status> {
        Ok(Response::new(self.send(request.into_inner()).await?))
    }

    async fn send_direct_message(
        &self,
        request: Request<SendDirectMessageRequest>,
    ) -> Result<Response<SendMessageResponse>, Status> {
        Ok(Response::new(self.send_direct(request.into_inner()).await?))
    }

    async fn list_messages(
        &self,
        request: Request<ListMessagesRequest>,
    ) -> Result<Response<ListMessagesResponse>, Status> {
        Ok(Response::new(self.history(request.into_inner()).await?))
    }

    async fn list_messages_since(
        &self,
        request: Request<ListMessagesSinceRequest>,
    ) -> Result<Response<ListMessagesSinceResponse>, Status> {
        Ok(Response::new(
            self.history_since(request.into_inner()).await?,
        ))
    }
}
