//! The holiday calendar of the stored arrangements, cached between requests.

use motcua_domain::calendar::HolidayCalendar;
use motcua_store::{Store, StoreError};
use std::sync::{Arc, PoisonError, RwLock};

/// The holiday calendar of the stored arrangements, and the version it was built from.
pub async fn load_holidays(store: &Store) -> Result<(i64, HolidayCalendar), StoreError> {
    let (version, stored) = store.holiday_arrangements().await?;
    let arrangements = stored.into_iter().map(|s| s.arrangement).collect();
    let calendar = HolidayCalendar::new(arrangements)
        .map_err(|e| StoreError::Config(format!("stored holiday arrangements: {e}")))?;
    Ok((version, calendar))
}

/// The holiday calendar, built once and shared. Each use asks the store for the
/// arrangements' version (one small query) and rebuilds only when it moved, so a
/// change made through any node is seen by every node at its next request.
#[derive(Default)]
pub struct CalendarCache {
    current: RwLock<Option<(i64, Arc<HolidayCalendar>)>>,
}

impl CalendarCache {
    pub async fn holidays(&self, store: &Store) -> Result<Arc<HolidayCalendar>, StoreError> {
        let version = store.calendar_version().await?;
        self.holidays_at(store, version).await
    }

    /// The calendar when the store's calendar version is already known (read with other
    /// data): no query unless it changed.
    pub async fn holidays_at(
        &self,
        store: &Store,
        version: i64,
    ) -> Result<Arc<HolidayCalendar>, StoreError> {
        if let Some((cached, calendar)) =
            &*self.current.read().unwrap_or_else(PoisonError::into_inner)
            && *cached == version
        {
            return Ok(calendar.clone());
        }
        self.reload(store).await
    }

    /// Rebuilds from the store now (after a change through this node).
    pub async fn reload(&self, store: &Store) -> Result<Arc<HolidayCalendar>, StoreError> {
        let (version, calendar) = load_holidays(store).await?;
        let calendar = Arc::new(calendar);
        let mut slot = self.current.write().unwrap_or_else(PoisonError::into_inner);
        // A slower, older reload must not replace a newer one.
        if slot.as_ref().is_none_or(|(cached, _)| *cached <= version) {
            *slot = Some((version, calendar.clone()));
        }
        Ok(calendar)
    }
}

/// The holiday calendar in force (defaults and stored arrangements), from the cache.
pub async fn holidays(app: &crate::App) -> crate::AppResult<Arc<HolidayCalendar>> {
    Ok(app.calendar.holidays(&app.store).await?)
}
