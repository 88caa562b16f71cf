//! Forms 01–04 as PDF files, laid out as the printed page: the heading of an
//! administrative document, the title, the QR code to the lookup, the body and the
//! signature blocks. Form 05 (a wide table) is printed from its page only.

use super::forms::PrintPage;
use crate::pages::error_page_with;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use motcua_app::pdf::{Sheet, Weight};

const BODY: f32 = 11.0;

/// Whether form `form_no` is offered as a PDF here.
pub(super) fn offered(form_no: &str) -> bool {
    matches!(form_no, "01" | "02" | "03" | "04") && motcua_app::pdf::available()
}

/// The form as a PDF answer, or a page saying why there is none.
pub(super) fn response(page: &PrintPage) -> Response {
    if !matches!(page.form_no.as_str(), "01" | "02" | "03" | "04") {
        return error_page_with(
            page.chrome.clone(),
            StatusCode::NOT_FOUND,
            "Mẫu này chỉ có bản in từ trang; hãy dùng lệnh In của trình duyệt.",
        );
    }
    match sheet(page).and_then(Sheet::finish) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "inline; filename=\"mau-{}-{}.pdf\"",
                        page.form_no, page.code
                    ),
                ),
                // It carries personal data.
                (header::CACHE_CONTROL, "no-store".to_owned()),
            ],
            bytes,
        )
            .into_response(),
        Err(unavailable) => error_page_with(
            page.chrome.clone(),
            StatusCode::SERVICE_UNAVAILABLE,
            &unavailable.to_string(),
        ),
    }
}

fn sheet(p: &PrintPage) -> Result<Sheet, motcua_app::pdf::PdfUnavailable> {
    let mut s = Sheet::new(&format!("Mẫu {} · {} · {}", p.form_no, p.title, p.code))?;
    let number = format!("Số: {}", p.code);
    s.columns(
        &[
            (&p.authority, BODY, Weight::Regular),
            (&p.agency, BODY, Weight::Bold),
            (&number, BODY, Weight::Regular),
        ],
        &[
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", BODY, Weight::Bold),
            ("Độc lập - Tự do - Hạnh phúc", BODY + 1.0, Weight::Bold),
            (&p.place_date, BODY, Weight::Regular),
        ],
    );
    s.gap(8.0);
    s.paragraph(&format!("Mẫu số {}", p.form_no), 9.0, Weight::Regular);
    s.centred(&p.title, 13.0, Weight::Bold);
    s.gap(6.0);
    s.qr_right(&p.qr_data, 30.0, "Quét mã để tra cứu hồ sơ");
    let kind_of_signer = match p.form_no.as_str() {
        "01" => body_01(&mut s, p),
        "02" => {
            addressed(
                &mut s,
                p,
                "đã nhận hồ sơ {code} về thủ tục {procedure}. Sau khi xem xét, đề nghị bổ sung, \
                 hoàn thiện hồ sơ gồm những nội dung sau:",
            );
            s.numbered(&p.missing, BODY);
            let reason = if p.reason.is_empty() {
                "hồ sơ chưa đầy đủ theo quy định"
            } else {
                &p.reason
            };
            plain(
                &mut s,
                &format!(
                    "Lý do: {reason}. Mọi nội dung cần bổ sung đã được nêu đủ trong phiếu này."
                ),
            );
            if !p.supplement_by.is_empty() {
                plain(
                    &mut s,
                    &format!("Đề nghị bổ sung trước ngày {}.", p.supplement_by),
                );
            }
            plain(
                &mut s,
                "Trong quá trình hoàn thiện hồ sơ, nếu có vướng mắc, xin liên hệ Bộ phận một \
                 cửa để được hướng dẫn.",
            );
            "NGƯỜI LẬP PHIẾU"
        }
        "03" => {
            addressed(
                &mut s,
                p,
                "đã nhận hồ sơ {code} về thủ tục {procedure}. Căn cứ quy định hiện hành, cơ \
                 quan không tiếp nhận, giải quyết hồ sơ này vì lý do:",
            );
            s.paragraph(&p.reason, BODY, Weight::Bold);
            plain(&mut s, "Xin thông báo để ông/bà biết và thực hiện.");
            "NGƯỜI LẬP PHIẾU"
        }
        _ => {
            let opening = format!(
                "đã tiếp nhận hồ sơ {{code}} về thủ tục {{procedure}} lúc {}, hẹn trả kết quả \
                 lúc {}.",
                p.received_at, p.previous_due
            );
            addressed(&mut s, p, &opening);
            plain(
                &mut s,
                &format!(
                    "Nhưng đến nay, hồ sơ chưa giải quyết xong vì lý do: {}",
                    p.reason
                ),
            );
            s.paragraph(
                &format!(
                    "Sự chậm trễ này đã gây phiền hà cho ông/bà. Chúng tôi xin lỗi và hẹn trả \
                     kết quả vào lúc {}.",
                    p.new_due
                ),
                BODY,
                Weight::Bold,
            );
            plain(&mut s, "Kính mong ông/bà thông cảm.");
            "NGƯỜI LẬP PHIẾU"
        }
    };
    s.clear();
    s.gap(14.0);
    let note = "(Ký và ghi rõ họ tên)";
    let officer = [
        (kind_of_signer, BODY, Weight::Bold),
        (note, 9.0, Weight::Regular),
        ("", BODY, Weight::Regular),
        ("", BODY, Weight::Regular),
        (p.officer.as_str(), BODY, Weight::Bold),
    ];
    let applicant: &[(&str, f32, Weight)] = if p.form_no == "01" {
        &[
            ("NGƯỜI NỘP HỒ SƠ", BODY, Weight::Bold),
            (note, 9.0, Weight::Regular),
        ]
    } else {
        &[]
    };
    s.columns(applicant, &officer);
    Ok(s)
}

