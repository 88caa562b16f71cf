//! Dossiers (hồ sơ): identifiers, the state machine, access rules and ratings.

pub mod access;
pub mod identity;
pub mod machine;
pub mod rating;
pub mod status;

pub use access::{AccessDenied, Actor, can_act, can_view};
pub use identity::{CitizenId, DossierCode, IdentityError, PhoneNumber, TaxCode};
pub use machine::{
    APOLOGY_NOTICE_DAYS, Action, ActionKind, Apology, Context, Dossier, DossierError,
    DossierResult, ProcessStep, SUPPLEMENT_WINDOW_DAYS,
};
pub use rating::{Rating, RatingCriterion, RatingError};
pub use status::{DossierState, NationalStatus};
