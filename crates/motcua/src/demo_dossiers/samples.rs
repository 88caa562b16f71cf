//! The demo's sample dossiers: about thirty applications at Đông Kinh, the service centre
//! and the Department of Justice, each submitted and handled through the store by a plan of
//! acts at realistic working times before the first start.

use super::{DONG_KINH, SERVICE_CENTRE};
use anyhow::{Context as _, bail};
use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use motcua_domain::account::Role;
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{
    Channel, HolidayCalendar, WorkingHours, add_working_time, to_vn_local,
};
use motcua_domain::dossier::{
    Action, Actor, Applicant, ApplicantKind, CitizenId, Context, PhoneNumber, Rating,
    RatingCriterion, TaxCode, can_act,
};
use motcua_store::{DossierRecord, ReceiveNow, Store, Submission, utc};
use std::collections::HashMap;
use std::sync::Arc;

/// The applicants of the sample dossiers (invented people, valid number formats).
fn applicants() -> anyhow::Result<Vec<Applicant>> {
    let person = |name: &str, id: &str, phone: &str| -> anyhow::Result<Applicant> {
        Ok(Applicant {
            kind: ApplicantKind::Person,
            name: name.into(),
            citizen_id: Some(CitizenId::parse(id).map_err(anyhow::Error::msg)?),
            tax_code: None,
            phone: Some(PhoneNumber::parse(phone).map_err(anyhow::Error::msg)?),
            email: None,
            address_unit: None,
            address: Some("Phường Đông Kinh, tỉnh Lạng Sơn".into()),
            notify: Vec::new(),
            verified: None,
        })
    };
    let business = |name: &str, tax: &str, phone: &str| -> anyhow::Result<Applicant> {
        Ok(Applicant {
            kind: ApplicantKind::Business,
            name: name.into(),
            citizen_id: None,
            tax_code: Some(TaxCode::parse(tax).map_err(anyhow::Error::msg)?),
            phone: Some(PhoneNumber::parse(phone).map_err(anyhow::Error::msg)?),
            email: None,
            address_unit: None,
            address: Some("Thành phố Lạng Sơn cũ, tỉnh Lạng Sơn".into()),
            notify: Vec::new(),
            verified: None,
        })
    };
    Ok(vec![
        person("Nguyễn Văn An", "020095001234", "0912345678")?,
        person("Hoàng Thị Mai", "020190004521", "0987112233")?,
        person("Lường Văn Sơn", "020088007713", "0903445566")?,
        person("Vi Thị Hoa", "020195002468", "0977889900")?,
        person("Nông Đức Long", "020092003579", "0915667788")?,
        person("Triệu Thị Lan", "020187006842", "0368223344")?,
        person("Đặng Quang Hùng", "020079001357", "0854556677")?,
        person("Lăng Thị Thảo", "020199008024", "0398765432")?,
        person("Hà Minh Tuấn", "020096005531", "0945123987")?,
        person("Chu Thị Ngọc", "020191007766", "0932456789")?,
        business("Công ty TNHH Thương mại Kỳ Lừa", "4900876541", "0205387654")?,
        business("Hợp tác xã Nông sản Mẫu Sơn", "4901234561", "0205386123")?,
    ])
}

/// One thing an officer (or the applicant) did, some working time after the previous.
struct Act {
    /// A demo username, or `applicant` for the rating.
    by: &'static str,
    action: Action,
    /// Working minutes after the previous event.
    after: u32,
}

fn act(by: &'static str, after_hours: f32, action: Action) -> Act {
    Act {
        by,
        action,
        after: (after_hours * 60.0) as u32,
    }
}

struct Plan {
    procedure: &'static str,
    agency: &'static str,
    channel: Channel,
    /// Working hours before the first start that the dossier was submitted; 0 for a few
    /// minutes ago (online submissions come at any hour).
    back_hours: f32,
    applicant: usize,
    /// Submitted online by the demo citizen `congdan` (their own dossiers).
    own: bool,
    acts: Vec<Act>,
}

const RECEIVER: &str = "motcua.dongkinh";
const SPECIALIST: &str = "chuyenvien.dongkinh";
const LEADER: &str = "lanhdao.dongkinh";
const JUSTICE_SPECIALIST: &str = "chuyenvien.tuphap";
const JUSTICE_LEADER: &str = "lanhdao.tuphap";
const CENTRE_RECEIVER: &str = "motcua.tinh";

