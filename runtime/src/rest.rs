//! The REST API (Kafka Connect's paths, codes and bodies), plus `POST /connector-plugins`
//! to upload a `.wasm` plugin.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::herder::{ConnectorInfo, ConnectorStatus, Herder, HerderError, Props};
use crate::sandbox::Plugin;
use crate::worker::Status;

/// Bytes of an oversized upload read (and discarded) before answering 413, at least.
const UPLOAD_DRAIN_MIN: usize = 64 << 20;

/// A REST error with Connect's body `{"error_code": N, "message": "…"}`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    /// 404.
    #[error("{0}")]
    NotFound(String),
    /// 409.
    #[error("{0}")]
    Conflict(String),
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 413.
    #[error("{0}")]
    TooLarge(String),
    /// 500.
    #[error("{0}")]
    Internal(String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self {
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let body = json!({ "error_code": status.as_u16(), "message": self.to_string() });
        (status, Json(body)).into_response()
    }
}

impl From<HerderError> for ApiError {
    fn from(e: HerderError) -> Self {
        match e {
            HerderError::NotFound(_) | HerderError::TaskNotFound(_) => {
                Self::NotFound(e.to_string())
            }
            HerderError::AlreadyExists(_) | HerderError::PluginConflict(_) => {
                Self::Conflict(e.to_string())
            }
            HerderError::BadConfig(_) | HerderError::BadPlugin(_) => {
                Self::BadRequest(e.to_string())
            }
            _ => Self::Internal(e.to_string()),
        }
    }
}

/// A JSON body whose rejection (malformed JSON, wrong content) is an `ApiError`.
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

/// Shared REST state.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The herder.
    pub herder: Herder,
    /// `plugin.upload.max.bytes`.
    pub upload_max_bytes: usize,
    /// The Kafka cluster id, for `GET /`.
    pub kafka_cluster_id: Option<String>,
}

/// The router.
pub fn app(state: AppState) -> Router {
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

async fn root(State(s): State<AppState>) -> Json<Value> {
    Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "commit": option_env!("WASMCONNECT_COMMIT").unwrap_or("unknown"),
        "kafka_cluster_id": s.kafka_cluster_id,
    }))
}

#[derive(Debug, Deserialize)]
struct ExpandQuery {
    expand: Option<String>,
}

async fn list_connectors(
    State(s): State<AppState>,
    Query(q): Query<ExpandQuery>,
) -> Result<Json<Value>, ApiError> {
    let names = s.herder.connector_names().await;
    let Some(expand) = q.expand else {
        return Ok(Json(json!(names)));
    };
    let mut out = serde_json::Map::new();
    for name in names {
        let mut entry = serde_json::Map::new();
        if expand.contains("status")
            && let Ok(st) = s.herder.status(&name).await
        {
            entry.insert("status".into(), status_json(&st, s.herder.worker_id()));
        }
        if expand.contains("info")
            && let Ok(info) = s.herder.info(&name).await
        {
            entry.insert("info".into(), info_json(&info));
        }
        out.insert(name, Value::Object(entry));
    }
    Ok(Json(Value::Object(out)))
}

#[derive(Debug, Deserialize)]
struct CreateRequest {
    name: Option<String>,
    config: Option<BTreeMap<String, Value>>,
}

fn props_from(config: BTreeMap<String, Value>) -> Result<Props, ApiError> {
    config
        .into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            Value::Number(n) => Ok((k, n.to_string())),
            Value::Bool(b) => Ok((k, b.to_string())),
            other => Err(ApiError::BadRequest(format!(
                "Invalid value for configuration {k}: expected a string, got {other}"
            ))),
        })
        .collect()
}

fn info_json(info: &ConnectorInfo) -> Value {
    json!({
        "name": info.name,
        "config": info.config,
        "tasks": info.tasks.iter().map(|t| json!({"connector": info.name, "task": t})).collect::<Vec<_>>(),
        "type": info.kind,
    })
}

fn state_json(s: &Status, worker_id: &str) -> serde_json::Map<String, Value> {
    let mut m = serde_json::Map::new();
    m.insert("state".into(), json!(s.state));
    if let Some(trace) = &s.trace {
        m.insert("trace".into(), json!(trace));
    }
    m.insert("worker_id".into(), json!(worker_id));
    m
}

