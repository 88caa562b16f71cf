//! Administrative procedures (thủ tục hành chính) as the province publishes them:
//! what a procedure holds, the rules it must satisfy, its version states, and the
//! assignment of procedures to levels and agencies over time.

use crate::agency::{AgencyCode, AgencyKind};
use crate::calendar::WORKING_DAY_MINUTES;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// A procedure's code in the national database, e.g. `1.000494`, or with the
/// provincial agency suffix, `1.000494.000.00.00.H37`. Opaque: only its shape is checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct ProcedureCode(String);

pub const PROCEDURE_CODE_MAX: usize = 64;

impl ProcedureCode {
    /// Trimmed, non-empty, at most 64 characters of ASCII letters, digits, `.`, `-`, `_`.
    pub fn parse(raw: &str) -> Result<ProcedureCode, ProcedureError> {
        let code = raw.trim();
        let allowed = |c: char| c.is_ascii_alphanumeric() || ".-_".contains(c);
        if !code.is_empty()
            && code.len() <= PROCEDURE_CODE_MAX
            && code.chars().all(allowed)
            && code.chars().any(|c| c.is_ascii_alphanumeric())
        {
            Ok(ProcedureCode(code.to_owned()))
        } else {
            Err(ProcedureError::InvalidCode(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ProcedureCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for ProcedureCode {
    type Err = ProcedureError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ProcedureCode::parse(s)
    }
}

impl<'de> Deserialize<'de> for ProcedureCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        ProcedureCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// Declares a closed set of names with their code strings and Vietnamese labels.
macro_rules! named_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal { $($(#[$vmeta:meta])* $variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn label_vi(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.trim();
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == s)
                    .ok_or_else(|| format!("{} không hợp lệ: {s:?} (dùng: {})", $what,
                        $name::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")))
            }
        }
    };
}

named_enum!(
    /// The tier that handles a procedure (cấp thực hiện).
    Level, "cấp thực hiện" {
        Province = "province" / "Cấp tỉnh",
        Commune = "commune" / "Cấp xã",
    }
);

named_enum!(
    /// How far a procedure runs online (Decree 42/2022 and later texts).
    OnlineLevel, "mức độ trực tuyến" {
        /// Toàn trình: submitted, handled and answered online.
        Full = "full" / "Toàn trình",
        /// Một phần: anything less than end to end.
        Partial = "partial" / "Một phần",
        None = "none" / "Không trực tuyến",
    }
);

named_enum!(
    /// Who may apply (đối tượng thực hiện).
    Applicant, "đối tượng thực hiện" {
        Citizen = "citizen" / "Công dân",
        Business = "business" / "Tổ chức, doanh nghiệp",
    }
);

named_enum!(
    /// How a dossier may be submitted (cách thức thực hiện).
    SubmissionChannel, "cách thức nộp" {
        InPerson = "in_person" / "Trực tiếp",
        Online = "online" / "Trực tuyến",
        Postal = "postal" / "Qua bưu chính công ích",
    }
);

named_enum!(
    TimeUnit, "đơn vị thời gian" {
        WorkingDays = "working_days" / "ngày làm việc",
        WorkingHours = "working_hours" / "giờ làm việc",
    }
);

named_enum!(
    /// The form of a result.
    ResultForm, "hình thức kết quả" {
        Paper = "paper" / "Bản giấy",
        Electronic = "electronic" / "Bản điện tử",
    }
);

named_enum!(
    /// Where a procedure version stands: draft → published → superseded or withdrawn.
    VersionState, "trạng thái phiên bản" {
        Draft = "draft" / "Dự thảo",
        Published = "published" / "Đã công bố",
        Superseded = "superseded" / "Đã được thay thế",
        Withdrawn = "withdrawn" / "Đã bãi bỏ",
    }
);

/// A time limit in working days or working hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcessingTime {
    pub value: u32,
    pub unit: TimeUnit,
}

impl ProcessingTime {
    pub fn days(value: u32) -> ProcessingTime {
        ProcessingTime {
            value,
            unit: TimeUnit::WorkingDays,
        }
    }

    pub fn hours(value: u32) -> ProcessingTime {
        ProcessingTime {
            value,
            unit: TimeUnit::WorkingHours,
        }
    }

    /// Working minutes, at 480 minutes (8 hours) a working day.
    pub fn minutes(self) -> i64 {
        match self.unit {
            TimeUnit::WorkingDays => i64::from(self.value) * i64::from(WORKING_DAY_MINUTES),
            TimeUnit::WorkingHours => i64::from(self.value) * 60,
        }
    }
}

impl fmt::Display for ProcessingTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.value, self.unit.label_vi())
    }
}

