//! Gives the build a fingerprint of the rules and of the state verification proves, so that a
//! proof kept by one build is never resumed by a build whose rules or state differ (no format
//! number to bump by hand: change a rule and old proofs are ignored).

use std::hash::{DefaultHasher, Hasher};
use std::path::Path;

fn main() {
    let mut files = vec![
        "src/state.rs".to_string(),
        "src/record.rs".to_string(),
        "src/layout.rs".to_string(),
        "src/signed_data.rs".to_string(),
    ];
    let mut rules: Vec<String> = ["src/rules", "src/log"]
        .iter()
        .filter_map(|d| std::fs::read_dir(d).ok())
        .flatten()
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".rs"))
        .collect();
    rules.sort();
    files.extend(rules);
    let mut h = DefaultHasher::new();
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
        h.write(f.as_bytes());
        h.write(&std::fs::read(Path::new(f)).unwrap_or_default());
    }
    println!("cargo:rerun-if-changed=src/rules");
    println!("cargo:rerun-if-changed=src/log");
    println!(
        "cargo:rustc-env=UNDERSIGNED_RULES_FINGERPRINT={:016x}",
        h.finish()
    );
}
