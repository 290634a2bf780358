//! The Rust side of `make bench`: raw Kafka client baselines (rskafka), wasmconnect's own
//! source and sink pipelines on the same broker, and task start-up through the sandbox API.
//! Each `wasmconnect-bench` subcommand prints one JSON object; `bench/RUST.md` lists the
//! fields. `benches/boundary.rs` (criterion) measures `poll` and `put` per record.

pub mod pipeline;
pub mod raw;
pub mod stats;
pub mod task_start;
pub mod twin;

use std::path::{Path, PathBuf};

/// The workspace root (where `target/` is), from this crate's manifest directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// `target/wasm32-wasip2/release/<name>.wasm` of this workspace, or an error saying to run
/// `make wasm`.
pub fn component(name: &str) -> anyhow::Result<PathBuf> {
    let path = workspace_root()
        .join("target/wasm32-wasip2/release")
        .join(format!("{name}.wasm"));
    anyhow::ensure!(
        path.exists(),
        "component {} not found: run `make wasm`",
        path.display()
    );
    Ok(path)
}
