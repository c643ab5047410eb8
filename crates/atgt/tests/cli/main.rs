//! The `atgt` binary as users run it: real processes, real database files, a real
//! browser for the UI checks.

mod commands;
// plans and accountability (issue 7)
mod plans;
// Cameras and violation processing (issue 6)
mod enforcement;
mod support;
mod ui;
// events (issue 10)
mod events;
// hotspots: black-spot screening (issue 5)
mod hotspots;
// plans follow-up (issue 7): reminder e-mails
mod plans_mail;
// hazards, Open311 and citizen reports (issue 9, part A)
mod hazards;
// shared data hub (issue 8)
mod hub;
