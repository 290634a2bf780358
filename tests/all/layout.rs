//! The workspace's dependency rules (README, "Layout"), checked on the manifests as cargo
//! resolves them: `rest` → `api` only; `sandbox` never → `kafka`; `kafka`, `config`, `data` →
//! nothing internal; nothing depends on the binary.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;
use wasmconnect_tests::repo_root;

/// Each workspace package's internal (workspace) dependencies, build and normal ones.
fn internal_dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(repo_root())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("cargo metadata is JSON");
    let packages = meta["packages"].as_array().expect("packages");
    let members: BTreeSet<String> = packages
        .iter()
        .map(|p| p["name"].as_str().expect("name").to_owned())
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .expect("dependencies")
                .iter()
                // Dev-dependencies are for the crate's own tests.
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .filter_map(|d| d["name"].as_str())
                .filter(|d| members.contains(*d))
                .map(str::to_owned)
                .collect();
            (p["name"].as_str().expect("name").to_owned(), deps)
        })
        .collect()
}

#[test]
fn crates_depend_only_downwards_as_the_readme_says() {
    let deps = internal_dependencies();
    let of = |name: &str| -> BTreeSet<&str> {
        deps.get(name)
            .unwrap_or_else(|| panic!("no crate {name} in the workspace: {deps:?}"))
            .iter()
            .map(String::as_str)
            .collect()
    };
    for leaf in [
        "wasmconnect-kafka",
        "wasmconnect-config",
        "wasmconnect-data",
    ] {
        assert!(of(leaf).is_empty(), "{leaf} depends on {:?}", of(leaf));
    }
    assert_eq!(
        of("wasmconnect-rest"),
        BTreeSet::from(["wasmconnect-api"]),
        "rest depends on the api only"
    );
    assert!(
        !of("wasmconnect-sandbox").contains("wasmconnect-kafka"),
        "sandbox depends on kafka: {:?}",
        of("wasmconnect-sandbox")
    );
    for (name, d) in &deps {
        assert!(
            !d.contains("wasmconnect"),
            "{name} depends on the binary crate"
        );
    }
    // What the rules leave open, as the layout has it.
    assert_eq!(
        of("wasmconnect-api"),
        BTreeSet::from(["wasmconnect-config"])
    );
    assert_eq!(
        of("wasmconnect-converters"),
        BTreeSet::from(["wasmconnect-data"])
    );
    assert_eq!(
        of("wasmconnect-sandbox"),
        BTreeSet::from(["wasmconnect-config", "wasmconnect-data"])
    );
    assert_eq!(
        of("wasmconnect-guest"),
        BTreeSet::from(["wasmconnect-config", "wasmconnect-data"])
    );
}
