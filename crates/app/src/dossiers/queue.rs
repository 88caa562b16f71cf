//! The queue: a citizen's own dossiers, an officer's agency's, or all of them for province
//! administrators and auditors; most urgent first. And the open dossiers per desk.

use super::due_soon_bound;
use crate::{App, AppError, AppResult, Principal};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use motcua_domain::account::Role;
use motcua_domain::dossier::{DossierCode, DossierState, DueState};
use motcua_domain::paging::{PageSize, Paging};
use motcua_domain::text::search_text;
use motcua_store::{AgencyCount, DossierFilter, DossierSummary, Keyset, QueueCursor, Visibility};

/// Which dossiers an officer's queue holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    /// Dossiers now at their agency's desk: their work to do.
    #[default]
    Desk,
    /// Also those their agency received or handles, wherever they are now.
    Involved,
}

impl Scope {
    pub fn parse(raw: &str) -> AppResult<Scope> {
        match raw {
            "desk" => Ok(Scope::Desk),
            "involved" => Ok(Scope::Involved),
            _ => Err(AppError::malformed(
                "invalid_query",
                "scope: desk hoặc involved.",
            )),
        }
    }
}

/// What the principal may see in a queue.
pub fn visibility_of(who: &Principal, scope: Scope) -> AppResult<Visibility> {
    Ok(match who.role {
        Role::ProvinceAdmin | Role::Auditor => Visibility::All,
        Role::Citizen => Visibility::Owner(who.username.clone()),
        Role::Receiver | Role::Specialist | Role::Leader | Role::UnitAdmin => {
            let agency = who.agency_code.clone().ok_or_else(AppError::forbidden)?;
            match scope {
                Scope::Desk => Visibility::Desk(agency),
                Scope::Involved => Visibility::Agency(agency),
            }
        }
    })
}

// A queue question as typed, every field optional (the API's query parameters).
#[derive(Debug, Default, Clone, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct QueueQuestion {
    /// States, comma-separated (e.g. `received,processing`). Staff default: every open state.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = "^(submitted|awaiting_supplement_at_receipt|refused_at_receipt|received|processing|awaiting_supplement|awaiting_payment|approved|refused|finished|returned|withdrawn)(,(submitted|awaiting_supplement_at_receipt|refused_at_receipt|received|processing|awaiting_supplement|awaiting_payment|approved|refused|finished|returned|withdrawn))*$"
        )
    )]
    pub status: Option<String>,
    /// Received, handled or now at this agency.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = "^([0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}|[A-Z][0-9]{2}\\.[0-9]{3}\\.[0-9]{2})$"
        )
    )]
    pub agency: Option<String>,
    /// For officers: `desk` (default: dossiers now at their agency's desk, their work to do)
    /// or `involved` (also those their agency received or handles, wherever they are now).
    #[cfg_attr(feature = "openapi", param(pattern = "^(desk|involved)$"))]
    pub scope: Option<String>,
    /// `on_time`, `due_soon` (within one working day) or `overdue`.
    #[cfg_attr(feature = "openapi", param(pattern = "^(on_time|due_soon|overdue)$"))]
    pub due: Option<String>,
    /// A dossier code (or its beginning), a citizen ID or tax code, or part of the applicant's name.
    #[cfg_attr(feature = "openapi", param(max_length = 200))]
    pub q: Option<String>,
    /// The current step's number (from 0).
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 1000))]
    pub step: Option<i64>,
    /// `me`, or a username.
    #[cfg_attr(feature = "openapi", param(pattern = "^[a-z0-9._-]{3,64}$"))]
    pub assignee: Option<String>,
    /// A procedure code.
    #[cfg_attr(
        feature = "openapi",
        param(
            pattern = "^[A-Za-z0-9._-]*[A-Za-z0-9][A-Za-z0-9._-]*$",
            max_length = 64
        )
    )]
    pub procedure: Option<String>,
    /// From 1. Deep pages are better read with `after` or `before`.
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 1_000_000))]
    pub page: Option<i64>,
    /// The page after this place: a page's `next_cursor`. Costs the same however deep.
    #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9_-]{1,200}$"))]
    pub after: Option<String>,
    /// The page before this place: a page's `prev_cursor`.
    #[cfg_attr(feature = "openapi", param(pattern = "^[A-Za-z0-9_-]{1,200}$"))]
    pub before: Option<String>,
    /// 1 to 200 (default 50).
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub per_page: Option<i64>,
}

/// The queue's page sizes.
pub const QUEUE_PAGES: PageSize = PageSize {
    default: 50,
    max: 200,
};

/// A queue row with its due state at the time of reading.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub summary: DossierSummary,
    pub state: Option<DossierState>,
    pub due_state: Option<DueState>,
    /// It waits for a supplement, and the applicant has sent something since the request.
    pub supplement_arrived: bool,
}

/// One page of a queue.
#[derive(Debug, Clone)]
pub struct QueuePage {
    pub items: Vec<QueueItem>,
    /// Counted up to the cap: when `total_exact` is false, more match.
    pub total: i64,
    pub total_exact: bool,
    /// None when the page was read from a place (`after` or `before`).
    pub page: Option<i64>,
    pub per_page: i64,
    /// Where the next page starts, when one follows.
    pub next_cursor: Option<String>,
    /// Where the previous page ends, when one comes before.
    pub prev_cursor: Option<String>,
}

/// A place in the queue as a link carries it: opaque to clients, URL-safe.
pub fn encode_cursor(c: &QueueCursor) -> String {
    let nanos = |t: DateTime<Utc>| t.timestamp_nanos_opt().unwrap_or_default().to_string();
    let due = c.due_at.map(nanos).unwrap_or_else(|| "-".into());
    let raw = format!("{due}~{}~{}", nanos(c.submitted_at), c.code);
    URL_SAFE_NO_PAD.encode(raw)
}

