//! The transformation programme: its tasks by group, and the review of where they stand
//! (share done, late tasks, what changed since the last review session).

use crate::{App, AppError, AppResult};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::programme::{
    self as rules, GroupStanding, HistoryEntry, NetChange, ReviewTask, Totals,
};
use motcua_store::{ProgrammeRecord, ReviewRecord, TaskGroupRecord, TaskRecord, TaskUpdateRecord};
use serde::Serialize;
use uuid::Uuid;

/// A programme with its groups and tasks.
pub struct Loaded {
    pub programme: ProgrammeRecord,
    pub groups: Vec<TaskGroupRecord>,
    pub tasks: Vec<TaskRecord>,
}

/// The programme asked for, or the first one; None when there is none at all.
pub async fn load(app: &App, wanted: Option<Uuid>) -> AppResult<Option<Loaded>> {
    let programmes = app.store.programmes().await?;
    let programme = match wanted {
        Some(id) => match programmes.into_iter().find(|p| p.id == id) {
            Some(p) => p,
            None => {
                return Err(AppError::not_found(
                    "not_found",
                    "Không tìm thấy chương trình này.",
                ));
            }
        },
        None => match programmes.into_iter().next() {
            Some(p) => p,
            None => return Ok(None),
        },
    };
    let groups = app.store.task_groups(programme.id).await?;
    let tasks = app.store.programme_tasks(programme.id).await?;
    Ok(Some(Loaded {
        programme,
        groups,
        tasks,
    }))
}

/// The review: each group's standing, the whole programme's totals, and what changed
/// since the last review.
pub struct Review {
    pub standings: Vec<GroupStanding<Uuid>>,
    pub totals: Totals,
    pub last_review: Option<ReviewRecord>,
    pub changes: Vec<NetChange<Uuid>>,
}