fn rating(timeliness: u8, attitude: u8, comment: Option<&str>) -> Action {
    Action::Rate {
        rating: Rating::new(
            vec![
                (RatingCriterion::Timeliness, timeliness),
                (RatingCriterion::StaffAttitude, attitude),
                (RatingCriterion::PublishedInformation, 2),
            ],
            comment.map(str::to_owned),
        )
        .expect("a valid demo rating"),
    }
}

/// Through the whole process at Đông Kinh: receipt, appraisal, approval, result.
fn commune_path(result: &str) -> Vec<Act> {
    vec![
        act(RECEIVER, 0.5, Action::Forward),
        act(
            LEADER,
            0.5,
            Action::Assign {
                assignee: SPECIALIST.into(),
            },
        ),
        act(SPECIALIST, 2.0, Action::Forward),
        act(LEADER, 1.0, Action::Approve),
        act(
            LEADER,
            0.5,
            Action::Finish {
                result: result.into(),
                electronic: true,
            },
        ),
    ]
}

/// A criminal-record certificate received at Đông Kinh and handled by the Department of Justice.
fn justice_path() -> Vec<Act> {
    vec![
        act(RECEIVER, 1.0, Action::Forward),
        act(
            JUSTICE_LEADER,
            1.0,
            Action::Assign {
                assignee: JUSTICE_SPECIALIST.into(),
            },
        ),
        act(JUSTICE_SPECIALIST, 30.0, Action::Forward),
        act(JUSTICE_LEADER, 8.0, Action::Approve),
        act(
            JUSTICE_LEADER,
            1.0,
            Action::Finish {
                result: "Phiếu lý lịch tư pháp số 1".into(),
                electronic: true,
            },
        ),
    ]
}

fn accept(by: &'static str, after: f32) -> Act {
    act(by, after, Action::Accept)
}