/// The place a link's cursor names, or `invalid_query`.
pub fn parse_cursor(raw: &str) -> AppResult<QueueCursor> {
    let bad = || AppError::malformed("invalid_query", "Con trỏ trang không hợp lệ.");
    let bytes = URL_SAFE_NO_PAD.decode(raw.trim()).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    let mut parts = text.splitn(3, '~');
    let (due, submitted, code) = match (parts.next(), parts.next(), parts.next()) {
        (Some(d), Some(s), Some(c)) => (d, s, c),
        _ => return Err(bad()),
    };
    let time = |s: &str| {
        s.parse::<i64>()
            .ok()
            .map(DateTime::from_timestamp_nanos)
            .ok_or_else(bad)
    };
    Ok(QueueCursor {
        due_at: if due == "-" { None } else { Some(time(due)?) },
        submitted_at: time(submitted)?,
        code: DossierCode::parse(code).map_err(|_| bad())?.to_string(),
    })
}

/// How a question reads its page: by number, or from a place.
fn keyset_of(q: &QueueQuestion) -> AppResult<Option<Keyset>> {
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|v| !v.is_empty())
    }
    match (given(&q.after), given(&q.before)) {
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(AppError::malformed(
            "invalid_query",
            "Chỉ dùng một trong hai tham số after và before.",
        )),
        _ if q.page.is_some() => Err(AppError::malformed(
            "invalid_query",
            "Không dùng tham số page cùng với after hoặc before.",
        )),
        (Some(after), None) => Ok(Some(Keyset::After(parse_cursor(after)?))),
        (None, Some(before)) => Ok(Some(Keyset::Before(parse_cursor(before)?))),
    }
}

/// One page of the queue as the principal may see it.
pub async fn queue(app: &App, who: &Principal, q: QueueQuestion) -> AppResult<QueuePage> {
    let scope = q.scope.as_deref().map(Scope::parse).transpose()?;
    let visibility = visibility_of(who, scope.unwrap_or_default())?;
    let bad = |what: String| AppError::malformed("invalid_query", what);
    let states = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(list) => list
            .split(',')
            .map(|s| {
                DossierState::parse(s.trim())
                    .ok_or_else(|| bad(format!("Trạng thái không hợp lệ: \"{}\".", s.trim())))
            })
            .collect::<AppResult<Vec<_>>>()?,
        None if who.role == Role::Citizen => vec![],
        None => DossierState::ALL
            .into_iter()
            .filter(|s| !s.is_closed())
            .collect(),
    };
    let due = match q.due.as_deref() {
        Some(d) => Some(
            DueState::parse(d).ok_or_else(|| bad("due: on_time, due_soon hoặc overdue.".into()))?,
        ),
        None => None,
    };
    let paging = Paging::new(q.page, q.per_page, QUEUE_PAGES)?;
    let keyset = keyset_of(&q)?;
    let now = crate::now();
    let holidays = app.calendar.holidays(&app.store).await?;
    let soon = due_soon_bound(now, &holidays);
    let filter = DossierFilter {
        visibility,
        states,
        agency: q
            .agency
            .map(|a| a.trim().to_ascii_uppercase())
            .filter(|a| !a.is_empty()),
        due,
        now,
        soon,
        q: search_text(q.q.as_deref())?.map(str::to_owned),
        step: q.step,
        assignee: q
            .assignee
            .map(|a| if a == "me" { who.username.clone() } else { a }),
        procedure_code: q.procedure,
        page: paging.page,
        per_page: paging.per_page,
        keyset,
    };
    let page = app
        .store
        .dossier_queue_counting_to(&filter, app.queue_count_cap)
        .await?;
    let waiting: Vec<String> = page
        .items
        .iter()
        .filter(|s| s.state.starts_with("awaiting_supplement"))
        .map(|s| s.code.clone())
        .collect();
    let arrived = app.store.supplements_arrived(&waiting).await?;
    Ok(QueuePage {
        items: page
            .items
            .into_iter()
            .map(|s| {
                let mut item = queue_item(s, &now, &soon);
                item.supplement_arrived = arrived.contains(&item.summary.code);
                item
            })
            .collect(),
        total: page.total,
        total_exact: page.total_exact,
        page: filter.keyset.is_none().then_some(page.page),
        per_page: page.per_page,
        next_cursor: page.next.as_ref().map(encode_cursor),
        prev_cursor: page.prev.as_ref().map(encode_cursor),
    })
}

/// A summary with its state parsed and its due state as of `now`.
pub fn queue_item(summary: DossierSummary, now: &DateTime<Utc>, soon: &DateTime<Utc>) -> QueueItem {
    let state = DossierState::parse(&summary.state);
    let due_state = state
        .filter(|st| st.is_in_flight())
        .and_then(|_| DueState::of(summary.due_at.as_ref(), now, soon));
    QueueItem {
        summary,
        state,
        due_state,
        supplement_arrived: false,
    }
}

/// Open dossiers per desk agency among those the principal may see, with how many are due
/// soon or overdue.
pub async fn counts(app: &App, who: &Principal) -> AppResult<Vec<AgencyCount>> {
    let visibility = visibility_of(who, Scope::Involved)?;
    let now = crate::now();
    let holidays = app.calendar.holidays(&app.store).await?;
    let soon = due_soon_bound(now, &holidays);
    Ok(app.store.dossier_counts(&visibility, now, soon).await?)
}
