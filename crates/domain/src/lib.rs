//! The pure core of motcua: rules and types, no I/O, no async, no clock.
//! "Now" is always passed in by the caller.

pub mod account;
pub mod agency;
pub mod audit;
pub mod calendar;
pub mod connector;
pub mod document;
pub mod dossier;
pub mod fee;
pub mod form;
#[doc(hidden)]
pub mod fuzzing;
pub mod import;
pub mod multipart;
pub mod news;
pub mod notice;
pub mod paging;
pub mod payment;
pub mod procedure;
pub mod programme;
pub mod quality;
pub mod receipt;
pub mod reconcile;
pub mod text;
pub mod transition;
pub mod unit;
pub mod verified;
pub mod vietqr;
pub mod words;