fn plans() -> Vec<Plan> {
    use Channel::{Online, Paper};
    let plan = |procedure, agency, channel, back_hours, applicant, acts| Plan {
        procedure,
        agency,
        channel,
        back_hours,
        applicant,
        own: false,
        acts,
    };
    let mine = |mut p: Plan| {
        p.own = true;
        p
    };
    let then = |mut a: Vec<Act>, more: Vec<Act>| {
        a.extend(more);
        a
    };
    vec![
        // Đông Kinh: new online dossiers waiting for the counter.
        mine(plan("1.001193", DONG_KINH, Online, 0.0, 0, vec![])),
        plan("2.000720", DONG_KINH, Online, 0.0, 10, vec![]),
        plan("2.000635", DONG_KINH, Online, 1.0, 3, vec![]),
        plan("1.004873", DONG_KINH, Online, 6.0, 4, vec![]),
        // In progress, due within one working day.
        plan(
            "2.000815",
            DONG_KINH,
            Online,
            3.0,
            5,
            vec![accept(RECEIVER, 0.5), act(RECEIVER, 0.5, Action::Forward)],
        ),
        plan(
            "1.004873",
            DONG_KINH,
            Online,
            17.0,
            6,
            vec![
                accept(RECEIVER, 0.5),
                act(RECEIVER, 1.0, Action::Forward),
                act(SPECIALIST, 10.0, Action::Forward),
            ],
        ),
        // Overdue.
        plan(
            "1.001193",
            DONG_KINH,
            Online,
            20.0,
            7,
            vec![
                accept(RECEIVER, 1.0),
                act(RECEIVER, 1.0, Action::Forward),
                act(
                    LEADER,
                    1.0,
                    Action::Assign {
                        assignee: SPECIALIST.into(),
                    },
                ),
            ],
        ),
        plan(
            "1.000894",
            DONG_KINH,
            Online,
            30.0,
            8,
            vec![accept(RECEIVER, 1.0), act(RECEIVER, 1.0, Action::Forward)],
        ),
        // On time.
        plan(
            "1.009994",
            DONG_KINH,
            Paper,
            40.0,
            9,
            vec![
                act(RECEIVER, 4.0, Action::Forward),
                act(
                    LEADER,
                    2.0,
                    Action::Assign {
                        assignee: SPECIALIST.into(),
                    },
                ),
            ],
        ),
        plan(
            "1.012784",
            DONG_KINH,
            Online,
            10.0,
            1,
            vec![accept(RECEIVER, 1.0)],
        ),
        // Incomplete: a supplement request (form 02), and one supplemented since.
        plan(
            "2.000720",
            DONG_KINH,
            Online,
            12.0,
            11,
            vec![
                accept(RECEIVER, 1.0),
                act(
                    RECEIVER,
                    2.0,
                    Action::RequestSupplement {
                        note: None,
                        missing: vec![
                            "Bản sao hợp đồng thuê địa điểm kinh doanh".into(),
                            "Văn bản ủy quyền cho người nộp hồ sơ".into(),
                        ],
                        supplement_by: None,
                    },
                ),
            ],
        ),
        plan(
            "1.004884",
            DONG_KINH,
            Paper,
            30.0,
            2,
            vec![
                act(RECEIVER, 1.0, Action::Forward),
                act(
                    SPECIALIST,
                    3.0,
                    Action::RequestSupplement {
                        note: None,
                        missing: vec!["Bản sao giấy tờ tùy thân của cha, mẹ".into()],
                        supplement_by: None,
                    },
                ),
                act(RECEIVER, 10.0, Action::SupplementReceived),
            ],
        ),
        // Late, with an apology and a new date (form 04).
        plan(
            "1.009994",
            DONG_KINH,
            Paper,
            100.0,
            4,
            vec![
                act(RECEIVER, 3.0, Action::Forward),
                act(
                    LEADER,
                    1.0,
                    Action::Assign {
                        assignee: SPECIALIST.into(),
                    },
                ),
                act(
                    LEADER,
                    60.0,
                    Action::Apologise {
                        reason: "Phải xác minh thêm hiện trạng công trình liền kề.".into(),
                        new_due: NaiveDateTime::MIN,
                    },
                ),
            ],
        ),
        // Refused at the counter (form 03).
        plan(
            "1.000894",
            DONG_KINH,
            Online,
            6.0,
            3,
            vec![act(
                RECEIVER,
                1.0,
                Action::RefuseAtReceipt {
                    reason: "Hồ sơ thuộc thẩm quyền đăng ký kết hôn có yếu tố nước ngoài.".into(),
                },
            )],
        ),
        // Finished, waiting to be handed over; returned (rated or not).
        mine(plan(
            "1.004873",
            DONG_KINH,
            Online,
            50.0,
            0,
            then(
                vec![accept(RECEIVER, 1.0)],
                commune_path("Giấy xác nhận tình trạng hôn nhân"),
            ),
        )),
        mine(plan(
            "1.001193",
            DONG_KINH,
            Online,
            40.0,
            0,
            then(
                then(
                    vec![accept(RECEIVER, 1.0)],
                    commune_path("Giấy khai sinh (bản chính)"),
                ),
                vec![
                    act(RECEIVER, 2.0, Action::ReturnResult),
                    act(
                        "applicant",
                        4.0,
                        rating(2, 2, Some("Cán bộ hướng dẫn tận tình.")),
                    ),
                ],
            ),
        )),
        plan(
            "2.000815",
            DONG_KINH,
            Paper,
            60.0,
            5,
            then(
                commune_path("Bản sao chứng thực"),
                vec![
                    act(RECEIVER, 1.0, Action::ReturnResult),
                    act("applicant", 1.0, rating(2, 1, None)),
                ],
            ),
        ),
        plan(
            "1.000656",
            DONG_KINH,
            Paper,
            80.0,
            6,
            then(
                commune_path("Trích lục khai tử"),
                vec![act(RECEIVER, 1.0, Action::ReturnResult)],
            ),
        ),
        // Province procedures received at Đông Kinh, handled by the Department of Justice.
        mine(plan(
            "2.000488",
            DONG_KINH,
            Online,
            30.0,
            0,
            vec![
                accept(RECEIVER, 1.0),
                act(RECEIVER, 1.0, Action::Forward),
                act(
                    JUSTICE_LEADER,
                    2.0,
                    Action::Assign {
                        assignee: JUSTICE_SPECIALIST.into(),
                    },
                ),
            ],
        )),
        plan(
            "2.000488",
            DONG_KINH,
            Online,
            76.0,
            7,
            vec![
                accept(RECEIVER, 1.0),
                act(RECEIVER, 1.0, Action::Forward),
                act(JUSTICE_SPECIALIST, 40.0, Action::Forward),
            ],
        ),
        plan(
            "2.000488",
            DONG_KINH,
            Online,
            70.0,
            8,
            vec![
                accept(RECEIVER, 0.5),
                act(RECEIVER, 0.5, Action::Forward),
                act(
                    JUSTICE_LEADER,
                    1.0,
                    Action::Assign {
                        assignee: JUSTICE_SPECIALIST.into(),
                    },
                ),
            ],
        ),
        plan(
            "2.000488",
            DONG_KINH,
            Online,
            90.0,
            9,
            then(vec![accept(RECEIVER, 1.0)], justice_path()),
        ),
        plan(
            "2.000488",
            DONG_KINH,
            Paper,
            120.0,
            1,
            then(
                justice_path(),
                vec![
                    act(RECEIVER, 2.0, Action::ReturnResult),
                    act(
                        "applicant",
                        3.0,
                        rating(1, 2, Some("Nên nhắn tin khi có kết quả.")),
                    ),
                ],
            ),
        ),
        // The provincial Public Administrative Service Centre.
        plan(
            "2.000488",
            SERVICE_CENTRE,
            Paper,
            8.0,
            2,
            vec![act(CENTRE_RECEIVER, 1.0, Action::Forward)],
        ),
        plan("1.001877", SERVICE_CENTRE, Online, 3.0, 3, vec![]),
        plan("1.005095", SERVICE_CENTRE, Online, 2.0, 4, vec![]),
        plan(
            "1.009972",
            SERVICE_CENTRE,
            Paper,
            24.0,
            10,
            vec![act(CENTRE_RECEIVER, 2.0, Action::Forward)],
        ),
        plan(
            "1.012768",
            SERVICE_CENTRE,
            Online,
            85.0,
            5,
            vec![
                accept(CENTRE_RECEIVER, 1.0),
                act(CENTRE_RECEIVER, 4.0, Action::Forward),
            ],
        ),
        plan(
            "2.001610",
            SERVICE_CENTRE,
            Online,
            18.0,
            11,
            vec![
                accept(CENTRE_RECEIVER, 1.0),
                act(CENTRE_RECEIVER, 1.0, Action::Forward),
            ],
        ),
        plan(
            "1.001207",
            SERVICE_CENTRE,
            Paper,
            200.0,
            9,
            vec![act(CENTRE_RECEIVER, 2.0, Action::Forward)],
        ),
    ]
}

