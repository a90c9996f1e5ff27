//! One integration-test binary (faster to build than one per file), run against the
//! moto server that `cargo xtask test` starts. Every test uses its own role name, so the
//! tests run in parallel on one emulator.

mod apply;
mod check;
mod ci;
mod cli;
mod config;
mod converge;
mod destroy;
mod diagnose;
mod differential;
mod endpoints;
mod export;
mod faults;
mod federated;
mod fleet;
mod harness;
mod hints;
mod org;
mod pace;
mod permissions;
mod property;
mod reference;
mod report;
mod rescue;
mod scp;
mod shared;
mod verdicts;
mod verify;
