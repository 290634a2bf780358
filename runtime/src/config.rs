//! Worker and connector configuration: Kafka Connect's property names, defaults and error
//! messages. Each typed struct sits next to its [`ConfigDef`] table, which also serves
//! `PUT /connector-plugins/{type}/config/validate`. Parsing reports every problem, not the
//! first; unknown keys pass through (the full map is kept for the connector).

mod connector;
mod def;
mod properties;
mod worker;

pub use connector::{ConnectorConfig, ErrorsTolerance, connector_def};
pub use def::{
    ConfigDef, ConfigErrors, ConfigKey, ConfigType, ConfigValue, ParsedConfig, Validator,
};
pub use properties::load_properties;
pub use worker::{WorkerConfig, worker_def};

use std::path::PathBuf;

/// A property map, as read from a `.properties` file or a REST body.
pub type Props = std::collections::BTreeMap<String, String>;

/// An error loading or checking configuration.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file cannot be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::sync::Arc<std::io::Error>,
    },
    /// The file is not a valid properties file.
    #[error("{}{}: {message}", path.display(), line.map(|l| format!(":{l}")).unwrap_or_default())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
    /// One or more values are missing or invalid.
    #[error(transparent)]
    Invalid(#[from] ConfigErrors),
}
