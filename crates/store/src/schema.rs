//! Reads the live schema back, so a test can check that both backends agree.

use crate::{Pools, Store, StoreError};
use std::collections::BTreeSet;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ColumnInfo {
    pub table: String,
    pub column: String,
    pub nullable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct IndexInfo {
    pub table: String,
    /// The indexed columns in order. Names are left out: each backend names
    /// primary-key and unique-constraint indexes its own way.
    pub columns: Vec<String>,
    pub unique: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaDescription {
    pub columns: BTreeSet<ColumnInfo>,
    pub indexes: BTreeSet<IndexInfo>,
}

/// Bookkeeping tables that are not part of our schema.
fn is_ours(table: &str) -> bool {
    !table.starts_with("_sqlx") && !table.starts_with("sqlite_")
}

pub(crate) async fn describe(store: &Store) -> Result<SchemaDescription, StoreError> {
    let mut columns = BTreeSet::new();
    let mut indexes = BTreeSet::new();
    match &*store.pools {
        Pools::Sqlite { reader, .. } => {
            let tables: Vec<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            )
            .fetch_all(reader)
            .await?;
            for table in tables.into_iter().filter(|t| is_ours(t)) {
                // (cid, name, type, notnull, default, pk)
                let cols: Vec<(i64, String, String, bool, Option<String>, i64)> = sqlx::query_as(
                    sqlx::AssertSqlSafe(format!("PRAGMA table_info(\"{table}\")")),
                )
                .fetch_all(reader)
                .await?;
                for (_, name, _, notnull, _, _) in cols {
                    columns.insert(ColumnInfo {
                        table: table.clone(),
                        column: name,
                        nullable: !notnull,
                    });
                }
                // (seq, name, unique, origin, partial)
                let list: Vec<(i64, String, bool, String, bool)> = sqlx::query_as(
                    sqlx::AssertSqlSafe(format!("PRAGMA index_list(\"{table}\")")),
                )
                .fetch_all(reader)
                .await?;
                for (_, index, unique, _, _) in list {
                    let info: Vec<(i64, i64, Option<String>)> = sqlx::query_as(
                        sqlx::AssertSqlSafe(format!("PRAGMA index_info(\"{index}\")")),
                    )
                    .fetch_all(reader)
                    .await?;
                    let columns = info.into_iter().filter_map(|(_, _, c)| c).collect();
                    indexes.insert(IndexInfo {
                        table: table.clone(),
                        columns,
                        unique,
                    });
                }
            }
        }
        Pools::Postgres(pool) => {
            let cols: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns \
                 WHERE table_schema = current_schema()",
            )
            .fetch_all(pool)
            .await?;
            for (table, column, nullable) in cols.into_iter().filter(|c| is_ours(&c.0)) {
                columns.insert(ColumnInfo {
                    table,
                    column,
                    nullable: nullable == "YES",
                });
            }
            let idx: Vec<(String, bool, Vec<String>)> = sqlx::query_as(
                "SELECT t.relname::text, ix.indisunique, \
                        ARRAY(SELECT a.attname::text FROM unnest(ix.indkey) WITH ORDINALITY k(attnum, ord) \
                              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum ORDER BY k.ord) \
                 FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
                 JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()",
            )
            .fetch_all(pool)
            .await?;
            for (table, unique, columns) in idx.into_iter().filter(|i| is_ours(&i.0)) {
                indexes.insert(IndexInfo {
                    table,
                    columns,
                    unique,
                });
            }
        }
    }
    Ok(SchemaDescription { columns, indexes })
}
