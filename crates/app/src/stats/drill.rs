//! The dossiers behind a figure of the scorecard, for staff who may see them.

use super::{Level, Quality, QualityQuestion, Scope, quality};
use crate::{App, AppError, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::paging::{PageSize, Paging};
use motcua_domain::quality::Figure;
use motcua_store::{Drill, DrillRow};

/// Dossiers listed per page.
pub const DOSSIERS_PER_PAGE: i64 = 50;

/// Administrators and auditors see every scope; agency staff their own agency's.
pub fn may_list_dossiers(who: Option<&Principal>, scope: &Scope) -> bool {
    match who {
        Some(u) if matches!(u.role, Role::ProvinceAdmin | Role::Auditor) => true,
        Some(u) if u.role.requires_agency() => {
            scope.level == Level::Agency && u.agency_code.as_deref() == Some(scope.code.as_str())
        }
        _ => false,
    }
}

/// One page of the dossiers behind a figure.
#[derive(Debug, Clone)]
pub struct DossierList {
    pub figure: Figure,
    pub quality: Quality,
    /// How many dossiers the figure counts.
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub rows: Vec<DrillRow>,
}

/// `figure` as the edges receive it: the role is checked before anything is read.
pub async fn dossiers(
    app: &App,
    who: &Principal,
    figure: &str,
    question: &QualityQuestion<'_>,
    page: Option<i64>,
) -> AppResult<DossierList> {
    if !who.role.is_staff() {
        return Err(AppError::Forbidden {
            detail: "Danh sách hồ sơ theo chỉ số chỉ dành cho cán bộ, công chức.".into(),
        });
    }
    let figure = Figure::parse(figure)?;
    let paging = Paging::new(
        page,
        None,
        PageSize {
            default: DOSSIERS_PER_PAGE,
            max: DOSSIERS_PER_PAGE,
        },
    )?;
    let quality = quality(app, question).await?;
    if !may_list_dossiers(Some(who), &quality.scope) {
        return Err(AppError::Forbidden {
            detail: "Bạn chỉ xem được danh sách hồ sơ của cơ quan mình.".into(),
        });
    }
    let total = quality.inputs.counters.get(figure);
    let (page, pages) = (paging.page, paging.pages(total));
    let rows = app
        .store
        .quality_dossiers(&Drill {
            now: crate::now(),
            figure,
            months: quality.period.months(),
            agencies: quality.scope.agencies.clone(),
            page,
            per_page: DOSSIERS_PER_PAGE,
        })
        .await?;
    Ok(DossierList {
        figure,
        quality,
        total,
        page,
        pages,
        rows,
    })
}
