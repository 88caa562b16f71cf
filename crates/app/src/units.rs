//! Agencies: who may change which, and creating and updating them (each change one
//! store transaction with its audit event).

use crate::{App, AppError, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use serde::{Deserialize, Serialize};

/// An agency to create or the new state of one.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AgencyInput))]
pub struct AgencyInput {
    /// Required when creating; ignored when updating (the path names the agency).
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^([0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}|[A-Z][0-9]{2}\\.[0-9]{3}\\.[0-9]{2})$"
        )
    )]
    pub code: Option<String>,
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 255))]
    pub name: String,
    /// provincial_committee, department, service_centre, commune_committee or other.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^(provincial_committee|department|service_centre|commune_committee|other)$"
        )
    )]
    pub kind: String,
    /// The unit it serves (statistics code).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^([0-9]{2}|[0-9]{3}|[0-9]{5})$")
    )]
    pub unit_code: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = "^([0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}|[A-Z][0-9]{2}\\.[0-9]{3}\\.[0-9]{2})$"
        )
    )]
    pub parent_code: Option<String>,
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    pub valid_from: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "motcua_domain::calendar::strict_date::option"
    )]
    pub valid_to: Option<NaiveDate>,
}

/// An agency as recorded in an update's audit event (before and after).
#[derive(Serialize)]
struct AgencyFacts<'a> {
    code: String,
    name: &'a str,
    kind: &'static str,
    kind_label: &'static str,
    unit_code: &'a str,
    parent_code: Option<String>,
    valid_from: Option<NaiveDate>,
    valid_to: Option<NaiveDate>,
    successor_code: Option<String>,
}

impl<'a> From<&'a Agency> for AgencyFacts<'a> {
    fn from(a: &'a Agency) -> AgencyFacts<'a> {
        AgencyFacts {
            code: a.code.to_string(),
            name: &a.name,
            kind: a.kind.as_str(),
            kind_label: a.kind.label_vi(),
            unit_code: &a.unit_code,
            parent_code: a.parent_code.as_ref().map(ToString::to_string),
            valid_from: a.valid_from,
            valid_to: a.valid_to,
            successor_code: a.successor_code.as_ref().map(ToString::to_string),
        }
    }
}

pub fn agency_not_found(code: &str) -> AppError {
    AppError::not_found(
        "agency_not_found",
        format!("Không có cơ quan mã định danh {code}."),
    )
}

/// Validates an agency input into an agency (the identifier checked in both layouts).
pub fn agency_from_input(code: &str, input: &AgencyInput) -> AppResult<Agency> {
    let code = AgencyCode::parse(code).map_err(|e| AppError::invalid(e.code(), e.to_string()))?;
    let name = input.name.trim();
    if name.is_empty() {
        return Err(AppError::invalid(
            "invalid_name",
            "Tên cơ quan không được để trống.",
        ));
    }
    let kind: AgencyKind = input
        .kind
        .parse()
        .map_err(|e: String| AppError::invalid("invalid_kind", e))?;
    if !motcua_domain::unit::is_valid_unit_code(input.unit_code.trim()) {
        return Err(AppError::invalid(
            "invalid_unit_code",
            format!("Mã đơn vị hành chính không hợp lệ: {}", input.unit_code),
        ));
    }
    let parent_code = match input.parent_code.as_deref().map(str::trim) {
        Some(p) if !p.is_empty() => Some(AgencyCode::parse(p).map_err(|e| {
            AppError::invalid("invalid_agency_code", format!("Cơ quan cấp trên: {e}"))
        })?),
        _ => None,
    };
    if let (Some(from), Some(to)) = (input.valid_from, input.valid_to)
        && to < from
    {
        return Err(AppError::invalid(
            "invalid_validity",
            "Ngày kết thúc phải sau ngày bắt đầu.",
        ));
    }
    Ok(Agency {
        valid_from: input.valid_from,
        valid_to: input.valid_to,
        ..Agency::new(code, name, kind, input.unit_code.trim(), parent_code)
    })
}

/// Whether `who` may change `code`: provincial administrators any agency, unit
/// administrators their own (its name only).
pub fn may_edit_agency(who: &Principal, code: &str) -> bool {
    who.role == Role::ProvinceAdmin
        || (who.role == Role::UnitAdmin && who.agency_code.as_deref() == Some(code))
}

/// The agencies `who` administers: every one for a provincial administrator, their own
/// for a unit administrator.
pub async fn administered_agencies(app: &App, who: &Principal) -> AppResult<Vec<Agency>> {
    who.require(&[Role::ProvinceAdmin, Role::UnitAdmin])?;
    Ok(app
        .store
        .agencies(None)
        .await?
        .into_iter()
        .filter(|a| {
            who.role == Role::ProvinceAdmin || who.agency_code.as_deref() == Some(a.code.as_str())
        })
        .collect())
}

