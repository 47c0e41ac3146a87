//! Times as records hold them: UTC, millisecond precision, one fixed-width form
//! (`2026-11-28T10:02:43.123Z`), so that records stay readable in `git show`, compare in time
//! order as plain strings, and have exactly one spelling per instant (a record is canonical).

/// Days since 1970-01-01 to (year, month, day); Howard Hinnant's civil-from-days.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 } as i64;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn format_ms(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let (y, mo, d) = civil_from_days(secs.div_euclid(86_400));
    let sod = secs.rem_euclid(86_400);
    format!(
        "{y:04}-{mo:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        sod / 3600,
        sod % 3600 / 60,
        sod % 60
    )
}

/// Formats seconds since the epoch as `YYYY-MM-DD HH:MM:SS UTC` for people.
pub fn format_secs(secs: i64) -> String {
    let s = format_ms(secs.saturating_mul(1000));
    format!("{} {} UTC", &s[..10], &s[11..19])
}

/// Formats seconds since the epoch as `YYYYMMDDHHMMSSZ`, the form `allowed_signers` takes.
pub fn format_compact(secs: i64) -> String {
    let s = format_ms(secs.saturating_mul(1000));
    let digits: String = s[..19].chars().filter(char::is_ascii_digit).collect();
    format!("{digits}Z")
}

/// Parses the form [`format_compact`] writes (`YYYYMMDDHHMMSSZ`) back to seconds.
pub fn parse_compact(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 15 || b[14] != b'Z' || !b[..14].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let spelled = format!(
        "{}-{}-{}T{}:{}:{}.000Z",
        &s[0..4],
        &s[4..6],
        &s[6..8],
        &s[8..10],
        &s[10..12],
        &s[12..14]
    );
    parse_ms(&spelled).map(|ms| ms / 1000)
}

/// A record time (`2026-11-28T10:02:43.123Z`) as `ssh-keygen -Y verify -Overify-time=` takes
/// it (`20261128100243Z`), or `None` for anything [`parse_ms`] refuses. Without it ssh-keygen
/// judges a key's `valid-before` against the current time and calls every record of a key
/// rotated or revoked since a forgery. The milliseconds are dropped: `valid-before` has whole
/// seconds and is inclusive, so a record signed in the second its key was retired, before the
/// retiring commit, still verifies, as it does for `verify`.
pub fn verify_time(record_time: &str) -> Option<String> {
    parse_ms(record_time).map(|ms| format_compact(ms.div_euclid(1000)))
}

/// Parses exactly the form [`format_ms`] writes; anything else is `None`.
pub fn parse_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 24 || &b[4..5] != b"-" || &b[7..8] != b"-" || &b[10..11] != b"T" {
        return None;
    }
    if &b[13..14] != b":" || &b[16..17] != b":" || &b[19..20] != b"." || &b[23..24] != b"Z" {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, se, ms) = (num(11..13)?, num(14..16)?, num(17..19)?, num(20..23)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 59 {
        return None;
    }
    let days = days_from_civil(y, mo as u32, d as u32);
    let v = ((days * 86_400 + h * 3600 + mi * 60 + se) * 1000) + ms;
    // Refuse dates such as February 30th, which would not round-trip.
    (format_ms(v) == s).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants() {
        assert_eq!(format_ms(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(format_ms(1_795_860_163_123), "2026-11-28T10:02:43.123Z");
        assert_eq!(format_ms(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(format_secs(1_795_860_163), "2026-11-28 10:02:43 UTC");
        assert_eq!(format_compact(1_795_860_163), "20261128100243Z");
        assert_eq!(parse_compact("20261128100243Z"), Some(1_795_860_163));
        assert_eq!(parse_compact("20261128100243"), None);
        assert_eq!(
            verify_time("2026-11-28T10:02:43.999Z").as_deref(),
            Some("20261128100243Z")
        );
        assert_eq!(
            verify_time("1969-12-31T23:59:59.500Z").as_deref(),
            Some("19691231235959Z")
        );
        assert_eq!(verify_time("2026-11-28T10:02:43Z"), None);
    }

    #[test]
    fn round_trip_and_refusals() {
        for ms in [
            0,
            1,
            999,
            86_399_999,
            951_782_400_000,
            1_795_860_163_123,
            4_102_444_800_000,
        ] {
            assert_eq!(parse_ms(&format_ms(ms)), Some(ms));
        }
        for bad in [
            "",
            "2026-11-28T10:02:43Z",
            "2026-02-30T00:00:00.000Z",
            "2026-11-28T24:00:00.000Z",
            "2026-11-28 10:02:43.123Z",
            "+026-11-28T10:02:43.123Z",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }
}
