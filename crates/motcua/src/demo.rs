//! The demo: the province of Lạng Sơn after Resolution 1672/NQ-UBTVQH15, its agencies,
//! and one account per role. Unit facts are our transcription of the resolution
//! (see `demo/README.md`); agency identifiers are illustrative.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use motcua_domain::account::{Role, Username};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::unit::{AdminUnit, UnitKind, UnitSuccession, Validity};
use motcua_store::{NewUser, SeedData, Store};
use motcua_web::DemoAccount;
use rand::Rng;
use serde::Deserialize;

pub const DEMO_SETTING: &str = "demo";
pub const DEMO_NAME: &str = "lang_son";
pub const PROVINCE_CODE: &str = "20";
pub const RESOLUTION: &str = "1672/NQ-UBTVQH15";

const UNITS_CSV: &str = include_str!("../demo/lang_son_units.csv");
const SUCCESSIONS_CSV: &str = include_str!("../demo/lang_son_successions.csv");

#[derive(Deserialize)]
struct UnitRow {
    code: String,
    name: String,
    kind: String,
    parent_code: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
}

#[derive(Deserialize)]
struct SuccessionRow {
    old_code: String,
    new_code: String,
    link: String,
    effective: NaiveDate,
    legal_basis: String,
}

pub fn units() -> anyhow::Result<Vec<AdminUnit>> {
    let mut reader = csv::Reader::from_reader(UNITS_CSV.as_bytes());
    reader
        .deserialize::<UnitRow>()
        .enumerate()
        .map(|(i, row)| {
            let row = row.with_context(|| format!("demo units, row {}", i + 2))?;
            Ok(AdminUnit {
                kind: row.kind.parse::<UnitKind>().map_err(anyhow::Error::msg)?,
                code: row.code,
                name: row.name,
                parent_code: Some(row.parent_code).filter(|p| !p.is_empty()),
                validity: Validity {
                    valid_from: row.valid_from,
                    valid_to: row.valid_to,
                },
            })
        })
        .collect()
}

pub fn successions() -> anyhow::Result<Vec<UnitSuccession>> {
    let mut reader = csv::Reader::from_reader(SUCCESSIONS_CSV.as_bytes());
    reader
        .deserialize::<SuccessionRow>()
        .enumerate()
        .map(|(i, row)| {
            let row = row.with_context(|| format!("demo successions, row {}", i + 2))?;
            Ok(UnitSuccession {
                link: row.link.parse().map_err(anyhow::Error::msg)?,
                old_code: row.old_code,
                new_code: row.new_code,
                effective: row.effective,
                legal_basis: row.legal_basis,
            })
        })
        .collect()
}

const PROVINCIAL_COMMITTEE: &str = "000.00.00.H37";
const SERVICE_CENTRE: &str = "000.00.01.H37";
const JUSTICE_DEPARTMENT: &str = "000.00.02.H37";

/// The provincial bodies; commune People's Committees are added per new unit.
const PROVINCIAL_AGENCIES: [(&str, &str, AgencyKind); 9] = [
    (
        PROVINCIAL_COMMITTEE,
        "Ủy ban nhân dân tỉnh Lạng Sơn",
        AgencyKind::ProvincialCommittee,
    ),
    (
        SERVICE_CENTRE,
        "Trung tâm Phục vụ hành chính công tỉnh Lạng Sơn",
        AgencyKind::ServiceCentre,
    ),
    (JUSTICE_DEPARTMENT, "Sở Tư pháp", AgencyKind::Department),
    ("000.00.03.H37", "Sở Xây dựng", AgencyKind::Department),
    (
        "000.00.04.H37",
        "Sở Nông nghiệp và Môi trường",
        AgencyKind::Department,
    ),
    ("000.00.05.H37", "Sở Tài chính", AgencyKind::Department),
    ("000.00.06.H37", "Sở Nội vụ", AgencyKind::Department),
    ("000.00.07.H37", "Sở Y tế", AgencyKind::Department),
    (
        "000.00.08.H37",
        "Sở Giáo dục và Đào tạo",
        AgencyKind::Department,
    ),
];

/// The commune-level units in force from 1/7/2025, in the resolution's order.
fn new_communes(units: &[AdminUnit]) -> Vec<&AdminUnit> {
    let reform = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
    units
        .iter()
        .filter(|u| u.kind.is_commune_level() && u.validity.contains(reform))
        .collect()
}

