//! `g6sim bench verify DIR`: recompute every artifact's digest. Exit 0 all match, 2 a mismatch or a missing
//! digest, 3 an unreadable artifact (or none at all).

use crate::artifact::{digest, list, read};
use std::path::Path;

/// The verdict on one artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    Mismatch { stored: String, computed: String },
    MissingDigest,
    Unreadable(String),
}

/// Verifies one artifact.
pub(crate) fn verify_file(path: &Path) -> Verdict {
    let value = match read(path) {
        Ok(v) => v,
        Err(e) => return Verdict::Unreadable(e.to_string()),
    };
    let Some(stored) = value.get("digest_sha256").and_then(|d| d.as_str()).map(str::to_string) else {
        return Verdict::MissingDigest;
    };
    let computed = digest(&value);
    if computed == stored { Verdict::Ok } else { Verdict::Mismatch { stored, computed } }
}

/// Verifies every artifact of a directory: the per-file lines, and the exit code.
pub fn verify_dir(dir: &Path) -> (Vec<String>, u8) {
    let files = match list(dir) {
        Ok(f) if !f.is_empty() => f,
        Ok(_) => return (vec![format!("UNREADABLE {}: no benchmark_cycle_*.json[.gz] artifacts", dir.display())], 3),
        Err(e) => return (vec![format!("UNREADABLE {}: {e}", dir.display())], 3),
    };
    let mut lines = Vec::new();
    let (mut bad, mut unreadable) = (0, 0);
    for f in &files {
        let name = f.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        match verify_file(f) {
            Verdict::Ok => lines.push(format!("OK {name}")),
            Verdict::Mismatch { stored, computed } => {
                bad += 1;
                lines.push(format!("MISMATCH {name}: stored {stored}, computed {computed}"));
            }
            Verdict::MissingDigest => {
                bad += 1;
                lines.push(format!("MISSING_DIGEST {name}"));
            }
            Verdict::Unreadable(e) => {
                unreadable += 1;
                lines.push(format!("UNREADABLE {name}: {e}"));
            }
        }
    }
    lines.push(format!(
        "{} artifacts: {} ok, {bad} bad digest, {unreadable} unreadable",
        files.len(),
        files.len() - bad - unreadable
    ));
    let code = if unreadable > 0 {
        3
    } else if bad > 0 {
        2
    } else {
        0
    };
    (lines, code)
}
