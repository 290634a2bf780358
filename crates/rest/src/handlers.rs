//! The handlers: parse, ask the herder, answer its typed result as JSON.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use http_body_util::BodyExt;
use serde::Deserialize;
use serde_json::Value;
use wasmconnect_api::{
    ConfigInfos, ConfigKeyInfo, ConnectorExpanded, ConnectorInfo, ConnectorStateInfo,
    ConnectorTaskId, CreateConnectorRequest, PluginDesc, Props, ServerInfo, TaskInfo, TaskMetrics,
    TaskState,
};

use crate::{ApiError, AppState, ConnectJson};

/// Bytes of an oversized upload read (and discarded) before answering 413, at least.
const UPLOAD_DRAIN_MIN: usize = 64 << 20;

type ApiResult<T> = Result<Json<T>, ApiError>;

pub(crate) async fn root(State(s): State<AppState>) -> Json<ServerInfo> {
    Json(s.herder.server_info())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ExpandQuery {
    expand: Option<String>,
}

/// A name list, or with `?expand=status` / `?expand=info` a map of name to those.
#[derive(Debug, serde::Serialize)]
#[serde(untagged)]
pub(crate) enum ConnectorList {
    Names(Vec<String>),
    Expanded(BTreeMap<String, ConnectorExpanded>),
}

pub(crate) async fn list_connectors(
    State(s): State<AppState>,
    Query(q): Query<ExpandQuery>,
) -> ApiResult<ConnectorList> {
    let names = s.herder.connectors().await;
    let Some(expand) = q.expand else {
        return Ok(Json(ConnectorList::Names(names)));
    };
    let mut out = BTreeMap::new();
    for name in names {
        let mut entry = ConnectorExpanded::default();
        if expand.contains("status") {
            entry.status = s.herder.connector_status(&name).await.ok();
        }
        if expand.contains("info") {
            entry.info = s.herder.connector_info(&name).await.ok();
        }
        out.insert(name, entry);
    }
    Ok(Json(ConnectorList::Expanded(out)))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CreateRequest {
    name: Option<String>,
    config: Option<BTreeMap<String, Value>>,
}

/// A REST `config` object as Connect's string map: numbers and booleans as their text.
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

fn name_mismatch(in_config: &str, in_url: &str) -> ApiError {
    ApiError::BadRequest(format!(
        "Connector name configuration ({in_config}) doesn't match connector name in the URL ({in_url})"
    ))
}

pub(crate) async fn create_connector(
    State(s): State<AppState>,
    ConnectJson(req): ConnectJson<CreateRequest>,
) -> Result<(StatusCode, Json<ConnectorInfo>), ApiError> {
    let config = props_from(req.config.unwrap_or_default())?;
    let name = match (req.name, config.get("name")) {
        (Some(n), Some(c)) if &n != c => return Err(name_mismatch(c, &n)),
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
    let info = s
        .herder
        .create_connector(CreateConnectorRequest { name, config })
        .await?;
    Ok((StatusCode::CREATED, Json(info)))
}

pub(crate) async fn get_connector(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<ConnectorInfo> {
    Ok(Json(s.herder.connector_info(&name).await?))
}

pub(crate) async fn get_config(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Props> {
    Ok(Json(s.herder.connector_config(&name).await?))
}

pub(crate) async fn put_config(
    State(s): State<AppState>,
    Path(name): Path<String>,
    ConnectJson(config): ConnectJson<BTreeMap<String, Value>>,
) -> Result<(StatusCode, Json<ConnectorInfo>), ApiError> {
    let config = props_from(config)?;
    if let Some(n) = config.get("name")
        && n != &name
    {
        return Err(name_mismatch(n, &name));
    }
    let put = s.herder.put_connector_config(&name, config).await?;
    let code = if put.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(put.result)))
}

pub(crate) async fn get_status(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<ConnectorStateInfo> {
    Ok(Json(s.herder.connector_status(&name).await?))
}

pub(crate) async fn get_tasks(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Vec<TaskInfo>> {
    Ok(Json(s.herder.task_configs(&name).await?))
}

pub(crate) async fn get_task_metrics(
    State(s): State<AppState>,
    Path((name, task)): Path<(String, u32)>,
) -> ApiResult<TaskMetrics> {
    let id = ConnectorTaskId::new(name, task);
    Ok(Json(s.herder.task_metrics(&id).await?))
}

pub(crate) async fn get_task_status(
    State(s): State<AppState>,
    Path((name, task)): Path<(String, u32)>,
) -> ApiResult<TaskState> {
    let id = ConnectorTaskId::new(name, task);
    Ok(Json(s.herder.task_status(&id).await?))
}

pub(crate) async fn pause(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.pause_connector(&name).await?;
    Ok(StatusCode::ACCEPTED)
}

pub(crate) async fn resume(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.resume_connector(&name).await?;
    Ok(StatusCode::ACCEPTED)
}

pub(crate) async fn restart(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.restart_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn restart_task(
    State(s): State<AppState>,
    Path((name, task)): Path<(String, u32)>,
) -> Result<StatusCode, ApiError> {
    s.herder
        .restart_task(&ConnectorTaskId::new(name, task))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn delete_connector(
    State(s): State<AppState>,
    Path(name): Path<String>,
) -> Result<StatusCode, ApiError> {
    s.herder.delete_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn list_plugins(State(s): State<AppState>) -> Json<Vec<PluginDesc>> {
    Json(s.herder.connector_plugins().await)
}

pub(crate) async fn upload_plugin(
    State(s): State<AppState>,
    req: Request<Body>,
) -> Result<(StatusCode, Json<PluginDesc>), ApiError> {
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
    Ok((StatusCode::CREATED, Json(plugin)))
}

pub(crate) async fn plugin_config(
    State(s): State<AppState>,
    Path(class): Path<String>,
) -> ApiResult<Vec<ConfigKeyInfo>> {
    Ok(Json(s.herder.connector_plugin_config(&class).await?))
}

pub(crate) async fn validate_config(
    State(s): State<AppState>,
    Path(class): Path<String>,
    ConnectJson(config): ConnectJson<BTreeMap<String, Value>>,
) -> ApiResult<ConfigInfos> {
    let config = props_from(config)?;
    Ok(Json(
        s.herder.validate_connector_config(&class, config).await?,
    ))
}
