//! `wasmconnect new --lang python|js|c|rust --kind source|sink NAME`: writes a buildable
//! connector project from the templates in `guest-sdk/<lang>/template/<kind>/`, with the
//! language's SDK copied into `wasmconnect-sdk/` and the WIT contract into `wit/`.

use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/scaffold_files.rs"));
}

/// Guest languages with an SDK and templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// `guest-sdk/python`, componentize-py.
    Python,
    /// `guest-sdk/js`, JavaScript or TypeScript through componentize-js.
    Js,
    /// `guest-sdk/c`, wit-bindgen's C bindings.
    C,
    /// `guest-sdk/rust`, wit-bindgen.
    Rust,
}

impl Lang {
    /// Parses `python`, `js` (also `javascript`, `ts`, `typescript`), `c` or `rust`.
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_lowercase().as_str() {
            "python" | "py" => Self::Python,
            "js" | "javascript" | "ts" | "typescript" => Self::Js,
            "c" => Self::C,
            "rust" | "rs" => Self::Rust,
            _ => return None,
        })
    }

    fn dir(self) -> &'static str {
        match self {
            Self::Python => "python",
            Self::Js => "js",
            Self::C => "c",
            Self::Rust => "rust",
        }
    }
}

/// Why a project could not be written.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ScaffoldError {
    /// The name is not kebab-case.
    #[error("invalid name {0:?}: use lowercase letters, digits and dashes, starting with a letter")]
    Name(String),
    /// The kind is not source or sink.
    #[error("invalid kind {0:?}: source or sink")]
    Kind(String),
    /// The target directory exists and is not empty.
    #[error("{0} already exists and is not empty")]
    Exists(PathBuf),
    /// This binary has no template for the language and kind.
    #[error("no {lang} template for a {kind} in this build")]
    NoTemplate {
        /// Language directory.
        lang: &'static str,
        /// source or sink.
        kind: String,
    },
    /// Writing failed.
    #[error("cannot write {0}: {1}")]
    Io(PathBuf, std::io::Error),
}

/// The workspace crates the Rust SDK depends on, copied beside it into a Rust project:
/// (folder in this repository, name in `wasmconnect-sdk/`).
const VENDORED: [(&str, &str); 2] = [("crates/data/", "data"), ("crates/config/", "config")];

/// Writes project `name` of `kind` in `lang` into `parent/name`; returns the files written.
pub(crate) fn create(
    lang: Lang,
    kind: &str,
    name: &str,
    parent: &Path,
) -> Result<Vec<PathBuf>, ScaffoldError> {
    let valid = name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-')
        && !name.contains("--");
    if !valid {
        return Err(ScaffoldError::Name(name.to_string()));
    }
    if kind != "source" && kind != "sink" {
        return Err(ScaffoldError::Kind(kind.to_string()));
    }
    let root = parent.join(name);
    if root.exists() && std::fs::read_dir(&root).map_or(true, |mut d| d.next().is_some()) {
        return Err(ScaffoldError::Exists(root));
    }
    let vars = Vars::new(name);
    let sdk = format!("guest-sdk/{}/", lang.dir());
    let template = format!("{sdk}template/{kind}/");
    let mut plan: Vec<(String, Vec<u8>)> = Vec::new();
    for (path, bytes) in embedded::FILES {
        if let Some(rel) = path.strip_prefix(&template) {
            let contents = match std::str::from_utf8(bytes) {
                Ok(text) => vars.apply(text).into_bytes(),
                Err(_) => bytes.to_vec(),
            };
            plan.push((vars.apply(rel), contents));
        }
    }
    if plan.is_empty() {
        return Err(ScaffoldError::NoTemplate {
            lang: lang.dir(),
            kind: kind.to_string(),
        });
    }
    for (path, bytes) in embedded::FILES {
        if let Some(rel) = path.strip_prefix("wit/") {
            plan.push((format!("wit/{rel}"), bytes.to_vec()));
        }
        if lang == Lang::Rust {
            if let Some(rel) = path.strip_prefix(&sdk) {
                if !rel.starts_with("template/") && !rel.starts_with("tests/") {
                    let bytes = if rel == "Cargo.toml" {
                        standalone_manifest(bytes, "wasmconnect-guest")
                    } else {
                        bytes.to_vec()
                    };
                    plan.push((format!("wasmconnect-sdk/guest/{rel}"), bytes));
                }
            } else if let Some((krate, rel)) = VENDORED.iter().find_map(|(dir, krate)| {
                let rel = path.strip_prefix(dir)?;
                (rel == "Cargo.toml" || rel.starts_with("src/")).then_some((krate, rel))
            }) {
                let bytes = if rel == "Cargo.toml" {
                    standalone_manifest(bytes, &format!("wasmconnect-{krate}"))
                } else {
                    bytes.to_vec()
                };
                plan.push((format!("wasmconnect-sdk/{krate}/{rel}"), bytes));
            }
        } else if let Some(rel) = path.strip_prefix(&sdk)
            && !rel.starts_with("template/")
            && !rel.starts_with("tests/")
            && !rel.starts_with("dist/")
        {
            plan.push((format!("wasmconnect-sdk/{rel}"), bytes.to_vec()));
        }
    }
    let mut written = Vec::new();
    for (rel, bytes) in plan {
        let path = root.join(&rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| ScaffoldError::Io(dir.to_path_buf(), e))?;
        }
        std::fs::write(&path, &bytes).map_err(|e| ScaffoldError::Io(path.clone(), e))?;
        if rel.ends_with(".sh") || (rel.ends_with(".py") && bytes.starts_with(b"#!")) {
            set_executable(&path);
        }
        written.push(path);
    }
    Ok(written)
}

