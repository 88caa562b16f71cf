//! The transformation programme: task groups and tasks, each answerable to a person
//! and an organisation, with status, progress, deadlines, evidence and a history of
//! updates; the review that looks at them by group; and when to remind whom.
//!
//! Pure: "today" and "now" are parameters.

use crate::account::Role;
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    NotStarted,
    InProgress,
    Done,
}

impl TaskStatus {
    pub const ALL: [TaskStatus; 3] = [
        TaskStatus::NotStarted,
        TaskStatus::InProgress,
        TaskStatus::Done,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "not_started",
            TaskStatus::InProgress => "in_progress",
            TaskStatus::Done => "done",
        }
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            TaskStatus::NotStarted => "Chưa thực hiện",
            TaskStatus::InProgress => "Đang thực hiện",
            TaskStatus::Done => "Đã hoàn thành",
        }
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for TaskStatus {
    type Err = ProgrammeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TaskStatus::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| ProgrammeError::UnknownStatus(s.to_owned()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgrammeError {
    #[error("trạng thái không hợp lệ: {0:?} (not_started, in_progress hoặc done)")]
    UnknownStatus(String),
    #[error("tiến độ phải là số nguyên từ 0 đến 100")]
    ProgressOutOfRange,
    #[error("nhiệm vụ đã hoàn thành phải có tiến độ 100%")]
    DoneNeedsFullProgress,
    #[error("nhiệm vụ chưa thực hiện phải có tiến độ 0%")]
    NotStartedNeedsZero,
    #[error(
        "nhiệm vụ đang thực hiện có tiến độ dưới 100%; nếu đã xong, hãy chọn \"Đã hoàn thành\""
    )]
    InProgressBelowFull,
    #[error("ghi chú dài quá {max} ký tự")]
    NoteTooLong { max: usize },
    #[error("đường dẫn minh chứng không hợp lệ: {0:?} (cần bắt đầu bằng https:// hoặc http://)")]
    InvalidLink(String),
    #[error("mỗi lần cập nhật có tối đa {max} đường dẫn minh chứng")]
    TooManyLinks { max: usize },
    #[error(
        "cập nhật không thay đổi gì: hãy đổi trạng thái, tiến độ, hoặc thêm ghi chú hay minh chứng"
    )]
    NothingChanged,
    #[error("{field} không được để trống")]
    Required { field: &'static str },
}

impl ProgrammeError {
    /// Stable machine code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            ProgrammeError::UnknownStatus(_) => "invalid_task_status",
            ProgrammeError::ProgressOutOfRange => "invalid_progress",
            ProgrammeError::DoneNeedsFullProgress
            | ProgrammeError::NotStartedNeedsZero
            | ProgrammeError::InProgressBelowFull => "status_progress_mismatch",
            ProgrammeError::NoteTooLong { .. } => "note_too_long",
            ProgrammeError::InvalidLink(_) => "invalid_evidence_link",
            ProgrammeError::TooManyLinks { .. } => "too_many_evidence_links",
            ProgrammeError::NothingChanged => "nothing_changed",
            ProgrammeError::Required { .. } => "required_field",
        }
    }
}

/// Progress in percent, 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Progress(u8);

impl Progress {
    pub const ZERO: Progress = Progress(0);
    pub const FULL: Progress = Progress(100);

    pub fn new(percent: i64) -> Result<Progress, ProgrammeError> {
        u8::try_from(percent)
            .ok()
            .filter(|p| *p <= 100)
            .map(Progress)
            .ok_or(ProgrammeError::ProgressOutOfRange)
    }

    pub fn percent(self) -> u8 {
        self.0
    }
}

/// Status and progress must tell the same story: not started is 0%, done is 100%,
/// and in progress is below 100%.
pub fn check_status_progress(status: TaskStatus, progress: Progress) -> Result<(), ProgrammeError> {
    match status {
        TaskStatus::NotStarted if progress != Progress::ZERO => {
            Err(ProgrammeError::NotStartedNeedsZero)
        }
        TaskStatus::Done if progress != Progress::FULL => {
            Err(ProgrammeError::DoneNeedsFullProgress)
        }
        TaskStatus::InProgress if progress == Progress::FULL => {
            Err(ProgrammeError::InProgressBelowFull)
        }
        _ => Ok(()),
    }
}

