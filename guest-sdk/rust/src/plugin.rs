//! What every plugin has: its description and the connector-level context.

#[cfg(target_arch = "wasm32")]
use crate::plugin_bindings::wasmconnect::connector::connector_context;

/// What a plugin says about itself (`GET /connector-plugins`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// Unique class name, what `connector.class` names, e.g.
    /// `io.wasmconnect.file.FileStreamSourceConnector`.
    pub class_name: String,
    /// Further names `connector.class` accepts (e.g. Kafka's class name, a short alias).
    pub aliases: Vec<String>,
    /// The plugin version (`Connector.version()`).
    pub version: String,
    /// One line for `GET /connector-plugins` and the docs.
    pub description: String,
}

impl PluginInfo {
    /// A plugin with no aliases and no description.
    pub fn new(class_name: impl Into<String>, version: impl Into<String>) -> Self {
        Self {
            class_name: class_name.into(),
            aliases: Vec::new(),
            version: version.into(),
            description: String::new(),
        }
    }

    /// Adds aliases.
    pub fn aliases<S: Into<String>>(mut self, aliases: impl IntoIterator<Item = S>) -> Self {
        self.aliases.extend(aliases.into_iter().map(Into::into));
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }
}

/// Asks the worker to call `task_configs` again and restart the tasks with the result
/// (`ConnectorContext.requestTaskReconfiguration`). For the connector level only.
pub fn request_task_reconfiguration() {
    #[cfg(target_arch = "wasm32")]
    connector_context::request_task_reconfiguration();
    #[cfg(not(target_arch = "wasm32"))]
    crate::native::request(crate::native::Request::Reconfigure);
}

/// Reports that the connector cannot go on; it moves to FAILED with this message
/// (`ConnectorContext.raiseError`).
pub fn raise_error(message: &str) {
    #[cfg(target_arch = "wasm32")]
    connector_context::raise_error(message);
    #[cfg(not(target_arch = "wasm32"))]
    crate::native::request(crate::native::Request::RaiseError(message.to_owned()));
}
