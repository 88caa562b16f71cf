//! The electronic-form designer (issue 15): province administrators add, change, move and
//! remove sections and fields on `/procedures/{code}/form` without script, each post a new
//! draft while the published form stays; a refused definition comes back 422 with its
//! problems and saves nothing; others are refused; the preview draws the form.

use crate::common::{Backend, TestApp, csrf_from, hidden};
use crate::dossier_pages::{signed_in, text};
use motcua_domain::form::FormDefinition;
use reqwest::StatusCode;
use serde_json::Value;

const BIRTH: &str = "1.001193";
/// A demo procedure without an electronic form.
const NO_FORM: &str = "2.000488";

fn designer(code: &str) -> String {
    format!("/procedures/{code}/form")
}

/// Posts one of the designer's forms with the token and stamp of the page it was on.
async fn post(
    app: &TestApp,
    client: &reqwest::Client,
    code: &str,
    page: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let mut body: Vec<(&str, String)> = vec![
        ("csrf_token", csrf_from(page)),
        ("stamp", hidden(page, "stamp")),
    ];
    body.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
    client
        .post(app.url(&designer(code)))
        .form(&body)
        .send()
        .await
        .unwrap()
}

/// Posts and expects the redirect back to the page; returns the page it leads to.
async fn saved(
    app: &TestApp,
    client: &reqwest::Client,
    page: &str,
    fields: &[(&str, &str)],
) -> String {
    let r = post(app, client, BIRTH, page, fields).await;
    let status = r.status();
    assert_eq!(status, StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        to.starts_with(&format!("{}?saved=1", designer(BIRTH))),
        "{to}"
    );
    let (status, html) = text(client, &app.url(&to)).await;
    assert_eq!(status, 200);
    assert!(html.contains("Đã lưu bản nháp."), "{html}");
    html
}

async fn draft_form(app: &TestApp, code: &str) -> Option<FormDefinition> {
    let draft = app.store.draft(code).await.unwrap()?;
    draft.procedure.form
}

/// The section keys of a form, each with its field keys.
fn shape(form: &FormDefinition) -> Vec<(String, Vec<String>)> {
    form.sections
        .iter()
        .map(|s| {
            (
                s.key.clone(),
                s.fields.iter().map(|f| f.key.clone()).collect(),
            )
        })
        .collect()
}

