//! What the verified identity gives the online form: the name and number filled and not
//! editable, a changed one refused, and the dossier recording them as verified.

use crate::common::{Backend, TestApp, agency_of};
use crate::dossier_pages::PDF;
use crate::identity::{AN_ID, app_with_provider, location, page, sign_in};
use reqwest::StatusCode;

/// Posts the online form of the criminal-record sample with these applicant fields.
async fn post_online(
    app: &TestApp,
    client: &reqwest::Client,
    form: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    use crate::dossier_pages::{BOUNDARY, multipart};
    let csrf = crate::common::csrf_from(form);
    let key = crate::common::hidden(form, "idempotency_key");
    let mut all = vec![
        ("csrf_token", csrf.as_str()),
        ("idempotency_key", key.as_str()),
        ("kind", "person"),
        ("phone", "0912 000 111"),
    ];
    all.extend_from_slice(fields);
    let files: Vec<(&str, &str, &[u8])> = vec![
        ("doc_0", "to-khai.pdf", PDF),
        ("doc_1", "can-cuoc.pdf", PDF),
        ("doc_2", "cu-tru.pdf", PDF),
    ];
    client
        .post(app.url(&format!(
            "/procedures/{}/submit",
            motcua::samples::CRIMINAL_RECORD
        )))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(&all, &files))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_verified_name_and_number_fill_the_form_and_are_recorded_as_verified() {
    let Some((app, _provider)) = app_with_provider(Backend::Postgres).await else {
        return;
    };
    motcua::samples::load(&app.store).await.unwrap();
    let agency = agency_of(&app, "motcua.dongkinh").await;
    let form_url = app.url(&format!(
        "/procedures/{}/submit",
        motcua::samples::CRIMINAL_RECORD
    ));
    // Without an account the form offers the electronic identity.
    let anonymous = page(&app.client(), form_url.clone()).await.1;
    assert!(anonymous.contains("/auth/oidc/vneid/start?next=%2Fprocedures%2F"));

    let browser = app.client();
    let r = sign_in(&app, &browser, "vneid", "an").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let form = page(&browser, form_url.clone()).await.1;
    assert!(form.contains(r#"value="Hoàng Thị An" readonly"#), "{form}");
    assert!(form.contains(&format!(r#"value="{AN_ID}" readonly"#)));
    assert!(form.contains("Đã xác thực qua tài khoản định danh điện tử"));
    assert!(
        form.contains("Số 5 đường Bà Triệu"),
        "the verified address fills the address"
    );

    // The name cannot be changed by posting another.
    let r = post_online(
        &app,
        &browser,
        &form,
        &[
            ("name", "Người Khác"),
            ("citizen_id", AN_ID),
            ("agency", &agency),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("không sửa"));
    assert_eq!(app.store.count_dossiers().await.unwrap(), 0);

    let form = page(&browser, form_url).await.1;
    let r = post_online(
        &app,
        &browser,
        &form,
        &[
            ("name", "Hoàng  Thị An"),
            ("citizen_id", AN_ID),
            ("agency", &agency),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    let code = to.split('/').nth(2).unwrap();
    let record = app.store.dossier(code).await.unwrap().unwrap();
    let verified = record.applicant.verified.expect("recorded as verified");
    assert_eq!(verified.provider, "vneid");
    assert_eq!(verified.fields, vec!["name", "citizen_id"]);
}
