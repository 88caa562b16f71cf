//! Only once (Decree 45/2020, art. 11): what the signed-in citizen's account and their
//! earlier dossiers already say fills a new form, and each value used is recorded with the
//! dossier it goes into.

use crate::{App, AppResult, Principal};
use motcua_domain::account::Role;
use motcua_domain::form::{Field, FieldKind, FormDefinition, Prefill};
use motcua_domain::verified::VerifiedIdentity;
use serde_json::{Value, json};
use std::collections::HashMap;

/// How many of the citizen's latest dossiers are read for what they declared.
const DOSSIERS_READ: i64 = 10;

/// Where a known value was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// What the identity provider vouched for at the citizen's last sign-in (its label, key).
    Verified(String, String),
    /// The account and the identity bound to it.
    Account,
    /// An earlier dossier of the citizen: what they declared on it, or its applicant.
    Dossier(String),
    /// A result made from data in the citizen's store, issued on this dossier.
    Result(String),
}

impl Source {
    /// In words, after "điền sẵn từ".
    pub fn said(&self) -> String {
        match self {
            Source::Verified(label, _) => label.clone(),
            Source::Account => "tài khoản của bạn".to_owned(),
            Source::Dossier(code) => format!("hồ sơ {code} bạn đã nộp"),
            Source::Result(code) => format!("kết quả của hồ sơ {code} trong kho dữ liệu của bạn"),
        }
    }

    fn tag(&self) -> String {
        match self {
            Source::Verified(_, key) => format!("verified:{key}"),
            Source::Account => "account".to_owned(),
            Source::Dossier(code) => format!("dossier:{code}"),
            Source::Result(code) => format!("result:{code}"),
        }
    }
}

/// A value a form may be filled with: text, or an address as `{unit, street}`.
#[derive(Debug, Clone, PartialEq)]
pub struct KnownValue {
    pub value: Value,
    pub source: Source,
}

impl KnownValue {
    pub fn text(&self) -> Option<&str> {
        self.value.as_str()
    }
    /// An address's unit code or street line.
    pub fn part(&self, key: &str) -> Option<&str> {
        self.value.get(key).and_then(Value::as_str)
    }
}

/// What is known about the signed-in citizen, by what a field may ask for.
#[derive(Debug, Clone, Default)]
pub struct Known {
    facts: HashMap<Prefill, KnownValue>,
    /// Results in the store, newest first.
    results: Vec<HeldResult>,
    /// What the electronic identity vouched for at the last sign-in (its label, key and
    /// identity), when read.
    verified: Option<(String, String, VerifiedIdentity)>,
}

/// A result made from data in the citizen's store: the procedure that issued it, its
/// dossier, and its rows (label, value).
type HeldResult = (String, String, Vec<(String, String)>);

impl Known {
    /// The value known for this field, if it asks for one.
    pub fn for_field(&self, field: &Field) -> Option<KnownValue> {
        if let Some(source) = &field.from_result {
            return self.results.iter().find_map(|(procedure, code, rows)| {
                let (_, value) = (procedure == &source.procedure)
                    .then(|| rows.iter().find(|(label, _)| *label == source.row))??;
                Some(KnownValue {
                    value: Value::String(value.clone()),
                    source: Source::Result(code.clone()),
                })
            });
        }
        self.facts.get(&field.prefill?).cloned()
    }

    pub fn get(&self, fact: Prefill) -> Option<&KnownValue> {
        self.facts.get(&fact)
    }

    /// The verified profile [`known`] read (its label, key and identity).
    pub fn verified(&self) -> Option<&(String, String, VerifiedIdentity)> {
        self.verified.as_ref()
    }

    fn offer(&mut self, fact: Prefill, value: Value, source: &Source) {
        let empty = match &value {
            Value::String(s) => s.trim().is_empty(),
            Value::Object(o) => o
                .get("unit")
                .and_then(Value::as_str)
                .is_none_or(str::is_empty),
            _ => true,
        };
        if !empty {
            (self.facts.entry(fact)).or_insert_with(|| KnownValue {
                value,
                source: source.clone(),
            });
        }
    }

    /// What the electronic identity vouched for alone (its label, key and identity).
    pub fn of_verified(profile: (String, String, VerifiedIdentity)) -> Known {
        let mut known = Known::default();
        known.offer_verified(profile);
        known
    }

    fn offer_verified(&mut self, (label, key, id): (String, String, VerifiedIdentity)) {
        let verified = Source::Verified(label, key);
        let facts = [
            (Prefill::Name, id.full_name),
            (
                Prefill::CitizenId,
                id.citizen_id.map(|c| c.as_str().to_owned()),
            ),
            (Prefill::BirthDate, id.birth_date.map(|d| d.to_string())),
            (Prefill::Phone, id.phone),
            (Prefill::Email, id.email),
        ];
        for (fact, value) in facts {
            if let Some(value) = value {
                self.offer(fact, Value::String(value), &verified);
            }
        }
    }

    /// The fields whose declared value differs from what the electronic identity verified
    /// (name, number, date of birth): their labels. Those are not the applicant's to change.
    pub fn verified_changed(&self, form: &FormDefinition, data: &Value) -> Vec<String> {
        let fold = |v: &Value| {
            v.as_str()
                .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        };
        (form.fields())
            .filter(|(section, _)| section.repeat.is_none())
            .filter(|(_, f)| {
                matches!(
                    f.prefill,
                    Some(Prefill::Name | Prefill::CitizenId | Prefill::BirthDate)
                )
            })
            .filter_map(|(_, field)| {
                let known = self.for_field(field)?;
                let given = data.get(&field.key).filter(|v| !v.is_null())?;
                let verified = matches!(known.source, Source::Verified(..));
                (verified && fold(given) != fold(&known.value)).then(|| field.label.clone())
            })
            .collect()
    }