/// One fee or charge (phí, lệ phí), in đồng. Zero is allowed: some procedures are free.
/// What is owed for a dossier is assessed from these ([`crate::fee::assess`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fee {
    pub name: String,
    /// A fixed amount, or the amount per unit when `per` is given.
    pub amount_vnd: i64,
    /// The unit charged for, e.g. "bản", "trang", "bộ"; None: a fixed amount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Who is exempt and the text that says so.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exemptions: Vec<FeeExemption>,
}

/// An exemption from a fee (miễn, giảm), as the fee's legal text grants it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeExemption {
    /// Who, e.g. "Người thuộc hộ nghèo".
    pub who: String,
    /// The article granting it, e.g. "Điều 5 Nghị quyết 12/2020/NQ-HĐND".
    pub legal_basis: String,
}

/// A document the applicant must supply (thành phần hồ sơ).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequiredDocument {
    pub name: String,
    #[serde(default)]
    pub originals: u32,
    #[serde(default)]
    pub copies: u32,
    /// The form template's name, e.g. `Mẫu số 01/HT`.
    #[serde(default)]
    pub form_template: Option<String>,
    /// Circular 01/2023/TT-VPCP: this component must be digitised on receipt.
    #[serde(default)]
    pub digitisation_required: bool,
    /// Can be taken from the applicant's document store instead of being supplied again.
    #[serde(default)]
    pub reusable: bool,
}

/// How long a result is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Retention {
    Years(u32),
    Permanent,
}

impl fmt::Display for Retention {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retention::Years(n) => write!(f, "{n} năm"),
            Retention::Permanent => f.write_str("Vĩnh viễn"),
        }
    }
}

/// A result the procedure returns (kết quả thực hiện).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProcedureResult {
    pub name: String,
    pub form: ResultForm,
    pub retention: Retention,
}

/// Everything the province publishes about one procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Procedure {
    pub code: ProcedureCode,
    pub name: String,
    /// A sector code from the sectors table, e.g. `ho_tich`.
    pub sector: String,
    pub levels: Vec<Level>,
    /// The implementing agency, when one agency handles it everywhere.
    #[serde(default)]
    pub agency_code: Option<AgencyCode>,
    /// The kind of agency that handles it, e.g. every commune People's Committee.
    #[serde(default)]
    pub agency_kind: Option<AgencyKind>,
    pub applicants: Vec<Applicant>,
    /// The legal processing time.
    pub processing_time: ProcessingTime,
    /// The province's own service norm, never longer than the legal time.
    #[serde(default)]
    pub service_norm: Option<ProcessingTime>,
    #[serde(default)]
    pub fees: Vec<Fee>,
    #[serde(default)]
    pub documents: Vec<RequiredDocument>,
    /// The steps, as published text.
    #[serde(default)]
    pub steps: String,
    pub channels: Vec<SubmissionChannel>,
    pub online_level: OnlineLevel,
    /// The published reason why the procedure is not end-to-end online.
    #[serde(default)]
    pub online_reason: Option<String>,
    #[serde(default)]
    pub results: Vec<ProcedureResult>,
    #[serde(default)]
    pub legal_bases: Vec<String>,
    #[serde(default)]
    pub valid_from: Option<NaiveDate>,
    #[serde(default)]
    pub valid_to: Option<NaiveDate>,
    /// The electronic form the applicant fills in, versioned with the procedure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form: Option<crate::form::FormDefinition>,
}

