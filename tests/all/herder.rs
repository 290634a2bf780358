//! A slow connector holds up only itself: REST keeps answering while one connector's `stop`
//! and another's `start` take 20 s, and stopping many connectors at once takes about one
//! `task.shutdown.graceful.timeout.ms`, not one per connector.

use std::time::{Duration, Instant};

use serde_json::json;
use wasmconnect_tests::worker::{WorkerBuilder, wait_for};
use wasmconnect_tests::{kafka, unique};

const CHAOS: &str = "io.wasmconnect.test.ChaosSourceConnector";

/// The quickest of three tries of `f`: one slow answer is the machine, three are the worker.
fn quickest(what: &str, mut f: impl FnMut() -> u16) -> Duration {
    (0..3)
        .map(|_| {
            let started = Instant::now();
            let code = f();
            assert!((200..300).contains(&code), "{what}: {code}");
            started.elapsed()
        })
        .min()
        .expect("three tries")
}

fn idle_chaos(name: &str, topic: &str, extra: &[(&str, &str)]) -> serde_json::Value {
    let mut config = json!({"connector.class": CHAOS, "chaos.mode": "idle", "topic": topic});
    for (k, v) in extra {
        config[*k] = json!(v);
    }
    json!({"name": name, "config": config})
}

#[test]
fn rest_answers_at_once_while_a_start_and_a_stop_take_twenty_seconds() {
    let k = kafka();
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["chaos"])
        .start();
    let topic = unique("herder-slow");
    let (code, body) = w.post("/connectors", &idle_chaos("healthy", &topic, &[]));
    assert_eq!(code, 201, "{body}");
    let (code, body) = w.post(
        "/connectors",
        &idle_chaos("slow-stop", &topic, &[("chaos.connector.stop.ms", "20000")]),
    );
    assert_eq!(code, 201, "{body}");
    w.wait_task_state("healthy", 0, "RUNNING", Duration::from_secs(30));
    w.wait_task_state("slow-stop", 0, "RUNNING", Duration::from_secs(30));

    std::thread::scope(|s| {
        let creating = s.spawn(|| {
            let started = Instant::now();
            let (code, body) = w.post(
                "/connectors",
                &idle_chaos(
                    "slow-start",
                    &topic,
                    &[("chaos.connector.start.ms", "20000")],
                ),
            );
            (code, body, started.elapsed())
        });
        let deleting = s.spawn(|| {
            let started = Instant::now();
            let (code, _) = w.delete("/connectors/slow-stop");
            (code, started.elapsed())
        });
        // Both are under way: the starting connector is listed, not yet running.
        wait_for(Duration::from_secs(10), "slow-start to be listed", || {
            let (_, list) = w.get("/connectors");
            list.as_array()?
                .iter()
                .any(|n| n == "slow-start")
                .then_some(())
        });
        std::thread::sleep(Duration::from_secs(1));
        let (_, status) = w.get("/connectors/slow-start/status");
        assert_eq!(status["connector"]["state"], "UNASSIGNED", "{status}");

        let limit = Duration::from_millis(100);
        let list = quickest("GET /connectors", || w.get("/connectors").0);
        let status = quickest("GET /connectors/healthy/status", || {
            w.get("/connectors/healthy/status").0
        });
        let mut n = 0;
        let create = quickest("POST /connectors", || {
            n += 1;
            w.post(
                "/connectors",
                &idle_chaos(&format!("third-{n}"), &topic, &[]),
            )
            .0
        });
        eprintln!(
            "during a 20 s start and a 20 s stop: GET /connectors {list:?}, GET status \
             {status:?}, POST /connectors {create:?}"
        );
        assert!(list < limit, "GET /connectors took {list:?}");
        assert!(status < limit, "GET …/status took {status:?}");
        assert!(create < limit, "POST /connectors took {create:?}");

        let (code, body, took) = creating.join().expect("create thread");
        assert_eq!(code, 201, "{body}");
        assert!(
            took >= Duration::from_secs(19),
            "the start was slow: {took:?}"
        );
        let (code, took) = deleting.join().expect("delete thread");
        assert_eq!(code, 204);
        assert!(
            took >= Duration::from_secs(19),
            "the stop was slow: {took:?}"
        );
    });
    w.wait_task_state("slow-start", 0, "RUNNING", Duration::from_secs(30));
    w.wait_task_state("third-1", 0, "RUNNING", Duration::from_secs(30));
    let (code, _) = w.get("/connectors/slow-stop");
    assert_eq!(code, 404);
}

#[test]
fn deleting_fifty_connectors_at_once_takes_one_graceful_timeout() {
    let k = kafka();
    let timeout = Duration::from_secs(2);
    let w = WorkerBuilder::new(&k.bootstrap())
        .plugins(&["chaos"])
        .prop(
            "task.shutdown.graceful.timeout.ms",
            &timeout.as_millis().to_string(),
        )
        .start();
    let topic = unique("herder-many");
    let names: Vec<String> = (0..50).map(|i| format!("many-{i}")).collect();
    for name in &names {
        // Each task's stop takes a minute: longer than the graceful timeout.
        let (code, body) = w.post(
            "/connectors",
            &idle_chaos(name, &topic, &[("chaos.task.stop.ms", "60000")]),
        );
        assert_eq!(code, 201, "{body}");
    }
    for name in &names {
        w.wait_task_state(name, 0, "RUNNING", Duration::from_secs(60));
    }
    let started = Instant::now();
    let w = &w;
    std::thread::scope(|s| {
        let deletes: Vec<_> = names
            .iter()
            .map(|name| s.spawn(move || w.delete(&format!("/connectors/{name}")).0))
            .collect();
        for d in deletes {
            assert_eq!(d.join().expect("delete thread"), 204);
        }
    });
    let took = started.elapsed();
    eprintln!("50 connectors deleted at once in {took:?} (graceful timeout {timeout:?})");
    assert!(
        took >= timeout,
        "the tasks' stops were waited for: {took:?}"
    );
    assert!(
        took < timeout * 4,
        "50 deletes took {took:?}, not about one graceful timeout ({timeout:?})"
    );
    let (_, list) = w.get("/connectors");
    assert_eq!(list, json!([]));
    assert!(
        w.log().contains("did not stop in time"),
        "tasks were aborted"
    );
}