#[cfg(unix)]
fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mut p = meta.permissions();
        p.set_mode(p.mode() | 0o111);
        let _ = std::fs::set_permissions(path, p);
    }
}

#[cfg(not(unix))]
fn set_executable(_: &Path) {}

/// A workspace member's manifest made standalone: inherited fields spelled out, path
/// dependencies pointing at the sibling vendored crates, crates.io versions pinned.
fn standalone_manifest(bytes: &[u8], crate_name: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim();
        let replaced = match t {
            "version.workspace = true" => format!("version = \"{}\"", env!("CARGO_PKG_VERSION")),
            "edition.workspace = true" => "edition = \"2024\"".to_string(),
            "rust-version.workspace = true" => "rust-version = \"1.95\"".to_string(),
            "license.workspace = true" => "license = \"Apache-2.0\"".to_string(),
            "wasmconnect-data.workspace = true" => {
                "wasmconnect-data = { path = \"../data\" }".to_string()
            }
            "wasmconnect-config.workspace = true" => {
                "wasmconnect-config = { path = \"../config\" }".to_string()
            }
            "wit-bindgen.workspace = true" => "wit-bindgen = { version = \"=0.63.0\", default-features = false, features = [\"macros\", \"realloc\"] }".to_string(),
            "[lints]" | "workspace = true" => continue,
            _ => line.to_string(),
        };
        out.push_str(&replaced);
        out.push('\n');
    }
    debug_assert!(out.contains(crate_name));
    out.into_bytes()
}

/// The template placeholders: `{{name}}`, `{{name_snake}}`, `{{Name}}`.
struct Vars {
    name: String,
    snake: String,
    pascal: String,
}

impl Vars {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_string(),
            snake: name.replace('-', "_"),
            pascal: name
                .split('-')
                .map(|w| {
                    let mut c = w.chars();
                    c.next()
                        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                        .unwrap_or_default()
                })
                .collect(),
        }
    }

    fn apply(&self, text: &str) -> String {
        text.replace("{{name_snake}}", &self.snake)
            .replace("{{Name}}", &self.pascal)
            .replace("{{name}}", &self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_names() {
        let v = Vars::new("my-orders-source");
        assert_eq!(
            v.apply("{{name}} {{name_snake}} {{Name}}"),
            "my-orders-source my_orders_source MyOrdersSource"
        );
        let dir = tempfile::tempdir().expect("dir");
        for bad in ["My", "1x", "a_b", "a-", "a--b", ""] {
            assert!(matches!(
                create(Lang::Rust, "source", bad, dir.path()),
                Err(ScaffoldError::Name(_))
            ));
        }
        assert!(matches!(
            create(Lang::Rust, "both", "x", dir.path()),
            Err(ScaffoldError::Kind(_))
        ));
    }

    #[test]
    fn standalone_manifest_has_no_workspace_keys() {
        let m = standalone_manifest(
            b"[package]\nname = \"wasmconnect-guest\"\nversion.workspace = true\n\n[dependencies]\nwasmconnect-data.workspace = true\n\n[lints]\nworkspace = true\n",
            "wasmconnect-guest",
        );
        let m = String::from_utf8(m).expect("utf8");
        assert!(!m.contains("workspace"), "{m}");
        assert!(m.contains("path = \"../data\""), "{m}");
    }
}
