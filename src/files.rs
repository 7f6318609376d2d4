//! Saving what a user makes (mappings, models, plans, projects) as versioned JSON, written
//! atomically so a crash mid-write never leaves half a file behind.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

/// Why a saved file could not be written or read back.
#[derive(Debug, Error)]
pub enum FileError {
    /// The reason is in the message, not a source: printed with its chain (`{:#}`), a
    /// source would say it twice.
    #[error("{path}: cannot {action}: {reason}.")]
    Io {
        path: String,
        action: &'static str,
        reason: String,
    },
    #[error("{path}: no such {what} file. Check the path.")]
    NotFound { path: String, what: &'static str },
    #[error("{path}: is not a valid {what} file: {message}")]
    Invalid {
        path: String,
        what: &'static str,
        message: String,
    },
    #[error(
        "{path}: is a {what} file of format version {found}; this Liftcast reads version {expected}. Re-create it with this version."
    )]
    Version {
        path: String,
        what: &'static str,
        found: u32,
        expected: u32,
    },
}

/// What went wrong with a file, in words: the system's text without its "(os error N)".
pub fn io_reason(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(end) => text[..end].to_owned(),
        None => text,
    }
}

/// Writes `bytes` to a temporary file beside `path`, flushes it to disk, then renames it over
/// `path`: readers see the old file or the new one, never a mix.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let io_error = |action, error: std::io::Error| FileError::Io {
        path: path.display().to_string(),
        action,
        reason: io_reason(&error),
    };
    let directory = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&directory).map_err(|e| io_error("create its folder", e))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "liftcast".into());
    let temporary = directory.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        io_error("write", e)
    })
}

/// Saves a value as pretty JSON, atomically.
pub fn save_json<T: Serialize>(
    path: &Path,
    value: &T,
    what: &'static str,
) -> Result<(), FileError> {
    let json = serde_json::to_vec_pretty(value).map_err(|e| FileError::Invalid {
        path: path.display().to_string(),
        what,
        message: e.to_string(),
    })?;
    atomic_write(path, &json)
}

/// Loads a JSON file whose top level has a `format_version` field, refusing other versions.
pub fn load_versioned_json<T: DeserializeOwned>(
    path: &Path,
    what: &'static str,
    expected_version: u32,
) -> Result<T, FileError> {
    load_json_versions(path, what, expected_version..=expected_version)
}

/// As `load_versioned_json`, reading any version in `readable`: for formats whose newer fields
/// have defaults that give an older file its old meaning.
pub fn load_json_versions<T: DeserializeOwned>(
    path: &Path,
    what: &'static str,
    readable: std::ops::RangeInclusive<u32>,
) -> Result<T, FileError> {
    let expected_version = *readable.end();
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|error| match error.kind() {
        std::io::ErrorKind::NotFound => FileError::NotFound {
            path: display.clone(),
            what,
        },
        _ => FileError::Io {
            path: display.clone(),
            action: "read",
            reason: io_reason(&error),
        },
    })?;
    let invalid = |message: String| FileError::Invalid {
        path: display.clone(),
        what,
        message,
    };
    let raw: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| invalid(e.to_string()))?;
    let found = raw
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| invalid("it has no format_version field".into()))?;
    if u32::try_from(found).map_or(true, |found| !readable.contains(&found)) {
        return Err(FileError::Version {
            path: display,
            what,
            found: u32::try_from(found).unwrap_or(u32::MAX),
            expected: expected_version,
        });
    }
    serde_json::from_value(raw).map_err(|e| invalid(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_file_is_named_once_without_the_system_code() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("plan.json");
        let error = load_versioned_json::<serde_json::Value>(&path, "plan", 1).unwrap_err();
        let printed = format!("{:#}", anyhow::Error::from(error));
        assert_eq!(
            printed,
            format!("{}: no such plan file. Check the path.", path.display())
        );
        let error = std::io::Error::from_raw_os_error(13);
        assert_eq!(io_reason(&error), "Permission denied");
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("a.json");
        atomic_write(&path, b"one").unwrap();
        atomic_write(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let entries = std::fs::read_dir(folder.path()).unwrap().count();
        assert_eq!(entries, 1);
    }

    #[test]
    fn other_versions_are_refused() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("m.json");
        std::fs::write(&path, br#"{"format_version": 99}"#).unwrap();
        let error = load_versioned_json::<serde_json::Value>(&path, "mapping", 1).unwrap_err();
        assert!(matches!(error, FileError::Version { found: 99, .. }));
    }
}
