//! Reading a register file from disk; the parsing itself is `motcua_exchange::registers`,
//! which works on bytes so it can be fuzzed without the store.

use anyhow::Context;
use chrono::NaiveDate;
use motcua_domain::import::AgencyEntry;
use motcua_domain::unit::{UnitEntry, UnitSuccession};
use motcua_exchange::registers;
pub use motcua_exchange::registers::Parsed;
use std::path::Path;

/// The file's bytes and the name it is recorded under (its file name, without folders).
fn read(path: &Path) -> anyhow::Result<(Vec<u8>, String)> {
    let bytes =
        std::fs::read(path).with_context(|| format!("không đọc được {}", path.display()))?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok((bytes, name))
}

/// Reads a unit list in any of the supported formats.
pub fn parse_units(path: &Path) -> anyhow::Result<Parsed<UnitEntry>> {
    let (bytes, name) = read(path)?;
    Ok(registers::parse_units(&name, &bytes))
}

/// Reads successions (dvhcvn `merges.json` or CSV) that take effect on `effective`.
pub fn parse_successions(
    path: &Path,
    effective: NaiveDate,
    legal_basis: Option<&str>,
) -> anyhow::Result<Parsed<UnitSuccession>> {
    let (bytes, name) = read(path)?;
    Ok(registers::parse_successions(
        &name,
        &bytes,
        effective,
        legal_basis,
    ))
}

/// Reads agencies from a CSV.
pub fn parse_agencies(path: &Path) -> anyhow::Result<Parsed<AgencyEntry>> {
    let (bytes, name) = read(path)?;
    Ok(registers::parse_agencies(&name, &bytes))
}
