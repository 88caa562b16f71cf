//! Fees by bank transfer: an agency's receiving account entered by its administrator, a fee
//! asked for by the officer, and the VietQR code the applicant's page draws, read back by an
//! independent decoder (rqrr) and checked field by field, CRC included.

use crate::common::{
    Api, Backend, TestApp, agency_of, csrf_from, numbered_submission, officer, problem,
};
use crate::dossier_pages::signed_in;
use motcua_domain::account::Role;
use motcua_domain::vietqr::{self, NAPAS_GUID};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// A dossier received at Đông Kinh's counter, and a specialist there who may ask a fee for it.
pub(crate) async fn payable(app: &TestApp) -> (Api<'_>, String) {
    motcua::samples::load(&app.store).await.unwrap();
    let citizen = Api::new(app, "congdan").await;
    let receiver = Api::new(app, "motcua.dongkinh").await;
    let agency = agency_of(app, "motcua.dongkinh").await;
    let r = citizen
        .post("/api/v1/dossiers", &numbered_submission(&agency, 7))
        .await;
    assert_eq!(r.status(), 201);
    let code = r.json::<Value>().await.unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    receiver.act_ok(&code, "accept", json!({})).await;
    let desk = app.store.dossier(&code).await.unwrap().unwrap().desk_agency;
    let specialist = officer(app, "cv.phi", Role::Specialist, &desk).await;
    let d = specialist.json(&format!("/api/v1/dossiers/{code}")).await;
    let allowed = d["allowed_actions"].as_array().unwrap();
    assert!(
        allowed.iter().any(|a| a["action"] == "request_payment"),
        "{allowed:?}"
    );
    (specialist, code)
}

/// The dark modules of a QR code drawn by the page's SVG (rectangles `M x y h w v h H x V y`
/// in one path), as a greyscale image `scale` pixels per module.
fn rasterise(svg: &str, scale: usize) -> (usize, usize, Vec<u8>) {
    let attr = |name: &str| -> usize {
        let at = svg.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        svg[at..at + svg[at..].find('"').unwrap()].parse().unwrap()
    };
    let (w, h) = (attr("width"), attr("height"));
    let mut pixels = vec![255u8; w * h * scale * scale];
    let d_at = svg.find(" d=\"").unwrap() + 4;
    let path = &svg[d_at..d_at + svg[d_at..].find('"').unwrap()];
    for rect in path.split('M').filter(|r| !r.is_empty()) {
        let nums: Vec<usize> = rect
            .split(|c: char| !c.is_ascii_digit())
            .filter(|n| !n.is_empty())
            .map(|n| n.parse().unwrap())
            .collect();
        let (left, top, width, height) = (nums[0], nums[1], nums[2], nums[3]);
        for y in top * scale..(top + height) * scale {
            for x in left * scale..(left + width) * scale {
                pixels[y * w * scale + x] = 0;
            }
        }
    }
    (w * scale, h * scale, pixels)
}

pub(crate) fn decode_qr(svg: &str) -> String {
    let (width, height, pixels) = rasterise(svg, 4);
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code on the page");
    grids[0].decode().unwrap().1
}

#[tokio::test]
async fn an_agency_account_and_a_fee_request_give_a_vietqr_code_that_reads_back() {
    let app = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let (officer, code) = payable(&app).await;
    let record = app.store.dossier(&code).await.unwrap().unwrap();
    let agency = record.dossier.handling_agency.to_string();

    // The sample procedure's fee is 0 đ: another amount needs its reason.
    let d = officer.json(&format!("/api/v1/dossiers/{code}")).await;
    let asked = |body: Value| officer.act(&code, body);
    let r = asked(
        json!({ "action": "request_payment", "version": d["version"], "amount_vnd": 50_000 }),
    )
    .await;
    problem(r, 422, "adjustment_reason_required").await;
    officer
        .act_ok(
            &code,
            "request_payment",
            json!({ "amount_vnd": 50_000, "reason": "Phí cấp bản sao theo Thông tư 244/2016/TT-BTC" }),
        )
        .await;
    let summary = officer
        .json(&format!("/api/v1/dossiers/{code}/payment"))
        .await;
    assert_eq!(summary["requested_vnd"], 50_000);
    assert_eq!(summary["outstanding_vnd"], 50_000);
    assert_eq!(summary["awaiting_payment"], true);
    assert_eq!(summary["vietqr"], Value::Null, "no account entered yet");

    // The province's administrator enters the account: a bad BIN is refused, nothing kept.
    let admin = signed_in(&app, "quantri.tinh").await;
    let edit = app.url(&format!("/admin/agencies/{agency}"));
    let page = admin.get(&edit).send().await.unwrap().text().await.unwrap();
    let csrf = csrf_from(&page);
    let post = |bin: &'static str| {
        admin
            .post(app.url(&format!("/admin/agencies/{agency}/payment-account")))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("bank_bin", bin),
                ("account_no", "1130 0006 6888"),
                ("account_name", "Ủy ban nhân dân phường Đông Kinh"),
            ])
            .send()
    };
    let r = post("97041").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("6 chữ số"));
    assert!(app.store.payment_account(&agency).await.unwrap().is_none());
    let r = post("970415").await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let events = app
        .store
        .audit_events_for(&format!("agency:{agency}"))
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.entry.action == "agency.payment_account_set")
    );

    let summary = officer
        .json(&format!("/api/v1/dossiers/{code}/payment"))
        .await;
    assert_eq!(
        summary["account"]["account_name"],
        "UY BAN NHAN DAN PHUONG DONG KINH"
    );
    let payload = summary["vietqr"].as_str().unwrap().to_owned();

    // The applicant's page draws it; an independent decoder reads the drawing back.
    let phone = record.applicant.phone.as_ref().unwrap().as_str().to_owned();
    let check = &phone[phone.len() - 4..];
    let applicant = app.client();
    let r = applicant
        .get(app.url(&format!("/lookup?code={code}&check={check}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Nộp phí, lệ phí") && html.contains("50.000"),
        "{html}"
    );
    let svg_at = html
        .find("<svg role=\"img\" aria-label=\"Mã VietQR")
        .unwrap();
    let svg = &html[svg_at..svg_at + html[svg_at..].find("</svg>").unwrap() + 6];
    let read = decode_qr(svg);
    assert_eq!(read, payload, "the drawing carries the API's payload");
    let d = vietqr::decode(&read).unwrap();
    assert_eq!(d.point_of_initiation, "12");
    assert_eq!(d.guid, NAPAS_GUID);
    assert_eq!(d.bank_bin, "970415");
    assert_eq!(d.account, "113000066888");
    assert_eq!(d.service, "QRIBFTTA");
    assert_eq!(d.currency, "704");
    assert_eq!(d.amount_vnd, Some(50_000));
    assert_eq!(d.country, "VN");
    assert_eq!(d.purpose.as_deref(), Some(code.as_str()));

    // Paid at the counter: nothing outstanding, no code.
    Api::new(&app, "motcua.dongkinh")
        .await
        .act_ok(&code, "record_payment", json!({ "amount_vnd": 50_000 }))
        .await;
    let summary = officer
        .json(&format!("/api/v1/dossiers/{code}/payment"))
        .await;
    assert_eq!(summary["outstanding_vnd"], 0);
    assert_eq!(summary["vietqr"], Value::Null);
}