pub const NOTE_MAX_CHARS: usize = 4000;
pub const LINKS_MAX: usize = 10;
const LINK_MAX_BYTES: usize = 2000;

/// A link to evidence: an absolute http(s) URL without spaces or control characters.
pub fn check_link(raw: &str) -> Result<String, ProgrammeError> {
    let link = raw.trim();
    let lower = link.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let ok = rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/'))
        && link.len() <= LINK_MAX_BYTES
        && !link
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "<>\"'`".contains(c));
    if ok {
        Ok(link.to_owned())
    } else {
        Err(ProgrammeError::InvalidLink(raw.to_owned()))
    }
}

/// What someone reports about a task: the new status and progress, a note, links.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskChange {
    pub status: TaskStatus,
    pub progress: Progress,
    pub note: String,
    pub links: Vec<String>,
}

impl TaskChange {
    /// Validates a report against the task's current state: it must be consistent and
    /// must change something (status, progress, or add a note or evidence).
    pub fn new(
        current: (TaskStatus, Progress),
        status: TaskStatus,
        progress: Progress,
        note: &str,
        links: &[String],
    ) -> Result<TaskChange, ProgrammeError> {
        check_status_progress(status, progress)?;
        let note = note.trim().to_owned();
        if note.chars().count() > NOTE_MAX_CHARS {
            return Err(ProgrammeError::NoteTooLong {
                max: NOTE_MAX_CHARS,
            });
        }
        let links: Vec<String> = links
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| check_link(l))
            .collect::<Result<_, _>>()?;
        if links.len() > LINKS_MAX {
            return Err(ProgrammeError::TooManyLinks { max: LINKS_MAX });
        }
        if (status, progress) == current && note.is_empty() && links.is_empty() {
            return Err(ProgrammeError::NothingChanged);
        }
        Ok(TaskChange {
            status,
            progress,
            note,
            links,
        })
    }
}

/// A task is overdue once its deadline has passed and it is not done.
pub fn is_overdue(deadline: NaiveDate, status: TaskStatus, today: NaiveDate) -> bool {
    status != TaskStatus::Done && deadline < today
}

/// Why a task needs a reminder today, if it does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// The deadline has passed and the task is not done.
    Overdue,
    /// The deadline falls within the next few days.
    DueSoon,
}

impl ReminderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReminderKind::Overdue => "overdue",
            ReminderKind::DueSoon => "due_soon",
        }
    }
}

/// Whether a task is overdue or due within `within_days` (today counts), unless done.
pub fn reminder_for(
    deadline: NaiveDate,
    status: TaskStatus,
    today: NaiveDate,
    within_days: u32,
) -> Option<ReminderKind> {
    if status == TaskStatus::Done {
        None
    } else if deadline < today {
        Some(ReminderKind::Overdue)
    } else if today
        .checked_add_days(Days::new(u64::from(within_days)))
        .is_some_and(|limit| deadline <= limit)
    {
        Some(ReminderKind::DueSoon)
    } else {
        None
    }
}

/// Days past the deadline (0 when not late).
pub fn days_late(deadline: NaiveDate, today: NaiveDate) -> i64 {
    (today - deadline).num_days().max(0)
}

/// Who may report on a task: a province administrator, or staff of the responsible agency.
/// Auditors and citizens only read.
pub fn may_update_task(role: Role, user_agency: Option<&str>, task_agency: &str) -> bool {
    match role {
        Role::ProvinceAdmin => true,
        Role::Receiver | Role::Specialist | Role::Leader | Role::UnitAdmin => {
            user_agency == Some(task_agency)
        }
        Role::Auditor | Role::Citizen => false,
    }
}

/// Who may read the programme: every member of staff (not citizens).
pub fn may_read_programme(role: Role) -> bool {
    role.is_staff()
}

/// A task as the review needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewTask<Id> {
    pub id: Id,
    pub group: Id,
    pub status: TaskStatus,
    pub progress: Progress,
    pub deadline: NaiveDate,
}

/// One entry of the update history, as the review needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry<Id> {
    pub task: Id,
    pub at: DateTime<Utc>,
    pub old_status: TaskStatus,
    pub new_status: TaskStatus,
    pub old_progress: Progress,
    pub new_progress: Progress,
}

