//! The application's HTTP suite, in one test binary so the app is linked once.
//! `documents_s3` and `documents_large` stay apart: each needs a process of its own.

mod common;

mod accounts;
mod applicant;
mod audit_anchor;
mod browser;
mod calendar;
mod catalogue;
mod cli;
mod connectors;
mod crash;
mod dashboard;
mod disk_full;
mod documents;
mod dossier_pages;
mod dossiers;
mod form_designer;
mod forms;
mod forms_once;
mod generate;
mod identity;
mod identity_browser;
mod identity_forms;
mod national_catalogue;
mod national_inbound;
mod news;
mod notifications;
mod payments;
mod payments_ledger;
mod payments_online;
mod programme;
mod public_lookup;
mod queue_paging;
mod units;
mod web;