/// The instant `minutes` of working time before `from`.
fn working_time_before(
    from: NaiveDateTime,
    minutes: u32,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> NaiveDateTime {
    let mut t = from;
    let mut left = minutes;
    // Whole minutes: the demo goes back a few weeks at most.
    while left > 0 {
        t -= Duration::minutes(1);
        if hours.is_working_instant(t, holidays) {
            left -= 1;
        }
    }
    t
}

struct Person {
    role: Role,
    agency: Option<AgencyCode>,
}

pub(super) async fn sample_dossiers(store: &Store, now: DateTime<Utc>) -> anyhow::Result<usize> {
    if store.count_dossiers().await? > 0 {
        return Ok(0);
    }
    let (_, holidays) = motcua_app::calendar::load_holidays(store).await?;
    let holidays = Arc::new(holidays);
    let hours = WorkingHours::default();
    let agencies = store.agencies(None).await?;
    let agency_code = |name: &str| -> anyhow::Result<AgencyCode> {
        agencies
            .iter()
            .find(|a| a.name == name && a.valid_to.is_none())
            .map(|a| a.code.clone())
            .with_context(|| format!("demo agency {name} missing"))
    };
    let mut people: HashMap<&'static str, Person> = HashMap::new();
    for username in [
        RECEIVER,
        SPECIALIST,
        LEADER,
        JUSTICE_SPECIALIST,
        JUSTICE_LEADER,
        CENTRE_RECEIVER,
    ] {
        let user = store
            .find_user_by_username(username)
            .await?
            .with_context(|| format!("demo account {username} missing"))?;
        people.insert(
            username,
            Person {
                role: user.role,
                agency: user
                    .agency_code
                    .as_deref()
                    .map(AgencyCode::parse)
                    .transpose()
                    .map_err(anyhow::Error::msg)?,
            },
        );
    }
    let applicants = applicants()?;
    let local_now = to_vn_local(&now);
    let mut done = 0;
    for (i, plan) in plans().into_iter().enumerate() {
        let agency = agency_code(plan.agency)?;
        let submitted_at = if plan.back_hours <= 0.0 {
            local_now - Duration::minutes(20 + 35 * i as i64)
        } else {
            // A few minutes either way, so the samples do not all start on the hour.
            let jitter = (i as u32 * 17) % 40;
            working_time_before(
                local_now,
                (plan.back_hours * 60.0) as u32 + jitter,
                &hours,
                &holidays,
            )
        };
        let receiver = match plan.agency {
            SERVICE_CENTRE => CENTRE_RECEIVER,
            _ => RECEIVER,
        };
        let actor = if plan.channel == Channel::Online {
            match plan.own {
                true => audit_of("congdan", Role::Citizen, None),
                false => audit_of("applicant", Role::Citizen, None),
            }
        } else {
            let p = &people[receiver];
            audit_of(receiver, p.role, p.agency.as_ref())
        };
        let submission = Submission {
            procedure_code: plan.procedure.into(),
            agency: agency.clone(),
            channel: plan.channel,
            applicant: applicants[plan.applicant % applicants.len()].clone(),
            owner: plan.own.then(|| "congdan".to_owned()),
            idempotency: None,
            at: utc(submitted_at),
            actor: AuditEntry {
                at: utc(submitted_at),
                ..actor
            },
            receive: (plan.channel != Channel::Online).then(|| ReceiveNow {
                hours: hours.clone(),
                holidays: holidays.clone(),
            }),
            attachments: Vec::new(),
            form: None,
            uses_draft_of: None,
        };
        let mut record = store
            .submit_dossier(&submission)
            .await
            .with_context(|| format!("demo dossier {i} ({})", plan.procedure))?
            .into_record();
        let mut at = submitted_at;
        for step in plan.acts {
            at = add_working_time(at, step.after, &hours, &holidays);
            if at >= local_now {
                bail!("demo dossier {i}: an action would come after the first start");
            }
            record = apply(store, record, step, at, &people, &hours, &holidays).await?;
        }
        done += 1;
    }
    Ok(done)
}

fn audit_of(username: &str, role: Role, agency: Option<&AgencyCode>) -> AuditEntry {
    AuditEntry {
        at: motcua_app::now(),
        actor: username.into(),
        actor_role: Some(role.as_str().into()),
        agency_code: agency.map(|a| a.to_string()),
        action: "dossier.action".into(),
        subject: "dossier".into(),
        detail: "{}".into(),
    }
}

/// Applies one action at `at` under the same rules as the pages and the API.
async fn apply(
    store: &Store,
    record: DossierRecord,
    step: Act,
    at: NaiveDateTime,
    people: &HashMap<&'static str, Person>,
    hours: &WorkingHours,
    holidays: &HolidayCalendar,
) -> anyhow::Result<DossierRecord> {
    let mut action = step.action;
    if let Action::Apologise { new_due, .. } = &mut action {
        // A week after the date in force, at the end of the working day.
        let due = record
            .dossier
            .due_at
            .context("apology without a due date")?;
        *new_due = (due.date() + Duration::days(7))
            .and_hms_opt(17, 0, 0)
            .context("valid time")?;
    }
    let (actor, audit) = if step.by == "applicant" {
        let owner = record.owner.clone().unwrap_or_else(|| "applicant".into());
        (
            Actor {
                role: Role::Citizen,
                agency: None,
                is_applicant: true,
            },
            audit_of(&owner, Role::Citizen, None),
        )
    } else {
        let p = people
            .get(step.by)
            .with_context(|| format!("demo account {} missing", step.by))?;
        (
            Actor {
                role: p.role,
                agency: p.agency.as_ref(),
                is_applicant: false,
            },
            audit_of(step.by, p.role, p.agency.as_ref()),
        )
    };
    let ctx = Context {
        now: at,
        hours,
        holidays,
        steps: &record.steps,
        budget_minutes: record.budget_minutes.max(0) as u32,
    };
    let after = record
        .dossier
        .apply(&action, &ctx)
        .with_context(|| format!("{}: {:?}", record.code(), action.kind()))?;
    can_act(actor, &record.dossier, &record.steps, action.kind()).map_err(|e| {
        anyhow::anyhow!(
            "{}: {} may not {:?}: {e}",
            record.code(),
            step.by,
            action.kind()
        )
    })?;
    let at_utc = utc(at);
    Ok(store
        .commit_dossier_action(
            &record,
            &action,
            &after,
            at_utc,
            AuditEntry {
                at: at_utc,
                ..audit
            },
        )
        .await?)
}

#[cfg(test)]
mod tests {
    use super::super::DEVOLVED;
    use super::*;

    #[test]
    fn sample_applicants_are_valid_and_plans_name_them() {
        let applicants = applicants().unwrap();
        for a in &applicants {
            assert!(a.clone().validated().is_ok(), "{}", a.name);
        }
        let plans = plans();
        assert!((25..=40).contains(&plans.len()), "{}", plans.len());
        for p in &plans {
            assert!(p.applicant < applicants.len());
            assert!(!DEVOLVED.contains(&p.procedure), "{}", p.procedure);
            let forward: u32 = p.acts.iter().map(|a| a.after).sum();
            assert!(
                p.back_hours <= 0.0 && forward == 0 || forward < (p.back_hours * 60.0) as u32,
                "{}: the acts ({forward} min) must fit before the first start",
                p.procedure
            );
        }
    }
}
