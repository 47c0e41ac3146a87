//! Times in records come from any clone; each instant has exactly one accepted spelling.
#![no_main]

use libfuzzer_sys::fuzz_target;
use undersigned::timefmt;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        // Also exercise the formatter on arbitrary instants.
        if let Ok(b) = <[u8; 8]>::try_from(&data[..data.len().min(8)]) {
            let ms = i64::from_le_bytes(b);
            // Years outside 0..=9999 are not four digits; only check the 1-to-1 range.
            if (-62_167_219_200_000..=253_402_300_799_999).contains(&ms) {
                assert_eq!(timefmt::parse_ms(&timefmt::format_ms(ms)), Some(ms));
            }
        }
        return;
    };
    if let Some(v) = timefmt::parse_ms(s) {
        assert_eq!(timefmt::format_ms(v), s);
    }
    assert_eq!(
        undersigned::record::is_time(s),
        timefmt::parse_ms(s).is_some()
    );
});
