//! Java `.properties` files, read with the `java-properties` crate (escapes, `\` line
//! continuations, `=`/`:`/whitespace separators, `#`/`!` comments).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Props;

/// Why a properties file could not be read.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum PropertiesError {
    /// The file cannot be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: Arc<std::io::Error>,
    },
    /// The file is not a valid properties file.
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number, when known.
        line: Option<usize>,
        /// What is wrong.
        message: String,
    },
}

impl std::fmt::Display for PropertiesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Syntax {
                path,
                line,
                message,
            } => match line {
                Some(l) => write!(f, "{}:{l}: {message}", path.display()),
                None => write!(f, "{}: {message}", path.display()),
            },
        }
    }
}

impl std::error::Error for PropertiesError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(&**source),
            Self::Syntax { .. } => None,
        }
    }
}

/// Reads a Java properties file into a sorted map; a repeated key keeps its last value, as in
/// `java.util.Properties`. The file is decoded as UTF-8 (Java's `Properties.load(InputStream)`
/// uses ISO-8859-1; the two agree on ASCII and `\uXXXX` escapes).
pub fn load_properties(path: impl AsRef<Path>) -> Result<Props, PropertiesError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| PropertiesError::Io {
        path: path.to_owned(),
        source: Arc::new(e),
    })?;
    let mut props = Props::new();
    java_properties::PropertiesIter::new_with_encoding(
        std::io::BufReader::new(file),
        encoding_rs::UTF_8,
    )
    .read_into(|k, v| {
        props.insert(k, v);
    })
    .map_err(|e| PropertiesError::Syntax {
        path: path.to_owned(),
        line: e.line_number(),
        message: e.to_string(),
    })?;
    Ok(props)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Props {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.properties");
        std::fs::write(&path, text).unwrap();
        load_properties(&path).unwrap()
    }

    #[test]
    fn java_syntax() {
        let p = load(concat!(
            "# comment\n",
            "! also a comment\n",
            "name=local-file-source\n",
            "connector.class : FileStreamSource\n",
            "tasks.max 1\n",
            "file=/tmp/a\\ b.txt\n",
            "topic = connect-\\\n",
            "        test\n",
            "unicode=caf\\u00e9\n",
            "key\\=with\\:seps=v\n",
            "dup=1\n",
            "dup=2\n",
            "empty=\n",
        ));
        assert_eq!(p["name"], "local-file-source");
        assert_eq!(p["connector.class"], "FileStreamSource");
        assert_eq!(p["tasks.max"], "1");
        assert_eq!(p["file"], "/tmp/a b.txt");
        assert_eq!(p["topic"], "connect-test");
        assert_eq!(p["unicode"], "café");
        assert_eq!(p["key=with:seps"], "v");
        assert_eq!(p["dup"], "2");
        assert_eq!(p["empty"], "");
        assert_eq!(p.len(), 9);
    }

    #[test]
    fn missing_file_names_it() {
        let err = load_properties("/nonexistent/worker.properties")
            .unwrap_err()
            .to_string();
        assert!(err.contains("/nonexistent/worker.properties"), "{err}");
    }
}
