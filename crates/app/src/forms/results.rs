//! Results made from the declaration: the procedure's result template filled from what the
//! applicant declared and what the officer decides (the register number), set as an A4 PDF
//! and attached as a result, which approval signs like any other (Decree 61/2018, art. 18).
//! What it certifies is kept beside it, so `/verify` can say so.

use crate::documents::upload::{UploadInput, prepare, store};
use crate::documents::views::DossierDocument;
use crate::forms::readable::said;
use crate::pdf::{Sheet, Weight};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::form::{FormDefinition, ResultTemplate};
use serde::{Deserialize, Serialize};

/// What a result made from data certifies: its title and its rows as set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Certified {
    pub title: String,
    pub rows: Vec<(String, String)>,
}

const BODY: f32 = 11.0;

/// Fills the dossier's result template from its declaration and sets it as a PDF draft
/// result (signed at approval). Officers handling the dossier only; `register_no` is the
/// number in the register book, `lookup_url` the address its QR code opens.
pub async fn issue(
    app: &App,
    who: &Principal,
    code: &str,
    register_no: Option<&str>,
    lookup_url: &str,
) -> AppResult<DossierDocument> {
    if !matches!(who.role, Role::Receiver | Role::Specialist | Role::Leader) {
        return Err(AppError::forbidden());
    }
    let detail = crate::dossiers::read::detail(app, who, code).await?;
    let Some(declaration) = detail.declaration.as_ref().filter(|d| !d.masked) else {
        return Err(AppError::conflict(
            "no_declaration",
            "Hồ sơ không có tờ khai điện tử để lập kết quả.",
        ));
    };
    let Some(template) = declaration.form().result.as_ref() else {
        return Err(AppError::conflict(
            "no_result_template",
            "Thủ tục này không có mẫu kết quả lập từ tờ khai.",
        ));
    };
    let register_no = register_no.map(str::trim).filter(|n| !n.is_empty());
    if let Some(n) = register_no {
        motcua_domain::text::check_text("số đăng ký", n)
            .map_err(|e| AppError::invalid_field("register_no", e.code(), e.to_string()))?;
        if n.chars().count() > 50 {
            return Err(AppError::invalid_field(
                "register_no",
                "register_no_too_long",
                "Số đăng ký dài quá 50 ký tự.",
            ));
        }
    }
    let agency = &detail.record.dossier.handling_agency;
    let agency_name = match app.store.agency(agency.as_str()).await? {
        Some(a) => a.name,
        None => agency.to_string(),
    };
    let choices = super::choices(app).await?;
    let today = crate::today_vn();
    let facts = [
        ("@so", register_no.unwrap_or_default().to_owned()),
        ("@ngay", today.format("%d/%m/%Y").to_string()),
        ("@co_quan", agency_name.clone()),
        ("@ma_ho_so", code.to_owned()),
    ];
    let value = |name: &str| -> Option<String> {
        if let Some((_, v)) = facts.iter().find(|(k, _)| *k == name) {
            return Some(v.clone());
        }
        let (_, field) = declaration
            .form()
            .fields()
            .find(|(s, f)| s.repeat.is_none() && f.key == name)?;
        declaration.data.get(name).map(|v| said(field, v, &choices))
    };
    let certified = Certified {
        title: template.title.clone(),
        rows: template.fill(&value),
    };
    let pdf = sheet(
        template,
        &certified,
        &agency_name,
        code,
        lookup_url,
        declaration.form(),
    )
    .and_then(Sheet::finish)
    .map_err(|e| AppError::unavailable("pdf_unavailable", e.to_string()))?;
    let input = UploadInput {
        name: Some(format!("{}-{code}.pdf", file_stem(&template.title))),
        kind: Some("result".into()),
        certifies: Some(serde_json::to_string(&certified).map_err(AppError::internal)?),
        ..UploadInput::default()
    };
    let prepared = prepare(app, who, code, &input).await?;
    let body = futures_util::stream::once(async move {
        Ok::<_, std::convert::Infallible>(bytes::Bytes::from(pdf))
    });
    store(app, who, prepared, body).await
}

/// "TRÍCH LỤC KHAI SINH" → "trich-luc-khai-sinh".
fn file_stem(title: &str) -> String {
    let folded = motcua_domain::text::fold(title);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        "ket-qua".into()
    } else {
        words.join("-")
    }
}

fn sheet(
    template: &ResultTemplate,
    certified: &Certified,
    agency_name: &str,
    code: &str,
    lookup_url: &str,
    form: &FormDefinition,
) -> Result<Sheet, crate::pdf::PdfUnavailable> {
    let mut s = Sheet::new(&format!("{} · {code}", template.title))?;
    let upper = agency_name.to_uppercase();
    let number = format!("Hồ sơ: {code}");
    s.columns(
        &[
            (&upper, BODY, Weight::Bold),
            (&number, BODY, Weight::Regular),
        ],
        &[
            ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", BODY, Weight::Bold),
            ("Độc lập - Tự do - Hạnh phúc", BODY + 1.0, Weight::Bold),
        ],
    );
    s.gap(8.0);
    if let Some(no) = template
        .template_no
        .as_deref()
        .or(form.template_no.as_deref())
    {
        s.paragraph(no, 9.0, Weight::Regular);
    }
    s.centred(&certified.title, 14.0, Weight::Bold);
    s.gap(6.0);
    s.qr_right(lookup_url, 28.0, "Quét mã để tra cứu hồ sơ");
    s.facts(&certified.rows, BODY);
    s.clear();
    s.gap(16.0);
    s.columns(
        &[],
        &[
            (&template.signer, BODY, Weight::Bold),
            ("(Ký số của cơ quan)", 9.0, Weight::Regular),
        ],
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    #[test]
    fn file_names_come_from_the_title() {
        assert_eq!(
            super::file_stem("TRÍCH LỤC KHAI SINH"),
            "trich-luc-khai-sinh"
        );
        assert_eq!(super::file_stem("…"), "ket-qua");
    }
}
