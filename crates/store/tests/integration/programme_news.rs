//! The programme tracker, the outbox and portal news, run against SQLite and PostgreSQL.

use crate::common::{date, postgres_store, sqlite_store};
use chrono::{DateTime, Duration, TimeZone, Utc};
use motcua_domain::account::{Role, Username};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::news::{ArticleDraft, RatingTotals, Stars};
use motcua_domain::programme::{Progress, TaskChange, TaskStatus};
use motcua_store::{
    ArticleFilter, Channel, Delivery, NewMessage, NewProgramme, NewTask, NewTaskGroup, NewUser,
    OUTBOX_MAX_ATTEMPTS, SeedData, Store, StoreError,
};
use std::collections::HashSet;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 7, 1, 1, 0, 0).unwrap()
}

fn audit(action: &str, subject: &str) -> AuditEntry {
    AuditEntry::system(t0(), action, subject, serde_json::json!({}))
}

const PROVINCE: &str = "000.00.00.H37";
const WARD: &str = "000.01.40.H37";

fn seed() -> SeedData {
    let agency = |code: &str, name: &str, kind, parent: Option<&str>| Agency {
        code: AgencyCode::parse(code).unwrap(),
        name: name.into(),
        kind,
        unit_code: "20".into(),
        parent_code: parent.map(|p| AgencyCode::parse(p).unwrap()),
        valid_from: None,
        valid_to: None,
        successor_code: None,
    };
    let user = |name: &str, role, agency: Option<&str>| NewUser {
        username: Username::parse(name).unwrap(),
        display_name: name.into(),
        password_hash: "$argon2id$placeholder".into(),
        role,
        agency_code: agency.map(Into::into),
    };
    SeedData {
        agencies: vec![
            agency(
                PROVINCE,
                "UBND tỉnh Lạng Sơn",
                AgencyKind::ProvincialCommittee,
                None,
            ),
            agency(
                WARD,
                "UBND phường Đông Kinh",
                AgencyKind::CommuneCommittee,
                Some(PROVINCE),
            ),
        ],
        users: vec![
            user("quantri.tinh", Role::ProvinceAdmin, None),
            user("quantri.dongkinh", Role::UnitAdmin, Some(WARD)),
            user("motcua.dongkinh", Role::Receiver, Some(WARD)),
            user("congdan", Role::Citizen, None),
        ],
        ..SeedData::default()
    }
}

fn programme() -> NewProgramme {
    let task = |title: &str, agency: &str, deadline| NewTask {
        title: title.into(),
        description: format!("Mô tả: {title}"),
        agency_code: agency.into(),
        person: "Ông A, Chủ tịch".into(),
        person_email: Some("a@example.invalid".into()),
        cooperators: vec![PROVINCE.into()],
        deadline,
    };
    NewProgramme {
        title: "Chuẩn bị vận hành".into(),
        description: "Thử".into(),
        agency_code: PROVINCE.into(),
        groups: vec![
            NewTaskGroup {
                title: "Thể chế".into(),
                description: String::new(),
                tasks: vec![
                    task("Ban hành quy chế", PROVINCE, date(2025, 6, 25)),
                    task("Sắp xếp bộ máy", WARD, date(2025, 7, 15)),
                ],
            },
            NewTaskGroup {
                title: "Dữ liệu".into(),
                description: String::new(),
                tasks: vec![task("Làm sạch dữ liệu", WARD, date(2025, 8, 1))],
            },
        ],
    }
}

fn change(status: TaskStatus, progress: i64, note: &str, links: &[&str]) -> TaskChange {
    TaskChange {
        status,
        progress: Progress::new(progress).unwrap(),
        note: note.into(),
        links: links.iter().map(|l| l.to_string()).collect(),
    }
}

