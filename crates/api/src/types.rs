//! Requests and responses, in the JSON shapes of Kafka Connect's REST entities
//! (`org.apache.kafka.connect.runtime.rest.entities`).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Props;

/// Source or sink (`ConnectorType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectorType {
    /// Reads from an external system into Kafka.
    Source,
    /// Writes from Kafka to an external system.
    Sink,
}

impl fmt::Display for ConnectorType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Source => "source",
            Self::Sink => "sink",
        })
    }
}

/// A task of a connector (`ConnectorTaskId`); displays as `name-0`, as in Connect's logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ConnectorTaskId {
    /// The connector's name.
    pub connector: String,
    /// The task's number, from 0.
    pub task: u32,
}

impl ConnectorTaskId {
    /// Task `task` of `connector`.
    pub fn new(connector: impl Into<String>, task: u32) -> Self {
        Self {
            connector: connector.into(),
            task,
        }
    }
}

impl fmt::Display for ConnectorTaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.connector, self.task)
    }
}

/// `GET /connectors/{name}` (`ConnectorInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorInfo {
    /// The name.
    pub name: String,
    /// The configuration as given.
    pub config: Props,
    /// Its tasks.
    pub tasks: Vec<ConnectorTaskId>,
    /// Source or sink.
    #[serde(rename = "type")]
    pub kind: ConnectorType,
}

/// A connector or task state, as Connect names it (`AbstractStatus.State`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    /// Not running yet (being started, or not assigned).
    Unassigned,
    /// Running.
    Running,
    /// Paused by the user.
    Paused,
    /// Failed; the status has the trace.
    Failed,
    /// Being restarted.
    Restarting,
}

/// The state of a connector, with where it runs (`ConnectorStateInfo.ConnectorState`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorState {
    /// The state.
    pub state: State,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// The worker it runs on, `host:port` of its REST listener.
    pub worker_id: String,
}

/// The state of a task (`ConnectorStateInfo.TaskState`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskState {
    /// The task's number.
    pub id: u32,
    /// The state.
    pub state: State,
    /// Why it failed, with the wasm backtrace for traps.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
    /// The worker it runs on.
    pub worker_id: String,
}

/// `GET /connectors/{name}/status` (`ConnectorStateInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorStateInfo {
    /// The connector's name.
    pub name: String,
    /// The connector's state.
    pub connector: ConnectorState,
    /// Its tasks' states, by id.
    pub tasks: Vec<TaskState>,
    /// Source or sink.
    #[serde(rename = "type")]
    pub kind: ConnectorType,
}

/// One entry of `GET /connectors?expand=status&expand=info`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorExpanded {
    /// With `expand=status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConnectorStateInfo>,
    /// With `expand=info`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ConnectorInfo>,
}

/// One entry of `GET /connectors/{name}/tasks` (`TaskInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskInfo {
    /// Which task.
    pub id: ConnectorTaskId,
    /// Its configuration, as the connector's `task-configs` returned it.
    pub config: Props,
}

/// `POST /connectors` (`CreateConnectorRequest`), its config already as strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateConnectorRequest {
    /// The connector's name.
    pub name: String,
    /// Its configuration.
    pub config: Props,
}

/// What a create-or-update did (`Herder.Created`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created<T> {
    /// Whether it was created rather than updated.
    pub created: bool,
    /// The result.
    pub result: T,
}

/// One entry of `GET /connector-plugins` (`PluginInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginDesc {
    /// The class name `connector.class` names.
    #[serde(rename = "class")]
    pub class_name: String,
    /// Source or sink.
    #[serde(rename = "type")]
    pub kind: ConnectorType,
    /// The plugin's version.
    pub version: String,
}

/// A configuration key's definition, as the REST API shows it (`ConfigKeyInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    /// The key.
    pub name: String,
    /// `STRING`, `INT`, … (`ConfigDef.Type`).
    #[serde(rename = "type")]
    pub type_name: String,
    /// Whether it has no default.
    pub required: bool,
    /// The default, if there is one and it is not null.
    pub default_value: Option<String>,
    /// `HIGH`, `MEDIUM` or `LOW`.
    pub importance: String,
    /// What it means.
    pub documentation: String,
    /// Its UI group.
    pub group: Option<String>,
    /// `NONE`, `SHORT`, `MEDIUM` or `LONG`.
    pub width: String,
    /// Its display name.
    pub display_name: String,
    /// Keys whose validity depends on it.
    pub dependents: Vec<String>,
    /// Its position in its group.
    pub order: i32,
}

/// A configuration key's validation result, as the REST API shows it (`ConfigValueInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    /// The key.
    pub name: String,
    /// Its value in the validated configuration, if set.
    pub value: Option<String>,
    /// Values a UI may offer.
    pub recommended_values: Vec<String>,
    /// What is wrong with it; empty when valid.
    pub errors: Vec<String>,
    /// Whether a UI shows it.
    pub visible: bool,
}