/// A group's standing at a review.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupStanding<Id> {
    pub group: Id,
    pub total: usize,
    pub done: usize,
    pub in_progress: usize,
    pub not_started: usize,
    /// Tasks past their deadline and not done, most days late first.
    pub late: Vec<Id>,
    /// Share of tasks done, 0 to 100, rounded down.
    pub share_done: u8,
    /// Mean progress of the group's tasks, 0 to 100, rounded to the nearest.
    pub mean_progress: u8,
}

fn percent(part: usize, whole: usize) -> u8 {
    (part * 100)
        .checked_div(whole)
        .map_or(0, |p| u8::try_from(p).unwrap_or(100))
}

/// Each group's standing, in the order of `groups` (groups without tasks included).
pub fn group_standings<Id: Clone + Ord>(
    groups: &[Id],
    tasks: &[ReviewTask<Id>],
    today: NaiveDate,
) -> Vec<GroupStanding<Id>> {
    groups
        .iter()
        .map(|group| {
            let mine: Vec<&ReviewTask<Id>> = tasks.iter().filter(|t| &t.group == group).collect();
            let count = |s: TaskStatus| mine.iter().filter(|t| t.status == s).count();
            let mut late: Vec<&ReviewTask<Id>> = mine
                .iter()
                .copied()
                .filter(|t| is_overdue(t.deadline, t.status, today))
                .collect();
            late.sort_by(|a, b| a.deadline.cmp(&b.deadline).then(a.id.cmp(&b.id)));
            let progress_sum: usize = mine.iter().map(|t| usize::from(t.progress.0)).sum();
            let mean_progress = (progress_sum + mine.len() / 2)
                .checked_div(mine.len())
                .map_or(0, |p| u8::try_from(p).unwrap_or(100));
            GroupStanding {
                group: group.clone(),
                total: mine.len(),
                done: count(TaskStatus::Done),
                in_progress: count(TaskStatus::InProgress),
                not_started: count(TaskStatus::NotStarted),
                late: late.into_iter().map(|t| t.id.clone()).collect(),
                share_done: percent(count(TaskStatus::Done), mine.len()),
                mean_progress,
            }
        })
        .collect()
}

/// The whole programme's totals, from its groups' standings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Totals {
    pub total: usize,
    pub done: usize,
    pub late: usize,
    pub share_done: u8,
}

pub fn totals<Id>(standings: &[GroupStanding<Id>]) -> Totals {
    let total = standings.iter().map(|g| g.total).sum();
    let done = standings.iter().map(|g| g.done).sum();
    Totals {
        total,
        done,
        late: standings.iter().map(|g| g.late.len()).sum(),
        share_done: percent(done, total),
    }
}

/// How one task moved since an instant: from its state before the first update after
/// it, to its state after the last one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NetChange<Id> {
    pub task: Id,
    pub from_status: TaskStatus,
    pub to_status: TaskStatus,
    pub from_progress: Progress,
    pub to_progress: Progress,
    pub updates: usize,
    pub last_at: DateTime<Utc>,
}

impl<Id> NetChange<Id> {
    /// True when the task just became done.
    pub fn completed(&self) -> bool {
        self.to_status == TaskStatus::Done && self.from_status != TaskStatus::Done
    }
}

