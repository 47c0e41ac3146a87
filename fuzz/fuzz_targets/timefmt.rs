//! Times in records come from any clone; each instant has exactly one accepted spelling.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::timefmt;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        // Also exercise the formatter on arbitrary instants.
        if let Ok(b) = <[u8; 8]>::try_from(&data[..data.len().min(8)]) {
            let ms = i64::from_le_bytes(b);
            // An instant outside what a record can spell has no spelling; every other one
            // reads back as itself.
            if let Some(text) = timefmt::format_ms(ms) {
                assert_eq!(timefmt::parse_ms(&text), Some(ms));
            }
        }
        return;
    };
    if let Some(v) = timefmt::parse_ms(s) {
        assert_eq!(timefmt::format_ms(v).as_deref(), Some(s));
    }
    assert_eq!(
        undersigned::record::is_time(s),
        timefmt::parse_ms(s).is_some()
    );
});
