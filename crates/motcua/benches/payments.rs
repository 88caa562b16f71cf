//! Payments (issue 18), on SQLite with the production settings or, with `BACKEND=postgres`, a
//! throwaway PostgreSQL from the test kit:
//!
//! 1. **Notifications.** `DOSSIERS` dossiers (default 1000) wait for a fee, each with an order
//!    at the payment platform; the platform's signed notifications are taken one after another
//!    through `payments::platform::notify`, as the API handler calls it: signature and order
//!    checks, the payment, the dossier's move, the numbered receipt, then the signed receipt
//!    in the applicant's store. Then each is told again (a repeat changes nothing).
//! 2. **The lookup's payment check.** For dossiers that wait for a fee and dossiers paid with
//!    a receipt, the applicant's lookup read (`dossiers::applicant::view`) and the payment
//!    summary the page adds (`payments::summary_of`: fees, VietQR, receipts), alternately;
//!    medians, and the summary's share of the two.
//!
//! `cargo bench -p motcua --bench payments`. Settings: `DOSSIERS`, `BACKEND`.

mod support;

use motcua_app::payments::keys::PlatformKeys;
use motcua_app::payments::platform::{self, Notified, PlatformConfig};
use motcua_app::{App, AppConfig};
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::Channel as Route;
use motcua_domain::dossier::{Action, Applicant, ApplicantKind, CitizenId, PhoneNumber};
use motcua_store::{DossierRecord, PaymentOrder, Store, Submission};

use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use support::{env_or, median};

const SECRET: &str = "bi-mat-dung-chung-cua-bench-0123";

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn audit() -> AuditEntry {
    AuditEntry::system(motcua_app::now(), "bench", "bench", serde_json::json!({}))
}

fn submission(agency: &str, i: usize) -> anyhow::Result<Submission> {
    Ok(Submission {
        procedure_code: motcua::samples::COPY_EXTRACT.into(),
        agency: motcua_domain::agency::AgencyCode::parse(agency)?,
        channel: Route::Online,
        applicant: Applicant {
            kind: ApplicantKind::Person,
            name: format!("Người Nộp {i}"),
            citizen_id: Some(CitizenId::parse("020095001234")?),
            tax_code: None,
            phone: Some(PhoneNumber::parse("0912345678")?),
            email: None,
            address_unit: None,
            address: None,
            notify: Vec::new(),
            verified: None,
        },
        owner: None,
        idempotency: None,
        at: motcua_app::now(),
        actor: audit(),
        receive: None,
        attachments: Vec::new(),
        form: None,
        uses_draft_of: None,
    })
}

async fn act(
    store: &Store,
    record: DossierRecord,
    action: &Action,
) -> anyhow::Result<DossierRecord> {
    let after = support::next(&record, action)?;
    Ok(store
        .commit_dossier_action_sending(&record, action, &after, motcua_app::now(), audit(), &[])
        .await?)
}

/// A dossier received and asked for 8.000 đ, with its order at the platform.
async fn owing(store: &Store, agency: &str, i: usize) -> anyhow::Result<PaymentOrder> {
    let record = store
        .submit_dossier(&submission(agency, i)?)
        .await?
        .into_record();
    let record = act(store, record, &Action::Accept).await?;
    let request = Action::RequestPayment {
        amount_vnd: 8_000,
        reason: None,
        items: Vec::new(),
    };
    let record = act(store, record, &request).await?;
    let now = motcua_app::now();
    let order = PaymentOrder {
        id: format!("bench-{i}"),
        dossier_code: record.code().to_owned(),
        amount_vnd: 8_000,
        status: "pending".into(),
        created_at: now,
        expires_at: now + chrono::Duration::minutes(15),
    };
    store.create_payment_order(&order, audit()).await?;
    Ok(order)
}

