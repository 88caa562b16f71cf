//! What applicants are told when their dossier moves, on the channels they chose at
//! submission: received (with the appointment date and the lookup link), a supplement
//! requested, an apology with a new date, a refusal with its reason, and a result ready.
//! Decree 118/2025 Art. 15–19 (receipt slip, supplement and refusal notices, form 04
//! apology) and Art. 23 (returning results) are what the messages stand in for online.

use crate::dossier::{Action, Dossier};
use crate::text::unaccented;
use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How an applicant may choose to hear about their dossier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeChannel {
    Email,
    Sms,
    Zalo,
}

impl NoticeChannel {
    pub const ALL: [NoticeChannel; 3] = [
        NoticeChannel::Email,
        NoticeChannel::Sms,
        NoticeChannel::Zalo,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NoticeChannel::Email => "email",
            NoticeChannel::Sms => "sms",
            NoticeChannel::Zalo => "zalo",
        }
    }

    pub fn parse(raw: &str) -> Option<NoticeChannel> {
        NoticeChannel::ALL
            .into_iter()
            .find(|c| c.as_str() == raw.trim())
    }

    pub fn label_vi(self) -> &'static str {
        match self {
            NoticeChannel::Email => "Thư điện tử",
            NoticeChannel::Sms => "Tin nhắn SMS",
            NoticeChannel::Zalo => "Zalo",
        }
    }

    /// Whether the channel reaches a phone number (else an e-mail address).
    pub fn needs_phone(self) -> bool {
        !matches!(self, NoticeChannel::Email)
    }
}

/// Which moment of the dossier a notice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoticeKind {
    Received,
    SupplementRequested,
    Apology,
    Refused,
    ResultReady,
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 5] = [
        NoticeKind::Received,
        NoticeKind::SupplementRequested,
        NoticeKind::Apology,
        NoticeKind::Refused,
        NoticeKind::ResultReady,
    ];

    /// The name template ids are configured under (`received=…,supplement=…`).
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Received => "received",
            NoticeKind::SupplementRequested => "supplement",
            NoticeKind::Apology => "apology",
            NoticeKind::Refused => "refused",
            NoticeKind::ResultReady => "result_ready",
        }
    }

    pub fn parse(raw: &str) -> Option<NoticeKind> {
        NoticeKind::ALL
            .into_iter()
            .find(|k| k.as_str() == raw.trim())
    }
}

/// What a notice needs from outside the dossier.
pub struct NoticeFacts<'a> {
    pub applicant_name: &'a str,
    pub procedure_name: &'a str,
    /// Where the applicant collects a paper result (the receiving agency).
    pub receiving_agency_name: &'a str,
    /// The public lookup address that opens the dossier, when the portal's address is known.
    pub lookup_link: Option<&'a str>,
    /// The lookup secret printed on the receipt.
    pub lookup_secret: Option<&'a str>,
}

/// One notice, ready for every channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub subject: String,
    /// The e-mail's text.
    pub body: String,
    /// The SMS: without diacritics, one or two messages long.
    pub short: String,
    /// The values a Zalo template's parameters take, by parameter name.
    pub fields: BTreeMap<&'static str, String>,
}

/// The moment `action` (taking `before` to `after`) is for the applicant, if any.
pub fn notice_kind(action: &Action, before: &Dossier, after: &Dossier) -> Option<NoticeKind> {
    match action {
        Action::RequestSupplement { .. } => Some(NoticeKind::SupplementRequested),
        Action::Apologise { .. } => Some(NoticeKind::Apology),
        Action::RefuseAtReceipt { .. } | Action::RefuseAfterAppraisal { .. } => {
            Some(NoticeKind::Refused)
        }
        Action::Finish { .. } => Some(NoticeKind::ResultReady),
        _ if before.received_at.is_none() && after.received_at.is_some() => {
            Some(NoticeKind::Received)
        }
        _ => None,
    }
}

fn when(at: NaiveDateTime) -> String {
    at.format("%H:%M ngày %d/%m/%Y").to_string()
}

