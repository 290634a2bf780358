//! `HerderError`: why the herder refused or failed a request.

use serde::{Deserialize, Serialize};

use crate::ConnectorTaskId;

/// Why the herder refused or failed a request. The REST layer maps each to the status code
/// Kafka Connect answers with; the messages are Kafka Connect's where it has one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum HerderError {
    /// No connector of that name.
    #[error("Connector {0} not found")]
    ConnectorNotFound(String),
    /// The connector has no such task.
    #[error("Task {0} not found")]
    TaskNotFound(ConnectorTaskId),
    /// A connector of that name exists.
    #[error("Connector {0} already exists")]
    ConnectorExists(String),
    /// The configuration is invalid: every problem found, one message each.
    #[error(
        "Connector configuration is invalid and contains the following {} error(s):\n{}\nYou can also find the above list of errors at the endpoint `/connector-plugins/{{connectorType}}/config/validate`",
        errors.len(),
        errors.join("\n")
    )]
    InvalidConfig {
        /// The messages, in the order found.
        errors: Vec<String>,
    },
    /// The plugin's own validation could not run (its instance failed to start, trapped or
    /// broke the contract).
    #[error("{0}")]
    ValidationFailed(String),
    /// No installed plugin has that class name or alias.
    #[error("Unknown plugin {0}.")]
    PluginNotFound(String),
    /// A configuration to validate names a class no plugin has.
    #[error("Failed to find any class that implements Connector and which name matches {0}")]
    UnknownConnectorClass(String),
    /// The class in the URL and the `connector.class` of the body name different plugins.
    #[error("Connector class in the URL and in the config do not match")]
    ConnectorClassMismatch,
    /// An uploaded plugin was refused: not a component, not of our worlds, …
    #[error("{0}")]
    InvalidPlugin(String),
    /// A plugin with that class name or alias is installed.
    #[error("Plugin {class} (version {version}) is already installed")]
    PluginExists {
        /// The installed plugin's class.
        class: String,
        /// Its version.
        version: String,
    },
    /// `plugin.path` is not set, so there is nowhere to store an upload.
    #[error("plugin.path is not set; uploads are disabled")]
    UploadsDisabled,
    /// Anything else: a failure of the worker, not of the request.
    #[error("{0}")]
    Internal(String),
}