/// What changed after `since` (everything when `None`), one entry per task that had
/// updates, the most recently updated first.
pub fn changes_since<Id: Clone + Ord>(
    history: &[HistoryEntry<Id>],
    since: Option<DateTime<Utc>>,
) -> Vec<NetChange<Id>> {
    let mut recent: Vec<&HistoryEntry<Id>> = history
        .iter()
        .filter(|h| since.is_none_or(|s| h.at > s))
        .collect();
    recent.sort_by_key(|h| h.at);
    let mut by_task: BTreeMap<Id, NetChange<Id>> = BTreeMap::new();
    for h in recent {
        by_task
            .entry(h.task.clone())
            .and_modify(|c| {
                c.to_status = h.new_status;
                c.to_progress = h.new_progress;
                c.updates += 1;
                c.last_at = h.at;
            })
            .or_insert_with(|| NetChange {
                task: h.task.clone(),
                from_status: h.old_status,
                to_status: h.new_status,
                from_progress: h.old_progress,
                to_progress: h.new_progress,
                updates: 1,
                last_at: h.at,
            });
    }
    let mut changes: Vec<NetChange<Id>> = by_task.into_values().collect();
    changes.sort_by(|a, b| b.last_at.cmp(&a.last_at).then(a.task.cmp(&b.task)));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn d(m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, m, day).unwrap()
    }

    fn p(n: i64) -> Progress {
        Progress::new(n).unwrap()
    }

    #[test]
    fn statuses_round_trip_and_progress_is_bounded() {
        for s in TaskStatus::ALL {
            assert_eq!(s.as_str().parse::<TaskStatus>().unwrap(), s);
        }
        assert_eq!(
            "finished".parse::<TaskStatus>().unwrap_err().code(),
            "invalid_task_status"
        );
        assert_eq!(p(0).percent(), 0);
        assert_eq!(p(100).percent(), 100);
        for bad in [-1, 101, 1000, i64::MAX] {
            assert_eq!(Progress::new(bad), Err(ProgrammeError::ProgressOutOfRange));
        }
    }

    #[test]
    fn status_and_progress_must_agree() {
        use TaskStatus::*;
        assert!(check_status_progress(NotStarted, p(0)).is_ok());
        assert!(check_status_progress(InProgress, p(0)).is_ok());
        assert!(check_status_progress(InProgress, p(99)).is_ok());
        assert!(check_status_progress(Done, p(100)).is_ok());
        assert_eq!(
            check_status_progress(Done, p(90)),
            Err(ProgrammeError::DoneNeedsFullProgress)
        );
        assert_eq!(
            check_status_progress(NotStarted, p(10)),
            Err(ProgrammeError::NotStartedNeedsZero)
        );
        assert_eq!(
            check_status_progress(InProgress, p(100))
                .unwrap_err()
                .code(),
            "status_progress_mismatch"
        );
    }

    #[test]
    fn a_change_must_change_something_and_carry_clean_links() {
        use TaskStatus::*;
        let now = (InProgress, p(40));
        assert_eq!(
            TaskChange::new(now, InProgress, p(40), "  ", &[]),
            Err(ProgrammeError::NothingChanged)
        );
        let with_note = TaskChange::new(now, InProgress, p(40), " Đã họp ", &[]).unwrap();
        assert_eq!(with_note.note, "Đã họp");
        let links = vec!["https://langson.gov.vn/qd-123".to_string(), " ".to_string()];
        let done = TaskChange::new(now, Done, p(100), "", &links).unwrap();
        assert_eq!(done.links, ["https://langson.gov.vn/qd-123"]);
        for bad in [
            "javascript:alert(1)",
            "ftp://x.vn/a",
            "https://",
            "https:///path",
            "https://a.vn/x y",
            "https://a.vn/\"onmouseover=",
            "/relative",
        ] {
            assert_eq!(
                TaskChange::new(now, Done, p(100), "", &[bad.to_string()])
                    .unwrap_err()
                    .code(),
                "invalid_evidence_link",
                "{bad}"
            );
        }
        let many = vec!["https://a.vn".to_string(); LINKS_MAX + 1];
        assert!(TaskChange::new(now, Done, p(100), "", &many).is_err());
        let long = "x".repeat(NOTE_MAX_CHARS + 1);
        assert!(TaskChange::new(now, Done, p(100), &long, &[]).is_err());
    }

    #[test]
    fn overdue_means_past_the_deadline_and_not_done() {
        use TaskStatus::*;
        assert!(!is_overdue(d(6, 30), InProgress, d(6, 30)), "due today");
        assert!(is_overdue(d(6, 30), InProgress, d(7, 1)));
        assert!(is_overdue(d(6, 30), NotStarted, d(7, 1)));
        assert!(!is_overdue(d(6, 30), Done, d(12, 1)));
        assert_eq!(days_late(d(6, 30), d(7, 10)), 10);
        assert_eq!(days_late(d(6, 30), d(6, 1)), 0);
    }

    #[test]
    fn reminders_for_late_and_soon_due_tasks() {
        use TaskStatus::*;
        let today = d(7, 1);
        assert_eq!(
            reminder_for(d(6, 30), InProgress, today, 3),
            Some(ReminderKind::Overdue)
        );
        assert_eq!(
            reminder_for(d(7, 1), NotStarted, today, 3),
            Some(ReminderKind::DueSoon)
        );
        assert_eq!(
            reminder_for(d(7, 4), InProgress, today, 3),
            Some(ReminderKind::DueSoon)
        );
        assert_eq!(reminder_for(d(7, 5), InProgress, today, 3), None);
        assert_eq!(reminder_for(d(6, 1), Done, today, 3), None);
        assert_eq!(reminder_for(d(7, 2), InProgress, today, 0), None);
    }

    #[test]
    fn who_may_update() {
        let dk = "000.25.40.H37";
        assert!(may_update_task(Role::ProvinceAdmin, None, dk));
        assert!(may_update_task(Role::UnitAdmin, Some(dk), dk));
        assert!(may_update_task(Role::Specialist, Some(dk), dk));
        assert!(!may_update_task(Role::UnitAdmin, Some("000.00.02.H37"), dk));
        assert!(!may_update_task(Role::Auditor, None, dk));
        assert!(!may_update_task(Role::Citizen, None, dk));
        assert!(may_read_programme(Role::Auditor));
        assert!(!may_read_programme(Role::Citizen));
    }

    fn task(
        id: u32,
        group: u32,
        status: TaskStatus,
        progress: i64,
        deadline: NaiveDate,
    ) -> ReviewTask<u32> {
        ReviewTask {
            id,
            group,
            status,
            progress: p(progress),
            deadline,
        }
    }

    #[test]
    fn standings_by_group() {
        use TaskStatus::*;
        let tasks = vec![
            task(1, 1, Done, 100, d(6, 20)),
            task(2, 1, InProgress, 50, d(6, 25)),
            task(3, 1, NotStarted, 0, d(6, 10)),
            task(4, 2, Done, 100, d(6, 20)),
            task(5, 2, InProgress, 30, d(8, 1)),
        ];
        let s = group_standings(&[1, 2, 3], &tasks, d(7, 1));
        assert_eq!(s.len(), 3);
        assert_eq!((s[0].total, s[0].done, s[0].share_done), (3, 1, 33));
        assert_eq!(s[0].late, [3, 2], "most days late first");
        assert_eq!(s[0].mean_progress, 50);
        assert_eq!(
            (s[1].share_done, s[1].late.len(), s[1].mean_progress),
            (50, 0, 65)
        );
        assert_eq!((s[2].total, s[2].share_done), (0, 0), "an empty group");
        let t = totals(&s);
        assert_eq!((t.total, t.done, t.late, t.share_done), (5, 2, 2, 40));
    }

    #[test]
    fn net_changes_since_an_instant() {
        use TaskStatus::*;
        let at = |h: u32| Utc.with_ymd_and_hms(2025, 7, 1, h, 0, 0).unwrap();
        let h =
            |task: u32, hour: u32, from: (TaskStatus, i64), to: (TaskStatus, i64)| HistoryEntry {
                task,
                at: at(hour),
                old_status: from.0,
                new_status: to.0,
                old_progress: p(from.1),
                new_progress: p(to.1),
            };
        let history = vec![
            h(1, 1, (NotStarted, 0), (InProgress, 20)),
            h(1, 3, (InProgress, 20), (InProgress, 60)),
            h(2, 4, (InProgress, 80), (Done, 100)),
            h(1, 5, (InProgress, 60), (Done, 100)),
        ];
        let all = changes_since(&history, None);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].task, 1, "most recently updated first");
        assert_eq!(
            (all[0].from_status, all[0].to_status, all[0].updates),
            (NotStarted, Done, 3)
        );
        assert!(all[0].completed() && all[1].completed());
        let since = changes_since(&history, Some(at(3)));
        assert_eq!(since.len(), 2);
        let one = since.iter().find(|c| c.task == 1).unwrap();
        assert_eq!(
            (
                one.from_progress.percent(),
                one.to_progress.percent(),
                one.updates
            ),
            (60, 100, 1),
            "an update exactly at the instant belongs to the earlier review"
        );
        assert!(changes_since(&history, Some(at(5))).is_empty());
    }
}
