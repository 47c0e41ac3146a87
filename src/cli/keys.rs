//! `undersigned key`: make a key pair, show a key's fingerprint.

use super::{can_ask, passphrase, Ctx, Done, PassArgs};
use clap::Subcommand;
use std::path::{Path, PathBuf};
use undersigned::keys::{self, SigningKey};
use undersigned::report::{formats, KeyOutput};
use zeroize::Zeroizing;

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Write a new ed25519 key pair in OpenSSH format: FILE (0600) and FILE.pub. The private
    /// key is encrypted with a passphrase, asked twice on a terminal (or taken from
    /// --passphrase-file, --passphrase-fd or UNDERSIGNED_PASSPHRASE); --no-passphrase writes it
    /// unencrypted. Without a terminal, one of them must be given.
    New {
        /// Private key file to create (never overwritten).
        file: PathBuf,
        /// Comment stored in the key files (not in any ledger).
        #[arg(long, default_value = "")]
        comment: String,
        /// Write the private key unencrypted (anyone who reads the file can sign with it).
        #[arg(long, conflicts_with_all = ["encrypt", "passphrase_file", "passphrase_fd"])]
        no_passphrase: bool,
        /// Encrypt the private key (what `key new` does by default; kept for scripts).
        #[arg(long, hide = true)]
        encrypt: bool,
        #[command(flatten)]
        pass: PassArgs,
    },
    /// Print the SHA256 fingerprint (as `ssh-keygen -lf` prints it) and the public key line of
    /// a public key file (KEY.pub) or a private key file (no passphrase is needed).
    Show {
        /// Key file: KEY.pub or KEY.
        file: PathBuf,
    },
}

/// The passphrase for a new key: --passphrase-file/--passphrase-fd, UNDERSIGNED_PASSPHRASE, or
/// asked twice on a terminal; `None` with --no-passphrase.
fn new_passphrase(
    file: &Path,
    no_passphrase: bool,
    pass: &PassArgs,
) -> anyhow::Result<Option<Zeroizing<String>>> {
    if no_passphrase {
        return Ok(None);
    }
    let given = match pass.given()? {
        Some(p) => Some(p),
        None if std::env::var_os("UNDERSIGNED_PASSPHRASE").is_some() => passphrase(file)?,
        None => None,
    };
    if let Some(p) = given {
        if p.is_empty() {
            anyhow::bail!("the passphrase given is empty; an encrypted key needs one (or pass --no-passphrase) — nothing was written");
        }
        return Ok(Some(p));
    }
    if !can_ask() {
        anyhow::bail!(
            "key new: no terminal to ask for a passphrase on: pass --no-passphrase for an unencrypted key, or give one with --passphrase-file FILE, --passphrase-fd N or UNDERSIGNED_PASSPHRASE; nothing was written"
        );
    }
    let ask = |prompt: &str| -> anyhow::Result<Zeroizing<String>> {
        Ok(Zeroizing::new(rpassword::prompt_password(prompt)?))
    };
    let first = ask(&format!(
        "Passphrase for the new key {} (empty: none): ",
        file.display()
    ))?;
    if first.is_empty() {
        anyhow::bail!(
            "no passphrase typed: pass --no-passphrase for an unencrypted key; nothing was written"
        );
    }
    let again = ask("The same passphrase again: ")?;
    if *first != *again {
        anyhow::bail!("the two passphrases differ; nothing was written");
    }
    Ok(Some(first))
}

pub fn run(ctx: &Ctx, cmd: KeyCommand) -> anyhow::Result<Done> {
    match cmd {
        KeyCommand::New {
            file,
            comment,
            no_passphrase,
            encrypt: _,
            pass,
        } => {
            if file.exists() {
                return Err(undersigned::Error::KeyFileExists { path: file }.into());
            }
            let pass = new_passphrase(&file, no_passphrase, &pass)?;
            let public = keys::generate(&file, &comment, pass.as_ref().map(|p| p.as_str()))?;
            let out = KeyOutput {
                format: formats::KEY.into(),
                file: Some(file.display().to_string()),
                public_file: Some(keys::pub_path(&file).display().to_string()),
                fingerprint: public.fingerprint.clone(),
                public_key: public.openssh.clone(),
            };
            ctx.emit(&out, || format!("{}\n", public.fingerprint))?;
        }
        KeyCommand::Show { file } => {
            let public = SigningKey::public_of_any_file(&file)?;
            let out = KeyOutput {
                format: formats::KEY.into(),
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