fn notification(order: &PaymentOrder) -> BTreeMap<String, String> {
    let now = chrono::Utc::now().to_rfc3339();
    let mut fields: BTreeMap<String, String> = [
        ("order_id", order.id.clone()),
        ("transaction_id", format!("T-{}", order.id)),
        ("amount", order.amount_vnd.to_string()),
        ("status", "paid".to_owned()),
        ("paid_at", now.clone()),
        ("sent_at", now),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let signature = motcua_domain::payment::sign(&fields, SECRET.as_bytes());
    fields.insert("signature".into(), signature);
    fields
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dossiers: usize = env_or("DOSSIERS", 1000);
    let dir = tempfile::tempdir()?;
    let store = support::seeded_store(dir.path()).await?;
    motcua::samples::load_fees(&store).await?;
    let agency = store
        .find_user_by_username("motcua.dongkinh")
        .await?
        .and_then(|u| u.agency_code)
        .ok_or_else(|| anyhow::anyhow!("no demo receiver"))?;
    let account = motcua_domain::vietqr::Beneficiary::parse(
        "970415",
        "113000066888",
        "UBND PHUONG DONG KINH",
    )?;
    store
        .set_payment_account(&agency, &account, motcua_app::now(), audit())
        .await?;
    let config = AppConfig {
        data_dir: dir.path().to_path_buf(),
        master_key: Some(motcua_app::signing::MasterKey::generate()),
        payment_platform: Some(PlatformConfig {
            pay_url: "http://127.0.0.1:9/pay".into(),
            merchant_id: "BENCH".into(),
            keys: PlatformKeys::hmac(SECRET)?,
            mapping: BTreeMap::new(),
            order_minutes: 15,
        }),
        ..AppConfig::default()
    };
    let app = App::new(store.clone(), &config);
    println!("backend {}, {dossiers} dossiers", store.backend().as_str());

    let mut orders = Vec::with_capacity(dossiers);
    for i in 0..dossiers {
        orders.push(owing(&store, &agency, i).await?);
    }

    // 1. Notifications, then the same ones again.
    for (label, expected) in [
        ("new", Notified::Recorded),
        ("repeated", Notified::Repeated),
    ] {
        let mut each = Vec::with_capacity(dossiers);
        let started = Instant::now();
        for order in &orders {
            let fields = notification(order);
            let t = Instant::now();
            let outcome = platform::notify(&app, fields)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            each.push(t.elapsed());
            anyhow::ensure!(outcome == expected, "{label}: {outcome:?}");
        }
        let total = started.elapsed();
        println!(
            "notifications, {label}: {:.0}/s; median {:.0} µs",
            dossiers as f64 / total.as_secs_f64(),
            micros(median(&mut each))
        );
    }

    // 2. The lookup's payment check: paid dossiers (a receipt each) and dossiers that owe.
    let mut waiting = Vec::new();
    for i in 0..dossiers.min(500) {
        waiting.push(owing(&store, &agency, dossiers + i).await?.dossier_code);
    }
    for (label, codes) in [
        ("owing (VietQR)", waiting),
        (
            "paid (a receipt)",
            orders
                .iter()
                .take(500)
                .map(|o| o.dossier_code.clone())
                .collect(),
        ),
    ] {
        let (mut views, mut summaries) = (Vec::new(), Vec::new());
        for round in 0..3 {
            for code in &codes {
                let pass =
                    motcua_app::dossiers::applicant::issue_pass(&app, code, motcua_app::now())
                        .map_err(|e| anyhow::anyhow!("{e}"))?;
                let access = motcua_app::dossiers::applicant::by_pass(&app, code, &pass)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let t = Instant::now();
                motcua_app::dossiers::applicant::view(&app, &access)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let view = t.elapsed();
                let t = Instant::now();
                motcua_app::payments::summary_of(&app, access.record())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                let summary = t.elapsed();
                if round > 0 {
                    views.push(view);
                    summaries.push(summary);
                }
            }
        }
        let (v, s) = (median(&mut views), median(&mut summaries));
        println!(
            "lookup, {label}: view {:.0} µs, payment summary {:.0} µs ({:.0} % of the two)",
            micros(v),
            micros(s),
            100.0 * s.as_secs_f64() / (v + s).as_secs_f64()
        );
    }
    Ok(())
}
