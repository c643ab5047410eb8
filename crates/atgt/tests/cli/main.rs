//! The `atgt` binary as users run it: real processes, real database files, a real
//! browser for the UI checks.

mod commands;
// Cameras and violation processing (issue 6)
mod enforcement;
mod support;
mod ui;
