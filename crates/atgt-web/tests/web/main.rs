//! The web suite: one test binary. Each test builds the app on a fresh database
//! (SQLite, and PostgreSQL when `ATGT_TEST_PG_URL` is set).

mod helpers;

mod api;
mod auth;
mod crashes;
// Cameras and violation processing (issue 6)
mod enforcement;
mod pages;
// plans and accountability (issue 7)
mod plans;
mod routes;
// events (issue 10)
mod events;
// hotspots: black-spot screening (issue 5)
mod hotspots;
// plans follow-up (issue 7): reminder e-mails, task links
mod plans_links;
mod plans_mail;
// hazards, Open311 and citizen reports (issue 9, part A)
mod open311;
mod reports;
// public portal (issue 9): plate lookup, education
mod portal;
// shared data hub (issue 8)
mod hub;