pub fn agencies(units: &[AdminUnit]) -> anyhow::Result<Vec<Agency>> {
    let code = |c: &str| AgencyCode::parse(c).map_err(anyhow::Error::msg);
    let mut agencies = Vec::new();
    for (c, name, kind) in PROVINCIAL_AGENCIES {
        let parent = (c != PROVINCIAL_COMMITTEE)
            .then(|| code(PROVINCIAL_COMMITTEE))
            .transpose()?;
        agencies.push(Agency {
            code: code(c)?,
            name: name.into(),
            kind,
            unit_code: PROVINCE_CODE.into(),
            parent_code: parent,
        });
    }
    // Commune People's Committees: level-3 codes under the illustrative group 40.
    for (i, unit) in new_communes(units).into_iter().enumerate() {
        agencies.push(Agency {
            code: code(&format!("000.{:02}.40.H37", i + 1))?,
            name: format!("Ủy ban nhân dân {}", lower_first(&unit.name)),
            kind: AgencyKind::CommuneCommittee,
            unit_code: unit.code.clone(),
            parent_code: Some(code(PROVINCIAL_COMMITTEE)?),
        });
    }
    Ok(agencies)
}

/// "Phường Đông Kinh" → "phường Đông Kinh", as the name reads after "Ủy ban nhân dân".
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// One demo account per role, with its agency where the role needs one.
pub struct DemoUserSpec {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// The agency, by name, found among the seeded agencies.
    pub agency_name: Option<&'static str>,
}

pub const DEMO_USERS: [DemoUserSpec; 7] = [
    DemoUserSpec {
        username: "congdan",
        display_name: "Nguyễn Văn An",
        role: Role::Citizen,
        agency_name: None,
    },
    DemoUserSpec {
        username: "motcua.dongkinh",
        display_name: "Hoàng Thị Bình",
        role: Role::Receiver,
        agency_name: Some("Ủy ban nhân dân phường Đông Kinh"),
    },
    DemoUserSpec {
        username: "chuyenvien.tuphap",
        display_name: "Lý Văn Cường",
        role: Role::Specialist,
        agency_name: Some("Sở Tư pháp"),
    },
    DemoUserSpec {
        username: "lanhdao.tuphap",
        display_name: "Vi Thị Dung",
        role: Role::Leader,
        agency_name: Some("Sở Tư pháp"),
    },
    DemoUserSpec {
        username: "quantri.dongkinh",
        display_name: "Nông Văn Đức",
        role: Role::UnitAdmin,
        agency_name: Some("Ủy ban nhân dân phường Đông Kinh"),
    },
    DemoUserSpec {
        username: "quantri.tinh",
        display_name: "Hà Thị Giang",
        role: Role::ProvinceAdmin,
        agency_name: None,
    },
    DemoUserSpec {
        username: "thanhtra",
        display_name: "Lương Văn Hải",
        role: Role::Auditor,
        agency_name: None,
    },
];

/// A demo password: 16 characters from an alphabet without look-alikes.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..16)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// A demo account and its clear-text password, shown once.
#[derive(Debug, Clone)]
pub struct DemoCredential {
    pub username: String,
    pub password: String,
    pub role: Role,
}

/// Builds the whole demo. `password_for` supplies each account's password.
pub fn build(
    mut password_for: impl FnMut(&str) -> String,
) -> anyhow::Result<(SeedData, Vec<DemoCredential>)> {
    let units = units()?;
    let successions = successions()?;
    let agencies = agencies(&units)?;
    let mut users = Vec::new();
    let mut credentials = Vec::new();
    for spec in &DEMO_USERS {
        let agency_code = match spec.agency_name {
            Some(name) => Some(
                agencies
                    .iter()
                    .find(|a| a.name == name)
                    .with_context(|| format!("demo agency {name} missing"))?
                    .code
                    .to_string(),
            ),
            None => None,
        };
        if spec.role.requires_agency() && agency_code.is_none() {
            bail!("demo account {} needs an agency", spec.username);
        }
        let password = password_for(spec.username);
        users.push(NewUser {
            username: Username::parse(spec.username).map_err(anyhow::Error::msg)?,
            display_name: spec.display_name.into(),
            password_hash: motcua_web::hash_password(&password),
            role: spec.role,
            agency_code,
        });
        credentials.push(DemoCredential {
            username: spec.username.into(),
            password,
            role: spec.role,
        });
    }
    let seed = SeedData {
        units,
        successions,
        agencies,
        users,
        settings: vec![(DEMO_SETTING.into(), DEMO_NAME.into())],
    };
    Ok((seed, credentials))
}

