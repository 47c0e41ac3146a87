//! The floor of verification: N bare ed25519 signature checks (`verify_strict`, keys already
//! parsed), timed on one core and on every core.
//!
//! `cargo run --release --example sig-floor -- N [THREADS]` signs N random 200-byte messages
//! with 256 keys, then checks them on one thread and on THREADS (default: one per core), and
//! prints on stdout `SERIAL_SECONDS PARALLEL_SECONDS THREADS` (one line) and a
//! sentence on stderr.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use rand::rngs::StdRng;
use rand::{RngCore, SeedableRng};
use std::time::Instant;

fn main() {
    let n: usize = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(n)) if n > 0 => n,
        _ => {
            eprintln!("usage: sig-floor N   (N > 0 signature checks)");
            std::process::exit(2);
        }
    };
    let mut rng = StdRng::seed_from_u64(7);
    let keys: Vec<SigningKey> = (0..256).map(|_| SigningKey::generate(&mut rng)).collect();
    let mut items: Vec<(VerifyingKey, [u8; 200], Signature)> = Vec::with_capacity(n);
    for i in 0..n {
        let key = &keys[i % keys.len()];
        let mut msg = [0u8; 200];
        rng.fill_bytes(&mut msg);
        items.push((key.verifying_key(), msg, key.sign(&msg)));
    }

    let check = |chunk: &[(VerifyingKey, [u8; 200], Signature)]| {
        chunk
            .iter()
            .filter(|(k, m, s)| k.verify_strict(m, s).is_ok())
            .count()
    };

    let t = Instant::now();
    let good = check(&items);
    let serial = t.elapsed().as_secs_f64();
    assert_eq!(good, n, "every signature verifies");

    let threads = match std::env::args().nth(2).map(|a| a.parse::<usize>()) {
        Some(Ok(t)) if t > 0 => t,
        _ => std::thread::available_parallelism().map_or(1, |p| p.get()),
    };
    let t = Instant::now();
    let good: usize = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(n.div_ceil(threads))
            .map(|chunk| scope.spawn(move || check(chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a checking thread panicked"))
            .sum()
    });
    let parallel = t.elapsed().as_secs_f64();
    assert_eq!(good, n, "every signature verifies");

    println!("{serial:.4} {parallel:.4} {threads}");
    eprintln!(
        "sig-floor: {n} verify_strict: {serial:.3} s on 1 core ({:.0}/s), {parallel:.3} s on {threads} threads ({:.0}/s)",
        n as f64 / serial,
        n as f64 / parallel
    );
}
