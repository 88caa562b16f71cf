//! The procedure's rules, states and assignments.

use super::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub(crate) fn birth_registration() -> Procedure {
    Procedure {
        code: ProcedureCode::parse("1.001193").unwrap(),
        name: "Đăng ký khai sinh".into(),
        sector: "ho_tich".into(),
        levels: vec![Level::Commune],
        agency_code: None,
        agency_kind: Some(AgencyKind::CommuneCommittee),
        applicants: vec![Applicant::Citizen],
        processing_time: ProcessingTime::days(1),
        service_norm: Some(ProcessingTime::hours(4)),
        fees: vec![Fee {
            name: "Lệ phí đăng ký khai sinh đúng hạn".into(),
            amount_vnd: 0,
            ..Default::default()
        }],
        documents: vec![RequiredDocument {
            name: "Tờ khai đăng ký khai sinh".into(),
            originals: 1,
            copies: 0,
            form_template: Some("Mẫu TK khai sinh".into()),
            digitisation_required: true,
            reusable: false,
        }],
        steps: "Nộp hồ sơ; nhận kết quả.".into(),
        channels: vec![SubmissionChannel::Online, SubmissionChannel::InPerson],
        online_level: OnlineLevel::Full,
        online_reason: None,
        results: vec![ProcedureResult {
            name: "Giấy khai sinh".into(),
            form: ResultForm::Electronic,
            retention: Retention::Permanent,
        }],
        legal_bases: vec!["Luật Hộ tịch số 60/2014/QH13".into()],
        valid_from: Some(date(2025, 7, 1)),
        valid_to: None,
        form: None,
    }
}

