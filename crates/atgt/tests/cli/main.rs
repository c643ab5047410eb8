//! The `atgt` binary as users run it: real processes, real database files, a real
//! browser for the UI checks.

mod commands;
// plans and accountability (issue 7)
mod plans;
mod support;
mod ui;
// events (issue 10)
mod events;
// hotspots: black-spot screening (issue 5)
mod hotspots;
