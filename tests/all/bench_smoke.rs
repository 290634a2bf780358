//! `make bench-smoke`'s harness (bench/run.py --smoke) end to end on the test broker: Kafka
//! Connect and wasmconnect run the FileStream pipeline and the density scenario, both
//! JsonConverters run, kcat runs its baseline, and every target shows a value or why it was
//! not run.

use std::process::Command;

use serde_json::Value;
use wasmconnect_tests::{kafka, kafka_lib, repo_root, worker_bin};

#[test]
fn bench_smoke_runs_every_scenario() {
    worker_bin();
    assert!(kafka_lib().is_dir(), "no Kafka jars: run `make setup`");
    let out = tempfile::tempdir().expect("temp dir");
    let run = Command::new("python3")
        .current_dir(repo_root())
        .args(["bench/run.py", "--smoke", "--bootstrap"])
        .arg(kafka().bootstrap())
        .arg("--out")
        .arg(out.path())
        .output()
        .expect("python3 (3.11+) runs bench/run.py");
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "bench/run.py --smoke failed:\n{log}");
    let results: Value = serde_json::from_str(
        &std::fs::read_to_string(out.path().join("results.json")).expect("results.json"),
    )
    .expect("results.json is JSON");
    let scenarios = &results["scenarios"];

    for name in ["kc-default", "kc-tuned", "wc-default", "wc-tuned"] {
        let config = &scenarios["file"]["configs"][name];
        let runs = config["runs"].as_array().expect("runs");
        assert!(
            !runs.is_empty(),
            "file pipeline {name} did not run: {config}\n{log}"
        );
        for r in runs {
            assert_eq!(
                r["output_identical"], true,
                "{name}: sink file differs: {r}"
            );
            assert!(r["first_line_s"].as_f64().unwrap() > 0.0, "{name}: {r}");
            assert!(r["peak_rss_mib"].as_f64().unwrap() > 1.0, "{name}: {r}");
        }
    }
    for kind in ["kafka-connect", "wasmconnect"] {
        let d = &scenarios["density"][kind];
        assert!(
            !d["runs"].as_array().expect("runs").is_empty(),
            "density {kind} did not run: {d}\n{log}"
        );
    }
    let kafka_json = &scenarios["json"]["kafka"];
    assert!(
        kafka_json["serialize"]["median"].as_f64().is_some(),
        "Kafka's JsonConverter bench did not run: {kafka_json}"
    );

    for side in ["produce", "consume"] {
        let kcat = &scenarios["rust"]["kcat"][side];
        assert!(
            !kcat["runs"].as_array().is_none_or(Vec::is_empty),
            "kcat {side} (the C-client baseline) did not run: {kcat}\n{log}"
        );
    }

    let targets = results["targets"].as_array().expect("targets");
    assert!(targets.len() >= 15, "{targets:?}");
    for t in targets {
        let note = t["note"].as_str().unwrap_or_default();
        assert!(
            t["value"].is_number() || note.starts_with("not run: "),
            "a target with neither a value nor a reason: {t}"
        );
    }
    for file in ["results.md", "chart.svg"] {
        assert!(out.path().join(file).is_file(), "{file} not written");
    }
}
