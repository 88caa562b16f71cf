//! The drafting form's fields, read into a procedure and written back from one.

use motcua_domain::agency::{AgencyCode, AgencyKind};
use motcua_domain::procedure::{
    Applicant, Level, OnlineLevel, Procedure, ProcedureCode, ProcedureResult, ProcessingTime,
    RequiredDocument, ResultForm, Retention, SubmissionChannel, TimeUnit,
};

mod fees;

/// The drafting form's fields as text, so a rejected form comes back as typed.
#[derive(Default)]
pub(crate) struct FormValues {
    pub code: String,
    pub name: String,
    pub sector: String,
    pub levels: Vec<String>,
    pub agency_code: String,
    pub agency_kind: String,
    pub applicants: Vec<String>,
    pub time_value: String,
    pub time_unit: String,
    pub norm_value: String,
    pub norm_unit: String,
    pub channels: Vec<String>,
    pub online_level: String,
    pub online_reason: String,
    pub steps: String,
    pub legal_bases: String,
    pub valid_from: String,
    pub valid_to: String,
    pub documents: String,
    pub fees: String,
    pub results: String,
}

fn yes(b: bool) -> &'static str {
    if b { "có" } else { "không" }
}

impl FormValues {
    pub(super) fn from_pairs(pairs: Vec<(String, String)>) -> FormValues {
        let mut v = FormValues::default();
        for (key, value) in pairs {
            match key.as_str() {
                "code" => v.code = value,
                "name" => v.name = value,
                "sector" => v.sector = value,
                "levels" => v.levels.push(value),
                "agency_code" => v.agency_code = value,
                "agency_kind" => v.agency_kind = value,
                "applicants" => v.applicants.push(value),
                "time_value" => v.time_value = value,
                "time_unit" => v.time_unit = value,
                "norm_value" => v.norm_value = value,
                "norm_unit" => v.norm_unit = value,
                "channels" => v.channels.push(value),
                "online_level" => v.online_level = value,
                "online_reason" => v.online_reason = value,
                "steps" => v.steps = value,
                "legal_bases" => v.legal_bases = value,
                "valid_from" => v.valid_from = value,
                "valid_to" => v.valid_to = value,
                "documents" => v.documents = value,
                "fees" => v.fees = value,
                "results" => v.results = value,
                _ => {}
            }
        }
        v
    }

