//! The tonic face of [`ChatServiceImpl`].

use gochat_proto::chat::v1::{
    AddMembersRequest, AddMembersResponse, AnnouncePresenceRequest, AnnouncePresenceResponse,
    BlockRequest, BlockResponse, CreateConversationRequest, CreateConversationResponse,
    DeleteMessageRequest, DeleteMessageResponse, EditMessageRequest, EditMessageResponse,
    ListBlocksRequest, ListBlocksResponse, ListContactsRequest, ListContactsResponse,
    ListConversationsRequest, ListConversationsResponse, ListMessagesRequest, ListMessagesResponse,
    ListMessagesSinceRequest, ListMessagesSinceResponse, ListReadMarkersRequest,
    ListReadMarkersResponse, MarkReadRequest, MarkReadResponse, RemoveMemberRequest,
    RemoveMemberResponse, SendDirectMessageRequest, SendMessageRequest, SendMessageResponse,
    SendTypingRequest, SendTypingResponse, UnblockRequest, UnblockResponse,
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

    async fn edit_message(
        &self,
        request: Request<EditMessageRequest>,
    ) -> Result<Response<EditMessageResponse>, Status> {
        Ok(Response::new(self.edit(request.into_inner()).await?))
    }

    async fn delete_message(
        &self,
        request: Request<DeleteMessageRequest>,
    ) -> Result<Response<DeleteMessageResponse>, Status> {
        Ok(Response::new(self.delete(request.into_inner()).await?))
    }

    async fn mark_read(
        &self,
        request: Request<MarkReadRequest>,
    ) -> Result<Response<MarkReadResponse>, Status> {
        Ok(Response::new(
            ChatServiceImpl::mark_read(self, request.into_inner()).await?,
        ))
    }

    async fn list_read_markers(
        &self,
        request: Request<ListReadMarkersRequest>,
    ) -> Result<Response<ListReadMarkersResponse>, Status> {
        Ok(Response::new(
            self.read_markers(request.into_inner()).await?,
        ))
    }

    async fn send_typing(
        &self,
        request: Request<SendTypingRequest>,
    ) -> Result<Response<SendTypingResponse>, Status> {
        Ok(Response::new(self.typing(request.into_inner()).await?))
    }

    async fn announce_presence(
        &self,
        request: Request<AnnouncePresenceRequest>,
    ) -> Result<Response<AnnouncePresenceResponse>, Status> {
        Ok(Response::new(
            ChatServiceImpl::announce_presence(self, request.into_inner()).await?,
        ))
    }

    async fn list_contacts(
        &self,
        request: Request<ListContactsRequest>,
    ) -> Result<Response<ListContactsResponse>, Status> {
        Ok(Response::new(self.contacts(request.into_inner()).await?))
    }

    async fn add_members(
        &self,
        request: Request<AddMembersRequest>,
    ) -> Result<Response<AddMembersResponse>, Status> {
        Ok(Response::new(
            ChatServiceImpl::add_members(self, request.into_inner()).await?,
        ))
    }

    async fn remove_member(
        &self,
        request: Request<RemoveMemberRequest>,
    ) -> Result<Response<RemoveMemberResponse>, Status> {
        Ok(Response::new(
            ChatServiceImpl::remove_member(self, request.into_inner()).await?,
        ))
    }

    async fn block(
        &self,
        request: Request<BlockRequest>,
    ) -> Result<Response<BlockResponse>, Status> {
        Ok(Response::new(
            ChatServiceImpl::block(self, request.into_inner()).await?,
        ))
    }

    async fn unblock(
        &self,
        request: Request<UnblockRequest>,
    ) -> Result<Response<UnblockResponse>, Status> {
        Ok(Response::new(
            ChatServiceImpl::unblock(self, request.into_inner()).await?,
        ))
    }

    async fn list_blocks(
        &self,
        request: Request<ListBlocksRequest>,
    ) -> Result<Response<ListBlocksResponse>, Status> {
        Ok(Response::new(self.list_blocks(request.into_inner()).await?))
    }
}