async fn published(app: &TestApp) -> Value {
    let r = reqwest::get(app.url(&format!("/api/v1/procedures/{BIRTH}/form")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

#[tokio::test]
async fn an_administrator_designs_a_form_and_each_change_is_a_draft() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let admin = signed_in(&app, "quantri.tinh").await;
    let before = published(&app).await;
    let published_shape = {
        let form: FormDefinition = serde_json::from_value(before["form"].clone()).unwrap();
        shape(&form)
    };
    let n = published_shape.len();
    let last = (n).to_string();

    // The page lists the form and previews it as the submission page draws it.
    let (_, detail) = text(&admin, &app.url(&format!("/procedures/{BIRTH}"))).await;
    assert!(detail.contains(&format!("href=\"{}\"", designer(BIRTH))));
    let (status, page) = text(&admin, &app.url(&designer(BIRTH))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Thiết kế biểu mẫu điện tử") && page.contains("Xem trước"));
    assert!(page.contains("id=\"f-nyc_ho_ten\""), "the preview's input");

    // A section with its first field.
    let page = saved(
        &app,
        &admin,
        &page,
        &[
            ("op", "add_section"),
            ("s.key", "lien_he"),
            ("s.title", "Liên hệ"),
            ("f.key", "ghi_chu_them"),
            ("f.label", "Ghi chú thêm"),
            ("f.kind", "long_text"),
        ],
    )
    .await;
    let form = draft_form(&app, BIRTH)
        .await
        .expect("a draft with the form");
    assert_eq!(
        shape(&form)[n],
        ("lien_he".into(), vec!["ghi_chu_them".into()])
    );
    assert!(
        page.contains("id=\"f-ghi_chu_them\""),
        "the preview shows it"
    );
    assert!(page.contains("Ghi chú thêm"));

    // A field added to it, then changed: a new key, label and rules.
    saved(
        &app,
        &admin,
        &page,
        &[
            ("op", "add_field"),
            ("section", &last),
            ("f.key", "so_dien_thoai"),
            ("f.label", "Số điện thoại liên hệ"),
            ("f.kind", "phone"),
            ("f.required", "on"),
        ],
    )
    .await;
    let (_, page) = text(
        &admin,
        &app.url(&format!("{}?edit={last}.1", designer(BIRTH))),
    )
    .await;
    assert!(
        page.contains("Sửa trường «Số điện thoại liên hệ»"),
        "{page}"
    );
    assert!(page.contains("value=\"so_dien_thoai\""));
    let page = saved(
        &app,
        &admin,
        &page,
        &[
            ("op", "edit_field"),
            ("section", &last),
            ("field", "1"),
            ("f.key", "nguoi_lien_he"),
            ("f.label", "Người liên hệ"),
            ("f.kind", "text"),
            ("f.len_max", "80"),
            ("f.searchable", "on"),
            ("f.show_field", "ghi_chu_them"),
        ],
    )
    .await;
    let form = draft_form(&app, BIRTH).await.unwrap();
    let field = &form.sections[n].fields[1];
    assert_eq!(
        (field.key.as_str(), field.label.as_str()),
        ("nguoi_lien_he", "Người liên hệ")
    );
    assert!(field.searchable && !field.required);
    assert_eq!(field.show_when.as_ref().unwrap().field, "ghi_chu_them");
    assert_eq!(
        serde_json::to_value(&field.rules).unwrap(),
        serde_json::json!([{"rule": "length", "max": 80}])
    );

    // Moved up within its section, then the other one removed.
    let page = saved(
        &app,
        &admin,
        &page,
        &[("op", "field_up"), ("section", &last), ("field", "1")],
    )
    .await;
    let form = draft_form(&app, BIRTH).await.unwrap();
    assert_eq!(shape(&form)[n].1, ["nguoi_lien_he", "ghi_chu_them"]);
    // Removing the field a condition names is refused by the check, beside the field.
    let refused = post(
        &app,
        &admin,
        BIRTH,
        &page,
        &[("op", "field_remove"), ("section", &last), ("field", "1")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    let problem = "Điều kiện dựa vào trường &#34;ghi_chu_them&#34; không có";
    assert_eq!(
        html.matches(problem).count(),
        2,
        "in the summary and beside the field: {html}"
    );
    assert!(html.contains(&format!("href=\"#d-s{n}-f0\"")), "{html}");
    let page = saved(
        &app,
        &admin,
        &page,
        &[
            ("op", "edit_field"),
            ("section", &last),
            ("field", "0"),
            ("f.key", "nguoi_lien_he"),
            ("f.label", "Người liên hệ"),
            ("f.kind", "text"),
        ],
    )
    .await;
    let page = saved(
        &app,
        &admin,
        &page,
        &[("op", "field_remove"), ("section", &last), ("field", "1")],
    )
    .await;
    let form = draft_form(&app, BIRTH).await.unwrap();
    assert_eq!(shape(&form)[n].1, ["nguoi_lien_he"]);
    assert!(!page.contains("id=\"f-ghi_chu_them\""));

    // The section moved up, its head changed.
    let page = saved(
        &app,
        &admin,
        &page,
        &[("op", "section_up"), ("section", &last)],
    )
    .await;
    let form = draft_form(&app, BIRTH).await.unwrap();
    assert_eq!(form.sections[n - 1].key, "lien_he");
    assert_eq!(form.sections[n].key, published_shape[n - 1].0);
    let page = saved(
        &app,
        &admin,
        &page,
        &[
            ("op", "header"),
            ("title", "TỜ KHAI ĐĂNG KÝ KHAI SINH (MẪU MỚI)"),
            ("template_no", "Mẫu số 01"),
            ("stands_for", "Tờ khai đăng ký khai sinh"),
        ],
    )
    .await;
    assert_eq!(
        draft_form(&app, BIRTH).await.unwrap().title,
        "TỜ KHAI ĐĂNG KÝ KHAI SINH (MẪU MỚI)"
    );

    // The published form never changed.
    let now = published(&app).await;
    assert_eq!(now["version_no"], before["version_no"]);
    assert_eq!(now["form"], before["form"]);

    // A key used twice: 422, the problem at the top and beside the new field's form (which
    // keeps what was typed), and nothing saved.
    let kept = app.store.draft(BIRTH).await.unwrap().unwrap();
    let refused = post(
        &app,
        &admin,
        BIRTH,
        &page,
        &[
            ("op", "add_field"),
            ("section", "0"),
            ("f.key", "nyc_ho_ten"),
            ("f.label", "Họ tên lần nữa"),
            ("f.kind", "text"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(html.contains("Chưa lưu được biểu mẫu."), "{html}");
    assert!(
        html.contains("href=\"#d-s0-add\""),
        "the summary links to it"
    );
    assert!(html.contains("<details id=\"d-s0-add\" open>"), "{html}");
    assert!(html.contains("value=\"Họ tên lần nữa\""));
    assert!(
        html.contains("Phần 1 «Người yêu cầu», trường 6 «Họ tên lần nữa»: Khóa &#34;nyc_ho_ten&#34; đã dùng ở Phần 1 «Người yêu cầu», trường 1"),
        "{html}"
    );
    let after = app.store.draft(BIRTH).await.unwrap().unwrap();
    assert_eq!(after.procedure, kept.procedure);
    assert_eq!(after.created_at, kept.created_at, "nothing was written");

    // A value that does not read, and a position that does not exist.
    let refused = post(
        &app,
        &admin,
        BIRTH,
        &page,
        &[
            ("op", "add_field"),
            ("section", "0"),
            ("f.key", "can_nang"),
            ("f.label", "Cân nặng"),
            ("f.kind", "number"),
            ("f.range_min", "nhẹ"),
        ],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Giá trị nhỏ nhất phải là một số nguyên.")
    );
    let refused = post(
        &app,
        &admin,
        BIRTH,
        &page,
        &[("op", "field_remove"), ("section", "0"), ("field", "40")],
    )
    .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("Không có trường thứ 41 trong phần «Người yêu cầu»")
    );

    // A page drawn before another change is stale: its positions may name other fields.
    let (_, fresh) = text(&admin, &app.url(&designer(BIRTH))).await;
    saved(
        &app,
        &admin,
        &fresh,
        &[("op", "section_down"), ("section", "0")],
    )
    .await;
    let stale = post(
        &app,
        &admin,
        BIRTH,
        &fresh,
        &[("op", "section_remove"), ("section", "0")],
    )
    .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(
        draft_form(&app, BIRTH).await.unwrap().sections.len(),
        n + 1,
        "nothing removed"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_form_is_started_and_only_province_administrators_design() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    // Signed out: to the login page.
    let stranger = app.client();
    let r = stranger
        .get(app.url(&designer(BIRTH)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    // An officer: refused, reading and posting.
    let officer = signed_in(&app, "motcua.dongkinh").await;
    let (status, _) = text(&officer, &app.url(&designer(BIRTH))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, home) = text(&officer, &app.url("/")).await;
    let r = officer
        .post(app.url(&designer(BIRTH)))
        .form(&[
            ("csrf_token", csrf_from(&home).as_str()),
            ("op", "section_remove"),
            ("section", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(app.store.draft(BIRTH).await.unwrap().is_none());

    let admin = signed_in(&app, "quantri.tinh").await;
    let (status, _) = text(&admin, &app.url(&designer("9.999999"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A procedure without a form: started with its header, first section and first field.
    let (status, page) = text(&admin, &app.url(&designer(NO_FORM))).await;
    assert_eq!(status, 200);
    assert!(page.contains("Tạo biểu mẫu điện tử"), "{page}");
    let create = |title: &'static str| {
        vec![
            ("op", "create"),
            ("title", title),
            ("s.key", "nguoi_de_nghi"),
            ("s.title", "Người đề nghị"),
            ("f.key", "ho_ten"),
            ("f.label", "Họ và tên"),
            ("f.kind", "text"),
            ("f.required", "on"),
            ("f.prefill", "name"),
        ]
    };
    let refused = post(&app, &admin, NO_FORM, &page, &create("  ")).await;
    assert_eq!(refused.status(), 422);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("Tiêu đề tờ khai: Thiếu tiêu đề tờ khai"),
        "{html}"
    );
    assert!(html.contains("value=\"Họ và tên\""), "what was typed stays");
    assert!(app.store.draft(NO_FORM).await.unwrap().is_none());
    let r = post(&app, &admin, NO_FORM, &page, &create("TỜ KHAI ĐỀ NGHỊ")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let form = draft_form(&app, NO_FORM).await.unwrap();
    assert_eq!(form.title, "TỜ KHAI ĐỀ NGHỊ");
    assert_eq!(
        shape(&form),
        [("nguoi_de_nghi".to_owned(), vec!["ho_ten".to_owned()])]
    );
    let (_, page) = text(&admin, &app.url(&designer(NO_FORM))).await;
    assert!(page.contains("Đang sửa <strong>dự thảo</strong>"));
    assert!(page.contains("id=\"f-ho_ten\""), "the preview draws it");
    app.stop().await;
}