    /// The fields of the declaration that hold what was known, with where each came from:
    /// recorded with the dossier, as a reused document is.
    pub fn reused(&self, form: &FormDefinition, data: &Value) -> Vec<Value> {
        (form.fields())
            .filter(|(section, _)| section.repeat.is_none())
            .filter_map(|(_, field)| {
                let known = self.for_field(field)?;
                let given = data.get(&field.key)?;
                let same = match field.kind {
                    FieldKind::Address => {
                        given.get("unit") == known.value.get("unit")
                            && given
                                .get("street")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                == known.part("street").unwrap_or_default()
                    }
                    _ => *given == known.value,
                };
                same.then(|| json!({ "field": field.key, "from": known.source.tag() }))
            })
            .collect()
    }
}

/// What the signed-in citizen's account, their latest dossiers and their store say: name and
/// ID number from the account; date of birth, address, phone and e-mail from what they last
/// declared; rows of the results made from data they hold. Others get nothing.
pub async fn known(app: &App, who: Option<&Principal>) -> AppResult<Known> {
    let mut known = Known::default();
    let Some(who) = who.filter(|w| w.role == Role::Citizen) else {
        return Ok(known);
    };
    // Read side by side: a page waits for the slowest read, not for their sum.
    let (profile, user, identities, declared) = tokio::try_join!(
        crate::identity::verified_profile_of(app, who),
        async { Ok(app.store.find_user_by_username(&who.username).await?) },
        async { Ok(app.store.identities_of(who.id).await?) },
        async {
            Ok(app
                .store
                .declared_by_owner(&who.username, DOSSIERS_READ)
                .await?)
        },
    )?;
    // What the electronic identity vouched for comes first: offers keep the first value.
    if let Some(profile) = profile {
        known.verified = Some(profile.clone());
        known.offer_verified(profile);
    }
    let account = Source::Account;
    if let Some(user) = user {
        known.offer(Prefill::Name, Value::String(user.display_name), &account);
    }
    // A person's identity is their 12-digit number; a tax code is a business's.
    if let Some(id) = identities.iter().find(|h| h.len() == 12) {
        known.offer(Prefill::CitizenId, Value::String(id.clone()), &account);
    }
    for holder in &identities {
        for (procedure, code, contents) in app.store.certified_results_of(holder).await? {
            if let Ok(c) = serde_json::from_str::<super::results::Certified>(&contents) {
                known.results.push((procedure, code, c.rows));
            }
        }
    }
    for d in declared {
        let source = Source::Dossier(d.code);
        if let Some(data) = d.data.and_then(|d| serde_json::from_str::<Value>(&d).ok()) {
            let procedure =
                super::procedure_of_version(app, &d.procedure_code, d.version_no, d.version_id)
                    .await?;
            for (_, field) in (procedure.iter())
                .flat_map(|p| p.form.iter())
                .flat_map(|f| f.fields())
                .filter(|(section, _)| section.repeat.is_none())
            {
                if let (Some(fact), Some(value)) = (field.prefill, data.get(&field.key)) {
                    known.offer(fact, value.clone(), &source);
                }
            }
        }
        if let Ok(a) = serde_json::from_str::<motcua_domain::dossier::Applicant>(&d.applicant) {
            if let Some(phone) = a.phone {
                known.offer(
                    Prefill::Phone,
                    Value::String(phone.as_str().to_owned()),
                    &source,
                );
            }
            if let Some(email) = a.email {
                known.offer(Prefill::Email, Value::String(email), &source);
            }
            if let Some(unit) = a.address_unit {
                let street = a.address.unwrap_or_default();
                known.offer(
                    Prefill::Address,
                    json!({ "unit": unit, "street": street }),
                    &source,
                );
            }
        }
    }
    Ok(known)
}

#[cfg(test)]
mod tests {
    use super::*;
    use motcua_domain::form::FormDefinition;

    fn form() -> FormDefinition {
        serde_json::from_value(json!({ "title": "Tờ khai", "sections": [{ "key": "s", "title": "Chủ hộ", "fields": [
            { "key": "ho_ten", "label": "Họ tên", "kind": "text", "prefill": "name" },
            { "key": "so_dinh_danh", "label": "Số định danh", "kind": "citizen_id", "prefill": "citizen_id" },
            { "key": "dien_thoai", "label": "Điện thoại", "kind": "phone", "prefill": "phone" }
        ]}]}))
        .unwrap()
    }

    #[test]
    fn only_verified_facts_are_held_to_their_values() {
        let verified = Source::Verified("VNeID".into(), "vneid".into());
        let mut known = Known::default();
        known.offer(Prefill::Name, json!("Hoàng Thị An"), &verified);
        known.offer(Prefill::CitizenId, json!("020090001357"), &verified);
        known.offer(Prefill::Phone, json!("0912000111"), &verified);
        let form = form();
        let same = json!({ "ho_ten": "Hoàng  Thị An", "so_dinh_danh": "020090001357",
                           "dien_thoai": "0988000222" });
        assert!(
            known.verified_changed(&form, &same).is_empty(),
            "a phone may change"
        );
        let changed = json!({ "ho_ten": "Người Khác", "so_dinh_danh": "020090001357" });
        assert_eq!(known.verified_changed(&form, &changed), vec!["Họ tên"]);
        // What the account (not the identity provider) knows may be corrected.
        let mut from_account = Known::default();
        from_account.offer(Prefill::Name, json!("Hoàng Thị An"), &Source::Account);
        assert!(from_account.verified_changed(&form, &changed).is_empty());
    }
}
