//! Kafka Connect's REST API (its paths, codes and bodies) over any [`Herder`], plus
//! `POST /connector-plugins` to upload a `.wasm` plugin.
//!
//! Handlers only parse requests, call the herder and write its typed answers as JSON; what
//! a request means is the herder's business, so the standalone and distributed herders
//! serve the same API.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod error;
mod handlers;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};

pub use error::{ApiError, ConnectJson};
use wasmconnect_api::Herder;

/// What the handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The herder that answers every request.
    pub herder: Arc<dyn Herder>,
    /// `plugin.upload.max.bytes`.
    pub upload_max_bytes: usize,
}

/// The router.
pub fn app(state: AppState) -> Router {
    use handlers::*;
    Router::new()
        .route("/", get(root))
        .route("/connectors", get(list_connectors).post(create_connector))
        .route(
            "/connectors/{name}",
            get(get_connector).delete(delete_connector),
        )
        .route("/connectors/{name}/config", get(get_config).put(put_config))
        .route("/connectors/{name}/status", get(get_status))
        .route("/connectors/{name}/tasks", get(get_tasks))
        .route(
            "/connectors/{name}/tasks/{task}/status",
            get(get_task_status),
        )
        .route(
            "/connectors/{name}/tasks/{task}/metrics",
            get(get_task_metrics),
        )
        .route(
            "/connectors/{name}/tasks/{task}/restart",
            post(restart_task),
        )
        .route("/connectors/{name}/pause", put(pause))
        .route("/connectors/{name}/resume", put(resume))
        .route("/connectors/{name}/restart", post(restart))
        .route("/connector-plugins", get(list_plugins).post(upload_plugin))
        .route("/connector-plugins/{plugin}/config", get(plugin_config))
        .route(
            "/connector-plugins/{plugin}/config/validate",
            put(validate_config),
        )
        .fallback(|| async { ApiError::NotFound("HTTP 404 Not Found".into()) })
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