    pub(super) fn from_procedure(p: &Procedure) -> FormValues {
        FormValues {
            code: p.code.to_string(),
            name: p.name.clone(),
            sector: p.sector.clone(),
            levels: p.levels.iter().map(|l| l.as_str().into()).collect(),
            agency_code: p
                .agency_code
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            agency_kind: p
                .agency_kind
                .map(|k| k.as_str().to_owned())
                .unwrap_or_default(),
            applicants: p.applicants.iter().map(|a| a.as_str().into()).collect(),
            time_value: p.processing_time.value.to_string(),
            time_unit: p.processing_time.unit.as_str().into(),
            norm_value: p
                .service_norm
                .map(|n| n.value.to_string())
                .unwrap_or_default(),
            norm_unit: p
                .service_norm
                .map_or(p.processing_time.unit, |n| n.unit)
                .as_str()
                .into(),
            channels: p.channels.iter().map(|c| c.as_str().into()).collect(),
            online_level: p.online_level.as_str().into(),
            online_reason: p.online_reason.clone().unwrap_or_default(),
            steps: p.steps.clone(),
            legal_bases: p.legal_bases.join("\n"),
            valid_from: p.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            valid_to: p.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            documents: p
                .documents
                .iter()
                .map(|d| {
                    format!(
                        "{} | {} | {} | {} | {} | {}",
                        d.name,
                        d.originals,
                        d.copies,
                        d.form_template.clone().unwrap_or_default(),
                        yes(d.digitisation_required),
                        yes(d.reusable)
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            fees: fees::format(&p.fees),
            results: p
                .results
                .iter()
                .map(|r| {
                    let retention = match r.retention {
                        Retention::Permanent => "vinh_vien".to_owned(),
                        Retention::Years(n) => n.to_string(),
                    };
                    format!("{} | {} | {retention}", r.name, r.form.as_str())
                })
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    /// The procedure the form describes, or every problem found reading it.
    pub(super) fn to_procedure(&self) -> Result<Procedure, Vec<String>> {
        let mut errors = Vec::new();
        let code = take(
            &mut errors,
            "Mã thủ tục",
            ProcedureCode::parse(&self.code).map_err(|e| e.to_string()),
        );
        let levels: Vec<Level> = self.levels.iter().filter_map(|l| l.parse().ok()).collect();
        let applicants: Vec<Applicant> = self
            .applicants
            .iter()
            .filter_map(|a| a.parse().ok())
            .collect();
        let channels: Vec<SubmissionChannel> = self
            .channels
            .iter()
            .filter_map(|c| c.parse().ok())
            .collect();
        let agency_code = match self.agency_code.trim() {
            "" => None,
            raw => take(
                &mut errors,
                "Cơ quan thực hiện",
                AgencyCode::parse(raw).map_err(|e| e.to_string()),
            ),
        };
        let agency_kind = match self.agency_kind.trim() {
            "" => None,
            raw => take(&mut errors, "Loại cơ quan", raw.parse::<AgencyKind>()),
        };
        let number = |raw: &str| {
            raw.trim()
                .parse::<u32>()
                .map_err(|_| format!("phải là số nguyên không âm, không phải {raw:?}"))
        };
        let time_unit = take(
            &mut errors,
            "Đơn vị thời hạn",
            self.time_unit.parse::<TimeUnit>(),
        );
        let time_value = take(&mut errors, "Thời hạn giải quyết", number(&self.time_value));
        let service_norm = match self.norm_value.trim() {
            "" => None,
            raw => {
                let value = take(&mut errors, "Chuẩn phục vụ", number(raw));
                let unit = take(
                    &mut errors,
                    "Đơn vị chuẩn phục vụ",
                    self.norm_unit.parse::<TimeUnit>(),
                );
                value
                    .zip(unit)
                    .map(|(value, unit)| ProcessingTime { value, unit })
            }
        };
        let online_level = take(
            &mut errors,
            "Mức độ trực tuyến",
            self.online_level.parse::<OnlineLevel>(),
        );
        let date = |raw: &str| match raw.trim() {
            "" => Ok(None),
            raw => motcua_domain::calendar::parse_iso_date(raw)
                .map(Some)
                .ok_or_else(|| format!("ngày không hợp lệ: {raw:?}")),
        };
        let valid_from = take(&mut errors, "Hiệu lực từ", date(&self.valid_from)).flatten();
        let valid_to = take(&mut errors, "Hiệu lực đến", date(&self.valid_to)).flatten();
        let flag = |raw: &str| {
            matches!(
                motcua_domain::text::fold(raw.trim()).as_str(),
                "co" | "x" | "1" | "true"
            )
        };
        let mut documents = Vec::new();
        for (i, line) in lines(&self.documents).enumerate() {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let count = |i: usize| {
                parts
                    .get(i)
                    .filter(|s| !s.is_empty())
                    .map_or(Ok(0), |s| number(s))
            };
            match (count(1), count(2)) {
                (Ok(originals), Ok(copies)) => documents.push(RequiredDocument {
                    name: parts[0].to_owned(),
                    originals,
                    copies,
                    form_template: parts
                        .get(3)
                        .filter(|s| !s.is_empty())
                        .map(|s| s.to_string()),
                    digitisation_required: parts.get(4).is_some_and(|s| flag(s)),
                    reusable: parts.get(5).is_some_and(|s| flag(s)),
                }),
                (Err(e), _) | (_, Err(e)) => {
                    errors.push(format!("Thành phần hồ sơ, dòng {}: {e}", i + 1))
                }
            }
        }
        let (fees, fee_errors) = fees::parse(&self.fees);
        errors.extend(fee_errors);
        let mut results = Vec::new();
        for (i, line) in lines(&self.results).enumerate() {
            let parts: Vec<&str> = line.split('|').map(str::trim).collect();
            let form = parts.get(1).copied().unwrap_or("").parse::<ResultForm>();
            let retention = match parts.get(2).copied().unwrap_or("vinh_vien") {
                "vinh_vien" | "" => Ok(Retention::Permanent),
                n => n
                    .parse::<u32>()
                    .map(Retention::Years)
                    .map_err(|_| format!("thời hạn lưu trữ không hợp lệ: {n:?}")),
            };
            match (form, retention) {
                (Ok(form), Ok(retention)) => results.push(ProcedureResult {
                    name: parts[0].to_owned(),
                    form,
                    retention,
                }),
                (Err(e), _) | (_, Err(e)) => errors.push(format!("Kết quả, dòng {}: {e}", i + 1)),
            }
        }
        let procedure = Procedure {
            code: code.ok_or_else(|| errors.clone())?,
            name: self.name.clone(),
            sector: self.sector.clone(),
            levels,
            agency_code,
            agency_kind,
            applicants,
            processing_time: match (time_value, time_unit) {
                (Some(value), Some(unit)) => ProcessingTime { value, unit },
                _ => return Err(errors),
            },
            service_norm,
            fees,
            documents,
            steps: self.steps.clone(),
            channels,
            online_level: online_level.ok_or_else(|| errors.clone())?,
            online_reason: Some(self.online_reason.clone()),
            results,
            legal_bases: lines(&self.legal_bases).map(str::to_owned).collect(),
            valid_from,
            valid_to,
            // The electronic form is designed on its own page and kept by the caller.
            form: None,
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        procedure.validated().map_err(|problems| {
            problems
                .iter()
                .map(|p| capitalise(&p.to_string()))
                .collect()
        })
    }
}

/// The value, or None with the problem noted.
fn take<T>(errors: &mut Vec<String>, what: &str, result: Result<T, String>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(format!("{what}: {e}"));
            None
        }
    }
}

fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(str::trim).filter(|l| !l.is_empty())
}

use motcua_app::capitalise;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drafting_form_round_trips_a_procedure() {
        let json = include_str!("../../../../motcua/demo/lang_son_procedures.json");
        let file: serde_json::Value = serde_json::from_str(json).unwrap();
        for item in file["procedures"].as_array().unwrap() {
            let p: Procedure = serde_json::from_value(item.clone()).unwrap();
            let p = p.normalised();
            let back = FormValues::from_procedure(&p).to_procedure().unwrap();
            assert_eq!(back, p, "{}", p.code);
        }
    }

    #[test]
    fn saving_the_form_unchanged_keeps_fee_units_and_exemptions() {
        use motcua_domain::procedure::{Fee, FeeExemption};
        let json = include_str!("../../../../motcua/demo/lang_son_procedures.json");
        let file: serde_json::Value = serde_json::from_str(json).unwrap();
        let mut p: Procedure = serde_json::from_value(file["procedures"][0].clone()).unwrap();
        p.fees = vec![
            Fee {
                name: "Phí cấp bản sao".into(),
                amount_vnd: 8_000,
                per: Some("bản".into()),
                exemptions: vec![FeeExemption {
                    who: "Người thuộc hộ nghèo".into(),
                    legal_basis: "Điều 5 Nghị quyết 12/2020/NQ-HĐND".into(),
                }],
            },
            Fee {
                name: "Lệ phí".into(),
                amount_vnd: 50_000,
                ..Default::default()
            },
        ];
        let p = p.normalised();
        let v = FormValues::from_procedure(&p);
        assert!(
            v.fees
                .contains("8.000 | bản\n- Người thuộc hộ nghèo | Điều 5")
        );
        // What the browser posts back: the same fields, the text area's lines as CRLF.
        let v = FormValues {
            fees: v.fees.replace('\n', "\r\n"),
            ..v
        };
        assert_eq!(v.to_procedure().unwrap(), p);
    }

    #[test]
    fn the_drafting_form_reports_what_is_wrong() {
        let v = FormValues {
            code: "1.1".into(),
            name: "Thử".into(),
            sector: "ho_tich".into(),
            levels: vec!["commune".into()],
            agency_kind: "commune_committee".into(),
            applicants: vec!["citizen".into()],
            time_value: "2".into(),
            time_unit: "working_days".into(),
            norm_value: "3".into(),
            norm_unit: "working_days".into(),
            channels: vec!["in_person".into()],
            online_level: "none".into(),
            fees: "Lệ phí | -1".into(),
            ..FormValues::default()
        };
        let errors = v.to_procedure().unwrap_err();
        assert!(
            errors.iter().any(|e| e.starts_with("Chuẩn phục vụ")),
            "{errors:?}"
        );
        assert!(errors.iter().any(|e| e.contains("-1 đồng")), "{errors:?}");
        assert!(errors.iter().any(|e| e.contains("lý do")), "{errors:?}");
    }
}
