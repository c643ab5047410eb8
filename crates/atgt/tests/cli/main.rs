//! The `atgt` binary as users run it: real processes, real database files, a real
//! browser for the UI checks.

mod commands;
mod support;
mod ui;
// hotspots: black-spot screening (issue 5)
mod hotspots;