/// What is wrong with a procedure, a version change or a reference.
/// `code` is stable for programs; `Display` is Vietnamese for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProcedureError {
    #[error(
        "mã thủ tục không hợp lệ: {0:?} (chữ, số, dấu chấm, gạch ngang; tối đa {PROCEDURE_CODE_MAX} ký tự)"
    )]
    InvalidCode(String),
    #[error("thiếu thông tin bắt buộc: {label}")]
    Missing {
        field: &'static str,
        label: &'static str,
    },
    #[error("thời hạn giải quyết phải lớn hơn 0")]
    InvalidProcessingTime { field: &'static str },
    #[error("chuẩn phục vụ ({norm}) vượt thời hạn giải quyết theo quy định ({legal})")]
    ServiceNormExceedsLegalTime {
        norm: ProcessingTime,
        legal: ProcessingTime,
    },
    #[error("phí, lệ phí \"{name}\" không hợp lệ: {amount_vnd} đồng (phải từ 0 trở lên, có tên)")]
    InvalidFee { name: String, amount_vnd: i64 },
    #[error("phí, lệ phí thứ {index} có đơn vị tính để trống (bỏ đơn vị nếu là số tiền cố định)")]
    InvalidFeeUnit { index: usize },
    #[error(
        "miễn, giảm thứ {exemption} của phí, lệ phí thứ {index} thiếu đối tượng hoặc căn cứ pháp lý"
    )]
    InvalidFeeExemption { index: usize, exemption: usize },
    #[error("thủ tục chưa trực tuyến toàn trình phải nêu lý do được công khai")]
    OnlineReasonRequired,
    #[error("thủ tục có dịch vụ trực tuyến phải có cách thức nộp trực tuyến")]
    OnlineChannelRequired,
    #[error("thành phần hồ sơ thứ {index} thiếu tên")]
    InvalidDocument { index: usize },
    #[error("kết quả thứ {index} thiếu tên hoặc thời hạn lưu trữ bằng 0")]
    InvalidResult { index: usize },
    #[error("ngày hết hiệu lực ({to}) trước ngày có hiệu lực ({from})")]
    InvalidValidity { from: NaiveDate, to: NaiveDate },
    #[error("không thể chuyển phiên bản từ \"{}\" sang \"{}\"", from.label_vi(), to.label_vi())]
    InvalidStateTransition {
        from: VersionState,
        to: VersionState,
    },
    #[error("lĩnh vực không có trong danh mục: {0:?}")]
    UnknownSector(String),
    #[error("cơ quan không có trong danh mục: {0:?}")]
    UnknownAgency(String),
    #[error("{0}")]
    InvalidForm(crate::form::DefinitionProblem),
}

impl ProcedureError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            ProcedureError::InvalidCode(_) => "invalid_procedure_code",
            ProcedureError::Missing { .. } => "missing_field",
            ProcedureError::InvalidProcessingTime { .. } => "invalid_processing_time",
            ProcedureError::ServiceNormExceedsLegalTime { .. } => "service_norm_exceeds_legal_time",
            ProcedureError::InvalidFee { .. } => "invalid_fee",
            ProcedureError::InvalidFeeUnit { .. } => "invalid_fee_unit",
            ProcedureError::InvalidFeeExemption { .. } => "invalid_fee_exemption",
            ProcedureError::OnlineReasonRequired => "online_reason_required",
            ProcedureError::OnlineChannelRequired => "online_channel_required",
            ProcedureError::InvalidDocument { .. } => "invalid_document",
            ProcedureError::InvalidResult { .. } => "invalid_result",
            ProcedureError::InvalidValidity { .. } => "invalid_validity",
            ProcedureError::InvalidStateTransition { .. } => "invalid_state_transition",
            ProcedureError::UnknownSector(_) => "unknown_sector",
            ProcedureError::UnknownAgency(_) => "unknown_agency",
            ProcedureError::InvalidForm(p) => p.code,
        }
    }

    /// The field of the procedure the problem is in, as named in JSON.
    pub fn field(&self) -> &'static str {
        match self {
            ProcedureError::InvalidCode(_) => "code",
            ProcedureError::Missing { field, .. } => field,
            ProcedureError::InvalidProcessingTime { field } => field,
            ProcedureError::ServiceNormExceedsLegalTime { .. } => "service_norm",
            ProcedureError::InvalidFee { .. }
            | ProcedureError::InvalidFeeUnit { .. }
            | ProcedureError::InvalidFeeExemption { .. } => "fees",
            ProcedureError::OnlineReasonRequired => "online_reason",
            ProcedureError::OnlineChannelRequired => "channels",
            ProcedureError::InvalidDocument { .. } => "documents",
            ProcedureError::InvalidResult { .. } => "results",
            ProcedureError::InvalidValidity { .. } => "valid_to",
            ProcedureError::InvalidStateTransition { .. } => "state",
            ProcedureError::UnknownSector(_) => "sector",
            ProcedureError::UnknownAgency(_) => "agency_code",
            ProcedureError::InvalidForm(_) => "form",
        }
    }
}

fn clean(text: &str) -> String {
    crate::text::nfc(text.trim())
}

fn clean_opt(text: Option<String>) -> Option<String> {
    text.map(|t| clean(&t)).filter(|t| !t.is_empty())
}