/// The notice `action` gives the applicant, in Vietnamese, or None when it is not news
/// for them.
pub fn applicant_notice(
    action: &Action,
    before: &Dossier,
    after: &Dossier,
    facts: &NoticeFacts<'_>,
) -> Option<Notice> {
    let kind = notice_kind(action, before, after)?;
    let code = after.code.as_str();
    let mut fields = BTreeMap::from([
        ("dossier_code", code.to_owned()),
        ("applicant_name", facts.applicant_name.to_owned()),
        ("procedure", facts.procedure_name.to_owned()),
    ]);
    let follow = match (facts.lookup_link, facts.lookup_secret) {
        (Some(link), _) => format!("Theo dõi hồ sơ tại: {link}"),
        (None, Some(secret)) => format!(
            "Tra cứu hồ sơ trên Cổng dịch vụ công của tỉnh với mã hồ sơ {code} và mã tra cứu {secret}."
        ),
        (None, None) => {
            format!("Tra cứu hồ sơ trên Cổng dịch vụ công của tỉnh với mã hồ sơ {code}.")
        }
    };
    if let Some(link) = facts.lookup_link {
        fields.insert("link", link.to_owned());
    }
    let (subject, lines, short) = match (kind, action) {
        (NoticeKind::Received, _) => {
            let due = after
                .due_at
                .map(when)
                .unwrap_or_else(|| "sẽ được báo sau".into());
            fields.insert("date", due.clone());
            (
                format!("Hồ sơ {code} đã được tiếp nhận"),
                vec![
                    format!("Hồ sơ {code} ({}) đã được tiếp nhận.", facts.procedure_name),
                    format!("Ngày hẹn trả kết quả: {due}."),
                ],
                format!(
                    "Ho so {code} da duoc tiep nhan. Hen tra ket qua: {}.",
                    unaccented(&due)
                ),
            )
        }
        (
            NoticeKind::SupplementRequested,
            Action::RequestSupplement {
                missing,
                note,
                supplement_by,
            },
        ) => {
            let items: Vec<&str> = missing
                .iter()
                .map(|m| m.trim())
                .filter(|m| !m.is_empty())
                .collect();
            fields.insert("missing", items.join("; "));
            let mut lines = vec![format!(
                "Hồ sơ {code} ({}) cần bổ sung:",
                facts.procedure_name
            )];
            lines.extend(items.iter().map(|m| format!("- {m}")));
            if let Some(note) = note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                lines.push(format!("Hướng dẫn: {note}"));
            }
            if let Some(by) = supplement_by {
                let by = by.format("%d/%m/%Y").to_string();
                fields.insert("date", by.clone());
                lines.push(format!("Hạn bổ sung: ngày {by}."));
            }
            lines.push(if after.received_at.is_some() {
                "Thời hạn giải quyết tạm dừng từ hôm nay và tính tiếp khi cơ quan nhận đủ phần bổ sung. \
                 Ông/bà bổ sung càng sớm, hồ sơ được giải quyết càng sớm."
                    .into()
            } else {
                "Hồ sơ được tiếp nhận khi cơ quan nhận đủ phần bổ sung.".into()
            });
            (
                format!("Hồ sơ {code} cần bổ sung giấy tờ"),
                lines,
                format!(
                    "Ho so {code} can bo sung: {}.{}",
                    unaccented(&items.join("; ")),
                    supplement_by
                        .map(|by| by.format(" Han: %d/%m/%Y.").to_string())
                        .unwrap_or_default()
                ),
            )
        }
        (NoticeKind::Apology, Action::Apologise { reason, new_due }) => {
            let due = when(*new_due);
            fields.insert("date", due.clone());
            fields.insert("reason", reason.trim().to_owned());
            (
                format!("Xin lỗi về việc chậm giải quyết hồ sơ {code}"),
                vec![
                    format!(
                        "Cơ quan xin lỗi ông/bà vì hồ sơ {code} ({}) không được giải quyết đúng hẹn.",
                        facts.procedure_name
                    ),
                    format!("Lý do: {}", reason.trim()),
                    format!("Ngày hẹn mới: {due}."),
                ],
                format!(
                    "Xin loi: ho so {code} cham hen. Hen moi: {}.",
                    unaccented(&due)
                ),
            )
        }
        (
            NoticeKind::Refused,
            Action::RefuseAtReceipt { reason } | Action::RefuseAfterAppraisal { reason },
        ) => {
            fields.insert("reason", reason.trim().to_owned());
            (
                format!("Hồ sơ {code} không được giải quyết"),
                vec![
                    format!(
                        "Hồ sơ {code} ({}) không được giải quyết.",
                        facts.procedure_name
                    ),
                    format!("Lý do: {}", reason.trim()),
                ],
                format!(
                    "Ho so {code} khong duoc giai quyet. Ly do: {}.",
                    unaccented(reason.trim())
                ),
            )
        }
        (NoticeKind::ResultReady, Action::Finish { electronic, .. }) => {
            let how = if *electronic {
                "Kết quả điện tử đã có trong kho dữ liệu của ông/bà và trên trang tra cứu hồ sơ."
                    .to_owned()
            } else {
                format!(
                    "Mời ông/bà mang giấy tiếp nhận hồ sơ và hẹn trả kết quả đến {} để nhận kết quả.",
                    facts.receiving_agency_name
                )
            };
            fields.insert("how", how.clone());
            (
                format!("Hồ sơ {code} đã có kết quả"),
                vec![
                    format!("Hồ sơ {code} ({}) đã có kết quả.", facts.procedure_name),
                    how.clone(),
                ],
                format!("Ho so {code} da co ket qua. {}", unaccented(&how)),
            )
        }
        _ => return None,
    };
    let mut body = format!("Kính gửi ông/bà {},\n\n", facts.applicant_name);
    for line in lines {
        body.push_str(&line);
        body.push('\n');
    }
    body.push('\n');
    body.push_str(&follow);
    body.push_str("\n\nThư này được gửi tự động; xin đừng trả lời thư.\n");
    let mut short = short;
    if let Some(link) = facts.lookup_link {
        short.push_str(&format!(" Tra cuu: {link}"));
    }
    Some(Notice {
        kind,
        subject,
        body,
        short,
        fields,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agency::AgencyCode;
    use crate::calendar::Channel;
    use crate::dossier::{DossierCode, DossierState};

    fn dossier_in(state: DossierState) -> Dossier {
        let agency = AgencyCode::parse("000.01.40.H37").unwrap();
        let at = chrono::NaiveDate::from_ymd_opt(2025, 7, 2)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let mut dossier = Dossier::submitted(
            DossierCode::new(&agency, at.date(), 1),
            Channel::Online,
            agency,
            at,
        );
        dossier.state = state;
        dossier
    }

    fn facts() -> NoticeFacts<'static> {
        NoticeFacts {
            applicant_name: "Nguyễn Văn An",
            procedure_name: "Đăng ký khai sinh",
            receiving_agency_name: "UBND phường Đông Kinh",
            lookup_link: Some("https://dichvucong.langson.example/lookup?code=X&check=ABCDE12345"),
            lookup_secret: Some("ABCDE12345"),
        }
    }

    #[test]
    fn a_received_dossier_says_its_appointment_and_link() {
        let before = dossier_in(DossierState::Submitted);
        let mut after = before.clone();
        after.state = DossierState::Received;
        after.received_at = Some(before.submitted_at);
        after.due_at = chrono::NaiveDate::from_ymd_opt(2025, 7, 10)
            .unwrap()
            .and_hms_opt(14, 0, 0);
        let notice = applicant_notice(&Action::Accept, &before, &after, &facts()).unwrap();
        assert_eq!(notice.kind, NoticeKind::Received);
        assert!(
            notice
                .body
                .contains("Ngày hẹn trả kết quả: 14:00 ngày 10/07/2025.")
        );
        assert!(
            notice
                .body
                .contains("https://dichvucong.langson.example/lookup?")
        );
        assert!(notice.short.is_ascii(), "{}", notice.short);
        assert!(
            notice
                .short
                .contains("Hen tra ket qua: 14:00 ngay 10/07/2025.")
        );
        assert_eq!(notice.fields["date"], "14:00 ngày 10/07/2025");
        // Without the portal's address, the code and the secret instead.
        let bare = NoticeFacts {
            lookup_link: None,
            ..facts()
        };
        let notice = applicant_notice(&Action::Accept, &before, &after, &bare).unwrap();
        assert!(notice.body.contains("mã tra cứu ABCDE12345"));
    }

    #[test]
    fn supplements_list_what_is_missing() {
        let mut before = dossier_in(DossierState::Processing);
        before.received_at = Some(before.submitted_at);
        let mut after = before.clone();
        after.state = DossierState::AwaitingSupplement;
        let action = Action::RequestSupplement {
            missing: vec!["Bản sao giấy chứng sinh".into(), " ".into()],
            note: Some("Nộp bản sao có chứng thực".into()),
            supplement_by: chrono::NaiveDate::from_ymd_opt(2025, 7, 15),
        };
        let notice = applicant_notice(&action, &before, &after, &facts()).unwrap();
        assert!(notice.body.contains("- Bản sao giấy chứng sinh\n"));
        assert!(notice.body.contains("Hướng dẫn: Nộp bản sao có chứng thực"));
        assert!(notice.body.contains("tạm dừng"));
        assert!(notice.body.contains("Hạn bổ sung: ngày 15/07/2025."));
        assert!(
            notice.short.contains("Han: 15/07/2025. Tra cuu:"),
            "{}",
            notice.short
        );
        assert_eq!(notice.fields["missing"], "Bản sao giấy chứng sinh");
    }

    #[test]
    fn refusals_apologies_and_results_are_news_and_steps_are_not() {
        let before = dossier_in(DossierState::Processing);
        let after = before.clone();
        let refuse = Action::RefuseAfterAppraisal {
            reason: "Không đủ điều kiện".into(),
        };
        let n = applicant_notice(&refuse, &before, &after, &facts()).unwrap();
        assert_eq!(n.kind, NoticeKind::Refused);
        assert!(n.body.contains("Lý do: Không đủ điều kiện"));
        let new_due = chrono::NaiveDate::from_ymd_opt(2025, 8, 1)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let apology = Action::Apologise {
            reason: "Chờ xác minh".into(),
            new_due,
        };
        let n = applicant_notice(&apology, &before, &after, &facts()).unwrap();
        assert!(n.body.contains("Ngày hẹn mới: 09:00 ngày 01/08/2025."));
        let paper = Action::Finish {
            result: "Giấy khai sinh".into(),
            electronic: false,
        };
        let n = applicant_notice(&paper, &before, &after, &facts()).unwrap();
        assert!(n.body.contains("đến UBND phường Đông Kinh để nhận kết quả"));
        assert_eq!(
            applicant_notice(&Action::Forward, &before, &after, &facts()),
            None
        );
        assert_eq!(
            applicant_notice(&Action::Approve, &before, &after, &facts()),
            None
        );
    }
}
