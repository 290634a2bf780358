//! `wasmconnect conformance`: every shipped connector passes the kit, and a broken one fails
//! it with a non-zero exit naming the check.

use std::process::Command;

use wasmconnect_tests::{wasm_path, worker_bin};

/// Runs the kit on connector `name` with `config`; returns (success, report).
fn conformance(name: &str, config: &[(&str, &str)], extra: &[&str]) -> (bool, String) {
    let mut cmd = Command::new(worker_bin());
    cmd.arg("conformance").arg(wasm_path(name));
    for (k, v) in config {
        cmd.arg("--config").arg(format!("{k}={v}"));
    }
    let out = cmd
        .args(extra)
        .output()
        .expect("run wasmconnect conformance");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), report)
}

/// The shipped connectors and a config each passes with. Files live in a temp dir.
fn shipped(dir: &std::path::Path) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let input = dir.join("in.txt");
    std::fs::write(
        &input,
        (0..500).map(|i| format!("line {i}\n")).collect::<String>(),
    )
    .expect("input");
    let csv = dir.join("in.csv");
    std::fs::write(
        &csv,
        std::iter::once("id,name\n".to_string())
            .chain((0..300).map(|i| format!("{i},name-{i}\n")))
            .collect::<String>(),
    )
    .expect("csv");
    vec![
        (
            "file-stream-source",
            vec![
                ("file", input.display().to_string()),
                ("topic", "t".into()),
                ("batch.size", "10".into()),
            ],
        ),
        (
            "file-stream-sink",
            vec![
                ("file", dir.join("out.txt").display().to_string()),
                ("topics", "t".into()),
            ],
        ),
        ("chaos", vec![("topic", "t".into())]),
        (
            "chaos",
            vec![("topic", "t".into()), ("chaos.mode", "leak".into())],
        ),
    ]
}

#[test]
fn every_shipped_connector_passes_the_kit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut failures = Vec::new();
    for (name, config) in shipped(dir.path()) {
        let config: Vec<(&str, &str)> = config.iter().map(|(k, v)| (*k, v.as_str())).collect();
        // Precompiled components are kept between runs: the Python and JavaScript ones take
        // seconds to compile.
        let cache = wasmconnect_tests::repo_root().join("target/conformance-cache");
        let (ok, report) = conformance(
            name,
            &config,
            &[
                "--calls",
                "300",
                "--cache-dir",
                cache.to_str().expect("utf8"),
            ],
        );
        assert!(report.contains("PASS  deadline"), "{name}:\n{report}");
        if !ok || !report.contains("result: PASS") {
            failures.push(format!("{name}:\n{report}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn broken_connectors_fail_the_kit_with_the_check_named() {
    for (mode, check, why) in [
        ("trap", "task-lifecycle", "trapped"),
        ("loop", "task-lifecycle", "timed out"),
        ("memory", "task-lifecycle", "linear memory limit"),
    ] {
        let (ok, report) = conformance(
            "chaos",
            &[
                ("topic", "t"),
                ("chaos.mode", mode),
                ("chaos.after.polls", "3"),
            ],
            &[
                "--calls",
                "20",
                "--call-timeout-ms",
                "500",
                "--memory-max-bytes",
                "16777216",
            ],
        );
        assert!(!ok, "{mode} passed:\n{report}");
        assert!(
            report.contains(&format!("FAIL  {check}")) && report.contains(why),
            "{mode}:\n{report}"
        );
        assert!(report.contains("result: FAIL"), "{report}");
    }
    // Not a component at all.
    let dir = tempfile::tempdir().expect("temp dir");
    let junk = dir.path().join("junk.wasm");
    std::fs::write(&junk, b"\0asm\x01\0\0\0").expect("junk");
    let out = Command::new(worker_bin())
        .arg("conformance")
        .arg(&junk)
        .output()
        .expect("run");
    assert!(!out.status.success());
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        report.contains("FAIL  component") && report.contains("core WebAssembly module"),
        "{report}"
    );
}
