//! The transformation programme: programmes, task groups, tasks with their cooperating
//! agencies, the history of updates, and review sessions.

use crate::audit::append;
use crate::tx::on_tx;
use crate::{Store, StoreError, on_pool};
use chrono::{DateTime, NaiveDate, Utc};
use motcua_domain::audit::AuditEntry;
use motcua_domain::programme::{Progress, TaskChange, TaskStatus};
use uuid::Uuid;

/// A programme to create with its groups and tasks (positions follow the order given).
#[derive(Debug, Clone)]
pub struct NewProgramme {
    pub title: String,
    pub description: String,
    /// The agency that owns the programme (usually the provincial People's Committee).
    pub agency_code: String,
    pub groups: Vec<NewTaskGroup>,
}

#[derive(Debug, Clone)]
pub struct NewTaskGroup {
    pub title: String,
    pub description: String,
    pub tasks: Vec<NewTask>,
}

#[derive(Debug, Clone)]
pub struct NewTask {
    pub title: String,
    pub description: String,
    pub agency_code: String,
    pub person: String,
    pub person_email: Option<String>,
    pub cooperators: Vec<String>,
    pub deadline: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeRecord {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub agency_code: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskGroupRecord {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub position: i64,
    pub title: String,
    pub description: String,
}

/// A task with the names a page needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecord {
    pub id: Uuid,
    pub group_id: Uuid,
    pub group_position: i64,
    pub position: i64,
    pub title: String,
    pub description: String,
    pub agency_code: String,
    pub agency_name: String,
    pub person: String,
    pub person_email: Option<String>,
    pub deadline: NaiveDate,
    pub status: TaskStatus,
    pub progress: Progress,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// Cooperating agencies as (code, name).
    pub cooperators: Vec<(String, String)>,
}

impl TaskRecord {
    /// "group.task", e.g. "3.2".
    pub fn code(&self) -> String {
        format!("{}.{}", self.group_position, self.position)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskUpdateRecord {
    pub id: Uuid,
    pub task_id: Uuid,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub actor_name: String,
    pub old_status: TaskStatus,
    pub new_status: TaskStatus,
    pub old_progress: Progress,
    pub new_progress: Progress,
    pub note: String,
    pub links: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewRecord {
    pub id: Uuid,
    pub programme_id: Uuid,
    pub held_at: DateTime<Utc>,
    pub held_by: String,
    pub note: String,
}

fn status(raw: &str) -> Result<TaskStatus, StoreError> {
    raw.parse()
        .map_err(|e: motcua_domain::programme::ProgrammeError| StoreError::Config(e.to_string()))
}

fn progress(raw: i64) -> Result<Progress, StoreError> {
    Progress::new(raw).map_err(|e| StoreError::Config(e.to_string()))
}

type TaskRow = (
    Uuid,
    Uuid,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    NaiveDate,
    String,
    i64,
    DateTime<Utc>,
    String,
);

const SELECT_TASKS: &str = "SELECT t.id, t.group_id, g.position, t.position, t.title, t.description, \
     t.agency_code, a.name, t.person, t.person_email, t.deadline, t.status, t.progress, \
     t.updated_at, t.updated_by \
     FROM tasks t JOIN task_groups g ON g.id = t.group_id JOIN agencies a ON a.code = t.agency_code";

fn task_from_row(r: TaskRow) -> Result<TaskRecord, StoreError> {
    Ok(TaskRecord {
        id: r.0,
        group_id: r.1,
        group_position: r.2,
        position: r.3,
        title: r.4,
        description: r.5,
        agency_code: r.6,
        agency_name: r.7,
        person: r.8,
        person_email: r.9,
        deadline: r.10,
        status: status(&r.11)?,
        progress: progress(r.12)?,
        updated_at: r.13,
        updated_by: r.14,
        cooperators: Vec::new(),
    })
}

type UpdateRow = (
    Uuid,
    Uuid,
    DateTime<Utc>,
    String,
    String,
    String,
    String,
    i64,
    i64,
    String,
    String,
);

const SELECT_UPDATES: &str = "SELECT u.id, u.task_id, u.at, u.actor, u.actor_name, u.old_status, \
     u.new_status, u.old_progress, u.new_progress, u.note, u.links FROM task_updates u";

fn update_from_row(r: UpdateRow) -> Result<TaskUpdateRecord, StoreError> {
    Ok(TaskUpdateRecord {
        id: r.0,
        task_id: r.1,
        at: r.2,
        actor: r.3,
        actor_name: r.4,
        old_status: status(&r.5)?,
        new_status: status(&r.6)?,
        old_progress: progress(r.7)?,
        new_progress: progress(r.8)?,
        note: r.9,
        links: serde_json::from_str(&r.10)
            .map_err(|e| StoreError::Config(format!("stored evidence links: {e}")))?,
    })
}

impl Store {
    /// Creates a programme with its groups and tasks (all not started), in one
    /// transaction with one audit event. Returns the programme's id.
    pub async fn create_programme(
        &self,
        programme: &NewProgramme,
        at: DateTime<Utc>,
        by: &str,
        audit: AuditEntry,
    ) -> Result<Uuid, StoreError> {
        let mut tx = self.begin_write().await?;
        let id = Uuid::now_v7();
        let sql = "INSERT INTO programmes (id, title, description, agency_code, created_at, created_by) \
            VALUES ($1, $2, $3, $4, $5, $6)";
        on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(id)
            .bind(&programme.title)
            .bind(&programme.description)
            .bind(&programme.agency_code)
            .bind(at)
            .bind(by)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        for (g, group) in programme.groups.iter().enumerate() {
            let group_id = Uuid::now_v7();
            let sql = "INSERT INTO task_groups (id, programme_id, position, title, description) \
                VALUES ($1, $2, $3, $4, $5)";
            on_tx!(&mut tx, |conn| sqlx::query(sql)
                .bind(group_id)
                .bind(id)
                .bind(g as i64 + 1)
                .bind(&group.title)
                .bind(&group.description)
                .execute(&mut *conn)
                .await?
                .rows_affected());
            for (t, task) in group.tasks.iter().enumerate() {
                let task_id = Uuid::now_v7();
                let sql = "INSERT INTO tasks (id, group_id, position, title, description, agency_code, \
                    person, person_email, deadline, status, progress, updated_at, updated_by) \
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $12)";
                on_tx!(&mut tx, |conn| sqlx::query(sql)
                    .bind(task_id)
                    .bind(group_id)
                    .bind(t as i64 + 1)
                    .bind(&task.title)
                    .bind(&task.description)
                    .bind(&task.agency_code)
                    .bind(&task.person)
                    .bind(&task.person_email)
                    .bind(task.deadline)
                    .bind(TaskStatus::NotStarted.as_str())
                    .bind(at)
                    .bind(by)
                    .execute(&mut *conn)
                    .await?
                    .rows_affected());
                for agency in &task.cooperators {
                    let sql = "INSERT INTO task_cooperators (task_id, agency_code) VALUES ($1, $2)";
                    on_tx!(&mut tx, |conn| sqlx::query(sql)
                        .bind(task_id)
                        .bind(agency)
                        .execute(&mut *conn)
                        .await?
                        .rows_affected());
                }
            }
        }
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Every programme, oldest first.
    pub async fn programmes(&self) -> Result<Vec<ProgrammeRecord>, StoreError> {
        let sql = "SELECT id, title, description, agency_code, created_at FROM programmes \
            ORDER BY created_at, id";
        let rows: Vec<(Uuid, String, String, String, DateTime<Utc>)> =
            on_pool!(self, |pool| sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows
            .into_iter()
            .map(|r| ProgrammeRecord {
                id: r.0,
                title: r.1,
                description: r.2,
                agency_code: r.3,
                created_at: r.4,
            })
            .collect())
    }

    pub async fn task_groups(&self, programme: Uuid) -> Result<Vec<TaskGroupRecord>, StoreError> {
        let sql = "SELECT id, programme_id, position, title, description FROM task_groups \
            WHERE programme_id = $1 ORDER BY position";
        let rows: Vec<(Uuid, Uuid, i64, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(sql).bind(programme).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| TaskGroupRecord {
                id: r.0,
                programme_id: r.1,
                position: r.2,
                title: r.3,
                description: r.4,
            })
            .collect())
    }

    /// The programme's tasks in order, with their cooperating agencies.
    pub async fn programme_tasks(&self, programme: Uuid) -> Result<Vec<TaskRecord>, StoreError> {
        let sql =
            format!("{SELECT_TASKS} WHERE g.programme_id = $1 ORDER BY g.position, t.position");
        let rows: Vec<TaskRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(programme)
                .fetch_all(pool)
                .await?
        });
        let mut tasks: Vec<TaskRecord> = rows
            .into_iter()
            .map(task_from_row)
            .collect::<Result<_, _>>()?;
        let sql = "SELECT c.task_id, c.agency_code, a.name FROM task_cooperators c \
            JOIN agencies a ON a.code = c.agency_code \
            JOIN tasks t ON t.id = c.task_id JOIN task_groups g ON g.id = t.group_id \
            WHERE g.programme_id = $1 ORDER BY c.agency_code";
        let cooperators: Vec<(Uuid, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(sql).bind(programme).fetch_all(pool).await?
        });
        for (task_id, code, name) in cooperators {
            if let Some(task) = tasks.iter_mut().find(|t| t.id == task_id) {
                task.cooperators.push((code, name));
            }
        }
        Ok(tasks)
    }

