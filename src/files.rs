//! Writing a file whole or not at all. Every file undersigned writes outside git's object
//! store goes through here: into a temporary file of a unique name in the same directory, then
//! renamed into place, so that two writers never share a temporary file and a reader, a crash
//! or a power cut sees the old file or the new one — never half of one.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// How a file is put in place.
#[derive(Debug, Clone, Copy)]
struct How {
    /// Flushed to disk, file and directory, before returning.
    durable: bool,
    /// Refuse (`AlreadyExists`) rather than replace an existing file.
    new: bool,
    /// The file's mode (before the rename, so it is never seen with another).
    mode: u32,
}

/// Writes `bytes` to `path`, replacing it, flushed to disk.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_whole(
        path,
        bytes,
        How {
            durable: true,
            new: false,
            mode: 0o600,
        },
    )
}

/// [`write_atomic`] without flushing to disk: what a killed process leaves is the old file or
/// the new one, but a power cut may lose the new one. For memories that only save time (a
/// flush costs about a millisecond, which an act would pay on every run).
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_whole(
        path,
        bytes,
        How {
            durable: false,
            new: false,
            mode: 0o600,
        },
    )
}

/// [`write_atomic`] of a file with `mode` (a hook's 0755, a page's 0644).
pub fn write_atomic_mode(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_whole(
        path,
        bytes,
        How {
            durable: true,
            new: false,
            mode,
        },
    )
}

/// Writes a new file with `mode`, whole, flushed to disk; an existing file at `path` (a key,
/// say) is refused with `AlreadyExists` and left as it was, even if it appears meanwhile.
pub fn create_new(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write_whole(
        path,
        bytes,
        How {
            durable: true,
            new: true,
            mode,
        },
    )
}

fn write_whole(path: &Path, bytes: &[u8], how: How) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        // Named here: the temporary file's name would otherwise be the one in the error.
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            format!("directory {} does not exist", dir.display()),
        ));
    }
    if how.new && fs::symlink_metadata(path).is_ok() {
        return Err(io::Error::from(io::ErrorKind::AlreadyExists));
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".undersigned-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot write in {}: {e}", dir.display())))?;
    tmp.write_all(bytes)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(how.mode))?;
    if how.durable {
        tmp.as_file().sync_all()?;
    }
    if how.new {
        tmp.persist_noclobber(path).map_err(|e| e.error)?;
    } else {
        tmp.persist(path).map_err(|e| e.error)?;
    }
    if how.durable {
        // The rename itself is durable once the directory is.
        if let Ok(d) = fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_writes_replace_whole_files_and_leave_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
    }

    #[test]
    fn concurrent_writers_never_tear_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let threads: Vec<_> = (0..8u8)
            .map(|i| {
                let path = path.clone();
                std::thread::spawn(move || {
                    for _ in 0..50 {
                        write_atomic(&path, &[i; 4096]).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let bytes = fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 4096);
        assert!(
            bytes.iter().all(|b| *b == bytes[0]),
            "one writer's bytes only"
        );
    }

    #[test]
    fn a_new_file_never_replaces_one_and_has_its_mode_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        fs::write(&path, b"secret").unwrap();
        let err = create_new(&path, b"record", 0o600).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).unwrap(), b"secret");
        let hook = dir.path().join("hook");
        write_atomic_mode(&hook, b"#!/bin/sh\n", 0o755).unwrap();
        let mode = fs::metadata(&hook).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o755);
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "no temporary file left behind");
    }

    #[test]
    fn a_missing_directory_is_named_not_the_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("f");
        let err = create_new(&path, b"x", 0o600).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("missing") && !text.contains(".undersigned-"),
            "{text}"
        );
    }
}
