//! Embeds what `wasmconnect new` writes into a new connector project: the guest SDKs and
//! their templates (`guest-sdk/`), the WIT contract (`wit/`) and the crates the Rust SDK
//! needs (`crates/data/`, `crates/config/`). Build outputs, dependencies and caches are left
//! out.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "__pycache__",
    "build",
    "target",
    "dist",
    ".venv",
    "venv",
    ".pytest_cache",
    ".mypy_cache",
];
const SKIP_EXT: &[&str] = &["wasm", "cwasm", "pyc", "o", "a", "so"];

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let root = manifest
        .parent()
        .and_then(Path::parent)
        .expect("workspace root")
        .to_path_buf();
    let mut files = Vec::new();
    for top in ["guest-sdk", "wit", "crates/data", "crates/config"] {
        let dir = root.join(top);
        println!("cargo:rerun-if-changed={}", dir.display());
        walk(&root, &dir, &mut files);
    }
    files.sort();
    let mut out = String::from("/// (path from the repository root, contents)\n");
    out.push_str("pub(crate) static FILES: &[(&str, &[u8])] = &[\n");
    for (rel, abs) in &files {
        writeln!(out, "    ({rel:?}, include_bytes!({abs:?})),").expect("write");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("scaffold_files.rs");
    std::fs::write(dest, out).expect("write scaffold_files.rs");
}

fn walk(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if !SKIP_DIRS.contains(&name.as_str()) && !name.starts_with('.') {
                walk(root, &path, files);
            }
        } else if kind.is_file() {
            let skip = path
                .extension()
                .is_some_and(|e| SKIP_EXT.contains(&e.to_string_lossy().as_ref()));
            if !skip && !name.starts_with('.') {
                let rel = path
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                files.push((rel, path.display().to_string()));
            }
        }
    }
}
