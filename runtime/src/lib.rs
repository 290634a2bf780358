//! The wasmconnect worker: Kafka Connect's runtime with every connector and task inside its own
//! wasmtime component instance. Offsets, converters, Kafka I/O and REST stay native.
#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod config;
pub mod conformance;
pub mod converters;
pub mod herder;
pub mod kafka;
pub mod offsets;
pub mod rest;
pub mod sandbox;
pub mod scaffold;
pub mod standalone;
pub mod worker;
