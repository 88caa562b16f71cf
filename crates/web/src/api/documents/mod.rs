//! Documents: streamed upload and download with a dossier, digitisation marks, signature
//! verification (by hash or by file), agencies' public keys, the applicant's document
//! store (wallet), and the archive's packages and destruction lists. The use cases are
//! in `motcua_app::documents`; here are the wire types and the handlers.

mod archive;
mod upload;
mod verify;
mod views;
mod wallet;

pub(crate) use archive::*;
pub(crate) use upload::*;
pub(crate) use verify::*;
pub(crate) use views::*;
pub(crate) use wallet::*;

use chrono::{DateTime, FixedOffset, Utc};
use motcua_domain::calendar::VN_OFFSET;

fn vn_utc(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&VN_OFFSET)
}
