//! The domain's tests, in one binary.

mod common;

mod calendar_deadline;
mod calendar_holidays;
mod calendar_lunar;
mod calendar_props;
mod dossier_machine;
