//! `ApiError`: every error answer, with Connect's body `{"error_code": N, "message": "…"}`.

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use wasmconnect_api::HerderError;

/// A REST error, answered with Connect's body `{"error_code": <status>, "message": "…"}`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 400: the request itself is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// 413: an upload over `plugin.upload.max.bytes`.
    #[error("{0}")]
    TooLarge(String),
    /// 404: no such path.
    #[error("{0}")]
    NotFound(String),
    /// What the herder answered, with the code Kafka Connect gives it.
    #[error(transparent)]
    Herder(#[from] HerderError),
}

impl ApiError {
    /// The status code of the answer.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Herder(e) => match e {
                HerderError::ConnectorNotFound(_)
                | HerderError::TaskNotFound(_)
                | HerderError::PluginNotFound(_) => StatusCode::NOT_FOUND,
                HerderError::ConnectorExists(_) | HerderError::PluginExists { .. } => {
                    StatusCode::CONFLICT
                }
                HerderError::InvalidConfig { .. }
                | HerderError::ValidationFailed(_)
                | HerderError::UnknownConnectorClass(_)
                | HerderError::ConnectorClassMismatch
                | HerderError::InvalidPlugin(_)
                | HerderError::UploadsDisabled => StatusCode::BAD_REQUEST,
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = json!({ "error_code": status.as_u16(), "message": self.to_string() });
        (status, Json(body)).into_response()
    }
}

/// A JSON body whose rejection (malformed JSON, wrong content) is an [`ApiError`].
#[derive(Debug)]
pub struct ConnectJson<T>(pub T);

impl<S, T> FromRequest<S> for ConnectJson<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(e) => Err(ApiError::BadRequest(format!(
                "Invalid request body: {}",
                e.body_text()
            ))),
        }
    }
}
