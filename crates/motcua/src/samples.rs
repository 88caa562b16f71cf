//! Sample procedures with approved processes, for tests, the dossier generator and the
//! benchmarks. (The demo's own catalogue comes from the catalogue work; once it lands, the
//! demo can approve processes for it the same way.)

use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::dossier::ProcessStep;
use motcua_domain::form::FormDefinition;
use motcua_domain::procedure::{
    Applicant, Fee, Level, OnlineLevel, Procedure, ProcedureCode, ProcessingTime, SubmissionChannel,
};
use motcua_store::{CatalogueLoad, NewDecision, ProcessDraft, Store};
use serde_json::json;

/// Cấp Phiếu lý lịch tư pháp: a province procedure of the Department of Justice that any
/// commune centre receives (Decree 118/2025).
pub const CRIMINAL_RECORD: &str = "2.000488";
/// Đăng ký khai sinh: a commune procedure.
pub const BIRTH: &str = "1.001193";
/// A household business registration with a 30-field electronic form, for the form
/// benchmarks ([`load_form`]): a commune procedure outside the demo catalogue (so loading it
/// never replaces a demo procedure) and outside the dossier generator's mix.
pub const FORM_30: &str = "MAU.HKD30";
pub const JUSTICE_DEPARTMENT: &str = "000.00.02.H37";
/// A copy of a civil-status extract, charged per copy with an exemption, for the fee and
/// receipt tests ([`load_fees`]): outside the demo catalogue (whose 2.000635 has a form).
pub const COPY_EXTRACT: &str = "MAU.BANSAO";

