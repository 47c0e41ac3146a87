//! `undersigned key`: make a key pair, show a key's fingerprint.

use super::{passphrase, Ctx, Done};
use clap::Subcommand;
use std::path::PathBuf;
use undersigned::keys::{self, SigningKey};

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Write a new ed25519 key pair in OpenSSH format: FILE (0600) and FILE.pub.
    New {
        /// Private key file to create (never overwritten).
        file: PathBuf,
        /// Comment stored in the key files (not in any ledger).
        #[arg(long, default_value = "")]
        comment: String,
        /// Encrypt the private key with a passphrase (UNDERSIGNED_PASSPHRASE or a prompt).
        #[arg(long)]
        encrypt: bool,
    },
    /// Print the fingerprint and public key line of a private or public key file.
    Show {
        /// Key file.
        file: PathBuf,
    },
}

/// A passphrase for a new key: UNDERSIGNED_PASSPHRASE, else asked twice on a terminal.
fn new_passphrase(file: &std::path::Path) -> undersigned::Result<zeroize::Zeroizing<String>> {
    let missing = || {
        undersigned::Error::BadField {
        field: "--encrypt",
        why: "needs a passphrase: set UNDERSIGNED_PASSPHRASE or run on a terminal; nothing was written".into(),
    }
    };
    if std::env::var_os("UNDERSIGNED_PASSPHRASE").is_some() {
        let p = passphrase(file)?.ok_or_else(missing)?;
        if p.is_empty() {
            return Err(undersigned::Error::BadField {
                field: "UNDERSIGNED_PASSPHRASE",
                why: "is empty; an encrypted key needs a passphrase — nothing was written".into(),
            });
        }
        return Ok(p);
    }
    let first = passphrase(file)?.ok_or_else(missing)?;
    let again = passphrase(file)?.ok_or_else(missing)?;
    if first.is_empty() || *first != *again {
        return Err(undersigned::Error::BadField {
            field: "passphrase",
            why: "empty, or the two entries differ; nothing was written".into(),
        });
    }
    Ok(first)
}

pub fn run(ctx: &Ctx, cmd: KeyCommand) -> anyhow::Result<Done> {
    match cmd {
        KeyCommand::New {
            file,
            comment,
            encrypt,
        } => {
            let pass = if encrypt {
                Some(new_passphrase(&file)?)
            } else {
                None
            };
            let public = keys::generate(&file, &comment, pass.as_ref().map(|p| p.as_str()))?;
            let out = serde_json::json!({
                "file": file, "public_file": keys::pub_path(&file),
                "fingerprint": public.fingerprint, "public_key": public.openssh,
            });
            ctx.emit(&out, || format!("{}\n", public.fingerprint))?;
        }
        KeyCommand::Show { file } => {
            // The OpenSSH format keeps a private key's public half in clear: no passphrase.
            let public = SigningKey::public_of_file(&file)?;
            let out = serde_json::json!({ "fingerprint": public.fingerprint, "public_key": public.openssh });
            ctx.emit(&out, || {
                format!("{}\n{}\n", public.fingerprint, public.openssh)
            })?;
        }
    }
    Ok(Done::Ok)
}