/// A database with no units and no users is empty: the demo may go in.
pub async fn is_empty(store: &Store) -> anyhow::Result<bool> {
    let today = NaiveDate::from_ymd_opt(2025, 7, 1).expect("valid date");
    let units = store.count_child_units_at(PROVINCE_CODE, today).await?;
    Ok(units.total == 0
        && store.count_users().await? == 0
        && store.unit_at(PROVINCE_CODE, today).await?.is_none())
}

/// Seeds the demo in one transaction and returns the credentials to show once.
pub async fn seed(store: &Store) -> anyhow::Result<Vec<DemoCredential>> {
    let (seed, credentials) =
        tokio::task::spawn_blocking(|| build(|_| generate_password())).await??;
    let detail = serde_json::json!({
        "units": seed.units.len(),
        "successions": seed.successions.len(),
        "agencies": seed.agencies.len(),
        "users": seed.users.len(),
    });
    let audit = AuditEntry::system(
        motcua_web::now(),
        "demo.seeded",
        format!("demo:{DEMO_NAME}"),
        detail,
    );
    store.load_seed(&seed, motcua_web::now(), audit).await?;
    crate::demo_programme::seed(store).await?;
    Ok(credentials)
}

/// The accounts the login page lists while the demo is on.
pub async fn accounts_for_login_page(store: &Store) -> anyhow::Result<Vec<DemoAccount>> {
    let mut accounts = Vec::new();
    for spec in &DEMO_USERS {
        let Some(user) = store.find_user_by_username(spec.username).await? else {
            continue;
        };
        let agency_name = match &user.agency_code {
            Some(code) => store.agency(code).await?.map(|a| a.name),
            None => None,
        };
        accounts.push(DemoAccount {
            username: user.username,
            role_label: user.role.label_vi().into(),
            agency_name,
        });
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_has_lang_son_as_the_resolution_left_it() {
        let units = units().unwrap();
        let communes = new_communes(&units);
        let count = |kind| communes.iter().filter(|u| u.kind == kind).count();
        assert_eq!(
            (
                communes.len(),
                count(UnitKind::Commune),
                count(UnitKind::Ward)
            ),
            (65, 61, 4)
        );
        let reform = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let old: Vec<_> = units
            .iter()
            .filter(|u| u.kind.is_commune_level() && u.validity.contains(reform))
            .collect();
        let districts = units
            .iter()
            .filter(|u| u.kind == UnitKind::District)
            .count();
        assert_eq!((old.len(), districts), (194, 11));
        let wards: Vec<_> = communes
            .iter()
            .filter(|u| u.kind == UnitKind::Ward)
            .map(|u| u.name.as_str())
            .collect();
        for name in [
            "Phường Đông Kinh",
            "Phường Lương Văn Tri",
            "Phường Tam Thanh",
            "Phường Kỳ Lừa",
        ] {
            assert!(wards.contains(&name), "{name} missing from {wards:?}");
        }
    }

    #[test]
    fn every_old_commune_has_a_successor_and_every_new_unit_a_predecessor() {
        let units = units().unwrap();
        let successions = successions().unwrap();
        let before = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let after = NaiveDate::from_ymd_opt(2025, 7, 1).unwrap();
        for unit in units.iter().filter(|u| u.kind.is_commune_level()) {
            if unit.validity.contains(before) {
                assert!(
                    successions.iter().any(|s| s.old_code == unit.code),
                    "{} has no successor",
                    unit.name
                );
            }
            if unit.validity.contains(after) {
                assert!(
                    successions.iter().any(|s| s.new_code == unit.code),
                    "{} has no predecessor",
                    unit.name
                );
            }
        }
    }

    #[test]
    fn demo_accounts_cover_every_role_with_agencies_where_needed() {
        let (seed, credentials) = build(|name| format!("{name}-password")).unwrap();
        for role in Role::ALL {
            assert!(
                credentials.iter().any(|c| c.role == role),
                "{role} has no demo account"
            );
        }
        for user in &seed.users {
            assert_eq!(
                user.role.requires_agency(),
                user.agency_code.is_some(),
                "{}",
                user.username
            );
        }
        assert_eq!(seed.agencies.len(), PROVINCIAL_AGENCIES.len() + 65);
        let codes: std::collections::BTreeSet<_> =
            seed.agencies.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes.len(), seed.agencies.len(), "agency codes are unique");
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let p = generate_password();
        assert!(motcua_domain::account::check_password_policy(&p).is_ok());
        assert_ne!(p, generate_password());
    }
}