    pub async fn task(&self, id: Uuid) -> Result<Option<TaskRecord>, StoreError> {
        let sql = format!("{SELECT_TASKS} WHERE t.id = $1");
        let row: Option<TaskRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        let Some(mut task) = row.map(task_from_row).transpose()? else {
            return Ok(None);
        };
        let sql = "SELECT c.agency_code, a.name FROM task_cooperators c \
            JOIN agencies a ON a.code = c.agency_code WHERE c.task_id = $1 ORDER BY c.agency_code";
        task.cooperators = on_pool!(self, |pool| {
            sqlx::query_as(sql).bind(id).fetch_all(pool).await?
        });
        Ok(Some(task))
    }

    /// The programme a task belongs to.
    pub async fn programme_of_task(&self, task: Uuid) -> Result<Option<Uuid>, StoreError> {
        let sql = "SELECT g.programme_id FROM tasks t JOIN task_groups g ON g.id = t.group_id \
            WHERE t.id = $1";
        Ok(on_pool!(self, |pool| sqlx::query_scalar(sql)
            .bind(task)
            .fetch_optional(pool)
            .await?))
    }

    /// A task's updates, oldest first.
    pub async fn task_updates(&self, task: Uuid) -> Result<Vec<TaskUpdateRecord>, StoreError> {
        let sql = format!("{SELECT_UPDATES} WHERE u.task_id = $1 ORDER BY u.at, u.id");
        let rows: Vec<UpdateRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(task)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(update_from_row).collect()
    }