fn status_json(st: &ConnectorStatus, worker_id: &str) -> Value {
    let tasks: Vec<Value> = st
        .tasks
        .iter()
        .map(|(id, s)| {
            let mut m = serde_json::Map::new();
            m.insert("id".into(), json!(id));
            m.extend(state_json(s, worker_id));
            Value::Object(m)
        })
        .collect();
    json!({
        "name": st.name,
        "connector": Value::Object(state_json(&st.connector, worker_id)),
        "tasks": tasks,
        "type": st.kind,
    })
}

async fn create_connector(
    State(s): State<AppState>,
    ConnectJson(req): ConnectJson<CreateRequest>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let config = props_from(req.config.unwrap_or_default())?;
    let name = match (req.name, config.get("name")) {
        (Some(n), Some(c)) if &n != c => {
            return Err(ApiError::BadRequest(
                "Connector name configuration (".to_string()
                    + c
                    + ") doesn't match connector name in the URL ("
                    + &n
                    + ")",
            ));
        }
        (Some(n), _) => n,
        (None, Some(c)) => c.clone(),
        (None, None) => {
            return Err(ApiError::BadRequest(
                "Connector config must contain the \"name\" field".into(),
            ));
        }
    };
    let name = name.trim().to_string();
    if name.is_empty() {
        return Err(ApiError::BadRequest(
            "Connector name must not be empty".into(),
        ));
    }
    let info = s.herder.create(&name, config).await?;
    Ok((StatusCode::CREATED, Json(info_json(&info))))
}

async fn get_connector(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(info_json(&s.herder.info(&name).await?)))
}

async fn get_config(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!(s.herder.info(&name).await?.config)))
}

async fn put_config(
    State(s): State<AppState>,
    Path(name): Path<String>,
    ConnectJson(config): ConnectJson<BTreeMap<String, Value>>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let config = props_from(config)?;
    if let Some(n) = config.get("name")
        && n != &name
    {
        return Err(ApiError::BadRequest(format!(
            "Connector name configuration ({n}) doesn't match connector name in the URL ({name})"
        )));
    }
    let (created, info) = s.herder.put_config(&name, config).await?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(info_json(&info))))
}

async fn get_status(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let st = s.herder.status(&name).await?;
    Ok(Json(status_json(&st, s.herder.worker_id())))
}

async fn get_tasks(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let tasks = s.herder.task_configs(&name).await?;
    Ok(Json(json!(
        tasks
            .into_iter()
            .map(|(id, config)| json!({"id": {"connector": name, "task": id}, "config": config}))
            .collect::<Vec<_>>()
    )))
}

/// wasmconnect's own: the task's instance counters (recycles, memory, calls, records).
async fn get_task_metrics(
    State(s): State<AppState>,
    Path((name, task)): Path<(String, u32)>,
) -> Result<Json<Value>, ApiError> {
    let mut m = s
        .herder
        .task_metrics(&name, task)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("Task {name}-{task} not found")))?;
    m["id"] = json!(task);
    Ok(Json(m))
}

async fn get_task_status(
    State(s): State<AppState>,
    Path((name, task)): Path<(String, u32)>,
) -> Result<Json<Value>, ApiError> {
    let st = s.herder.status(&name).await?;
    let (id, status) = st
        .tasks
        .iter()
        .find(|(id, _)| *id == task)
        .ok_or_else(|| ApiError::NotFound(format!("Task {name}-{task} not found")))?;
    let mut m = serde_json::Map::new();
    m.insert("id".into(), json!(id));
    m.extend(state_json(status, s.herder.worker_id()));
    Ok(Json(Value::Object(m)))
}

