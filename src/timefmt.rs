//! Times as records hold them: UTC, millisecond precision, one fixed-width form
//! (`2026-11-28T10:02:43.123Z`), so that records stay readable in `git show`, compare in time
//! order as plain strings, and have exactly one spelling per instant (a record is canonical).
//!
//! Every conversion goes through `jiff`, which checks its range, and every instant a ledger may
//! hold lies between 1970-01-01 and the end of jiff's range, 9999-12-30T22:00Z ([`MIN_MS`],
//! [`MAX_MS`]): four-digit years, as the fixed-width form, git's commit dates and
//! `ssh-keygen`'s `valid-before` all need. No conversion wraps or truncates: a time outside the
//! range has no spelling (`None`).

use jiff::civil::DateTime;
use jiff::tz::Offset;
use jiff::Timestamp;

/// The first instant a ledger may hold: 1970-01-01T00:00:00.000Z.
pub const MIN_MS: i64 = 0;
/// The last instant a ledger may hold: 9999-12-30T22:00:00.000Z, the last millisecond `jiff`
/// takes (its range leaves room for any UTC offset).
pub const MAX_MS: i64 = 253_402_207_200_000;
/// [`MAX_MS`] in whole seconds.
pub const MAX_SECS: i64 = MAX_MS.div_euclid(1000);

/// True for milliseconds a ledger may hold.
pub fn in_range(ms: i64) -> bool {
    (MIN_MS..=MAX_MS).contains(&ms)
}

/// True for seconds a ledger may hold (a commit's time).
pub fn secs_in_range(secs: i64) -> bool {
    (0..=MAX_SECS).contains(&secs)
}

fn timestamp(ms: i64) -> Option<Timestamp> {
    in_range(ms)
        .then(|| Timestamp::from_millisecond(ms).ok())
        .flatten()
}

