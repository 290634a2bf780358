//! Kafka Connect's configuration model: string maps ([`Config`], [`Props`]) checked against a
//! definition ([`ConfigDef`] of [`ConfigKey`]s with types, defaults and validators) into one
//! [`ConfigValue`] per key, with Kafka's error messages.
//!
//! One model serves both sides of the sandbox: the worker defines its worker and connector
//! keys with it, the sandbox carries a plugin's definition across the boundary in it, and the
//! Rust guest SDK re-exports it for connector authors. It has no dependencies and builds for
//! `wasm32-wasip2`; reading `.properties` files is the `properties` feature, for the worker.
//!
//! ```
//! use wasmconnect_config::{Config, ConfigDef, ConfigKey, ConfigType, Importance};
//! let def = ConfigDef::new()
//!     .define(ConfigKey::new("file", ConfigType::String, Importance::High, "Source filename."))
//!     .define(
//!         ConfigKey::new("batch.size", ConfigType::Int, Importance::Low, "Records per poll.")
//!             .default_value("2000")
//!             .at_least(1),
//!     );
//! let parsed = def.parse(&Config::from([("file", "/in.txt")]))?;
//! assert_eq!(parsed.get_int("batch.size")?, Some(2000));
//! let errors = def.parse(&Config::from([("batch.size", "0")])).unwrap_err();
//! assert_eq!(errors.messages(), [
//!     "Missing required configuration \"file\" which has no default value.",
//!     "Invalid value 0 for configuration batch.size: Value must be at least 1",
//! ]);
//! # Ok::<(), wasmconnect_config::ConfigErrors>(())
//! ```
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod def;
mod map;
#[cfg(feature = "properties")]
mod properties;

pub use def::{
    ConfigDef, ConfigDefault, ConfigKey, ConfigType, ConfigValue, Importance, Validator, Width,
};
pub use map::{Config, ConfigErrors};
#[cfg(feature = "properties")]
pub use properties::{PropertiesError, load_properties};

/// A configuration as a plain sorted map: what a `.properties` file or a REST `config`
/// object holds.
pub type Props = std::collections::BTreeMap<String, String>;