#[test]
fn codes_are_opaque_but_well_formed() {
    for ok in ["1.001193", "1.000494.000.00.00.H37", "2.002_A-1"] {
        assert_eq!(ProcedureCode::parse(ok).unwrap().as_str(), ok);
    }
    assert_eq!(ProcedureCode::parse(" 1.2 ").unwrap().as_str(), "1.2");
    for bad in ["", "   ", "1 2", "mã", "...", &"1".repeat(65), "1/2"] {
        assert!(ProcedureCode::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn a_good_procedure_validates_and_normalises() {
    let mut p = birth_registration();
    p.name = "  Đăng ky\u{0301} khai sinh ".into();
    p.channels = vec![
        SubmissionChannel::Online,
        SubmissionChannel::InPerson,
        SubmissionChannel::Online,
    ];
    let p = p.validated().unwrap();
    assert_eq!(p.name, "Đăng ký khai sinh");
    assert_eq!(
        p.channels,
        [SubmissionChannel::InPerson, SubmissionChannel::Online]
    );
}

#[test]
fn the_service_norm_cannot_exceed_the_legal_time() {
    let mut p = birth_registration();
    p.service_norm = Some(ProcessingTime::hours(9));
    let problems = p.clone().validated().unwrap_err();
    assert_eq!(problems[0].code(), "service_norm_exceeds_legal_time");
    p.service_norm = Some(ProcessingTime::hours(8));
    assert!(p.validated().is_ok(), "equal to the legal time is fine");
    assert_eq!(ProcessingTime::days(3).minutes(), 1440);
    assert_eq!(ProcessingTime::hours(3).minutes(), 180);
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut p = birth_registration();
    p.name = " ".into();
    p.levels.clear();
    p.fees.push(Fee {
        name: "Phí".into(),
        amount_vnd: -1,
        ..Default::default()
    });
    p.online_level = OnlineLevel::Partial;
    p.channels = vec![SubmissionChannel::InPerson];
    p.valid_to = Some(date(2025, 1, 1));
    p.processing_time = ProcessingTime::days(0);
    let codes: Vec<_> = p.problems().iter().map(ProcedureError::code).collect();
    assert_eq!(
        codes,
        [
            "missing_field",
            "missing_field",
            "invalid_processing_time",
            "service_norm_exceeds_legal_time",
            "invalid_fee",
            "online_reason_required",
            "online_channel_required",
            "invalid_validity"
        ]
    );
    p.online_reason = Some("Phải đối chiếu bản chính".into());
    assert!(
        !p.problems()
            .iter()
            .any(|e| e.code() == "online_reason_required")
    );
}

#[test]
fn zero_fees_are_allowed_and_fees_add_up() {
    let mut p = birth_registration();
    p.fees.push(Fee {
        name: "Phí cấp bản sao".into(),
        amount_vnd: 8000,
        per: Some("bản".into()),
        exemptions: vec![FeeExemption {
            who: "Trẻ em dưới 6 tuổi".into(),
            legal_basis: "Điều 5 Nghị quyết 12/2020/NQ-HĐND".into(),
        }],
    });
    assert!(p.problems().is_empty());
    // One of each, no one exempt.
    assert_eq!(p.total_fees(), 8000);
}

#[test]
fn fee_units_and_exemptions_are_trimmed_and_must_be_filled() {
    let mut p = birth_registration();
    p.fees.push(Fee {
        name: "Phí sao y".into(),
        amount_vnd: 2000,
        per: Some("  trang ".into()),
        exemptions: vec![FeeExemption {
            who: " Người có công ".into(),
            legal_basis: " Điều 5 ".into(),
        }],
    });
    let good = p.clone().validated().unwrap();
    assert_eq!(good.fees[1].per.as_deref(), Some("trang"));
    assert_eq!(good.fees[1].exemptions[0].who, "Người có công");
    assert_eq!(good.fees[1].exemptions[0].legal_basis, "Điều 5");

    p.fees[1].per = Some("  ".into());
    p.fees[1].exemptions.push(FeeExemption {
        who: "Hộ nghèo".into(),
        legal_basis: " ".into(),
    });
    let problems = p.validated().unwrap_err();
    let found: Vec<_> = problems.iter().map(|e| (e.code(), e.field())).collect();
    assert_eq!(
        found,
        [
            ("invalid_fee_unit", "fees"),
            ("invalid_fee_exemption", "fees")
        ]
    );
    assert_eq!(
        problems[1].to_string(),
        "miễn, giảm thứ 2 của phí, lệ phí thứ 2 thiếu đối tượng hoặc căn cứ pháp lý"
    );
}

#[test]
fn stored_fees_without_units_or_exemptions_still_read_and_write_the_same() {
    let old = r#"{"name":"Lệ phí","amount_vnd":5000}"#;
    let fee: Fee = serde_json::from_str(old).unwrap();
    assert_eq!((fee.per.as_deref(), fee.exemptions.len()), (None, 0));
    assert_eq!(serde_json::to_string(&fee).unwrap(), old);
    let per_copy = Fee {
        per: Some("bản".into()),
        exemptions: vec![FeeExemption {
            who: "Hộ nghèo".into(),
            legal_basis: "Điều 5".into(),
        }],
        ..fee
    };
    let json = serde_json::to_string(&per_copy).unwrap();
    assert_eq!(serde_json::from_str::<Fee>(&json).unwrap(), per_copy);
}

#[test]
fn references_are_checked_against_the_catalogues() {
    let mut p = birth_registration();
    p.agency_code = Some(AgencyCode::parse("000.00.99.H37").unwrap());
    p.sector = "khong_co".into();
    let codes: Vec<_> = p
        .reference_problems(|s| s == "ho_tich", |a| a.as_str() == "000.00.02.H37")
        .iter()
        .map(ProcedureError::code)
        .collect();
    assert_eq!(codes, ["unknown_sector", "unknown_agency"]);
}

#[test]
fn version_states_move_one_way() {
    use VersionState::*;
    assert!(check_transition(Draft, Published).is_ok());
    assert!(check_transition(Published, Superseded).is_ok());
    assert!(check_transition(Published, Withdrawn).is_ok());
    for (from, to) in [
        (Draft, Withdrawn),
        (Draft, Superseded),
        (Withdrawn, Published),
        (Superseded, Published),
        (Published, Draft),
        (Published, Published),
    ] {
        let err = check_transition(from, to).unwrap_err();
        assert_eq!(err.code(), "invalid_state_transition");
    }
}

#[test]
fn assignments_follow_the_levels() {
    let mut p = birth_registration();
    let a = p.assignments_from(date(2025, 7, 1));
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0].level, a[0].agency_kind),
        (Level::Commune, Some(AgencyKind::CommuneCommittee))
    );
    p.levels = vec![Level::Province, Level::Commune];
    p.agency_code = Some(AgencyCode::parse("000.00.02.H37").unwrap());
    p.agency_kind = Some(AgencyKind::Department);
    let a = p.assignments_from(date(2025, 7, 1));
    assert_eq!(a[0].agency_code.as_ref().unwrap().as_str(), "000.00.02.H37");
    assert_eq!(a[1].agency_code, None);
    assert_eq!(a[1].agency_kind, Some(AgencyKind::CommuneCommittee));
    assert!(a[0].in_force(date(2025, 7, 1)) && !a[0].in_force(date(2025, 6, 30)));
}

#[test]
fn cutting_assignments_for_a_new_arrangement() {
    let a = Assignment {
        level: Level::Province,
        agency_code: None,
        agency_kind: Some(AgencyKind::Department),
        effective_from: date(2025, 7, 1),
        effective_to: None,
    };
    assert_eq!(
        cut_at(&a, date(2026, 1, 1)),
        Some(Cut::CloseOn(date(2025, 12, 31)))
    );
    assert_eq!(cut_at(&a, date(2025, 7, 1)), Some(Cut::Drop));
    let ended = Assignment {
        effective_to: Some(date(2025, 9, 30)),
        ..a
    };
    assert_eq!(cut_at(&ended, date(2026, 1, 1)), None);
}

#[test]
fn json_round_trips_and_validates_codes() {
    let p = birth_registration();
    let json = serde_json::to_string(&p).unwrap();
    assert!(json.contains("\"retention\":\"permanent\""), "{json}");
    let back: Procedure = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    let bad = json.replace("1.001193", "mã sai");
    assert!(serde_json::from_str::<Procedure>(&bad).is_err());
}
