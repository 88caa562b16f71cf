//! Submission in groups: one transaction per batch, and on PostgreSQL one statement per
//! kind of row for the whole batch (codes, idempotency keys, dossiers, audit events), so a
//! batch costs about ten round trips whatever its size.

use crate::audit::{append_after, lock_head};
use crate::dossiers::row::{
    DossierEvent, DossierRecord, corrupt, dossier_event, event_entry, insert_dossiers,
};
use crate::processes::{ProcessRecord, agency_kind_in_tx, approved_for_in_tx, published_ref_in_tx};
use crate::quality::Change;
use crate::tx::{Tx, on_tx};
use crate::{Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use keys::{claim_keys, replay_of, settle_keys};
use motcua_domain::agency::AgencyCode;
use motcua_domain::audit::AuditEntry;
use motcua_domain::calendar::{Channel, HolidayCalendar, WorkingHours, to_vn_local};
use motcua_domain::dossier::{Action, Applicant, Context, Dossier, DossierCode, SubmissionRefused};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use uuid::Uuid;

mod keys;

pub use keys::IdempotencyKey;

/// Receive the dossier at once (a paper dossier at the counter): the calendar to date it.
#[derive(Clone)]
pub struct ReceiveNow {
    pub hours: WorkingHours,
    pub holidays: Arc<HolidayCalendar>,
}

/// A dossier to register.
#[derive(Clone)]
pub struct Submission {
    pub procedure_code: String,
    /// The receiving agency; its code opens the dossier code.
    pub agency: AgencyCode,
    pub channel: Channel,
    pub applicant: Applicant,
    /// The signed-in citizen who submitted, if any: they see it among their dossiers.
    pub owner: Option<String>,
    pub idempotency: Option<IdempotencyKey>,
    pub at: DateTime<Utc>,
    /// Who submits; the store fills in action, subject and detail.
    pub actor: AuditEntry,
    pub receive: Option<ReceiveNow>,
    /// Documents taken from the applicant's store instead of being supplied again; each
    /// must be kept under the applicant's citizen ID or tax code.
    pub attachments: Vec<crate::WalletAttachment>,
    /// What the applicant declared on the procedure's electronic form.
    pub form: Option<crate::DeclaredForm>,
    /// The signed-in citizen whose draft of this procedure the dossier uses up: it is
    /// deleted in the same transaction, and the submission's event says so.
    pub uses_draft_of: Option<Uuid>,
}

/// What a submission came to.
#[derive(Debug, Clone)]
pub enum Submitted {
    /// A new dossier, with the events its submission wrote when they are its whole history
    /// (None when documents came with it), so an answer need not read it back.
    Created(DossierRecord, Option<Vec<DossierEvent>>),
    /// The idempotency key was seen before with the same body: the first answer again.
    Replayed(DossierRecord),
}

impl Submitted {
    pub fn record(&self) -> &DossierRecord {
        match self {
            Submitted::Created(r, _) | Submitted::Replayed(r) => r,
        }
    }
    pub fn into_record(self) -> DossierRecord {
        match self {
            Submitted::Created(r, _) | Submitted::Replayed(r) => r,
        }
    }
}

/// What a submission refers to: the published version and the approved process.
struct Refs {
    version_id: Uuid,
    version_no: i64,
    procedure_name: String,
    process: ProcessRecord,
}

/// The procedure's published version and the agency's approved process, or the rule the
/// submission breaks.
async fn refs_in_tx(
    tx: &mut Tx,
    s: &Submission,
) -> Result<Result<Refs, SubmissionRefused>, StoreError> {
    let agency = s.agency.as_str();
    let Some(kind) = agency_kind_in_tx(tx, agency).await? else {
        return Ok(Err(SubmissionRefused::UnknownAgency(agency.to_owned())));
    };
    let Some((version_id, version_no, procedure_name)) =
        published_ref_in_tx(tx, &s.procedure_code).await?
    else {
        return Ok(Err(SubmissionRefused::ProcedureNotPublished(
            s.procedure_code.clone(),
        )));
    };
    let Some(process) = approved_for_in_tx(tx, &s.procedure_code, agency, kind).await? else {
        return Ok(Err(SubmissionRefused::NoApprovedProcess {
            procedure: s.procedure_code.clone(),
            agency: agency.to_owned(),
        }));
    };
    if s.form.as_ref().is_some_and(|f| f.version_id != version_id) {
        return Ok(Err(SubmissionRefused::FormVersionChanged));
    }
    Ok(Ok(Refs {
        version_id,
        version_no,
        procedure_name,
        process,
    }))
}

/// A dossier's first states (submitted, and accepted when received at once), each with the
/// state before it and its event kind. Pure: the code is only a label, so a batch checks the
/// rules with a stand-in code before it allocates the real one.
type Opening = Vec<(Option<Dossier>, Dossier, &'static str)>;

fn opening(s: &Submission, code: DossierCode, refs: &Refs) -> Result<Opening, SubmissionRefused> {
    let local = to_vn_local(&s.at);
    let submitted = Dossier::submitted(code, s.channel, s.agency.clone(), local);
    let mut states = vec![(None, submitted.clone(), "submitted")];
    if let Some(receive) = &s.receive {
        let ctx = Context {
            now: local,
            hours: &receive.hours,
            holidays: &receive.holidays,
            steps: &refs.process.steps,
            budget_minutes: refs.process.budget_minutes as u32,
        };
        let accepted = submitted
            .apply(&Action::Accept, &ctx)
            .map_err(SubmissionRefused::Rule)?;
        states.push((Some(submitted), accepted, "accept"));
    }
    Ok(states)
}

fn stand_in_code(s: &Submission) -> DossierCode {
    DossierCode::new(&s.agency, to_vn_local(&s.at).date(), 1)
}

/// The record and audit entries of a new dossier from its opening states.
fn created(
    s: &Submission,
    refs: &Refs,
    states: Opening,
    draft_deleted: bool,
) -> (DossierRecord, Vec<AuditEntry>) {
    let steps = &refs.process.steps;
    let entries = states
        .iter()
        .map(|(before, after, kind)| {
            let extra = if *kind == "submitted" {
                let mut extra = serde_json::json!({
                    "procedure": s.procedure_code,
                    "procedure_version": refs.version_no,
                    "process_version": refs.process.version_no,
                    "channel": s.channel.as_str(),
                });
                if let Some(form) = s.form.as_ref().filter(|f| !f.reused.is_empty()) {
                    extra["data_reused"] = serde_json::Value::from(form.reused.clone());
                }
                if draft_deleted {
                    extra["draft_deleted"] = serde_json::Value::Bool(true);
                }
                extra
            } else {
                serde_json::json!({})
            };
            event_entry(&s.actor, s.at, kind, before.as_ref(), after, steps, extra)
        })
        .collect();
    let dossier = states
        .into_iter()
        .last()
        .map(|(_, after, _)| after)
        .expect("an opening has the submitted state");
    let record = DossierRecord {
        desk_agency: dossier.desk_agency(steps).to_string(),
        dossier,
        procedure_code: s.procedure_code.clone(),
        procedure_name: refs.procedure_name.clone(),
        procedure_version_id: refs.version_id,
        procedure_version_no: refs.version_no,
        process_id: refs.process.id,
        process_version_no: refs.process.version_no,
        steps: steps.clone(),
        budget_minutes: refs.process.budget_minutes,
        applicant: s.applicant.clone(),
        owner: s.owner.clone(),
        updated_at: s.at,
    };
    (record, entries)
}

/// Takes `n` numbers from each agency's daily sequence; returns the last one taken. The
/// row lock (PostgreSQL) or the write lock (SQLite) makes them unique across app nodes.
async fn allocate(
    tx: &mut Tx,
    wanted: &BTreeMap<(String, NaiveDate), i64>,
) -> Result<HashMap<(String, NaiveDate), i64>, StoreError> {
    let mut lasts = HashMap::new();
    match tx {
        Tx::Postgres(t) => {
            let sql = "INSERT INTO dossier_sequences (agency_code, day, last) \
                SELECT * FROM UNNEST($1::text[], $2::date[], $3::bigint[]) \
                ON CONFLICT (agency_code, day) DO UPDATE \
                SET last = dossier_sequences.last + EXCLUDED.last \
                RETURNING agency_code, day, last";
            let rows: Vec<(String, NaiveDate, i64)> = sqlx::query_as(sql)
                .bind(wanted.keys().map(|(a, _)| a.clone()).collect::<Vec<_>>())
                .bind(wanted.keys().map(|(_, d)| *d).collect::<Vec<_>>())
                .bind(wanted.values().copied().collect::<Vec<_>>())
                .fetch_all(&mut **t)
                .await?;
            lasts.extend(rows.into_iter().map(|(a, d, l)| ((a, d), l)));
        }
        Tx::Sqlite(t) => {
            let sql = "INSERT INTO dossier_sequences (agency_code, day, last) VALUES ($1, $2, $3) \
                ON CONFLICT (agency_code, day) DO UPDATE \
                SET last = dossier_sequences.last + excluded.last RETURNING last";
            for ((agency, day), n) in wanted {
                let last: i64 = sqlx::query_scalar(sql)
                    .bind(agency)
                    .bind(*day)
                    .bind(*n)
                    .fetch_one(&mut **t)
                    .await?;
                lasts.insert((agency.clone(), *day), last);
            }
        }
    }
    Ok(lasts)
}

/// One submission on its own inside the batch's transaction (after the batch's own rows):
/// one that reuses documents from the applicant's store, or repeats a key already in the
/// batch. `Err` aborts the whole batch; a broken rule comes back as `Ok(Err(..))` having
/// written nothing.
async fn submit_alone(
    tx: &mut Tx,
    s: &Submission,
) -> Result<Result<Submitted, SubmissionRefused>, StoreError> {
    let refs = match refs_in_tx(tx, s).await? {
        Ok(refs) => refs,
        Err(err) => return Ok(Err(err)),
    };
    if let Err(err) = opening(s, stand_in_code(s), &refs) {
        return Ok(replay_of_any(tx, s).await?.unwrap_or(Err(err)));
    }
    if let Some(idem) = &s.idempotency
        && claim_keys(tx, &[(idem, s.at)]).await?.is_empty()
    {
        let answer = replay_of(tx, idem).await?;
        return answer.ok_or_else(|| corrupt("idempotency key neither claimed nor seen"));
    }
    let applicant_id = s
        .applicant
        .citizen_id
        .as_ref()
        .map(|c| c.as_str().to_owned())
        .or_else(|| s.applicant.tax_code.as_ref().map(|t| t.as_str().to_owned()));
    if let Err(err) =
        crate::documents::check_wallet_items_in_tx(tx, &s.attachments, applicant_id.as_deref())
            .await?
    {
        if let Some(idem) = &s.idempotency {
            // Leave no trace: the key may be used again once the documents are right.
            on_tx!(tx, |conn| sqlx::query(
                "DELETE FROM idempotency_keys WHERE principal = $1 AND idem_key = $2"
            )
            .bind(&idem.principal)
            .bind(&idem.key)
            .execute(&mut *conn)
            .await?
            .rows_affected());
        }
        return Ok(Err(err));
    }
    let day = to_vn_local(&s.at).date();
    let key = (s.agency.to_string(), day);
    let lasts = allocate(tx, &BTreeMap::from([(key.clone(), 1)])).await?;
    let seq = lasts[&key];
    let code = DossierCode::new(&s.agency, day, seq as u32);
    let drafts: Vec<(Uuid, &str)> = (s.uses_draft_of)
        .map(|owner| (owner, s.procedure_code.as_str()))
        .into_iter()
        .collect();
    let deleted = crate::form_drafts::delete_used_in_tx(tx, &drafts).await?;
    let (record, entries) = created(s, &refs, opening(s, code, &refs)?, !deleted.is_empty());
    insert_dossiers(tx, &[(&record, s.at)]).await?;
    if let Some(form) = &s.form {
        crate::forms::insert_forms_in_tx(tx, &[(record.code(), form)]).await?;
    }
    if let Some(idem) = &s.idempotency {
        settle_keys(tx, &[(idem, record.code())]).await?;
    }
    let head = lock_head(tx).await?;
    append_after(tx, head, entries).await?;
    crate::documents::attach_wallet_items_in_tx(
        tx,
        record.code(),
        s.agency.as_str(),
        &s.attachments,
        s.at,
        &s.actor,
    )
    .await?;
    Ok(Ok(Submitted::Created(record, None)))
}

/// A submission that breaks a rule but repeats a key already answered gets that answer.
async fn replay_of_any(
    tx: &mut Tx,
    s: &Submission,
) -> Result<Option<Result<Submitted, SubmissionRefused>>, StoreError> {
    match &s.idempotency {
        Some(idem) => replay_of(tx, idem).await,
        None => Ok(None),
    }
}

impl Store {
    /// Registers one dossier. See [`Store::submit_dossiers`].
    pub async fn submit_dossier(&self, s: &Submission) -> Result<Submitted, StoreError> {
        let mut results = self.submit_dossiers(std::slice::from_ref(s)).await?;
        results.pop().unwrap_or_else(|| Err(corrupt("empty batch")))
    }

    /// [`Store::submit_batch`] with each refusal as a `StoreError` carrying its code.
    pub async fn submit_dossiers(
        &self,
        batch: &[Submission],
    ) -> Result<Vec<Result<Submitted, StoreError>>, StoreError> {
        let results = self.submit_batch(batch).await?;
        Ok(results
            .into_iter()
            .map(|r| r.map_err(StoreError::from))
            .collect())
    }

    /// Registers several dossiers in ONE transaction (group commit), each with its own code
    /// from the agency's daily sequence and its own audit events; nothing is acknowledged
    /// before the commit. A submission the rules refuse gets its reason and writes nothing;
    /// a database failure fails them all (and, rolled back, they may all be retried).
    pub async fn submit_batch(
        &self,
        batch: &[Submission],
    ) -> Result<Vec<Result<Submitted, SubmissionRefused>>, StoreError> {
        let mut tx = self.begin_write().await?;
        // The chain head first: every writer takes it before anything else it locks, so
        // batches on several nodes queue up instead of deadlocking.
        let head = lock_head(&mut tx).await?;
        let mut results: Vec<Option<Result<Submitted, SubmissionRefused>>> =
            batch.iter().map(|_| None).collect();
        let mut refs: HashMap<(&str, &str), Arc<Refs>> = HashMap::new();
        let mut keys_seen = HashSet::new();
        let mut alone = Vec::new();
        let mut ready: Vec<(usize, Arc<Refs>)> = Vec::new();
        for (i, s) in batch.iter().enumerate() {
            let repeated = s
                .idempotency
                .as_ref()
                .is_some_and(|k| !keys_seen.insert((k.principal.as_str(), k.key.as_str())));
            if repeated || !s.attachments.is_empty() {
                alone.push(i);
                continue;
            }
            let ref_key = (s.procedure_code.as_str(), s.agency.as_str());
            let r = match refs.get(&ref_key) {
                Some(r)
                    if s.form
                        .as_ref()
                        .is_some_and(|f| f.version_id != r.version_id) =>
                {
                    results[i] = Some(Err(SubmissionRefused::FormVersionChanged));
                    continue;
                }
                Some(r) => r.clone(),
                None => match refs_in_tx(&mut tx, s).await? {
                    Ok(r) => refs.entry(ref_key).or_insert(Arc::new(r)).clone(),
                    Err(err) => {
                        results[i] = Some(Err(err));
                        continue;
                    }
                },
            };
            if let Err(err) = opening(s, stand_in_code(s), &r) {
                results[i] = Some(replay_of_any(&mut tx, s).await?.unwrap_or(Err(err)));
                continue;
            }
            ready.push((i, r));
        }
        let keys: Vec<(&IdempotencyKey, DateTime<Utc>)> = ready
            .iter()
            .filter_map(|(i, _)| batch[*i].idempotency.as_ref().map(|k| (k, batch[*i].at)))
            .collect();
        let claimed = claim_keys(&mut tx, &keys).await?;
        let mut fresh = Vec::with_capacity(ready.len());
        for (i, r) in ready {
            match &batch[i].idempotency {
                Some(k) if !claimed.contains(&(k.principal.clone(), k.key.clone())) => {
                    let answer = replay_of(&mut tx, k).await?;
                    results[i] = Some(
                        answer
                            .ok_or_else(|| corrupt("idempotency key neither claimed nor seen"))?,
                    );
                }
                _ => fresh.push((i, r)),
            }
        }
        let day_of = |i: usize| {
            (
                batch[i].agency.to_string(),
                to_vn_local(&batch[i].at).date(),
            )
        };
        let mut wanted: BTreeMap<(String, NaiveDate), i64> = BTreeMap::new();
        for (i, _) in &fresh {
            *wanted.entry(day_of(*i)).or_default() += 1;
        }
        let mut next: HashMap<(String, NaiveDate), i64> = allocate(&mut tx, &wanted)
            .await?
            .into_iter()
            .map(|(k, last)| {
                let first = last - wanted.get(&k).copied().unwrap_or(0) + 1;
                (k, first)
            })
            .collect();
        let drafts: Vec<(Uuid, &str)> = (fresh.iter())
            .filter_map(|(i, _)| {
                let s = &batch[*i];
                s.uses_draft_of.map(|o| (o, s.procedure_code.as_str()))
            })
            .collect();
        let deleted = crate::form_drafts::delete_used_in_tx(&mut tx, &drafts).await?;
        let mut records = Vec::with_capacity(fresh.len());
        let mut entries = Vec::new();
        for (i, r) in &fresh {
            let s = &batch[*i];
            let key = day_of(*i);
            let seq = next
                .get_mut(&key)
                .ok_or_else(|| corrupt("no sequence allocated"))?;
            let code = DossierCode::new(&s.agency, key.1, *seq as u32);
            *seq += 1;
            let used =
                (s.uses_draft_of).is_some_and(|o| deleted.contains(&(o, s.procedure_code.clone())));
            let (record, mut more) = created(s, r, opening(s, code, r)?, used);
            entries.append(&mut more);
            records.push((*i, record));
        }
        let rows: Vec<(&DossierRecord, DateTime<Utc>)> =
            records.iter().map(|(i, r)| (r, batch[*i].at)).collect();
        insert_dossiers(&mut tx, &rows).await?;
        let forms: Vec<(&str, &crate::DeclaredForm)> = records
            .iter()
            .filter_map(|(i, r)| batch[*i].form.as_ref().map(|f| (r.code(), f)))
            .collect();
        crate::forms::insert_forms_in_tx(&mut tx, &forms).await?;
        let settled: Vec<(&IdempotencyKey, &str)> = records
            .iter()
            .filter_map(|(i, r)| batch[*i].idempotency.as_ref().map(|k| (k, r.code())))
            .collect();
        settle_keys(&mut tx, &settled).await?;
        let mut histories: HashMap<String, Vec<DossierEvent>> = HashMap::new();
        for event in append_after(&mut tx, head, entries).await? {
            histories
                .entry(event.entry.subject.clone())
                .or_default()
                .push(dossier_event(event));
        }
        for (i, record) in records {
            let history = histories.remove(&format!("dossier:{}", record.code()));
            results[i] = Some(Ok(Submitted::Created(record, history)));
        }
        for i in alone {
            results[i] = Some(submit_alone(&mut tx, &batch[i]).await?);
        }
        let results = results
            .into_iter()
            .map(|r| r.ok_or_else(|| corrupt("submission left unanswered")))
            .collect::<Result<Vec<_>, StoreError>>()?;
        let created: Vec<Change<'_>> = results
            .iter()
            .filter_map(|r| match r {
                Ok(Submitted::Created(record, _)) => Some(Change {
                    procedure_code: &record.procedure_code,
                    before: None,
                    after: &record.dossier,
                }),
                _ => None,
            })
            .collect();
        self.quality_changed(&mut tx, &created).await?;
        let news: Vec<(Option<&Dossier>, &DossierRecord, &str)> = results
            .iter()
            .filter_map(|r| match r {
                Ok(Submitted::Created(record, _)) => Some((None, record, "submitted")),
                _ => None,
            })
            .collect();
        let at = batch.first().map(|s| s.at).unwrap_or_else(Utc::now);
        self.tell_national_portal(&mut tx, &news, at).await?;
        tx.commit().await?;
        Ok(results)
    }
}