/// Form 01, the receipt: what was received, when the result is due, and how to follow it.
fn body_01(s: &mut Sheet, p: &PrintPage) -> &'static str {
    s.paragraph(
        &format!("{} đã tiếp nhận hồ sơ:", p.agency_name),
        BODY,
        Weight::Regular,
    );
    let mut facts = vec![
        ("Mã hồ sơ".to_owned(), p.code.clone()),
        ("Mã bí mật tra cứu".to_owned(), p.secret.clone()),
        ("Thủ tục".to_owned(), p.procedure_name.clone()),
    ];
    facts.extend(
        p.applicant
            .iter()
            .map(|l| (l.label.clone(), l.value.clone())),
    );
    facts.push(("Hình thức nộp".to_owned(), p.channel.clone()));
    facts.push(("Thời điểm tiếp nhận".to_owned(), p.received_at.clone()));
    s.facts(&facts, BODY);
    s.clear();
    if !p.documents.is_empty() {
        s.paragraph("Thành phần hồ sơ gồm:", BODY, Weight::Regular);
        s.numbered(&p.documents, BODY);
    }
    s.gap(4.0);
    s.paragraph(
        &format!("Thời gian trả kết quả giải quyết hồ sơ: {}", p.due_at),
        BODY,
        Weight::Bold,
    );
    s.paragraph(
        &format!(
            "Nhận kết quả tại: Bộ phận một cửa, {}, hoặc theo hình thức đã đăng ký.",
            p.agency_name
        ),
        BODY,
        Weight::Regular,
    );
    s.gap(4.0);
    s.paragraph(
        &format!(
            "Tra cứu tình trạng hồ sơ tại {} với mã hồ sơ và mã bí mật tra cứu (quét mã QR là \
             đủ), hoặc 4 chữ số cuối của {}. Giữ kín mã bí mật: ai có mã này xem được hồ sơ.",
            p.lookup, p.check_hint
        ),
        9.0,
        Weight::Regular,
    );
    "NGƯỜI TIẾP NHẬN HỒ SƠ"
}

fn plain(s: &mut Sheet, text: &str) {
    s.paragraph(text, BODY, Weight::Regular);
}

/// "Kính gửi" the applicant, then the agency's opening sentence (`{code}` and `{procedure}`
/// filled in); the QR code ends beside it.
fn addressed(s: &mut Sheet, p: &PrintPage, opening: &str) {
    s.paragraph(
        &format!("Kính gửi: {}", p.applicant_name),
        BODY,
        Weight::Bold,
    );
    let opening = opening
        .replace("{code}", &p.code)
        .replace("{procedure}", &p.procedure_name);
    plain(s, &format!("{} {opening}", p.agency_name));
    s.clear();
}