async fn programme_scenario(store: &Store) {
    let id = store
        .create_programme(
            &programme(),
            t0(),
            "system",
            audit("programme.created", "programme"),
        )
        .await
        .unwrap();
    let programmes = store.programmes().await.unwrap();
    assert_eq!(programmes.len(), 1);
    assert_eq!(programmes[0].id, id);
    let groups = store.task_groups(id).await.unwrap();
    assert_eq!(
        groups
            .iter()
            .map(|g| (g.position, g.title.as_str()))
            .collect::<Vec<_>>(),
        [(1, "Thể chế"), (2, "Dữ liệu")]
    );
    let tasks = store.programme_tasks(id).await.unwrap();
    assert_eq!(
        tasks.iter().map(|t| t.code()).collect::<Vec<_>>(),
        ["1.1", "1.2", "2.1"]
    );
    let ward_task = &tasks[1];
    assert_eq!(
        (
            ward_task.agency_name.as_str(),
            ward_task.status,
            ward_task.progress
        ),
        (
            "UBND phường Đông Kinh",
            TaskStatus::NotStarted,
            Progress::ZERO
        )
    );
    assert_eq!(
        ward_task.cooperators,
        [(PROVINCE.to_string(), "UBND tỉnh Lạng Sơn".to_string())]
    );
    assert_eq!(store.task(ward_task.id).await.unwrap().unwrap(), *ward_task);
    assert_eq!(
        store.programme_of_task(ward_task.id).await.unwrap(),
        Some(id)
    );
    assert!(store.task(uuid::Uuid::now_v7()).await.unwrap().is_none());

    // Updates keep the history from one state to the next.
    let t1 = t0() + Duration::hours(1);
    let first = store
        .update_task(
            ward_task.id,
            &change(
                TaskStatus::InProgress,
                40,
                "Đã họp",
                &["https://langson.gov.vn/a"],
            ),
            t1,
            "quantri.dongkinh",
            "Nông Văn Đức",
            audit("programme.task_updated", "task"),
        )
        .await
        .unwrap();
    assert_eq!(
        (first.old_status, first.old_progress.percent()),
        (TaskStatus::NotStarted, 0)
    );
    let review = store
        .record_review(
            id,
            t1 + Duration::minutes(1),
            "quantri.tinh",
            " Phiên 1 ",
            audit("programme.reviewed", "programme"),
        )
        .await
        .unwrap();
    assert_eq!(review.note, "Phiên 1");
    let t2 = t1 + Duration::hours(1);
    store
        .update_task(
            ward_task.id,
            &change(TaskStatus::Done, 100, "Xong", &[]),
            t2,
            "quantri.tinh",
            "Hà Thị Giang",
            audit("programme.task_updated", "task"),
        )
        .await
        .unwrap();
    let history = store.task_updates(ward_task.id).await.unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].links, ["https://langson.gov.vn/a"]);
    assert_eq!(
        (
            history[1].old_status,
            history[1].old_progress.percent(),
            history[1].new_status,
            history[1].at
        ),
        (TaskStatus::InProgress, 40, TaskStatus::Done, t2)
    );
    let now = store.task(ward_task.id).await.unwrap().unwrap();
    assert_eq!(
        (
            now.status,
            now.progress.percent(),
            now.updated_at,
            now.updated_by.as_str()
        ),
        (TaskStatus::Done, 100, t2, "quantri.tinh")
    );
    assert_eq!(store.programme_history(id).await.unwrap().len(), 2);
    assert!(matches!(
        store
            .update_task(
                uuid::Uuid::now_v7(),
                &change(TaskStatus::Done, 100, "", &[]),
                t2,
                "x",
                "x",
                audit("programme.task_updated", "task"),
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    let later = store
        .record_review(
            id,
            t2 + Duration::hours(1),
            "quantri.tinh",
            "",
            audit("programme.reviewed", "programme"),
        )
        .await
        .unwrap();
    let reviews = store.reviews(id).await.unwrap();
    assert_eq!(
        reviews.iter().map(|r| r.id).collect::<Vec<_>>(),
        [later.id, review.id]
    );

    // Reminder candidates: open tasks due by a date.
    let open = store.open_tasks_due_by(date(2025, 7, 20)).await.unwrap();
    assert_eq!(
        open.iter().map(|t| t.code()).collect::<Vec<_>>(),
        ["1.1"],
        "1.2 is done, 2.1 is due later"
    );
}

async fn outbox_scenario(store: &Store) {
    let ward_staff = store.agency_staff(WARD).await.unwrap();
    assert_eq!(
        ward_staff
            .iter()
            .map(|r| r.username.as_str())
            .collect::<Vec<_>>(),
        ["motcua.dongkinh", "quantri.dongkinh"]
    );
    let admins = store.users_with_role(Role::ProvinceAdmin).await.unwrap();
    assert_eq!(admins.len(), 1);
    let user = ward_staff[1].id;
    let message = |key: &str, channel| NewMessage {
        kind: "task_reminder".into(),
        channel,
        dedup_key: key.into(),
        recipient_user_id: (channel == Channel::InApp).then_some(user),
        recipient_email: (channel == Channel::Email).then(|| "a@example.invalid".into()),
        subject: format!("Nhắc việc {key}"),
        body: "Nhiệm vụ quá hạn".into(),
        link: Some("/programme".into()),
        ordering_key: None,
        payload: None,
    };
    let batch: Vec<NewMessage> = (0..6)
        .map(|i| message(&format!("k{i}"), Channel::InApp))
        .chain([message("mail", Channel::Email)])
        .collect();
    let events_before = store.verify_audit_chain().await.unwrap().events;
    assert_eq!(
        store
            .enqueue_messages(&batch, t0(), audit("reminders.enqueued", "outbox"))
            .await
            .unwrap(),
        7
    );
    assert_eq!(
        store
            .enqueue_messages(&batch, t0(), audit("reminders.enqueued", "outbox"))
            .await
            .unwrap(),
        0,
        "enqueueing is idempotent"
    );
    assert_eq!(
        store.verify_audit_chain().await.unwrap().events,
        events_before + 1,
        "an audit event only when something was enqueued"
    );

    // Two claimers at once never share a message.
    let lease = Duration::minutes(5);
    let (a, b) = tokio::join!(
        store.claim_messages("node-a", &Channel::ALL, t0(), lease, 4),
        store.claim_messages("node-b", &Channel::ALL, t0(), lease, 4)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.len() + b.len(), 7, "every message claimed once");
    let ids_a: HashSet<_> = a.iter().map(|m| m.id).collect();
    assert!(
        b.iter().all(|m| !ids_a.contains(&m.id)),
        "no message claimed twice"
    );
    assert!(
        a.iter()
            .all(|m| m.claimed_by.as_deref() == Some("node-a") && m.attempts == 1)
    );
    assert!(
        store
            .claim_messages(
                "node-c",
                &Channel::ALL,
                t0() + Duration::minutes(1),
                lease,
                10
            )
            .await
            .unwrap()
            .is_empty(),
        "claims hold for their lease"
    );

    // Delivering: in-app lands in the notifications; only the claimer may finish.
    let all: Vec<_> = a.iter().chain(b.iter()).cloned().collect();
    let now = t0() + Duration::minutes(1);
    let mut in_app = 0;
    for m in &all {
        let claimer = m.claimed_by.clone().unwrap();
        assert!(
            !store
                .finish_message(m.id, "intruder", now, &Delivery::Sent, OUTBOX_MAX_ATTEMPTS)
                .await
                .unwrap()
        );
        let delivery = match m.channel {
            Channel::InApp if in_app == 0 => {
                in_app += 1;
                Delivery::Failed {
                    error: "thử lại".into(),
                    retry_at: now + Duration::minutes(10),
                }
            }
            Channel::InApp => {
                in_app += 1;
                Delivery::Sent
            }
            Channel::Email => Delivery::Skipped("SMTP chưa cấu hình".into()),
            other => panic!("no {other:?} message was enqueued"),
        };
        assert!(
            store
                .finish_message(m.id, &claimer, now, &delivery, OUTBOX_MAX_ATTEMPTS)
                .await
                .unwrap()
        );
        if !matches!(delivery, Delivery::Failed { .. }) {
            assert!(
                !store
                    .finish_message(m.id, &claimer, now, &Delivery::Sent, OUTBOX_MAX_ATTEMPTS)
                    .await
                    .unwrap(),
                "a finished message cannot be finished again"
            );
        }
    }
    assert_eq!(store.unread_notifications(user).await.unwrap(), 5);
    let notes = store.notifications(user, 50).await.unwrap();
    assert_eq!(notes.len(), 5);
    assert!(
        notes
            .iter()
            .all(|n| n.read_at.is_none() && n.link.as_deref() == Some("/programme"))
    );
    let outbox = store.outbox_messages(50).await.unwrap();
    let status_of = |key: &str| {
        outbox
            .iter()
            .find(|m| m.dedup_key == key)
            .map(|m| (m.status.clone(), m.last_error.clone()))
            .unwrap()
    };
    assert_eq!(
        status_of("mail"),
        ("skipped".into(), Some("SMTP chưa cấu hình".into()))
    );
    assert_eq!(outbox.iter().filter(|m| m.status == "sent").count(), 5);

    // The failed one comes back after its retry time, and is given up after the limit.
    let retry = t0() + Duration::minutes(12);
    let mut failing = store
        .claim_messages("node-a", &Channel::ALL, retry, lease, 10)
        .await
        .unwrap();
    assert_eq!(failing.len(), 1);
    assert_eq!(failing[0].attempts, 2);
    for attempt in 2..=OUTBOX_MAX_ATTEMPTS {
        let m = failing.pop().unwrap();
        assert_eq!(m.attempts, attempt);
        let at = retry + Duration::hours(attempt);
        store
            .finish_message(
                m.id,
                "node-a",
                at,
                &Delivery::Failed {
                    error: format!("lần {attempt}"),
                    retry_at: at,
                },
                OUTBOX_MAX_ATTEMPTS,
            )
            .await
            .unwrap();
        failing = store
            .claim_messages(
                "node-a",
                &Channel::ALL,
                at + Duration::minutes(1),
                lease,
                10,
            )
            .await
            .unwrap();
    }
    assert!(
        failing.is_empty(),
        "given up after {OUTBOX_MAX_ATTEMPTS} attempts"
    );
    let failed = store.outbox_messages(50).await.unwrap();
    assert_eq!(failed.iter().filter(|m| m.status == "dead").count(), 1);

    // A lease that runs out lets another node take the message over.
    store
        .enqueue_messages(
            &[message("late", Channel::InApp)],
            t0(),
            audit("reminders.enqueued", "outbox"),
        )
        .await
        .unwrap();
    let taken = store
        .claim_messages("node-dead", &Channel::ALL, now, lease, 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let again = store
        .claim_messages(
            "node-b",
            &Channel::ALL,
            now + lease + Duration::seconds(1),
            lease,
            10,
        )
        .await
        .unwrap();
    assert_eq!(again.len(), 1);
    assert!(
        !store
            .finish_message(
                again[0].id,
                "node-dead",
                now,
                &Delivery::Sent,
                OUTBOX_MAX_ATTEMPTS
            )
            .await
            .unwrap(),
        "the old claimer lost it"
    );

    assert_eq!(store.mark_notifications_read(user, now).await.unwrap(), 5);
    assert_eq!(store.unread_notifications(user).await.unwrap(), 0);
}

async fn news_scenario(store: &Store) {
    let draft = |slug: &str, featured: bool, day: u32| {
        ArticleDraft::new(
            slug,
            "Lạng Sơn vận hành chính quyền hai cấp",
            "Tóm tắt",
            "Nội dung **đậm**",
            WARD,
            date(2025, 7, day),
            featured,
        )
        .unwrap()
    };
    let first = store
        .create_article(
            &draft("", true, 1),
            t0(),
            "quantri.dongkinh",
            audit("news.created", "article"),
        )
        .await
        .unwrap();
    let dup = store
        .create_article(
            &draft("", false, 2),
            t0(),
            "quantri.tinh",
            audit("news.created", "article"),
        )
        .await;
    assert!(
        matches!(
            dup,
            Err(StoreError::Conflict {
                code: "slug_taken",
                ..
            })
        ),
        "{dup:?}"
    );
    let mut unknown = draft("khac", false, 2);
    unknown.agency_code = "000.99.99.H37".into();
    assert!(matches!(
        store
            .create_article(
                &unknown,
                t0(),
                "quantri.tinh",
                audit("news.created", "article")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .create_article(
            &draft("tin-sau", false, 20),
            t0(),
            "quantri.tinh",
            audit("news.created", "article"),
        )
        .await
        .unwrap();
    let all = store.articles(ArticleFilter::default()).await.unwrap();
    assert_eq!(
        all.iter().map(|a| a.slug.as_str()).collect::<Vec<_>>(),
        ["tin-sau", "lang-son-van-hanh-chinh-quyen-hai-cap"]
    );
    let public = store
        .articles(ArticleFilter {
            published_by: Some(date(2025, 7, 10)),
            ..ArticleFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(public.len(), 1, "not yet published articles stay hidden");
    let featured = store
        .articles(ArticleFilter {
            featured_only: true,
            agency_code: Some(WARD),
            limit: 5,
            ..ArticleFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(featured.len(), 1);
    assert_eq!(featured[0].id, first);
    assert_eq!(featured[0].agency_name, "UBND phường Đông Kinh");

    let mut edited = draft("tin-moi", false, 1);
    edited.title = "Tiêu đề mới".into();
    store
        .update_article(
            first,
            &edited,
            t0() + Duration::hours(1),
            "quantri.tinh",
            audit("news.updated", "article"),
        )
        .await
        .unwrap();
    assert!(
        store
            .article_by_slug("lang-son-van-hanh-chinh-quyen-hai-cap")
            .await
            .unwrap()
            .is_none()
    );
    let article = store.article_by_slug("tin-moi").await.unwrap().unwrap();
    assert_eq!(
        (
            article.title.as_str(),
            article.featured,
            article.updated_by.as_str()
        ),
        ("Tiêu đề mới", false, "quantri.tinh")
    );
    assert!(matches!(
        store
            .update_article(
                first,
                &draft("tin-sau", false, 1),
                t0(),
                "x",
                audit("news.updated", "article")
            )
            .await,
        Err(StoreError::Conflict {
            code: "slug_taken",
            ..
        })
    ));

    // Ratings: once per visitor.
    assert_eq!(article.ratings, RatingTotals::default());
    let rate = |voter: &'static str, stars: i64| {
        store.rate_article(
            first,
            voter,
            Stars::new(stars).unwrap(),
            t0(),
            audit("news.rated", "article"),
        )
    };
    assert_eq!(
        rate("visitor:aa", 5).await.unwrap(),
        RatingTotals { sum: 5, count: 1 }
    );
    assert_eq!(
        rate("user:bb", 4).await.unwrap(),
        RatingTotals { sum: 9, count: 2 }
    );
    assert!(matches!(
        rate("visitor:aa", 1).await,
        Err(StoreError::Conflict {
            code: "already_rated",
            ..
        })
    ));
    assert_eq!(store.rating_by(first, "visitor:aa").await.unwrap(), Some(5));
    assert_eq!(store.rating_by(first, "visitor:zz").await.unwrap(), None);
    let article = store.article_by_slug("tin-moi").await.unwrap().unwrap();
    assert_eq!(article.ratings, RatingTotals { sum: 9, count: 2 });
    assert!(matches!(
        store
            .rate_article(
                uuid::Uuid::now_v7(),
                "visitor:aa",
                Stars::new(3).unwrap(),
                t0(),
                audit("news.rated", "article")
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
}

async fn scenario(store: Store) {
    store.migrate().await.unwrap();
    store
        .load_seed(&seed(), t0(), audit("seed.loaded", "seed:test"))
        .await
        .unwrap();
    programme_scenario(&store).await;
    outbox_scenario(&store).await;
    news_scenario(&store).await;
    let verification = store.verify_audit_chain().await.unwrap();
    assert!(verification.is_intact(), "{:?}", verification.breaks);
    store.close().await;
}

#[tokio::test]
async fn sqlite_programme_news_conformance() {
    let dir = tempfile::tempdir().unwrap();
    let store = sqlite_store(&dir).await;
    scenario(store).await;
}

#[tokio::test]
async fn postgres_programme_news_conformance() {
    let Some(store) = postgres_store().await else {
        return;
    };
    scenario(store).await;
}
