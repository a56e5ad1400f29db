//! The tonic face of [`EmailServiceImpl`].

use gochat_proto::email::v1::{
    CheckVerificationCodeRequest, CheckVerificationCodeResponse, SendVerificationCodeRequest,
    SendVerificationCodeResponse, email_service_server::EmailService,
};
use tonic::{Request, Response, Status};

use super::EmailServiceImpl;

#[tonic::async_trait]
impl EmailService for EmailServiceImpl {
    async fn send_verification_code(
        &self,
        request: Request<SendVerificationCodeRequest>,
    ) -> Result<Response<SendVerificationCodeResponse>, Status> {
        let req = request.into_inner();
        self.issue_code(&req.email, &req.display_name).await?;
        Ok(Response::new(SendVerificationCodeResponse {}))
    }

    async fn check_verification_code(
        &self,
        request: Request<CheckVerificationCodeRequest>,
    ) -> Result<Response<CheckVerificationCodeResponse>, Status> {
        let req = request.into_inner();
        let outcome = self.check_code(&req.email, &req.code).await?;
        Ok(Response::new(CheckVerificationCodeResponse {
            outcome: outcome.into(),
        }))
    }
}