fn sorted_unique<T: Ord + Copy>(items: &[T]) -> Vec<T> {
    items
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

impl Procedure {
    /// The procedure with its text in NFC and trimmed, its sets of names sorted and
    /// without repeats, and empty optional text dropped.
    pub fn normalised(mut self) -> Procedure {
        self.name = clean(&self.name);
        self.sector = self.sector.trim().to_owned();
        self.levels = sorted_unique(&self.levels);
        self.applicants = sorted_unique(&self.applicants);
        self.channels = sorted_unique(&self.channels);
        self.steps = clean(&self.steps);
        self.online_reason = clean_opt(self.online_reason);
        for fee in &mut self.fees {
            fee.name = clean(&fee.name);
            // Trimmed but kept: an empty unit is reported, not read as a fixed amount.
            fee.per = fee.per.as_deref().map(clean);
            for e in &mut fee.exemptions {
                e.who = clean(&e.who);
                e.legal_basis = clean(&e.legal_basis);
            }
        }
        for doc in &mut self.documents {
            doc.name = clean(&doc.name);
            doc.form_template = clean_opt(doc.form_template.take());
        }
        for result in &mut self.results {
            result.name = clean(&result.name);
        }
        self.legal_bases = self
            .legal_bases
            .iter()
            .map(|b| clean(b))
            .filter(|b| !b.is_empty())
            .collect();
        self
    }

    /// Every rule a procedure must satisfy on its own, all problems at once.
    pub fn problems(&self) -> Vec<ProcedureError> {
        let mut problems = Vec::new();
        let mut missing = |cond: bool, field, label| {
            if cond {
                problems.push(ProcedureError::Missing { field, label });
            }
        };
        missing(self.name.trim().is_empty(), "name", "tên thủ tục");
        missing(self.sector.trim().is_empty(), "sector", "lĩnh vực");
        missing(self.levels.is_empty(), "levels", "cấp thực hiện");
        missing(
            self.agency_code.is_none() && self.agency_kind.is_none(),
            "agency_code",
            "cơ quan hoặc loại cơ quan thực hiện",
        );
        missing(
            self.applicants.is_empty(),
            "applicants",
            "đối tượng thực hiện",
        );
        missing(self.channels.is_empty(), "channels", "cách thức thực hiện");
        if self.processing_time.value == 0 {
            problems.push(ProcedureError::InvalidProcessingTime {
                field: "processing_time",
            });
        }
        if let Some(norm) = self.service_norm {
            if norm.value == 0 {
                problems.push(ProcedureError::InvalidProcessingTime {
                    field: "service_norm",
                });
            } else if norm.minutes() > self.processing_time.minutes() {
                problems.push(ProcedureError::ServiceNormExceedsLegalTime {
                    norm,
                    legal: self.processing_time,
                });
            }
        }
        for (i, fee) in self.fees.iter().enumerate() {
            if fee.amount_vnd < 0 || fee.name.trim().is_empty() {
                problems.push(ProcedureError::InvalidFee {
                    name: fee.name.clone(),
                    amount_vnd: fee.amount_vnd,
                });
            }
            if fee.per.as_deref().is_some_and(|u| u.trim().is_empty()) {
                problems.push(ProcedureError::InvalidFeeUnit { index: i + 1 });
            }
            for (j, e) in fee.exemptions.iter().enumerate() {
                if e.who.trim().is_empty() || e.legal_basis.trim().is_empty() {
                    problems.push(ProcedureError::InvalidFeeExemption {
                        index: i + 1,
                        exemption: j + 1,
                    });
                }
            }
        }
        let reason_given = self
            .online_reason
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty());
        if self.online_level != OnlineLevel::Full && !reason_given {
            problems.push(ProcedureError::OnlineReasonRequired);
        }
        if self.online_level != OnlineLevel::None
            && !self.channels.is_empty()
            && !self.channels.contains(&SubmissionChannel::Online)
        {
            problems.push(ProcedureError::OnlineChannelRequired);
        }
        for (i, doc) in self.documents.iter().enumerate() {
            if doc.name.trim().is_empty() {
                problems.push(ProcedureError::InvalidDocument { index: i + 1 });
            }
        }
        for (i, result) in self.results.iter().enumerate() {
            if result.name.trim().is_empty() || result.retention == Retention::Years(0) {
                problems.push(ProcedureError::InvalidResult { index: i + 1 });
            }
        }
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to)
            && to < from
        {
            problems.push(ProcedureError::InvalidValidity { from, to });
        }
        if let Some(form) = &self.form {
            problems.extend(
                crate::form::check_definition(form)
                    .into_iter()
                    .map(ProcedureError::InvalidForm),
            );
            if let Some(c) = form
                .stands_for
                .as_deref()
                .filter(|c| !self.documents.iter().any(|d| d.name == *c))
            {
                problems.push(ProcedureError::InvalidForm(
                    crate::form::DefinitionProblem {
                        path: "stands_for".into(),
                        code: "unknown_component",
                        message: format!("thành phần hồ sơ {c:?} không có trong thủ tục"),
                    },
                ));
            }
            // A file field is one of the procedure's own components.
            for (s, section) in form.sections.iter().enumerate() {
                for (f, field) in section.fields.iter().enumerate() {
                    let component = field
                        .component
                        .as_deref()
                        .filter(|_| field.kind == crate::form::FieldKind::File);
                    if let Some(c) =
                        component.filter(|c| !self.documents.iter().any(|d| d.name == *c))
                    {
                        problems.push(ProcedureError::InvalidForm(
                            crate::form::DefinitionProblem {
                                path: format!("sections[{s}].fields[{f}]"),
                                code: "unknown_component",
                                message: format!("thành phần hồ sơ {c:?} không có trong thủ tục"),
                            },
                        ));
                    }
                }
            }
        }
        problems
    }

    /// Normalises, then checks every rule.
    pub fn validated(self) -> Result<Procedure, Vec<ProcedureError>> {
        let procedure = self.normalised();
        let problems = procedure.problems();
        if problems.is_empty() {
            Ok(procedure)
        } else {
            Err(problems)
        }
    }

    /// Checks the sector and agency against the catalogues in force.
    pub fn reference_problems(
        &self,
        sector_known: impl Fn(&str) -> bool,
        agency_known: impl Fn(&AgencyCode) -> bool,
    ) -> Vec<ProcedureError> {
        let mut problems = Vec::new();
        if !self.sector.is_empty() && !sector_known(&self.sector) {
            problems.push(ProcedureError::UnknownSector(self.sector.clone()));
        }
        if let Some(agency) = &self.agency_code
            && !agency_known(agency)
        {
            problems.push(ProcedureError::UnknownAgency(agency.to_string()));
        }
        problems
    }

    /// The sum for one of each fee, no one exempt: what the catalogue shows. What a dossier
    /// owes is [`crate::fee::assess`]ed.
    pub fn total_fees(&self) -> i64 {
        self.fees.iter().map(|f| f.amount_vnd).sum()
    }

    pub fn is_online(&self) -> bool {
        self.online_level != OnlineLevel::None
    }

    /// Where the procedure is handled once it takes effect: one assignment per level.
    /// With both levels, the agency code belongs to the province level and every
    /// commune People's Committee handles the commune level.
    pub fn assignments_from(&self, from: NaiveDate) -> Vec<Assignment> {
        let both = self.levels.len() > 1;
        self.levels
            .iter()
            .map(|&level| {
                let (agency_code, agency_kind) = match level {
                    Level::Province => (
                        self.agency_code.clone(),
                        self.agency_kind
                            .filter(|k| *k != AgencyKind::CommuneCommittee),
                    ),
                    Level::Commune if both => (None, Some(AgencyKind::CommuneCommittee)),
                    Level::Commune => (
                        self.agency_code.clone(),
                        Some(self.agency_kind.unwrap_or(AgencyKind::CommuneCommittee)),
                    ),
                };
                Assignment {
                    level,
                    agency_code,
                    agency_kind,
                    effective_from: from,
                    effective_to: None,
                }
            })
            .collect()
    }
}

