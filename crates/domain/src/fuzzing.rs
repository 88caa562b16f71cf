//! The function the `multipart` fuzz target in `fuzz/fuzz_targets/` calls, and the replay of
//! its corpus and regressions under `cargo test`, so the two cannot drift apart.

use crate::multipart::{FirstField, first_field};

/// The field the web layer looks for first in a multipart form.
const WANTED: &str = "csrf_token";

/// The input is a boundary on its first line and a body after it. Besides never panicking,
/// reading ahead must be safe to stop anywhere: a prefix of the body answers
/// [`FirstField::NeedMore`] or what the whole body answers.
pub fn multipart(input: &[u8]) {
    let (boundary, body) = match input.iter().position(|&b| b == b'\n') {
        Some(end) => (&input[..end], &input[end + 1..]),
        None => (input, &[][..]),
    };
    let boundary = String::from_utf8_lossy(boundary);
    let whole = first_field(body, &boundary, WANTED);
    let len = body.len();
    for cut in [len / 4, len / 2, len * 3 / 4, len.saturating_sub(1)] {
        let part = first_field(&body[..cut], &boundary, WANTED);
        assert!(
            part == FirstField::NeedMore || part == whole,
            "{cut} bytes answer {part:?}, the whole body {whole:?}"
        );
    }
    if let FirstField::Found(_) = whole {
        assert!(body.starts_with(format!("--{boundary}\r\n").as_bytes()));
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn files(dir: &Path) -> Vec<PathBuf> {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        let mut files: Vec<PathBuf> = entries
            .map(|e| e.expect("a directory entry").path())
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        files
    }

    /// The corpus must be there and hold something, so a moved folder cannot skip the replay.
    #[test]
    fn the_multipart_fuzz_inputs_replay_without_panicking() {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut inputs = files(&fuzz.join("corpus/multipart"));
        assert!(!inputs.is_empty(), "fuzz/corpus/multipart has no inputs");
        let regressions = fuzz.join("regressions");
        assert!(regressions.is_dir(), "{} is missing", regressions.display());
        if regressions.join("multipart").exists() {
            inputs.extend(files(&regressions.join("multipart")));
        }
        for path in inputs {
            eprintln!("multipart: {}", path.display());
            super::multipart(&std::fs::read(&path).expect("a readable input"));
        }
    }
}