/// The standings as of `today` and the changes since the last review session.
pub async fn review(app: &App, loaded: &Loaded, today: NaiveDate) -> AppResult<Review> {
    let group_ids: Vec<Uuid> = loaded.groups.iter().map(|g| g.id).collect();
    let tasks: Vec<ReviewTask<Uuid>> = loaded
        .tasks
        .iter()
        .map(|t| ReviewTask {
            id: t.id,
            group: t.group_id,
            status: t.status,
            progress: t.progress,
            deadline: t.deadline,
        })
        .collect();
    let standings = rules::group_standings(&group_ids, &tasks, today);
    let totals = rules::totals(&standings);
    let last_review = app
        .store
        .reviews(loaded.programme.id)
        .await?
        .into_iter()
        .next();
    let history: Vec<HistoryEntry<Uuid>> = app
        .store
        .programme_history(loaded.programme.id)
        .await?
        .into_iter()
        .map(|u| HistoryEntry {
            task: u.task_id,
            at: u.at,
            old_status: u.old_status,
            new_status: u.new_status,
            old_progress: u.old_progress,
            new_progress: u.new_progress,
        })
        .collect();
    let changes = rules::changes_since(&history, last_review.as_ref().map(|r| r.held_at));
    Ok(Review {
        standings,
        totals,
        last_review,
        changes,
    })
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgencyRef {
    #[cfg_attr(feature = "openapi", schema(example = "000.00.06.H37"))]
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LateTaskView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub deadline: NaiveDate,
    pub days_late: i64,
    pub progress: u8,
    /// The person answerable.
    pub person: String,
    /// The organisation answerable.
    pub agency: AgencyRef,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupReviewView {
    pub position: i64,
    pub title: String,
    pub total: usize,
    pub done: usize,
    pub in_progress: usize,
    pub not_started: usize,
    /// Share of tasks done, percent (rounded down).
    pub share_done: u8,
    pub mean_progress: u8,
    /// Late tasks, most days late first.
    pub late: Vec<LateTaskView>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangeView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub task_id: Uuid,
    pub code: String,
    pub title: String,
    pub from_status: String,
    pub to_status: String,
    pub from_progress: u8,
    pub to_progress: u8,
    pub updates: usize,
    pub last_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub programme_id: Uuid,
    pub today: NaiveDate,
    pub total: usize,
    pub done: usize,
    pub late: usize,
    pub share_done: u8,
    pub groups: Vec<GroupReviewView>,
    /// When the last review session was closed; changes are counted from then.
    pub last_review_at: Option<DateTime<Utc>>,
    pub changes_since_last_review: Vec<ChangeView>,
}

/// The review as the API and the review page show it.
pub fn review_view(loaded: &Loaded, review: &Review, today: NaiveDate) -> ReviewView {
    let task = |id: &Uuid| loaded.tasks.iter().find(|t| t.id == *id);
    ReviewView {
        programme_id: loaded.programme.id,
        today,
        total: review.totals.total,
        done: review.totals.done,
        late: review.totals.late,
        share_done: review.totals.share_done,
        groups: review
            .standings
            .iter()
            .zip(&loaded.groups)
            .map(|(s, g)| GroupReviewView {
                position: g.position,
                title: g.title.clone(),
                total: s.total,
                done: s.done,
                in_progress: s.in_progress,
                not_started: s.not_started,
                share_done: s.share_done,
                mean_progress: s.mean_progress,
                late: s
                    .late
                    .iter()
                    .filter_map(task)
                    .map(|t| LateTaskView {
                        id: t.id,
                        code: t.code(),
                        title: t.title.clone(),
                        deadline: t.deadline,
                        days_late: rules::days_late(t.deadline, today),
                        progress: t.progress.percent(),
                        person: t.person.clone(),
                        agency: AgencyRef {
                            code: t.agency_code.clone(),
                            name: t.agency_name.clone(),
                        },
                    })
                    .collect(),
            })
            .collect(),
        last_review_at: review.last_review.as_ref().map(|r| r.held_at),
        changes_since_last_review: review
            .changes
            .iter()
            .filter_map(|c| {
                task(&c.task).map(|t| ChangeView {
                    task_id: t.id,
                    code: t.code(),
                    title: t.title.clone(),
                    from_status: c.from_status.as_str().to_owned(),
                    to_status: c.to_status.as_str().to_owned(),
                    from_progress: c.from_progress.percent(),
                    to_progress: c.to_progress.percent(),
                    updates: c.updates,
                    last_at: c.last_at,
                })
            })
            .collect(),
    }
}

/// A task with its reports and its group.
pub struct TaskDetail {
    pub task: TaskRecord,
    /// Every report, oldest first.
    pub updates: Vec<TaskUpdateRecord>,
    pub group: Option<TaskGroupRecord>,
    /// Whether the reader may report on it.
    pub can_update: bool,
}

/// One task, for staff (`Forbidden` for anyone else); an unreadable id is not found.
pub async fn task(app: &App, who: &crate::Principal, id: &str) -> AppResult<TaskDetail> {
    if !rules::may_read_programme(who.role) {
        return Err(AppError::forbidden());
    }
    let missing = || AppError::not_found("not_found", "Không tìm thấy nhiệm vụ này.");
    let id = Uuid::parse_str(id.trim()).map_err(|_| missing())?;
    let task = app.store.task(id).await?.ok_or_else(missing)?;
    let updates = app.store.task_updates(id).await?;
    let group = match app.store.programme_of_task(id).await? {
        Some(programme) => app
            .store
            .task_groups(programme)
            .await?
            .into_iter()
            .find(|g| g.id == task.group_id),
        None => None,
    };
    Ok(TaskDetail {
        can_update: may_update(who, &task),
        task,
        updates,
        group,
    })
}

/// Whether this account may report on the task: its lead agency's staff and province
/// administrators.
pub fn may_update(who: &crate::Principal, task: &TaskRecord) -> bool {
    motcua_domain::programme::may_update_task(
        who.role,
        who.agency_code.as_deref(),
        &task.agency_code,
    )
}

/// A report on a task as the edge read it.
pub struct TaskReport<'a> {
    pub status: &'a str,
    pub progress: i64,
    pub note: &'a str,
    pub links: &'a [String],
}

/// Checks and stores a report on a task, with its audit event; `Forbidden` unless the account
/// answers for the task, `Malformed` (with the rule's words) for a bad status, progress, note
/// or link. `display_name` is shown beside the report.
pub async fn report(
    app: &App,
    who: &crate::Principal,
    display_name: &str,
    task: &TaskRecord,
    report: TaskReport<'_>,
) -> AppResult<motcua_store::TaskUpdateRecord> {
    use motcua_domain::programme::{ProgrammeError, Progress, TaskChange, TaskStatus};
    if !may_update(who, task) {
        return Err(AppError::forbidden());
    }
    let invalid =
        |e: ProgrammeError| AppError::malformed(e.code(), crate::capitalise(&e.to_string()));
    let status: TaskStatus = report.status.trim().parse().map_err(invalid)?;
    let progress = Progress::new(report.progress).map_err(invalid)?;
    let change = TaskChange::new(
        (task.status, task.progress),
        status,
        progress,
        report.note,
        report.links,
    )
    .map_err(invalid)?;
    let audit = who.audit(
        "programme.task_updated",
        format!("task:{}", task.id),
        serde_json::json!({
            "code": task.code(),
            "from": { "status": task.status, "progress": task.progress },
            "to": { "status": change.status, "progress": change.progress },
            "links": change.links.len(),
        }),
    );
    Ok(app
        .store
        .update_task(
            task.id,
            &change,
            crate::now(),
            &who.username,
            display_name,
            audit,
        )
        .await?)
}

/// A province administrator closes the review session: later reports count as new. The
/// note is kept to 2,000 characters.
pub async fn close_review(
    app: &App,
    who: &crate::Principal,
    programme: Uuid,
    note: &str,
) -> AppResult<()> {
    require_reviewer(who)?;
    let note: String = note.trim().chars().take(2000).collect();
    let audit = who.audit(
        "programme.reviewed",
        format!("programme:{programme}"),
        serde_json::json!({ "note": note }),
    );
    app.store
        .record_review(programme, crate::now(), &who.username, &note, audit)
        .await?;
    Ok(())
}

/// Only province administrators close a review session.
pub fn require_reviewer(who: &crate::Principal) -> AppResult<()> {
    if who.role == motcua_domain::account::Role::ProvinceAdmin {
        Ok(())
    } else {
        Err(AppError::NotAllowed {
            code: "province_admins_only",
            detail: "Chỉ quản trị cấp tỉnh được kết thúc phiên rà soát.".into(),
        })
    }
}
