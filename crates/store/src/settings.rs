//! Small key-value settings that belong with the data (for example, which demo was seeded).

use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError, on_pool};

pub(crate) async fn put(tx: &mut Tx, key: &str, value: &str) -> Result<(), StoreError> {
    let sql = "INSERT INTO settings (key, value) VALUES ($1, $2) \
        ON CONFLICT (key) DO UPDATE SET value = excluded.value";
    on_tx!(tx, |conn| sqlx::query(sql)
        .bind(key)
        .bind(value)
        .execute(&mut *conn)
        .await?
        .rows_affected());
    Ok(())
}

impl Store {
    pub async fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        let sql = "SELECT value FROM settings WHERE key = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(key)
            .fetch_optional(pool)
            .await?))
    }

    pub async fn put_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        put(&mut tx, key, value).await?;
        tx.commit().await
    }
}
