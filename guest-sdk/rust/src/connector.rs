//! The connector level of a plugin, source or sink alike.

use crate::{Config, ConfigDef, ConfigValue, ConnectError, PluginInfo};

/// The connector level of a plugin (Kafka Connect's `Connector`): one instance per
/// connector, whatever its tasks are; [`export_source!`](crate::export_source) or
/// [`export_sink!`](crate::export_sink) says which.
///
/// The worker creates it with `Default` and calls [`start`](Self::start); it lives until
/// [`stop`](Self::stop). `info`, `config_def` and `validate` are called without an instance.
/// A sink's `topics` / `topics.regex` are handled by the worker.
pub trait Connector: Default + 'static {
    /// Who this plugin is.
    fn info() -> PluginInfo;

    /// The configuration definition (`Connector.config()`).
    fn config_def() -> ConfigDef;

    /// Validates a configuration; by default checks it against [`config_def`](Self::config_def)
    /// (required keys, types, validators).
    fn validate(config: &Config) -> Vec<ConfigValue> {
        Self::config_def().validate(config)
    }

    /// Starts the connector with its configuration.
    fn start(&mut self, config: Config) -> Result<(), ConnectError>;

    /// At most `max_tasks` task configurations; one task is started per entry.
    fn task_configs(&self, max_tasks: u32) -> Result<Vec<Config>, ConnectError>;

    /// Stops the connector.
    fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}