fn procedure(code: &str, name: &str, sector: &str, level: Level, days: u32) -> Procedure {
    let (agency_code, agency_kind) = match level {
        Level::Province => (
            Some(AgencyCode::parse(JUSTICE_DEPARTMENT).expect("valid code")),
            Some(AgencyKind::Department),
        ),
        Level::Commune => (None, Some(AgencyKind::CommuneCommittee)),
    };
    Procedure {
        code: ProcedureCode::parse(code).expect("valid code"),
        name: name.into(),
        sector: sector.into(),
        levels: vec![level],
        agency_code,
        agency_kind,
        applicants: vec![Applicant::Citizen],
        processing_time: ProcessingTime::days(days),
        service_norm: None,
        fees: vec![Fee {
            name: "Lệ phí".into(),
            amount_vnd: 0,
            ..Default::default()
        }],
        documents: vec![],
        steps: "Nộp hồ sơ trực tuyến hoặc tại Bộ phận một cửa.".into(),
        channels: vec![SubmissionChannel::Online, SubmissionChannel::InPerson],
        online_level: OnlineLevel::Full,
        online_reason: None,
        results: vec![],
        legal_bases: vec![],
        valid_from: Some(NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date")),
        valid_to: None,
        form: None,
    }
}

/// The 30-field declaration of [`FORM_30`]: every kind a declaration uses but files (text
/// with a length and a pattern, long text, dates with their order, choices from the lists
/// the demo seeds, citizen ID, phone, e-mail, money, numbers, yes/no, addresses, one of them
/// behind a condition), and a small repeating group of members.
pub fn form_30() -> FormDefinition {
    let name_rules = json!([
        { "rule": "length", "min": 1, "max": 100 },
        { "rule": "pattern", "regex": "[^0-9]+", "message": "Họ, chữ đệm, tên không được chứa chữ số" }
    ]);
    let past = json!([{ "rule": "not_in_future" }]);
    serde_json::from_value(json!({
        "template_no": "Mẫu Phụ lục III-1",
        "title": "GIẤY ĐỀ NGHỊ ĐĂNG KÝ HỘ KINH DOANH",
        "sections": [
            { "key": "ho_kinh_doanh", "title": "Thông tin về hộ kinh doanh", "fields": [
                { "key": "ten_ho_kinh_doanh", "label": "Tên hộ kinh doanh", "kind": "text",
                  "required": true, "searchable": true,
                  "rules": [{ "rule": "length", "min": 2, "max": 200 }] },
                { "key": "dia_chi_tru_so", "label": "Địa chỉ trụ sở", "kind": "address",
                  "required": true },
                { "key": "dien_thoai", "label": "Điện thoại", "kind": "phone",
                  "rules": [{ "rule": "at_least_one_of", "fields": ["email"] }] },
                { "key": "email", "label": "Thư điện tử", "kind": "email" },
                { "key": "nganh_nghe", "label": "Ngành, nghề kinh doanh", "kind": "long_text",
                  "required": true, "rules": [{ "rule": "length", "min": 3, "max": 3000 }] },
                { "key": "ma_nganh", "label": "Mã ngành cấp bốn", "kind": "text", "required": true,
                  "rules": [{ "rule": "pattern", "regex": "[0-9]{4}",
                              "message": "Mã ngành cấp bốn gồm 4 chữ số" }] },
                { "key": "von_kinh_doanh", "label": "Vốn kinh doanh (đồng)", "kind": "money",
                  "required": true, "rules": [{ "rule": "range", "min": 1 }] },
                { "key": "so_lao_dong", "label": "Số lượng lao động (dự kiến)", "kind": "number",
                  "rules": [{ "rule": "range", "min": 0, "max": 100000 }] }
            ]},
            { "key": "chu_ho", "title": "Thông tin về chủ hộ kinh doanh", "fields": [
                { "key": "chu_ho_ho_ten", "label": "Họ, chữ đệm, tên", "kind": "text",
                  "required": true, "rules": name_rules, "searchable": true, "personal": true,
                  "prefill": "name" },
                { "key": "chu_ho_ngay_sinh", "label": "Ngày, tháng, năm sinh", "kind": "date",
                  "required": true, "personal": true, "prefill": "birth_date",
                  "rules": [{ "rule": "not_in_future" },
                            { "rule": "before", "field": "chu_ho_ngay_cap" }] },
                { "key": "chu_ho_gioi_tinh", "label": "Giới tính", "kind": "choice",
                  "required": true, "code_list": "gioi_tinh" },
                { "key": "chu_ho_dan_toc", "label": "Dân tộc", "kind": "choice",
                  "required": true, "code_list": "dan_toc" },
                { "key": "chu_ho_quoc_tich", "label": "Quốc tịch", "kind": "choice",
                  "required": true, "code_list": "quoc_tich" },
                { "key": "chu_ho_so_dinh_danh", "label": "Số định danh cá nhân",
                  "kind": "citizen_id", "required": true, "personal": true,
                  "prefill": "citizen_id" },
                { "key": "chu_ho_ngay_cap", "label": "Ngày cấp", "kind": "date",
                  "required": true, "rules": past },
                { "key": "chu_ho_noi_cap", "label": "Nơi cấp", "kind": "text", "required": true,
                  "rules": [{ "rule": "length", "min": 2, "max": 200 }] },
                { "key": "chu_ho_thuong_tru", "label": "Địa chỉ thường trú", "kind": "address",
                  "required": true, "personal": true, "prefill": "address" },
                { "key": "chu_ho_dien_thoai", "label": "Điện thoại", "kind": "phone",
                  "personal": true, "prefill": "phone" },
                { "key": "chu_ho_email", "label": "Thư điện tử", "kind": "email",
                  "personal": true, "prefill": "email" }
            ]},
            { "key": "thanh_vien", "title": "Thành viên hộ gia đình góp vốn",
              "repeat": { "min": 0, "max": 10 }, "fields": [
                { "key": "tv_ho_ten", "label": "Họ, chữ đệm, tên", "kind": "text",
                  "required": true, "rules": name_rules, "searchable": true, "personal": true },
                { "key": "tv_ngay_sinh", "label": "Ngày, tháng, năm sinh", "kind": "date",
                  "required": true, "rules": past, "personal": true },
                { "key": "tv_so_dinh_danh", "label": "Số định danh cá nhân", "kind": "citizen_id",
                  "required": true, "personal": true },
                { "key": "tv_quan_he", "label": "Quan hệ với chủ hộ", "kind": "choice",
                  "required": true, "code_list": "quan_he" },
                { "key": "tv_von_gop", "label": "Giá trị vốn góp (đồng)", "kind": "money",
                  "required": true, "rules": [{ "rule": "range", "min": 1 }] }
            ]},
            { "key": "thue", "title": "Thông tin đăng ký thuế", "fields": [
                { "key": "ngay_bat_dau_hoat_dong", "label": "Ngày bắt đầu hoạt động",
                  "kind": "date" },
                { "key": "doanh_thu_du_kien", "label": "Doanh thu dự kiến một năm (đồng)",
                  "kind": "money", "rules": [{ "rule": "range", "min": 0 }] },
                { "key": "nhan_thong_bao_thue_khac",
                  "label": "Địa chỉ nhận thông báo thuế khác địa chỉ trụ sở", "kind": "yes_no" },
                { "key": "dia_chi_nhan_thong_bao_thue", "label": "Địa chỉ nhận thông báo thuế",
                  "kind": "address", "required": true,
                  "show_when": { "field": "nhan_thong_bao_thue_khac", "equals": ["true"] } }
            ]},
            { "key": "cam_doan", "title": "Cam đoan", "fields": [
                { "key": "ghi_chu", "label": "Ghi chú", "kind": "long_text" },
                { "key": "cam_doan", "kind": "yes_no", "required": true,
                  "label": "Tôi chịu trách nhiệm trước pháp luật về tính hợp pháp, chính xác, trung thực của nội dung đề nghị đăng ký trên" }
            ]}
        ]
    }))
    .expect("a well-formed form")
}

pub fn procedures() -> Vec<Procedure> {
    vec![
        procedure(
            CRIMINAL_RECORD,
            "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
            "ly_lich_tu_phap",
            Level::Province,
            10,
        ),
        procedure(BIRTH, "Đăng ký khai sinh", "ho_tich", Level::Commune, 1),
    ]
}

/// The form procedure, published under a decision of its own: a database whose samples were
/// loaded before it existed (or whose demo already holds the two above) gains it alone.
pub fn form_procedure() -> Procedure {
    Procedure {
        form: Some(form_30()),
        ..procedure(
            FORM_30,
            "Đăng ký thành lập hộ kinh doanh (mẫu tờ khai 30 trường)",
            "kinh_doanh",
            Level::Commune,
            3,
        )
    }
}

/// The per-copy fee sample: 8.000 đ a copy (Circular 281/2016/TT-BTC), waived for the poor
/// and those with merit to the revolution.
pub fn fee_procedure() -> Procedure {
    Procedure {
        fees: vec![Fee {
            name: "Phí cấp bản sao trích lục hộ tịch".into(),
            amount_vnd: 8_000,
            per: Some("bản".into()),
            exemptions: vec![motcua_domain::procedure::FeeExemption {
                who: "Người thuộc hộ nghèo, người có công với cách mạng".into(),
                legal_basis: "Thông tư 281/2016/TT-BTC".into(),
            }],
        }],
        ..procedure(
            COPY_EXTRACT,
            "Cấp bản sao trích lục hộ tịch",
            "ho_tich",
            Level::Commune,
            1,
        )
    }
}

fn step(name: &str, role: Role, agency: Option<&str>, hours: u32) -> ProcessStep {
    ProcessStep {
        name: name.into(),
        role,
        agency: agency.map(|a| AgencyCode::parse(a).expect("valid code")),
        budget_minutes: hours * 60,
    }
}

/// The processes: level defaults, so every commune centre can receive.
pub fn processes() -> Vec<ProcessDraft> {
    vec![
        ProcessDraft {
            procedure_code: CRIMINAL_RECORD.into(),
            agency_code: None,
            level: Level::Province,
            steps: vec![
                step("Tiếp nhận hồ sơ", Role::Receiver, None, 4),
                step(
                    "Thẩm định, xác minh",
                    Role::Specialist,
                    Some(JUSTICE_DEPARTMENT),
                    48,
                ),
                step(
                    "Phê duyệt, ký phiếu",
                    Role::Leader,
                    Some(JUSTICE_DEPARTMENT),
                    16,
                ),
            ],
            note: "Liên thông: một cửa cấp xã tiếp nhận, Sở Tư pháp giải quyết.".into(),
        },
        ProcessDraft {
            procedure_code: BIRTH.into(),
            agency_code: None,
            level: Level::Commune,
            steps: vec![
                step("Tiếp nhận hồ sơ", Role::Receiver, None, 2),
                step("Thẩm định", Role::Specialist, None, 4),
                step("Ký giấy khai sinh", Role::Leader, None, 2),
            ],
            note: "Quy trình chung cấp xã.".into(),
        },
    ]
}

/// The form sample's process: the commune's, like the birth registration's.
pub fn form_process() -> ProcessDraft {
    ProcessDraft {
        procedure_code: FORM_30.into(),
        agency_code: None,
        level: Level::Commune,
        steps: vec![
            step("Tiếp nhận hồ sơ", Role::Receiver, None, 4),
            step("Thẩm định", Role::Specialist, None, 8),
            step("Cấp Giấy chứng nhận", Role::Leader, None, 4),
        ],
        note: "Quy trình chung cấp xã.".into(),
    }
}

/// Publishes the two sample procedures and approves their processes (skips what is there).
pub async fn load(store: &Store) -> anyhow::Result<()> {
    publish(store, "MAU-01/QĐ-UBND", procedures(), processes()).await
}

/// Publishes the form sample ([`FORM_30`]) and approves its process, for the generator and
/// the form benchmarks; apart from [`load`], whose databases the tests count procedures of.
pub async fn load_form(store: &Store) -> anyhow::Result<()> {
    publish(
        store,
        "MAU-02/QĐ-UBND",
        vec![form_procedure()],
        vec![form_process()],
    )
    .await
}

/// Publishes the per-copy fee sample ([`COPY_EXTRACT`]) with the commune's process.
pub async fn load_fees(store: &Store) -> anyhow::Result<()> {
    let process = ProcessDraft {
        procedure_code: COPY_EXTRACT.into(),
        agency_code: None,
        level: Level::Commune,
        steps: vec![
            step("Tiếp nhận hồ sơ", Role::Receiver, None, 2),
            step("Kiểm tra, in bản sao", Role::Specialist, None, 4),
            step("Ký bản sao", Role::Leader, None, 2),
        ],
        note: "Quy trình chung cấp xã.".into(),
    };
    publish(
        store,
        "MAU-03/QĐ-UBND",
        vec![fee_procedure()],
        vec![process],
    )
    .await
}

/// Publishes `procedures` under one decision unless the first is published (the demo
/// publishes the two real ones itself), and approves each draft whose procedure has no
/// approved process.
async fn publish(
    store: &Store,
    number: &str,
    procedures: Vec<Procedure>,
    drafts: Vec<ProcessDraft>,
) -> anyhow::Result<()> {
    let now = motcua_app::now();
    let audit = |action: &str| AuditEntry::system(now, action, "samples", serde_json::json!({}));
    let published = match procedures.first() {
        Some(p) => store.published_version(p.code.as_str()).await?.is_some(),
        None => true,
    };
    if !published {
        let load = CatalogueLoad {
            decision: NewDecision {
                number: number.into(),
                decided_on: NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date"),
                signer: "Chủ tịch UBND tỉnh".into(),
                required_count: None,
            },
            procedures,
            memberships: vec![],
        };
        store
            .load_catalogue(&load, now, audit("catalogue.loaded"))
            .await?;
    }
    for draft in drafts {
        let approved = store
            .processes(
                Some(&draft.procedure_code),
                None,
                Some(motcua_domain::dossier::ProcessState::Approved),
            )
            .await?;
        if approved.is_empty() {
            let saved = store
                .save_process_draft(&draft, now, audit("process.drafted"))
                .await?;
            store
                .approve_process(saved.id, now, audit("process.approved"))
                .await?;
        }
    }
    Ok(())
}
