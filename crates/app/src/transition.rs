//! The transition from abolished administrative units and agencies to the ones that took
//! over their work (the reorganisation in force from 1/7/2025): what moves
//! where, and carrying it out. The page shows the plan; `motcua transition plan|apply` also
//! applies it, as the system (no signed-in account).

use crate::{App, AppResult, Principal};
use chrono::NaiveDate;
use motcua_domain::account::Role;
use motcua_domain::audit::AuditEntry;
use motcua_domain::transition::{PlanRules, TransitionPlan};
use motcua_store::{Store, TransitionMove, TransitionReport, bound_kind_label};

/// The plan for `effective`, for the province's administrators and auditors.
pub async fn plan(
    app: &App,
    who: &Principal,
    effective: NaiveDate,
    rules: &PlanRules,
) -> AppResult<TransitionPlan> {
    who.require(&[Role::ProvinceAdmin, Role::Auditor])?;
    make_plan(&app.store, effective, rules).await
}

/// What has been moved for `effective` so far.
pub async fn moves(
    app: &App,
    who: &Principal,
    effective: NaiveDate,
) -> AppResult<Vec<TransitionMove>> {
    who.require(&[Role::ProvinceAdmin, Role::Auditor])?;
    Ok(app.store.transition_moves(effective).await?)
}

/// Gathers the facts and decides the plan (the command line's entry, which acts as the
/// system).
pub async fn make_plan(
    store: &Store,
    effective: NaiveDate,
    rules: &PlanRules,
) -> AppResult<TransitionPlan> {
    let (abolished, working) = store.transition_facts(effective).await?;
    Ok(motcua_domain::transition::plan(
        effective, &abolished, &working, rules,
    ))
}

/// Decides the plan and carries it out in one transaction, audited as `actor`.
pub async fn apply(
    store: &Store,
    effective: NaiveDate,
    rules: &PlanRules,
    actor: &AuditEntry,
) -> AppResult<(TransitionPlan, TransitionReport)> {
    let plan = make_plan(store, effective, rules).await?;
    let report = store.apply_transition(&plan, crate::now(), actor).await?;
    Ok((plan, report))
}

/// The plan as text: each agency and its items, then what is left to decide.
pub fn describe_plan(plan: &TransitionPlan) -> String {
    let mut out = format!(
        "Kế hoạch chuyển tiếp ngày {}: {} cơ quan ngừng hoạt động, {} mục gắn với chúng ({} đã xác định nơi chuyển).\n\
         Transition plan for {}: {} agencies stop, {} bound items ({} decided).\n",
        plan.effective,
        plan.agencies.len(),
        plan.item_count(),
        plan.moved_item_count(),
        plan.effective,
        plan.agencies.len(),
        plan.item_count(),
        plan.moved_item_count(),
    );
    for c in plan.counts_by_kind() {
        out.push_str(&format!(
            "  {}: {} ({} đã xác định nơi chuyển / decided)\n",
            bound_kind_label(&c.kind),
            c.total,
            c.decided
        ));
    }
    for m in &plan.agencies {
        let target = m
            .target
            .as_ref()
            .map_or_else(|| "?".to_owned(), |t| format!("{} {}", t.code, t.name));
        out.push_str(&format!(
            "\n{} {} [{} {}] → {} ({})\n",
            m.agency.code,
            m.agency.name,
            m.unit.code,
            m.unit.full_name,
            target,
            m.decision.label_vi()
        ));
        for item in &m.items {
            let to = item.target.as_ref().map_or("?", |t| t.code.as_str());
            out.push_str(&format!(
                "    {}: {} ({}) → {}\n",
                bound_kind_label(&item.kind),
                item.key,
                item.label,
                to
            ));
        }
    }
    let undecided = plan.undecided();
    if undecided.is_empty() {
        out.push_str("\nMọi việc chuyển đều đã xác định. Nothing is left undecided.\n");
    } else {
        out.push_str(&format!(
            "\nCHƯA QUYẾT ĐỊNH ĐƯỢC TỰ ĐỘNG ({}). Undecided:\n",
            undecided.len()
        ));
        for u in &undecided {
            let what = u.item.as_ref().map_or_else(
                || format!("cơ quan {}", u.agency.code),
                |(kind, key)| format!("{} {key} của {}", bound_kind_label(kind), u.agency.code),
            );
            out.push_str(&format!(
                "  - {what}: {}\n    cách quyết định: {}\n",
                u.reason, u.hint
            ));
        }
    }
    for a in &plan.unused_assignments {
        out.push_str(&format!(
            "Cảnh báo: phân định {}={} không khớp cơ quan hay đơn vị nào bị bãi bỏ.\n",
            a.old, a.new
        ));
    }
    out
}

pub fn describe_report(report: &TransitionReport) -> String {
    format!(
        "Đã thực hiện: {} cơ quan đóng lại, {} cơ quan gắn cơ quan kế thừa, {} mục được chuyển (trong đó {} hồ sơ đang giải quyết), {} mục chưa quyết định được giữ nguyên ({} tài khoản bị khóa vì cơ quan thôi hoạt động).\n\
         Applied: {} agencies closed, {} linked to a successor, {} items moved ({} of them dossiers in flight), {} left undecided ({} accounts deactivated: their agency stops).",
        report.agencies_closed,
        report.agencies_linked,
        report.items_moved,
        report.dossiers_moved,
        report.items_left,
        report.users_deactivated,
        report.agencies_closed,
        report.agencies_linked,
        report.items_moved,
        report.dossiers_moved,
        report.items_left,
        report.users_deactivated,
    )
}
