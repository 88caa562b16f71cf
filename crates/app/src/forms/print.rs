//! The declaration printed as the official form: A4, the national motto, the template's
//! number, addressed to the receiving agency, every section in words, a QR code to the
//! lookup and the applicant's signature block.

use super::readable::ReadableSection;
use crate::dossiers::read::Declaration;
use crate::pdf::{Sheet, Weight};
use crate::{App, AppError, AppResult};
use motcua_store::DossierRecord;

const BODY: f32 = 10.5;

/// The declaration of `record` as a PDF; `lookup_url` is what its QR code opens.
pub async fn declaration_pdf(
    app: &App,
    record: &DossierRecord,
    declaration: &Declaration,
    lookup_url: &str,
) -> AppResult<Vec<u8>> {
    let choices = super::choices(app).await?;
    let sections = super::readable::readable(declaration, &choices);
    let agency = record.dossier.receiving_agency.as_str();
    let agency_name = match app.store.agency(agency).await? {
        Some(a) => a.name,
        None => agency.to_owned(),
    };
    let submitted = motcua_domain::calendar::from_vn_local(record.dossier.submitted_at)
        .format("%H:%M ngày %d/%m/%Y")
        .to_string();
    sheet(
        declaration,
        &sections,
        record,
        &agency_name,
        &submitted,
        lookup_url,
    )
    .and_then(Sheet::finish)
    .map_err(|e| AppError::unavailable("pdf_unavailable", e.to_string()))
}

fn sheet(
    declaration: &Declaration,
    sections: &[ReadableSection],
    record: &DossierRecord,
    agency_name: &str,
    submitted: &str,
    lookup_url: &str,
) -> Result<Sheet, crate::pdf::PdfUnavailable> {
    let form = declaration.form();
    let code = record.code();
    let mut s = Sheet::new(&format!("{} · {code}", form.title))?;
    if let Some(no) = &form.template_no {
        s.paragraph(no, 9.0, Weight::Regular);
    }
    s.centred("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", BODY, Weight::Bold);
    s.centred("Độc lập - Tự do - Hạnh phúc", BODY + 1.0, Weight::Bold);
    s.gap(10.0);
    s.qr_right(lookup_url, 26.0, "Quét mã để tra cứu hồ sơ");
    s.centred(&form.title, 13.0, Weight::Bold);
    s.gap(4.0);
    s.paragraph(&format!("Kính gửi: {agency_name}"), BODY, Weight::Regular);
    s.paragraph(&format!("Mã hồ sơ: {code}"), BODY, Weight::Regular);
    s.clear();
    for section in sections {
        s.gap(6.0);
        s.paragraph(&section.title, BODY, Weight::Bold);
        let rows: Vec<(String, String)> = section
            .rows
            .iter()
            .map(|r| {
                if r.heading {
                    (format!("— {}", r.label), String::new())
                } else {
                    (r.label.clone(), r.value.clone())
                }
            })
            .collect();
        s.facts(&rows, BODY);
    }
    if declaration.masked {
        s.gap(6.0);
        s.paragraph(
            "Thông tin cá nhân được che bớt theo quyền của người in.",
            9.0,
            Weight::Regular,
        );
    }
    s.gap(14.0);
    let signer = if declaration.masked {
        motcua_domain::dossier::mask_name(&record.applicant.name)
    } else {
        record.applicant.name.clone()
    };
    let when = format!("Nộp lúc {submitted}");
    s.columns(
        &[],
        &[
            (&when, 9.0, Weight::Regular),
            ("NGƯỜI YÊU CẦU", BODY, Weight::Bold),
            ("(đã xác nhận khi nộp trực tuyến)", 9.0, Weight::Regular),
            (&signer, BODY, Weight::Bold),
        ],
    );
    Ok(s)
}