/// A key with its validation result (`ConfigInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInfo {
    /// The definition.
    pub definition: ConfigKeyInfo,
    /// The result.
    pub value: ConfigValueInfo,
}

/// `PUT /connector-plugins/{class}/config/validate` (`ConfigInfos`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigInfos {
    /// The plugin's class.
    pub name: String,
    /// Errors over all keys.
    pub error_count: usize,
    /// The keys' groups, in order of first appearance.
    pub groups: Vec<String>,
    /// Every key.
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// The report of `plugin`'s keys, with the error count and groups computed.
    pub fn new(plugin: impl Into<String>, configs: Vec<ConfigInfo>) -> Self {
        let error_count = configs.iter().map(|c| c.value.errors.len()).sum();
        let mut groups: Vec<String> = Vec::new();
        for g in configs.iter().filter_map(|c| c.definition.group.as_ref()) {
            if !groups.contains(g) {
                groups.push(g.clone());
            }
        }
        Self {
            name: plugin.into(),
            error_count,
            groups,
            configs,
        }
    }
}

/// `GET /` (`ServerInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    /// The worker's version.
    pub version: String,
    /// The commit it was built from.
    pub commit: String,
    /// The Kafka cluster's id, when the cluster tells it.
    pub kafka_cluster_id: Option<String>,
}

/// `GET /connectors/{name}/tasks/{task}/metrics` (wasmconnect's own): counters of the
/// task's sandbox instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskMetrics {
    /// The task's number.
    pub id: u32,
    /// Times the instance was replaced by a fresh one (not counting failures).
    #[serde(rename = "instance-recycles")]
    pub instance_recycles: u64,
    /// Linear memory of the current instance, in bytes.
    #[serde(rename = "memory-bytes")]
    pub memory_bytes: u64,
    /// Guest calls made on the current instance.
    #[serde(rename = "instance-calls")]
    pub instance_calls: u64,
    /// Records polled (source) or put (sink) since the task started.
    pub records: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Bodies as Kafka Connect 4.1 writes them read into these types and write back the same.
    #[test]
    fn kafka_connect_bodies_round_trip() {
        let status = json!({
            "name": "local-file-source",
            "connector": {"state": "RUNNING", "worker_id": "127.0.0.1:8083"},
            "tasks": [
                {"id": 0, "state": "FAILED", "worker_id": "127.0.0.1:8083", "trace": "boom"}
            ],
            "type": "source"
        });
        let parsed: ConnectorStateInfo = serde_json::from_value(status.clone()).unwrap();
        assert_eq!(parsed.tasks[0].state, State::Failed);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), status);

        let info = json!({
            "name": "s",
            "config": {"connector.class": "FileStreamSink", "topics": "t"},
            "tasks": [{"connector": "s", "task": 0}],
            "type": "sink"
        });
        let parsed: ConnectorInfo = serde_json::from_value(info.clone()).unwrap();
        assert_eq!(parsed.tasks[0].to_string(), "s-0");
        assert_eq!(serde_json::to_value(&parsed).unwrap(), info);

        let plugin = json!({"class": "c", "type": "source", "version": "1"});
        let parsed: PluginDesc = serde_json::from_value(plugin.clone()).unwrap();
        assert_eq!(serde_json::to_value(&parsed).unwrap(), plugin);

        let expanded = ConnectorExpanded {
            status: None,
            info: Some(parsed_info()),
        };
        let v = serde_json::to_value(&expanded).unwrap();
        assert!(v.get("status").is_none());
        assert_eq!(
            serde_json::from_value::<ConnectorExpanded>(v).unwrap(),
            expanded
        );
    }

    fn parsed_info() -> ConnectorInfo {
        ConnectorInfo {
            name: "n".into(),
            config: Props::new(),
            tasks: vec![ConnectorTaskId::new("n", 0)],
            kind: ConnectorType::Source,
        }
    }

    #[test]
    fn config_infos_count_errors_and_list_groups_once() {
        let key = |name: &str, group: Option<&str>| ConfigKeyInfo {
            name: name.into(),
            type_name: "STRING".into(),
            required: true,
            default_value: None,
            importance: "HIGH".into(),
            documentation: String::new(),
            group: group.map(Into::into),
            width: "NONE".into(),
            display_name: name.into(),
            dependents: Vec::new(),
            order: 1,
        };
        let value = |name: &str, errors: &[&str]| ConfigValueInfo {
            name: name.into(),
            value: None,
            recommended_values: Vec::new(),
            errors: errors.iter().map(|e| (*e).into()).collect(),
            visible: true,
        };
        let infos = ConfigInfos::new(
            "c",
            vec![
                ConfigInfo {
                    definition: key("a", Some("Common")),
                    value: value("a", &["x", "y"]),
                },
                ConfigInfo {
                    definition: key("b", None),
                    value: value("b", &[]),
                },
                ConfigInfo {
                    definition: key("c", Some("Common")),
                    value: value("c", &["z"]),
                },
            ],
        );
        assert_eq!(infos.error_count, 3);
        assert_eq!(infos.groups, vec!["Common"]);
    }
}
