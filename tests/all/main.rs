//! The integration test binary: one module per area, one broker for all of them.

mod bad_input;
mod bench_smoke;
mod broker;
mod c;
mod conformance;
mod errors;
mod herder;
mod js;
mod kafka;
mod layout;
mod pipeline;
mod python;
mod recycle;
mod rest;
mod sandbox;
mod scaffold;
mod upload;
