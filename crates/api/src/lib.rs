//! The herder's interface: Kafka Connect's `Herder` as a trait, with the requests, responses
//! and errors of its REST API as typed values.
//!
//! The REST layer is written against [`Herder`] only, so a standalone herder and a
//! distributed one serve the same handlers. Every type here serializes to the JSON body
//! Kafka Connect's REST API uses for it and reads back from it unchanged, so a distributed
//! herder can forward a request to the leader and hand its answer back as it came.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod error;
mod herder;
mod types;

pub use error::HerderError;
pub use herder::Herder;
pub use types::{
    ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo, ConnectorExpanded, ConnectorInfo,
    ConnectorState, ConnectorStateInfo, ConnectorTaskId, ConnectorType, CreateConnectorRequest,
    Created, PluginDesc, ServerInfo, State, TaskInfo, TaskMetrics, TaskState,
};
pub use wasmconnect_config::Props;
