//! atgt-core: the pure domain of atgt.
//!
//! Types, legal rules held as data (with their legal basis and validity dates), and
//! algorithms. Nothing here does IO, runs async code or knows about a database; the
//! store and web layers depend on this crate, never the other way round.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod crashes;
pub mod geo;
pub mod i18n;
pub mod legal;
pub mod mapping;
pub mod org;
pub mod synth;
pub mod text;
pub mod time;
// plans and accountability (issue 7)
pub mod plans;
// events: tourist peaks, parking, diversions, congestion, training, rescue (issue 10)
pub mod events;
// hotspots: black-spot screening (issue 5)
pub mod hotspots;
// Cameras and violation processing (issue 6)
pub mod enforcement;
pub mod plates;
// hazards, Open311 and citizen reports (issue 9, part A)
pub mod hazards;
pub mod open311;
pub mod reports;
// public portal (issue 9): plate lookup, education and campaigns
pub mod education;
pub mod portal;
// shared data hub: vehicles, inspections, licences, partners' sync, cross-checks (issue 8)
pub mod hub;