/// Checks a version state change: draft → published → superseded or withdrawn.
pub fn check_transition(from: VersionState, to: VersionState) -> Result<(), ProcedureError> {
    use VersionState::*;
    match (from, to) {
        (Draft, Published) | (Published, Superseded) | (Published, Withdrawn) => Ok(()),
        _ => Err(ProcedureError::InvalidStateTransition { from, to }),
    }
}

/// Which level and agency handle a procedure over a span of days (both bounds inclusive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub level: Level,
    pub agency_code: Option<AgencyCode>,
    pub agency_kind: Option<AgencyKind>,
    pub effective_from: NaiveDate,
    pub effective_to: Option<NaiveDate>,
}

impl Assignment {
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.effective_from <= date && self.effective_to.is_none_or(|to| to >= date)
    }
}

/// What happens to an existing assignment when new ones take effect from a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// It ends the day before.
    CloseOn(NaiveDate),
    /// It had not started yet: it is replaced outright.
    Drop,
}

/// How an existing assignment must change for new ones to take effect from `from`;
/// None when it ended before then and stays as history.
pub fn cut_at(existing: &Assignment, from: NaiveDate) -> Option<Cut> {
    if existing.effective_from >= from {
        return Some(Cut::Drop);
    }
    let day_before = from.pred_opt()?;
    match existing.effective_to {
        Some(to) if to < from => None,
        _ => Some(Cut::CloseOn(day_before)),
    }
}

#[cfg(test)]
#[path = "procedure_tests.rs"]
mod tests;
