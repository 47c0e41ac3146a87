//! `undersigned key`: make a key pair, show a key's fingerprint.

use super::{passphrase, Ctx, Done};
use clap::Subcommand;
use std::path::PathBuf;
use undersigned::keys::{self, SigningKey};
use undersigned::report::KeyOutput;

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
fn new_passphrase(file: &std::path::Path) -> anyhow::Result<zeroize::Zeroizing<String>> {
    let missing = || {
        anyhow::anyhow!(
            "--encrypt: needs a passphrase: set UNDERSIGNED_PASSPHRASE or run on a terminal; nothing was written"
        )
    };
    if std::env::var_os("UNDERSIGNED_PASSPHRASE").is_some() {
        let p = passphrase(file)?.ok_or_else(missing)?;
        if p.is_empty() {
            anyhow::bail!("UNDERSIGNED_PASSPHRASE: is empty; an encrypted key needs a passphrase — nothing was written");
        }
        return Ok(p);
    }
    let first = passphrase(file)?.ok_or_else(missing)?;
    let again = passphrase(file)?.ok_or_else(missing)?;
    if first.is_empty() || *first != *again {
        anyhow::bail!("passphrase: empty, or the two entries differ; nothing was written");
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
            let out = KeyOutput {
                file: Some(file.display().to_string()),
                public_file: Some(keys::pub_path(&file).display().to_string()),
                fingerprint: public.fingerprint.clone(),
                public_key: public.openssh.clone(),
            };
            ctx.emit(&out, || format!("{}\n", public.fingerprint))?;
        }
        KeyCommand::Show { file } => {
            // The OpenSSH format keeps a private key's public half in clear: no passphrase.
            let public = SigningKey::public_of_file(&file)?;
            let out = KeyOutput {
                file: None,
                public_file: None,
                fingerprint: public.fingerprint.clone(),
                public_key: public.openssh.clone(),
            };
            ctx.emit(&out, || {
                format!("{}\n{}\n", public.fingerprint, public.openssh)
            })?;
        }
    }
    Ok(Done::Ok)
}
