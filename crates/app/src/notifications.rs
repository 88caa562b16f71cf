//! The in-app channel: a signed-in account's own notifications (reminders about tasks, …).
//! Each account sees and clears only its own.

use crate::{App, AppResult, Principal};
use motcua_store::NotificationRecord;

/// The newest `limit` notifications of the account that asks.
pub async fn list(app: &App, who: &Principal, limit: i64) -> AppResult<Vec<NotificationRecord>> {
    Ok(app.store.notifications(who.id, limit).await?)
}

/// How many of them are unread (shown beside the bell on every page).
pub async fn unread(app: &App, who: &Principal) -> AppResult<i64> {
    Ok(app.store.unread_notifications(who.id).await?)
}

/// Marks all of them read.
pub async fn mark_read(app: &App, who: &Principal) -> AppResult<()> {
    app.store
        .mark_notifications_read(who.id, crate::now())
        .await?;
    Ok(())
}