    /// Every update of the programme's tasks, oldest first.
    pub async fn programme_history(
        &self,
        programme: Uuid,
    ) -> Result<Vec<TaskUpdateRecord>, StoreError> {
        let sql = format!(
            "{SELECT_UPDATES} JOIN tasks t ON t.id = u.task_id \
             JOIN task_groups g ON g.id = t.group_id WHERE g.programme_id = $1 ORDER BY u.at, u.id"
        );
        let rows: Vec<UpdateRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(programme)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(update_from_row).collect()
    }

    /// Records a report on a task: its new status and progress, with the old ones kept
    /// in the history, in one transaction with its audit event.
    pub async fn update_task(
        &self,
        task: Uuid,
        change: &TaskChange,
        at: DateTime<Utc>,
        actor: &str,
        actor_name: &str,
        audit: AuditEntry,
    ) -> Result<TaskUpdateRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        // Touching the row first takes its lock on PostgreSQL, so two reports on the same
        // task queue up and each history entry starts where the previous one ended.
        let lock = "UPDATE tasks SET status = status WHERE id = $1";
        let found = on_tx!(&mut tx, |conn| sqlx::query(lock)
            .bind(task)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        if found == 0 {
            return Err(StoreError::NotFound(format!("nhiệm vụ {task}")));
        }
        let sql = "SELECT status, progress FROM tasks WHERE id = $1";
        let (old_status, old_progress): (String, i64) = on_tx!(&mut tx, |conn| {
            sqlx::query_as(sql).bind(task).fetch_one(&mut *conn).await?
        });
        let record = TaskUpdateRecord {
            id: Uuid::now_v7(),
            task_id: task,
            at,
            actor: actor.to_owned(),
            actor_name: actor_name.to_owned(),
            old_status: status(&old_status)?,
            new_status: change.status,
            old_progress: progress(old_progress)?,
            new_progress: change.progress,
            note: change.note.clone(),
            links: change.links.clone(),
        };
        let links =
            serde_json::to_string(&record.links).map_err(|e| StoreError::Config(e.to_string()))?;
        let r = &record;
        let insert = "INSERT INTO task_updates (id, task_id, at, actor, actor_name, old_status, \
            new_status, old_progress, new_progress, note, links) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
        let update = "UPDATE tasks SET status = $2, progress = $3, updated_at = $4, updated_by = $5 \
            WHERE id = $1";
        on_tx!(&mut tx, |conn| {
            sqlx::query(insert)
                .bind(r.id)
                .bind(task)
                .bind(at)
                .bind(actor)
                .bind(actor_name)
                .bind(r.old_status.as_str())
                .bind(r.new_status.as_str())
                .bind(i64::from(r.old_progress.percent()))
                .bind(i64::from(r.new_progress.percent()))
                .bind(&r.note)
                .bind(&links)
                .execute(&mut *conn)
                .await?;
            sqlx::query(update)
                .bind(task)
                .bind(r.new_status.as_str())
                .bind(i64::from(r.new_progress.percent()))
                .bind(at)
                .bind(actor)
                .execute(&mut *conn)
                .await?
                .rows_affected()
        });
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Closes a review session: later updates count as "changed since the last review".
    pub async fn record_review(
        &self,
        programme: Uuid,
        at: DateTime<Utc>,
        by: &str,
        note: &str,
        audit: AuditEntry,
    ) -> Result<ReviewRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let exists: Option<i32> = on_tx!(&mut tx, |conn| {
            sqlx::query_scalar("SELECT 1 FROM programmes WHERE id = $1")
                .bind(programme)
                .fetch_optional(&mut *conn)
                .await?
        });
        if exists.is_none() {
            return Err(StoreError::NotFound(format!("chương trình {programme}")));
        }
        let record = ReviewRecord {
            id: Uuid::now_v7(),
            programme_id: programme,
            held_at: at,
            held_by: by.to_owned(),
            note: note.trim().to_owned(),
        };
        let sql = "INSERT INTO reviews (id, programme_id, held_at, held_by, note) \
            VALUES ($1, $2, $3, $4, $5)";
        let r = &record;
        on_tx!(&mut tx, |conn| sqlx::query(sql)
            .bind(r.id)
            .bind(programme)
            .bind(at)
            .bind(by)
            .bind(&r.note)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        append(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// The programme's reviews, the latest first.
    pub async fn reviews(&self, programme: Uuid) -> Result<Vec<ReviewRecord>, StoreError> {
        let sql = "SELECT id, programme_id, held_at, held_by, note FROM reviews \
            WHERE programme_id = $1 ORDER BY held_at DESC, id DESC";
        let rows: Vec<(Uuid, Uuid, DateTime<Utc>, String, String)> = on_pool!(self, |pool| {
            sqlx::query_as(sql).bind(programme).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| ReviewRecord {
                id: r.0,
                programme_id: r.1,
                held_at: r.2,
                held_by: r.3,
                note: r.4,
            })
            .collect())
    }

    /// Tasks of every programme that are not done and due on or before `until`:
    /// the candidates for reminders.
    pub async fn open_tasks_due_by(&self, until: NaiveDate) -> Result<Vec<TaskRecord>, StoreError> {
        let sql = format!(
            "{SELECT_TASKS} WHERE t.status <> 'done' AND t.deadline <= $1 \
             ORDER BY t.deadline, g.position, t.position"
        );
        let rows: Vec<TaskRow> = on_pool!(self, |pool| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(until)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(task_from_row).collect()
    }
}