async fn pause(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.set_paused(&name, true).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn resume(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.set_paused(&name, false).await?;
    Ok(StatusCode::ACCEPTED)
}

async fn restart(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.restart(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn restart_task(
    State(s): State<AppState>,
    Path((name, task)): Path<(String, u32)>,
) -> Result<StatusCode, ApiError> {
    s.herder.restart_task(&name, task).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn delete_connector(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.delete(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn plugin_json(p: &Plugin) -> Value {
    json!({ "class": p.class_name, "type": p.kind, "version": p.version })
}

async fn list_plugins(State(s): State<AppState>) -> Json<Value> {
    let mut plugins = s.herder.plugins().await;
    plugins.sort_by(|a, b| a.class_name.cmp(&b.class_name));
    Json(json!(plugins.iter().map(plugin_json).collect::<Vec<_>>()))
}

async fn upload_plugin(
    State(s): State<AppState>,
    req: Request<Body>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let limit = s.upload_max_bytes;
    let too_large = || {
        ApiError::TooLarge(format!(
            "Plugin is larger than plugin.upload.max.bytes ({limit} bytes)"
        ))
    };
    // Read the whole body even past the limit (discarding the excess, up to a bound), so the
    // client gets our 413 rather than a connection reset while it is still sending.
    let mut body = req.into_body();
    let mut bytes = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| ApiError::BadRequest(format!("cannot read the request body: {e}")))?;
        if let Ok(data) = frame.into_data() {
            total = total.saturating_add(data.len());
            if total <= limit {
                bytes.extend_from_slice(&data);
            } else if total > limit.saturating_mul(4).max(UPLOAD_DRAIN_MIN) {
                return Err(too_large());
            }
        }
    }
    if total > limit {
        return Err(too_large());
    }
    if bytes.is_empty() {
        return Err(ApiError::BadRequest(
            "Empty body: send the .wasm component bytes".into(),
        ));
    }
    let plugin = s.herder.upload_plugin(bytes).await?;
    Ok((StatusCode::CREATED, Json(plugin_json(&plugin))))
}

fn config_key_json(k: &crate::sandbox::ConfigKey) -> Value {
    json!({
        "name": k.name,
        "type": k.type_name,
        "required": k.default_value.is_none(),
        "default_value": k.default_value.clone().flatten(),
        "importance": k.importance,
        "documentation": k.documentation,
        "group": k.group,
        "width": k.width,
        "display_name": k.display_name,
        "dependents": k.dependents,
        "order": k.order,
    })
}

async fn plugin_config(
    State(s): State<AppState>,
    Path(class): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let plugin = s
        .herder
        .plugin(&class)
        .await
        .ok_or_else(|| ApiError::NotFound(format!("Unknown plugin {class}.")))?;
    Ok(Json(json!(
        plugin
            .config_def
            .iter()
            .map(config_key_json)
            .collect::<Vec<_>>()
    )))
}

/// Kafka's `ConfigInfos`: every key with its definition and validation result.
async fn validate_config(
    State(s): State<AppState>,
    Path(class): Path<String>,
    ConnectJson(config): ConnectJson<BTreeMap<String, Value>>,
) -> Result<Json<Value>, ApiError> {
    let mut config = props_from(config)?;
    if let Some(c) = config.get("connector.class")
        && c != &class
        && s.herder.plugin(c).await.map(|p| p.class_name)
            != s.herder.plugin(&class).await.map(|p| p.class_name)
    {
        return Err(ApiError::BadRequest(
            "Connector class in the URL and in the config do not match".into(),
        ));
    }
    let plugin = s.herder.plugin(&class).await.ok_or_else(|| {
        ApiError::BadRequest(format!(
            "Failed to find any class that implements Connector and which name matches {class}"
        ))
    })?;
    config
        .entry("connector.class".into())
        .or_insert_with(|| class.clone());
    let report = s.herder.validate_report(&plugin, &config).await?;
    let error_count: usize = report.iter().map(|(_, v)| v.errors.len()).sum();
    let mut groups: Vec<String> = Vec::new();
    for (k, _) in &report {
        if let Some(g) = &k.group
            && !groups.contains(g)
        {
            groups.push(g.clone());
        }
    }
    let configs: Vec<Value> = report
        .iter()
        .map(|(k, v)| {
            json!({
                "definition": config_key_json(k),
                "value": {
                    "name": v.name,
                    "value": v.value,
                    "recommended_values": v.recommended_values,
                    "errors": v.errors,
                    "visible": v.visible,
                },
            })
        })
        .collect();
    Ok(Json(json!({
        "name": plugin.class_name,
        "error_count": error_count,
        "groups": groups,
        "configs": configs,
    })))
}
