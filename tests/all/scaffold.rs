//! `wasmconnect new`: a project made for each language and kind builds with its own
//! Makefile and passes the conformance kit through its own `make test` (C's projects are
//! tested in the `c` module, with an upload to a worker).

use std::path::{Path, PathBuf};
use std::process::Command;

use wasmconnect_tests::{repo_root, worker_bin};

/// PATH with the worker binary and the pinned guest toolchains that `make setup` installs.
fn path_with_tools() -> String {
    let root = repo_root();
    let mut dirs: Vec<PathBuf> = vec![worker_bin().parent().expect("bin dir").to_path_buf()];
    for d in [
        ".tools/python/bin",
        ".tools/c/bin",
        ".tools/js/node_modules/.bin",
    ] {
        dirs.push(root.join(d));
    }
    let mut path = std::env::join_paths(dirs)
        .expect("PATH")
        .into_string()
        .expect("utf8");
    if let Ok(p) = std::env::var("PATH") {
        path = format!("{path}:{p}");
    }
    path
}

fn run(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .current_dir(dir)
        .env("PATH", path_with_tools())
        // Rust projects share one target directory, so only the first build is cold.
        .env("CARGO_TARGET_DIR", repo_root().join("target/scaffold"))
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn scaffold_builds_and_conforms(lang: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    for kind in ["source", "sink"] {
        let name = format!("my-{lang}-{kind}");
        let bin = worker_bin();
        let (ok, out) = run(
            dir.path(),
            &[
                bin.to_str().expect("utf8"),
                "new",
                "--lang",
                lang,
                "--kind",
                kind,
                &name,
            ],
        );
        assert!(ok, "wasmconnect new {lang} {kind}:\n{out}");
        let project = dir.path().join(&name);
        assert!(project.join("README.md").is_file(), "no README in {name}");
        assert!(
            project.join("wit/connector.wit").is_file(),
            "no wit in {name}"
        );
        let (ok, out) = run(&project, &["make"]);
        assert!(ok, "make in {name}:\n{out}");
        let (ok, out) = run(&project, &["make", "test"]);
        assert!(ok, "make test in {name}:\n{out}");
        assert!(
            out.contains("result: PASS"),
            "{name}: conformance not run:\n{out}"
        );
    }
    // An existing, non-empty directory is refused.
    let bin = worker_bin();
    let (ok, out) = run(
        dir.path(),
        &[
            bin.to_str().expect("utf8"),
            "new",
            "--lang",
            lang,
            "--kind",
            "source",
            &format!("my-{lang}-source"),
        ],
    );
    assert!(!ok && out.contains("already exists"), "{out}");
}

#[test]
fn rust_project_builds_and_passes_conformance() {
    scaffold_builds_and_conforms("rust");
}

#[test]
fn python_project_builds_and_passes_conformance() {
    scaffold_builds_and_conforms("python");
}

#[test]
fn js_project_builds_and_passes_conformance() {
    scaffold_builds_and_conforms("js");
}
