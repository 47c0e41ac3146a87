//! `undersigned person`: individuals as signatories, registered and keyed exactly as
//! organizations are (the same acts, with the principal `person/ID`).

use super::acts::{principal, revoke, rotate, RevokeArgs, RotateArgs};
use super::out::report;
use super::{Ctx, Done, KeyArg};
use clap::Subcommand;
use undersigned::ids::Principal;
use undersigned::keys::PublicKeyInfo;
use undersigned::NewPerson;

#[derive(Subcommand)]
pub enum PersonCommand {
    /// List the registered individuals, with their affiliations and keys in force.
    List,
    /// Register an individual (with their public key, or without one for attested consent).
    Add {
        /// Slug: lowercase letters, digits and '-', 1 to 64.
        id: String,
        /// Name as published.
        #[arg(long)]
        name: String,
        /// Affiliation shown beside the name, for identification only (not the institution's
        /// endorsement).
        #[arg(long, value_name = "TEXT")]
        affiliation: Option<String>,
        /// ISO 3166 two-letter country code.
        #[arg(long, value_name = "CC")]
        country: Option<String>,
        /// Public key: a file such as key.pub, or the line `ssh-ed25519 AAAA…`.
        #[arg(long, value_name = "FILE")]
        pubkey: Option<String>,
        #[command(flatten)]
        key: KeyArg,
    },
    /// Move an individual to a new key (signed by their current key, or by an editor with --reason).
    RotateKey(RotateArgs),
    /// Revoke an individual's key: what it signs from now on fails verification.
    RevokeKey(RevokeArgs),
    /// Register the key of an individual registered without one (or whose key was revoked).
    AddKey {
        /// Slug.
        id: String,
        /// Public key file or line.
        #[arg(long, value_name = "FILE_OR_LINE")]
        pubkey: String,
        #[command(flatten)]
        key: KeyArg,
    },
}

pub fn person(ctx: &Ctx, c: PersonCommand) -> anyhow::Result<Done> {
    match c {
        PersonCommand::List => super::inventory::person_list(ctx),
        PersonCommand::RotateKey(a) => rotate(ctx, principal("individual", a.id())?, a),
        PersonCommand::RevokeKey(a) => revoke(ctx, principal("individual", a.id())?, a),
        PersonCommand::Add {
            id,
            name,
            affiliation,
            country,
            pubkey,
            key,
        } => {
            undersigned::ids::check_slug("individual", &id)?;
            let public = pubkey
                .as_deref()
                .map(PublicKeyInfo::from_file_or_line)
                .transpose()?;
            let ledger = ctx.open()?;
            let key = key.load()?;
            let new = NewPerson {
                id,
                name,
                affiliation,
                country,
                key: public,
            };
            report(ctx, &ledger.add_person(&new, &key)?)
        }
        PersonCommand::AddKey { id, pubkey, key } => {
            let public = PublicKeyInfo::from_file_or_line(&pubkey)?;
            let ledger = ctx.open()?;
            let key = key.load()?;
            report(
                ctx,
                &ledger.add_key(&Principal::person(&id), &public, None, &key)?,
            )
        }
    }
}
