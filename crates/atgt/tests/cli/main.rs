//! The `atgt` binary as users run it: real processes, real database files, a real
//! browser for the UI checks.

mod commands;
mod support;
mod ui;
// events (issue 10)
mod events;
