//! The worker's own configuration tables: the worker properties file ([`WorkerConfig`]) and
//! the keys the worker reads from every connector's config ([`ConnectorConfig`]), with Kafka
//! Connect's names, defaults and messages. Each typed struct sits next to its
//! [`ConfigDef`](wasmconnect_config::ConfigDef) table, which also serves
//! `PUT /connector-plugins/{type}/config/validate`. Parsing reports every problem, not the
//! first; unknown keys pass through (the full map is kept for the connector).

mod connector;
mod worker;

pub use connector::{ConnectorConfig, ErrorsTolerance, connector_def};
pub use worker::{WorkerConfig, worker_def};

use wasmconnect_config::Config;

/// The items of a `LIST` value, blanks dropped: how Kafka Connect reads `topics`,
/// `plugin.path`, `bootstrap.servers` and `listeners`.
fn items(config: &Config, key: &str) -> Vec<String> {
    config
        .get_list(key)
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect()
}

/// A value that parsed when the table checked it.
fn checked<T>(value: Result<Option<T>, wasmconnect_config::ConfigErrors>) -> Option<T> {
    value.ok().flatten()
}
