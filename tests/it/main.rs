//! All integration tests in one binary (one link on a 2-core machine). Each module drives the
//! built `undersigned` binary on temporary ledgers and cross-checks with stock git and ssh-keygen.

mod common;

mod bad_input;
mod by_mail;
mod coalition;
mod commit_parity;
mod crash;
mod deception;
mod everyday;
mod hardening;
mod incremental;
mod json;
mod lifecycle;
mod mail;
mod properties;
mod publish;
mod readme;
mod signatories;
mod stock_audit;
mod times;
mod transparency;
mod vectors;
mod verify_failures;
mod workflow;
mod worktree;
mod writers;
