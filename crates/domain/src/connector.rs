//! Outbound messages: when a failed one is tried again, and what the national public service
//! portal is told of a dossier.
//!
//! The portal's dossier contract is not public. [`national_sync`] says what motcua tells it,
//! under our own English keys; the connector renames them to the portal's field names by a
//! configurable mapping (see `docs/design/connectors.md` for where each name comes from).

use crate::calendar::Channel;
use crate::dossier::{Applicant, ApplicantKind, Dossier, NationalStatus};
use chrono::{NaiveDateTime, TimeDelta};
use serde_json::{Value, json};

/// How long to wait after the `attempts`-th failed try: base·2^(attempts−1), capped, with
/// "equal jitter" (`jitter` in [0, 1) picks a point in the upper half) so that senders
/// failing together do not all come back together.
pub fn retry_delay(attempts: i64, base: TimeDelta, cap: TimeDelta, jitter: f64) -> TimeDelta {
    let exponent = attempts.clamp(1, 30) - 1;
    let full = base
        .checked_mul(1_i32 << exponent.min(30))
        .unwrap_or(cap)
        .min(cap);
    let half = full / 2;
    let spread = (half.num_milliseconds() as f64 * jitter.clamp(0.0, 1.0)) as i64;
    half + TimeDelta::milliseconds(spread)
}

/// The national channel code: 1 in person, 2 online, 3 by post (DOMAIN.md §4).
pub fn national_channel(channel: Channel) -> u8 {
    match channel {
        Channel::Paper => 1,
        Channel::Online => 2,
        Channel::Postal => 3,
    }
}

/// Whether a change from `before` to `after` is news for the national portal: a new dossier,
/// another national status, a new appointment date (an apology's), or another receiving or
/// handling agency (a transfer, or the move to a successor when units merge).
pub fn national_news(before: Option<&Dossier>, after: &Dossier) -> bool {
    match before {
        None => true,
        Some(before) => {
            before.state.national_status() != after.state.national_status()
                || before.due_at != after.due_at
                || before.apology != after.apology
                || before.receiving_agency != after.receiving_agency
                || before.handling_agency != after.handling_agency
        }
    }
}

/// What the national portal is told of a dossier after `event` (the action's name), under
/// our keys. The applicant is sent as the portal needs them to find the dossier again (name,
/// identifier, kind), never their contact details. Decision 31/2021 Art. 30 (data shared
/// with the national portal).
pub fn national_sync(
    dossier: &Dossier,
    procedure_code: &str,
    applicant: &Applicant,
    event: &str,
    at: NaiveDateTime,
) -> Value {
    let status: NationalStatus = dossier.state.national_status();
    let date = |d: Option<NaiveDateTime>| d.map(|d| d.format("%Y%m%d%H%M%S").to_string());
    let identifier = match applicant.kind {
        ApplicantKind::Business => applicant.tax_code.as_ref().map(|t| t.as_str().to_owned()),
        _ => applicant.citizen_id.as_ref().map(|c| c.as_str().to_owned()),
    };
    json!({
        "dossier_code": dossier.code.as_str(),
        "procedure_code": procedure_code,
        "receiving_agency": dossier.receiving_agency.as_str(),
        "handling_agency": dossier.handling_agency.as_str(),
        "channel": national_channel(dossier.channel),
        "status": status as u8,
        "version": dossier.version,
        "event": event,
        "changed_at": date(Some(at)),
        "submitted_at": date(Some(dossier.submitted_at)),
        "received_at": date(dossier.received_at),
        "due_at": date(dossier.due_at),
        "finished_at": date(dossier.finished_at),
        "returned_at": date(dossier.returned_at),
        "applicant": {
            "kind": applicant.kind.as_str(),
            "name": applicant.name,
            "identifier": identifier,
        },
        "supplements": dossier.supplements_at_receipt + dossier.supplements_after_appraisal,
        "apology": dossier.apology.as_ref().map(|a| json!({
            "reason": a.reason,
            "previous_due_at": date(Some(a.previous_due)),
            "new_due_at": date(Some(a.new_due)),
        })),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_exponentially_with_jitter_and_a_cap() {
        let base = TimeDelta::seconds(30);
        let cap = TimeDelta::hours(1);
        assert_eq!(retry_delay(1, base, cap, 0.0), TimeDelta::seconds(15));
        assert_eq!(retry_delay(1, base, cap, 1.0), TimeDelta::seconds(30));
        assert_eq!(retry_delay(3, base, cap, 0.0), TimeDelta::seconds(60));
        assert_eq!(retry_delay(3, base, cap, 0.5), TimeDelta::seconds(90));
        assert_eq!(retry_delay(40, base, cap, 1.0), cap);
        assert_eq!(retry_delay(40, base, cap, 0.0), cap / 2);
        let a = retry_delay(5, base, cap, 0.1);
        let b = retry_delay(5, base, cap, 0.9);
        assert!(a < b, "jitter spreads senders that failed together");
    }
}