/// Milliseconds since the epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`, or `None` outside the range.
pub fn format_ms(ms: i64) -> Option<String> {
    Some(
        timestamp(ms)?
            .strftime("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
    )
}

/// Seconds since the epoch as `YYYY-MM-DD HH:MM:SS UTC`, for people; a time outside the range
/// says so with its number.
pub fn format_secs(secs: i64) -> String {
    secs.checked_mul(1000)
        .and_then(timestamp)
        .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_else(|| format!("(time {secs} out of range)"))
}

/// Seconds since the epoch as `YYYYMMDDHHMMSSZ`, the form `allowed_signers` takes. Held to the
/// range (a commit outside it already fails verification), so the derived file always parses.
pub fn format_compact(secs: i64) -> String {
    let ms = secs.clamp(0, MAX_SECS).saturating_mul(1000);
    timestamp(ms)
        .map(|t| t.strftime("%Y%m%d%H%M%SZ").to_string())
        .unwrap_or_else(|| "19700101000000Z".into())
}

/// Parses the form [`format_compact`] writes back to seconds.
pub fn parse_compact(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 15 || b[14] != b'Z' || !b[..14].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let spelled = format!(
        "{}-{}-{}T{}:{}:{}.000Z",
        s.get(0..4)?,
        s.get(4..6)?,
        s.get(6..8)?,
        s.get(8..10)?,
        s.get(10..12)?,
        s.get(12..14)?
    );
    parse_ms(&spelled).map(|ms| ms.div_euclid(1000))
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

/// Parses exactly the form [`format_ms`] writes, in the range; anything else is `None`.
pub fn parse_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let shape = b.len() == 24
        && [4, 7].iter().all(|&i| b[i] == b'-')
        && b[10] == b'T'
        && [13, 16].iter().all(|&i| b[i] == b':')
        && b[19] == b'.'
        && b[23] == b'Z';
    let digits = [0..4, 5..7, 8..10, 11..13, 14..16, 17..19, 20..23];
    if !shape
        || !digits
            .iter()
            .all(|r| b[r.clone()].iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i32>().ok();
    let dt = DateTime::new(
        i16::try_from(num(0..4)?).ok()?,
        i8::try_from(num(5..7)?).ok()?,
        i8::try_from(num(8..10)?).ok()?,
        i8::try_from(num(11..13)?).ok()?,
        i8::try_from(num(14..16)?).ok()?,
        i8::try_from(num(17..19)?).ok()?,
        num(20..23)?.checked_mul(1_000_000)?,
    )
    .ok()?;
    let ms = Offset::UTC.to_timestamp(dt).ok()?.as_millisecond();
    // In range, and one spelling per instant.
    (format_ms(ms).as_deref() == Some(s)).then_some(ms)
}

/// A time a person types (`--deadline`, `history --from`): an RFC 3339 time with its offset
/// (`2026-12-31T23:59:59Z`, `2026-12-31T18:00:00+01:00`, the record form included), a UTC time
/// without one (`2026-12-31 23:59:59` or `2026-12-31T23:59`), or a date alone, meaning its
/// first instant in UTC (`2026-12-31`). In milliseconds, in the range; `None` otherwise.
pub fn parse_user_time(s: &str) -> Option<i64> {
    let s = s.trim();
    let ms = if let Ok(t) = s.parse::<Timestamp>() {
        t.as_millisecond()
    } else if let Ok(dt) = s.parse::<DateTime>() {
        Offset::UTC.to_timestamp(dt).ok()?.as_millisecond()
    } else {
        let d = s.parse::<jiff::civil::Date>().ok()?;
        Offset::UTC
            .to_timestamp(d.to_datetime(jiff::civil::Time::midnight()))
            .ok()?
            .as_millisecond()
    };
    in_range(ms).then_some(ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_times_in_their_forms() {
        let day = parse_ms("2026-12-31T00:00:00.000Z").unwrap();
        assert_eq!(parse_user_time("2026-12-31"), Some(day));
        assert_eq!(parse_user_time("2026-12-31T00:00:00Z"), Some(day));
        assert_eq!(parse_user_time("2026-12-31 00:00:00"), Some(day));
        assert_eq!(parse_user_time("2026-12-31T01:00:00+01:00"), Some(day));
        assert_eq!(parse_user_time("2026-12-31T00:00:00.000Z"), Some(day));
        assert_eq!(parse_user_time("next tuesday"), None);
        assert_eq!(parse_user_time("1969-12-31"), None);
    }

    #[test]
    fn known_instants() {
        assert_eq!(format_ms(0).as_deref(), Some("1970-01-01T00:00:00.000Z"));
        assert_eq!(
            format_ms(1_795_860_163_123).as_deref(),
            Some("2026-11-28T10:02:43.123Z")
        );
        assert_eq!(
            format_ms(951_782_400_000).as_deref(),
            Some("2000-02-29T00:00:00.000Z")
        );
        assert_eq!(
            format_ms(MAX_MS).as_deref(),
            Some("9999-12-30T22:00:00.000Z")
        );
        assert_eq!(format_secs(1_795_860_163), "2026-11-28 10:02:43 UTC");
        assert_eq!(format_compact(1_795_860_163), "20261128100243Z");
        assert_eq!(parse_compact("20261128100243Z"), Some(1_795_860_163));
        assert_eq!(parse_compact("20261128100243"), None);
        assert_eq!(
            verify_time("2026-11-28T10:02:43.999Z").as_deref(),
            Some("20261128100243Z")
        );
        assert_eq!(verify_time("2026-11-28T10:02:43Z"), None);
    }

    #[test]
    fn nothing_outside_the_range_has_a_spelling() {
        for ms in [-1, MAX_MS + 1, i64::MAX, i64::MIN] {
            assert_eq!(format_ms(ms), None, "{ms}");
        }
        assert!(format_secs(i64::MAX).contains("out of range"));
        assert_eq!(format_compact(i64::MAX), "99991230220000Z");
        assert_eq!(format_compact(-5), "19700101000000Z");
        for bad in [
            "10000-01-01T00:00:00.000Z",
            "+10000-01-01T00:00:00.000Z",
            "1969-12-31T23:59:59.999Z",
            "0000-01-01T00:00:00.000Z",
            "9999-12-31T23:59:59.999Z",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
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
            MAX_MS,
        ] {
            assert_eq!(format_ms(ms).and_then(|s| parse_ms(&s)), Some(ms));
        }
        for bad in [
            "",
            "2026-11-28T10:02:43Z",
            "2026-02-30T00:00:00.000Z",
            "2026-11-28T24:00:00.000Z",
            "2026-11-28T23:60:00.000Z",
            "2026-11-28T23:59:60.000Z",
            "2026-11-28 10:02:43.123Z",
            "+026-11-28T10:02:43.123Z",
            "2026-11-28T10:02:43.12aZ",
            "2026-1１-28T10:02:43.123Z",
        ] {
            assert_eq!(parse_ms(bad), None, "{bad}");
        }
    }
}
