//! Dossiers (hồ sơ): identifiers, the state machine, access rules and ratings.

pub mod access;
pub mod action;
pub mod applicant;
pub mod events;
pub mod identity;
pub mod lookup_secret;
pub mod machine;
pub mod process;
pub mod rating;
pub mod status;
pub mod submission;

pub use access::{AccessDenied, Actor, allowed_for, can_act, can_view, sees_applicant_in_full};
pub use applicant::{Applicant, ApplicantError, ApplicantKind, MaskedApplicant, mask_name};
pub use events::event_label;
pub use identity::{CitizenId, DossierCode, IdentityError, PhoneNumber, TaxCode};
pub use machine::{
    APOLOGY_NOTICE_DAYS, Action, ActionKind, Apology, Context, Dossier, DossierError,
    DossierResult, ProcessStep, SUPPLEMENT_WINDOW_DAYS,
};
pub use process::{ProcessError, ProcessState, check_steps, suggested_steps};
pub use rating::{Rating, RatingCriterion, RatingError};
pub use status::{DossierState, DueState, NationalStatus, ResultStage};
pub use submission::SubmissionRefused;
