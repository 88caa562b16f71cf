//! The demo: the province of Lạng Sơn after Resolution 1672/NQ-UBTVQH15, its agencies,
//! and one account per role. Unit facts are our transcription of the resolution
//! (see `demo/README.md`); agency identifiers are illustrative.

use anyhow::{Context, bail};
use chrono::NaiveDate;
use motcua_domain::account::{Role, Username};
use motcua_domain::agency::{Agency, AgencyCode, AgencyKind};
use motcua_domain::audit::AuditEntry;
use motcua_domain::unit::{AdminUnit, UnitKind, UnitSuccession, Validity};
use motcua_store::{CatalogueLoad, NewDecision, NewUser, SeedData, Store};
use motcua_web::DemoAccount;
use rand::Rng;
use serde::Deserialize;

pub const DEMO_SETTING: &str = "demo";
pub const DEMO_NAME: &str = "lang_son";
pub const PROVINCE_CODE: &str = "20";
pub const RESOLUTION: &str = "1672/NQ-UBTVQH15";

const UNITS_CSV: &str = include_str!("../demo/lang_son_units.csv");
const SUCCESSIONS_CSV: &str = include_str!("../demo/lang_son_successions.csv");
const PROCEDURES_JSON: &str = include_str!("../demo/lang_son_procedures.json");
/// The demo's (illustrative) decision publishing the catalogue.
pub const CATALOGUE_DECISION: &str = "1150/QĐ-UBND";
/// The named set of essential online services.
pub const ESSENTIAL_SET: &str = "dvc_thiet_yeu";

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
            let kind = row.kind.parse::<UnitKind>().map_err(anyhow::Error::msg)?;
            Ok(AdminUnit {
                kind,
                code: row.code,
                name: kind.short_name(&row.name),
                full_name: row.name,
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

/// The last day of the three tiers.
pub fn last_day_before_reform() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date")
}

pub fn agencies(units: &[AdminUnit]) -> anyhow::Result<Vec<Agency>> {
    let code = |c: &str| AgencyCode::parse(c).map_err(anyhow::Error::msg);
    let mut agencies = Vec::new();
    for (c, name, kind) in PROVINCIAL_AGENCIES {
        let parent = (c != PROVINCIAL_COMMITTEE)
            .then(|| code(PROVINCIAL_COMMITTEE))
            .transpose()?;
        agencies.push(Agency::new(code(c)?, name, kind, PROVINCE_CODE, parent));
    }
    // Commune People's Committees: level-3 codes under the illustrative group 40.
    for (i, unit) in new_communes(units).into_iter().enumerate() {
        agencies.push(Agency {
            valid_from: Some(unit.validity.valid_from),
            ..Agency::new(
                code(&format!("000.{:02}.40.H37", i + 1))?,
                format!("Ủy ban nhân dân {}", lower_first(&unit.full_name)),
                AgencyKind::CommuneCommittee,
                unit.code.clone(),
                Some(code(PROVINCIAL_COMMITTEE)?),
            )
        });
    }
    // The People's Committees of the old districts (group 21 onwards) and of their old
    // communes beneath them, which stopped working on 30/6/2025: the transition's input.
    let last_day = last_day_before_reform();
    let districts: Vec<&AdminUnit> = units
        .iter()
        .filter(|u| u.kind == UnitKind::District)
        .collect();
    for (i, district) in districts.iter().enumerate() {
        let district_code = code(&format!("000.00.{:02}.H37", 21 + i))?;
        agencies.push(Agency {
            valid_to: Some(last_day),
            ..Agency::new(
                district_code.clone(),
                format!("Ủy ban nhân dân {}", lower_first(&district.full_name)),
                AgencyKind::Other,
                district.code.clone(),
                Some(code(PROVINCIAL_COMMITTEE)?),
            )
        });
        let communes = units.iter().filter(|u| {
            u.parent_code.as_deref() == Some(district.code.as_str()) && u.kind.is_commune_level()
        });
        for (j, commune) in communes.enumerate() {
            agencies.push(Agency {
                valid_to: Some(last_day),
                ..Agency::new(
                    code(&format!("000.{:02}.{:02}.H37", j + 1, 21 + i))?,
                    format!("Ủy ban nhân dân {}", lower_first(&commune.full_name)),
                    AgencyKind::CommuneCommittee,
                    commune.code.clone(),
                    Some(district_code.clone()),
                )
            });
        }
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

/// The demo's procedure catalogue, read through the same code as an import, and
/// published under one decision of the provincial People's Committee.
pub fn catalogue() -> anyhow::Result<CatalogueLoad> {
    let parsed = motcua_exchange::parse(PROCEDURES_JSON.as_bytes())?;
    if let Some(issue) = parsed.issues.first() {
        bail!("demo catalogue: {issue}");
    }
    let entries = parsed.entries();
    let memberships = entries
        .iter()
        .flat_map(|e| {
            e.sets
                .iter()
                .map(|s| (s.clone(), e.procedure.code.to_string()))
        })
        .collect();
    Ok(CatalogueLoad {
        decision: NewDecision {
            number: CATALOGUE_DECISION.into(),
            decided_on: NaiveDate::from_ymd_opt(2025, 6, 30).expect("valid date"),
            signer: "Chủ tịch Ủy ban nhân dân tỉnh Lạng Sơn".into(),
            required_count: Some(entries.len() as i64),
        },
        procedures: {
            let mut procedures: Vec<_> = entries.into_iter().map(|e| e.procedure).collect();
            crate::demo_forms::attach_forms(&mut procedures)?;
            procedures
        },
        memberships,
    })
}

/// One demo account per role, with its agency where the role needs one.
pub struct DemoUserSpec {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    /// The agency, by name, found among the seeded agencies.
    pub agency_name: Option<&'static str>,
    /// Whether that agency is one of those abolished on 1/7/2025 (names repeat across the reform).
    pub old_agency: bool,
}

pub const DEMO_USERS: [DemoUserSpec; 10] = [
    DemoUserSpec {
        username: "congdan",
        display_name: "Nguyễn Văn An",
        role: Role::Citizen,
        agency_name: None,
        old_agency: false,
    },
    DemoUserSpec {
        username: "motcua.dongkinh",
        display_name: "Hoàng Thị Bình",
        role: Role::Receiver,
        agency_name: Some("Ủy ban nhân dân phường Đông Kinh"),
        old_agency: false,
    },
    DemoUserSpec {
        username: "chuyenvien.tuphap",
        display_name: "Lý Văn Cường",
        role: Role::Specialist,
        agency_name: Some("Sở Tư pháp"),
        old_agency: false,
    },
    DemoUserSpec {
        username: "lanhdao.tuphap",
        display_name: "Vi Thị Dung",
        role: Role::Leader,
        agency_name: Some("Sở Tư pháp"),
        old_agency: false,
    },
    DemoUserSpec {
        username: "quantri.dongkinh",
        display_name: "Nông Văn Đức",
        role: Role::UnitAdmin,
        agency_name: Some("Ủy ban nhân dân phường Đông Kinh"),
        old_agency: false,
    },
    DemoUserSpec {
        username: "quantri.tinh",
        display_name: "Hà Thị Giang",
        role: Role::ProvinceAdmin,
        agency_name: None,
        old_agency: false,
    },
    DemoUserSpec {
        username: "thanhtra",
        display_name: "Lương Văn Hải",
        role: Role::Auditor,
        agency_name: None,
        old_agency: false,
    },
    // Accounts still scoped to agencies abolished on 1/7/2025: `motcua transition` moves them.
    DemoUserSpec {
        username: "motcua.vinhtrai",
        display_name: "Chu Thị Hạnh",
        role: Role::Receiver,
        agency_name: Some("Ủy ban nhân dân phường Vĩnh Trại"),
        old_agency: true,
    },
    DemoUserSpec {
        username: "motcua.binhxa",
        display_name: "Lộc Văn Khánh",
        role: Role::Receiver,
        agency_name: Some("Ủy ban nhân dân xã Bính Xá"),
        old_agency: true,
    },
    DemoUserSpec {
        username: "quantri.caoloc",
        display_name: "Triệu Thị Lan",
        role: Role::UnitAdmin,
        agency_name: Some("Ủy ban nhân dân huyện Cao Lộc"),
        old_agency: true,
    },
];

/// The officers who handle the sample dossiers (Đông Kinh's appraisal and approval, the
/// provincial service centre's counter). `demo_dossiers` creates them with the dossier work.
pub const DOSSIER_DEMO_USERS: [DemoUserSpec; 3] = [
    DemoUserSpec {
        username: "chuyenvien.dongkinh",
        display_name: "Mã Văn Nam",
        role: Role::Specialist,
        agency_name: Some("Ủy ban nhân dân phường Đông Kinh"),
        old_agency: false,
    },
    DemoUserSpec {
        username: "lanhdao.dongkinh",
        display_name: "Hoàng Văn Phúc",
        role: Role::Leader,
        agency_name: Some("Ủy ban nhân dân phường Đông Kinh"),
        old_agency: false,
    },
    DemoUserSpec {
        username: "motcua.tinh",
        display_name: "Lăng Thị Quyên",
        role: Role::Receiver,
        agency_name: Some("Trung tâm Phục vụ hành chính công tỉnh Lạng Sơn"),
        old_agency: false,
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
                    .find(|a| a.name == name && a.valid_to.is_some() == spec.old_agency)
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
            password_hash: motcua_app::password::hash_password(&password),
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
        catalogue: Some(catalogue()?),
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

/// Set once every step of the demo is in: a start that finds the demo without it was
/// interrupted while seeding, and finishes the job.
pub const DEMO_COMPLETE: &str = "demo.complete";

/// Where the demo's passwords are written, before anything else.
pub const ACCOUNTS_FILE: &str = "demo-accounts.txt";

/// The accounts file's text: a title, then `username password role` per line.
pub fn accounts_text(credentials: &[DemoCredential]) -> String {
    let mut text =
        String::from("Tài khoản trình diễn (demo accounts) — username / password / role\n");
    for c in credentials {
        text.push_str(&format!(
            "  {:<20} {:<18} {}\n",
            c.username, c.password, c.role
        ));
    }
    text
}

/// Writes the accounts file whole or not at all (a temporary file renamed over it), readable
/// by its owner only.
fn write_accounts(
    data_dir: &std::path::Path,
    credentials: &[DemoCredential],
) -> anyhow::Result<()> {
    use std::io::Write;
    let path = data_dir.join(ACCOUNTS_FILE);
    let temporary = data_dir.join(format!("{ACCOUNTS_FILE}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&temporary)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    file.write_all(accounts_text(credentials).as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temporary, &path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

/// The passwords the accounts file holds, by username.
fn read_accounts(data_dir: &std::path::Path) -> Vec<(String, String)> {
    let Ok(text) = std::fs::read_to_string(data_dir.join(ACCOUNTS_FILE)) else {
        return Vec::new();
    };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?.to_owned(), words.next()?.to_owned()))
        })
        .collect()
}

/// What a start found and did about the demo.
pub enum DemoStart {
    /// Seeded now: the passwords to show once (also in the accounts file).
    Seeded(Vec<DemoCredential>),
    /// A seed interrupted at an earlier start was finished.
    Resumed,
    /// Nothing to do.
    AsItWas,
}

/// Seeds the demo into an empty database, or finishes one an earlier start was stopped in
/// the middle of. Every password is generated and written to the accounts file before the
/// first row, so none is lost to an interruption; the base data go in one transaction; each
/// later step skips what it finds done.
pub async fn seed_or_resume(
    store: &Store,
    data_dir: &std::path::Path,
) -> anyhow::Result<DemoStart> {
    if is_empty(store).await? {
        let (seed, mut credentials) =
            tokio::task::spawn_blocking(|| build(|_| generate_password())).await??;
        credentials.extend(DOSSIER_DEMO_USERS.iter().map(|spec| DemoCredential {
            username: spec.username.into(),
            password: generate_password(),
            role: spec.role,
        }));
        write_accounts(data_dir, &credentials)?;
        let detail = serde_json::json!({
            "units": seed.units.len(),
            "successions": seed.successions.len(),
            "agencies": seed.agencies.len(),
            "users": seed.users.len(),
            "procedures": seed.catalogue.as_ref().map_or(0, |c| c.procedures.len()),
        });
        let audit = AuditEntry::system(
            motcua_app::now(),
            "demo.seeded",
            format!("demo:{DEMO_NAME}"),
            detail,
        );
        store.load_seed(&seed, motcua_app::now(), audit).await?;
        finish(store, data_dir, credentials.clone()).await?;
        return Ok(DemoStart::Seeded(credentials));
    }
    let ours = store.setting(DEMO_SETTING).await?.as_deref() == Some(DEMO_NAME);
    if ours && store.setting(DEMO_COMPLETE).await?.is_none() {
        let known = read_accounts(data_dir);
        let credentials = DEMO_USERS
            .iter()
            .chain(&DOSSIER_DEMO_USERS)
            .filter_map(|spec| {
                let (_, password) = known.iter().find(|(u, _)| u == spec.username)?;
                Some(DemoCredential {
                    username: spec.username.into(),
                    password: password.clone(),
                    role: spec.role,
                })
            })
            .collect();
        finish(store, data_dir, credentials).await?;
        return Ok(DemoStart::Resumed);
    }
    Ok(DemoStart::AsItWas)
}

/// The demo's steps after the base data, each skipping what is done, then the mark.
async fn finish(
    store: &Store,
    data_dir: &std::path::Path,
    mut credentials: Vec<DemoCredential>,
) -> anyhow::Result<()> {
    crate::demo_forms::seed_code_lists(store).await?;
    crate::demo_programme::seed(store).await?;
    let known = credentials.clone();
    let work = crate::demo_dossiers::seed(store, |username| {
        known
            .iter()
            .find(|c| c.username == username)
            .map_or_else(generate_password, |c| c.password.clone())
    })
    .await?;
    // An officer made now with a password the file did not have (the file was lost): kept.
    let new: Vec<DemoCredential> = work
        .credentials
        .into_iter()
        .filter(|c| !credentials.iter().any(|k| k.username == c.username))
        .collect();
    if !new.is_empty() {
        credentials.extend(new);
        write_accounts(data_dir, &credentials)?;
    }
    // Whatever dossiers the demo brings are counted for the dashboard (each dossier write
    // keeps the counters too; the recount makes sure of anything loaded around the hook).
    store.recount_quality_aggregates().await?;
    seed_identities(store).await?;
    store
        .put_setting(DEMO_COMPLETE, &motcua_app::now().to_rfc3339())
        .await?;
    Ok(())
}

/// The demo citizen's identity number, bound to the `congdan` account: their document
/// store (/wallet) is the one kept under it.
pub const DEMO_CITIZEN_ID: &str = "020095001234";

/// Binds the demo citizen account to [`DEMO_CITIZEN_ID`] (idempotent).
pub async fn seed_identities(store: &Store) -> anyhow::Result<()> {
    if let Some(user) = store.find_user_by_username("congdan").await? {
        let now = motcua_app::now();
        let audit = AuditEntry::system(
            now,
            "user.identity_linked",
            "user:congdan",
            serde_json::json!({ "identity": DEMO_CITIZEN_ID, "via": "demo" }),
        );
        store
            .link_identity(user.id, DEMO_CITIZEN_ID, now, audit)
            .await?;
    }
    Ok(())
}

/// The accounts the login page lists while the demo is on.
pub async fn accounts_for_login_page(store: &Store) -> anyhow::Result<Vec<DemoAccount>> {
    let mut accounts = Vec::new();
    for spec in DEMO_USERS.iter().chain(&DOSSIER_DEMO_USERS) {
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
            .map(|u| u.full_name.as_str())
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
                    unit.full_name
                );
            }
            if unit.validity.contains(after) {
                assert!(
                    successions.iter().any(|s| s.new_code == unit.code),
                    "{} has no predecessor",
                    unit.full_name
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
        assert_eq!(
            seed.agencies.len(),
            PROVINCIAL_AGENCIES.len() + 65 + 11 + 194
        );
        for spec in &DOSSIER_DEMO_USERS {
            let name = spec.agency_name.unwrap();
            assert!(
                seed.agencies
                    .iter()
                    .any(|a| a.name == name && a.valid_to.is_none()),
                "{name}"
            );
            assert!(!DEMO_USERS.iter().any(|u| u.username == spec.username));
        }
        let codes: std::collections::BTreeSet<_> =
            seed.agencies.iter().map(|a| a.code.as_str()).collect();
        assert_eq!(codes.len(), seed.agencies.len(), "agency codes are unique");
    }

    #[test]
    fn the_demo_catalogue_is_valid_and_as_the_conference_counted() {
        use motcua_domain::procedure::{Level, OnlineLevel};
        let load = catalogue().unwrap();
        assert!(load.procedures.len() >= 40, "{}", load.procedures.len());
        let units = units().unwrap();
        let agencies: Vec<String> = agencies(&units)
            .unwrap()
            .iter()
            .map(|a| a.code.to_string())
            .collect();
        for p in &load.procedures {
            let problems = p.clone().validated().err().unwrap_or_default();
            assert!(problems.is_empty(), "{}: {problems:?}", p.code);
            if let Some(agency) = &p.agency_code {
                assert!(agencies.contains(&agency.to_string()), "{}", p.code);
            }
        }
        for level in [Level::Province, Level::Commune] {
            assert!(
                load.procedures
                    .iter()
                    .filter(|p| p.levels.contains(&level))
                    .count()
                    >= 15
            );
        }
        let sectors: std::collections::BTreeSet<_> =
            load.procedures.iter().map(|p| p.sector.as_str()).collect();
        for sector in [
            "ho_tich",
            "chung_thuc",
            "dat_dai",
            "xay_dung",
            "kinh_doanh",
            "bao_tro_xa_hoi",
        ] {
            assert!(sectors.contains(sector), "{sector}");
        }
        let essential: Vec<_> = load
            .memberships
            .iter()
            .filter(|(s, _)| s == ESSENTIAL_SET)
            .map(|(_, c)| c)
            .collect();
        let full = load
            .procedures
            .iter()
            .filter(|p| essential.contains(&&p.code.to_string()))
            .filter(|p| p.online_level == OnlineLevel::Full)
            .count();
        assert_eq!((essential.len(), full), (25, 21));
    }

    #[test]
    fn generated_passwords_meet_the_policy() {
        let p = generate_password();
        assert!(motcua_domain::account::check_password_policy(&p).is_ok());
        assert_ne!(p, generate_password());
    }
}
