//! One function per fuzz target in `fuzz/fuzz_targets/`, called both by the target and by
//! the replay of its corpus and regressions under `cargo test`, so the two cannot drift
//! apart. Each must never panic, whatever the bytes: a bad file is a list of problems.
//!
//! The register importers tell CSV from JSON by the file's name, so the first byte of an
//! input chooses it: odd (`a`, `c`) is CSV, even (`h`, `j`) is JSON; for successions, bit 1
//! (`c`, `j`) also gives a legal basis. The rest of the input is the file.

use crate::registers;
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// A catalogue file (xlsx, CSV or JSON, told apart by content), then the rules over its rows.
pub fn catalogue(bytes: &[u8]) {
    if let Ok(parsed) = crate::parse(bytes) {
        let none = BTreeSet::new();
        crate::check(
            &parsed,
            &crate::Known {
                sectors: &none,
                agencies: &none,
                sets: &none,
            },
        );
    }
}

/// The file's name as the first byte chooses it, and the file.
fn named<'a>(input: &'a [u8], stem: &str) -> (String, &'a [u8], u8) {
    let (selector, file) = input.split_first().map_or((0, input), |(s, f)| (*s, f));
    let extension = if selector & 1 == 1 { "csv" } else { "json" };
    (format!("{stem}.{extension}"), file, selector)
}

pub fn units(input: &[u8]) {
    let (name, file, _) = named(input, "units");
    registers::parse_units(&name, file);
}

pub fn successions(input: &[u8]) {
    let (name, file, selector) = named(input, "merges");
    let legal_basis = (selector & 2 == 2).then_some("Nghị quyết 1/2025");
    let effective = NaiveDate::from_ymd_opt(2025, 7, 1).expect("a real date");
    registers::parse_successions(&name, file, effective, legal_basis);
}

pub fn agencies(input: &[u8]) {
    let (name, file, _) = named(input, "agencies");
    registers::parse_agencies(&name, file);
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    /// Every input kept for `target`: its corpus, which must be there and hold something (a
    /// moved folder must not skip the replay), and the crashes found, if any.
    fn kept_inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let corpus = files(&fuzz.join("corpus").join(target));
        assert!(!corpus.is_empty(), "fuzz/corpus/{target} has no inputs");
        let regressions = fuzz.join("regressions");
        assert!(regressions.is_dir(), "{} is missing", regressions.display());
        let crashes = regressions.join(target);
        let mut inputs = corpus;
        if crashes.exists() {
            inputs.extend(files(&crashes));
        }
        inputs
            .into_iter()
            .map(|path| {
                let bytes = std::fs::read(&path).expect("a readable input");
                (path, bytes)
            })
            .collect()
    }

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

    /// Runs every kept input; a panic names the input that caused it.
    fn replay(target: &str, run: fn(&[u8])) {
        for (path, bytes) in kept_inputs(target) {
            eprintln!("{target}: {}", path.display());
            run(&bytes);
        }
    }

    #[test]
    fn the_catalogue_fuzz_inputs_replay_without_panicking() {
        replay("catalogue", super::catalogue);
    }

    #[test]
    fn the_units_fuzz_inputs_replay_without_panicking() {
        replay("units", super::units);
    }

    #[test]
    fn the_successions_fuzz_inputs_replay_without_panicking() {
        replay("successions", super::successions);
    }

    #[test]
    fn the_agencies_fuzz_inputs_replay_without_panicking() {
        replay("agencies", super::agencies);
    }
}
