//! The store's tests, in one binary so the store is linked once: each module runs its
//! scenario on SQLite and PostgreSQL, and both backends must behave alike.

mod common;

mod catalogue;
mod conformance;
mod documents;
mod dossiers;
mod programme_news;
mod quality;
mod queue_pages;
mod units;