/// The agency `code` as it stands, if `who` may change it.
pub async fn editable_agency(app: &App, who: &Principal, code: &str) -> AppResult<Agency> {
    let parsed = AgencyCode::parse(code).map_err(|_| agency_not_found(code))?;
    if !may_edit_agency(who, parsed.as_str()) {
        return Err(AppError::forbidden());
    }
    app.store
        .agency(parsed.as_str())
        .await?
        .ok_or_else(|| agency_not_found(code))
}

/// Creates an agency (provincial administrators).
pub async fn create_agency(app: &App, who: &Principal, input: &AgencyInput) -> AppResult<Agency> {
    who.require(&[Role::ProvinceAdmin])?;
    let code = input.code.clone().unwrap_or_default();
    let agency = agency_from_input(&code, input)?;
    let audit = who.audit(
        "agency.created",
        format!("agency:{}", agency.code),
        serde_json::json!({ "name": agency.name, "kind": agency.kind, "unit": agency.unit_code }),
    );
    app.store
        .create_agency(&agency, crate::now(), audit)
        .await?;
    app.agencies.forget();
    Ok(agency)
}

/// Updates an agency: provincial administrators any field; a unit administrator only
/// the name of their own agency. The successor link is the transition's, never the form's.
pub async fn update_agency(
    app: &App,
    who: &Principal,
    code: &str,
    input: &AgencyInput,
) -> AppResult<Agency> {
    let current = editable_agency(app, who, code).await?;
    let mut agency = agency_from_input(current.code.as_str(), input)?;
    if who.role != Role::ProvinceAdmin {
        if agency.kind != current.kind
            || agency.unit_code != current.unit_code
            || agency.parent_code != current.parent_code
            || agency.valid_from != current.valid_from
            || agency.valid_to != current.valid_to
        {
            return Err(AppError::NotAllowed {
                code: "forbidden_field",
                detail: "Quản trị đơn vị chỉ được đổi tên cơ quan của mình.".into(),
            });
        }
        agency = Agency {
            name: agency.name.clone(),
            ..current.clone()
        };
    }
    agency.successor_code = current.successor_code.clone();
    let audit = who.audit(
        "agency.updated",
        format!("agency:{}", agency.code),
        serde_json::json!({ "before": AgencyFacts::from(&current), "after": AgencyFacts::from(&agency) }),
    );
    app.store.update_agency(&agency, audit).await?;
    app.agencies.forget();
    Ok(agency)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AgencyInput {
        AgencyInput {
            code: Some("000.00.00.H37".into()),
            name: " Ủy ban nhân dân tỉnh ".into(),
            kind: "provincial_committee".into(),
            unit_code: "20".into(),
            parent_code: Some(String::new()),
            valid_from: None,
            valid_to: None,
        }
    }

    #[test]
    fn an_agency_is_checked_field_by_field() {
        let agency = agency_from_input("000.00.00.H37", &input()).unwrap();
        assert_eq!(agency.name, "Ủy ban nhân dân tỉnh");
        assert_eq!(agency.parent_code, None);
        let code = |i: AgencyInput| agency_from_input("000.00.00.H37", &i).unwrap_err().code();
        assert_eq!(
            code(AgencyInput {
                name: " ".into(),
                ..input()
            }),
            "invalid_name"
        );
        assert_eq!(
            code(AgencyInput {
                kind: "ministry".into(),
                ..input()
            }),
            "invalid_kind"
        );
        assert_eq!(
            code(AgencyInput {
                unit_code: "2".into(),
                ..input()
            }),
            "invalid_unit_code"
        );
        assert_eq!(
            code(AgencyInput {
                valid_from: NaiveDate::from_ymd_opt(2025, 7, 1),
                valid_to: NaiveDate::from_ymd_opt(2025, 6, 30),
                ..input()
            }),
            "invalid_validity"
        );
    }

    #[test]
    fn unit_administrators_edit_only_their_own_agency() {
        let who = |role, agency: Option<&str>| Principal {
            id: uuid::Uuid::nil(),
            username: "u".into(),
            role,
            agency_code: agency.map(str::to_owned),
        };
        let own = "000.00.00.H37";
        assert!(may_edit_agency(&who(Role::ProvinceAdmin, None), own));
        assert!(may_edit_agency(&who(Role::UnitAdmin, Some(own)), own));
        assert!(!may_edit_agency(
            &who(Role::UnitAdmin, Some(own)),
            "000.00.01.H37"
        ));
        assert!(!may_edit_agency(&who(Role::Leader, Some(own)), own));
    }
}
