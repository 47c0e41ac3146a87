//! `undersigned key`: make a key pair, show a key's fingerprint.

use super::{passphrase, Ctx, Done};
use clap::Subcommand;
use std::path::PathBuf;
use undersigned::keys::{self, PublicKeyInfo, SigningKey};

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

pub fn run(ctx: &Ctx, cmd: KeyCommand) -> anyhow::Result<Done> {
    match cmd {
        KeyCommand::New {
            file,
            comment,
            encrypt,
        } => {
            let pass =
                if encrypt {
                    Some(passphrase(&file)?.ok_or_else(|| {
                        undersigned::Error::PassphraseNeeded { path: file.clone() }
                    })?)
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
            let text = std::fs::read_to_string(&file).unwrap_or_default();
            let public = if text.contains("PRIVATE KEY") {
                let path = file.clone();
                SigningKey::load(&file, &mut || passphrase(&path))?.public()
            } else {
                PublicKeyInfo::from_file_or_line(&file.to_string_lossy())?
            };
            let out = serde_json::json!({ "fingerprint": public.fingerprint, "public_key": public.openssh });
            ctx.emit(&out, || {
                format!("{}\n{}\n", public.fingerprint, public.openssh)
            })?;
        }
    }
    Ok(Done::Ok)
}
