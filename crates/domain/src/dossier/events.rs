//! What each kind of event in a dossier's history is called.

use super::machine::ActionKind;

/// The label of a history event: `submitted`, `moved`, a document event, or an action's name.
pub fn event_label(action: &str) -> String {
    match action {
        "submitted" => "Đăng ký hồ sơ".into(),
        "moved" => "Chuyển sang cơ quan kế thừa".into(),
        "document_added" => "Thêm tài liệu".into(),
        "document_reused" => "Dùng lại giấy tờ từ kho dữ liệu của người nộp".into(),
        "document_digitised" => "Số hóa tài liệu".into(),
        "receipt_issued" => "Cấp giấy tiếp nhận (mẫu 01), đã ký số".into(),
        "result_signed" => "Ký số kết quả".into(),
        "result_delivered" => "Trả kết quả điện tử vào kho dữ liệu của người nộp".into(),
        "result_draft_withdrawn" => "Rút dự thảo kết quả".into(),
        other => ActionKind::ALL
            .iter()
            .find(|k| k.as_str() == other)
            .map_or_else(|| other.to_owned(), |k| k.label_vi().to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_a_label_in_words() {
        for action in [
            "submitted",
            "moved",
            "document_added",
            "document_reused",
            "document_digitised",
            "receipt_issued",
            "result_signed",
            "result_delivered",
            "result_draft_withdrawn",
        ] {
            assert!(!event_label(action).contains('_'), "{action}");
        }
        for kind in ActionKind::ALL {
            assert_eq!(event_label(kind.as_str()), kind.label_vi());
        }
    }
}
