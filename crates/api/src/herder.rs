//! The `Herder` trait.

use crate::{
    ConfigInfos, ConfigKeyInfo, ConnectorInfo, ConnectorStateInfo, ConnectorTaskId,
    CreateConnectorRequest, Created, HerderError, PluginDesc, Props, ServerInfo, TaskInfo,
    TaskMetrics, TaskState,
};

/// What decides what runs where (Kafka Connect's `Herder`), as the REST API sees it.
///
/// Implementations answer reads from state they keep, never by calling into a connector:
/// a connector that is slow to start or stop delays the calls about itself, never the calls
/// about other connectors or the lists.
#[async_trait::async_trait]
pub trait Herder: Send + Sync + std::fmt::Debug {
    /// `GET /`: the worker's version and the Kafka cluster it works for.
    fn server_info(&self) -> ServerInfo;

    /// `GET /connectors`: every connector's name, sorted.
    async fn connectors(&self) -> Vec<String>;

    /// `GET /connectors/{name}`.
    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, HerderError>;

    /// `GET /connectors/{name}/config`.
    async fn connector_config(&self, name: &str) -> Result<Props, HerderError>;

    /// `GET /connectors/{name}/status`.
    async fn connector_status(&self, name: &str) -> Result<ConnectorStateInfo, HerderError>;

    /// `GET /connectors/{name}/tasks/{task}/status`.
    async fn task_status(&self, id: &ConnectorTaskId) -> Result<TaskState, HerderError>;

    /// `GET /connectors/{name}/tasks`.
    async fn task_configs(&self, name: &str) -> Result<Vec<TaskInfo>, HerderError>;

    /// `GET /connectors/{name}/tasks/{task}/metrics` (wasmconnect's own).
    async fn task_metrics(&self, id: &ConnectorTaskId) -> Result<TaskMetrics, HerderError>;

    /// `POST /connectors`: validates the config and starts a new connector;
    /// [`HerderError::ConnectorExists`] if the name is taken.
    async fn create_connector(
        &self,
        request: CreateConnectorRequest,
    ) -> Result<ConnectorInfo, HerderError>;

    /// `PUT /connectors/{name}/config`: creates the connector, or reconfigures it if it
    /// exists.
    async fn put_connector_config(
        &self,
        name: &str,
        config: Props,
    ) -> Result<Created<ConnectorInfo>, HerderError>;

    /// `DELETE /connectors/{name}`: stops the connector and its tasks and forgets it.
    async fn delete_connector(&self, name: &str) -> Result<(), HerderError>;

    /// `PUT /connectors/{name}/pause`.
    async fn pause_connector(&self, name: &str) -> Result<(), HerderError>;

    /// `PUT /connectors/{name}/resume`.
    async fn resume_connector(&self, name: &str) -> Result<(), HerderError>;

    /// `POST /connectors/{name}/restart`: stops and starts the connector and its tasks.
    async fn restart_connector(&self, name: &str) -> Result<(), HerderError>;

    /// `POST /connectors/{name}/tasks/{task}/restart`: the task in a fresh instance.
    async fn restart_task(&self, id: &ConnectorTaskId) -> Result<(), HerderError>;

    /// `GET /connector-plugins`, sorted by class.
    async fn connector_plugins(&self) -> Vec<PluginDesc>;

    /// `GET /connector-plugins/{class}/config`: the plugin's configuration definition.
    async fn connector_plugin_config(&self, class: &str)
    -> Result<Vec<ConfigKeyInfo>, HerderError>;

    /// `PUT /connector-plugins/{class}/config/validate`: the worker's connector keys and the
    /// plugin's own, each with its definition and its validation result.
    async fn validate_connector_config(
        &self,
        class: &str,
        config: Props,
    ) -> Result<ConfigInfos, HerderError>;

    /// `POST /connector-plugins` (wasmconnect's own): checks, precompiles and installs an
    /// uploaded component; usable at once.
    async fn upload_plugin(&self, component: Vec<u8>) -> Result<PluginDesc, HerderError>;
}
