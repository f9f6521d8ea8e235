//! Sizes, ages and times: parsing what a person types and writing what a person reads.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub(crate) use graphchain_core::{parse_age, parse_size};

/// A size in binary units with one decimal (`1.2 MiB`), or in bytes below 1 KiB (`512 B`).
pub(crate) fn format_size(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1024.0;
    for unit in &UNITS[..UNITS.len() - 1] {
        // Move up before rounding could write 1024.0.
        if value < 1023.95 {
            return format!("{value:.1} {unit}");
        }
        value /= 1024.0;
    }
    format!("{value:.1} {}", UNITS[UNITS.len() - 1])
}

/// How long ago, in the largest whole unit: `45s ago`, `12m ago`, `3h ago`, `5d ago`.
pub(crate) fn format_age(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => format!("{s}s ago"),
        60..3_600 => format!("{}m ago", s / 60),
        3_600..86_400 => format!("{}h ago", s / 3_600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// The time since `then` (zero if `then` is in the future).
pub(crate) fn age_of(then: SystemTime, now: SystemTime) -> Duration {
    now.duration_since(then).unwrap_or_default()
}

/// A span of compute time: `850 ns`, `12.5 µs`, `3.4 ms`, `1.52 s`, `4m 05s`, `2h 03m`.
pub(crate) fn format_duration(d: Duration) -> String {
    let nanos = d.as_nanos();
    let secs = d.as_secs();
    match nanos {
        0..1_000 => format!("{nanos} ns"),
        1_000..1_000_000 => format!("{:.1} µs", nanos as f64 / 1e3),
        1_000_000..1_000_000_000 => format!("{:.1} ms", nanos as f64 / 1e6),
        _ if secs < 60 => format!("{:.2} s", d.as_secs_f64()),
        _ if secs < 3_600 => format!("{}m {:02}s", secs / 60, secs % 60),
        _ => format!("{}h {:02}m", secs / 3_600, secs % 3_600 / 60),
    }
}

/// A moment as UTC date and time: `2026-11-22 14:03:11 UTC`.
pub(crate) fn format_time(t: SystemTime) -> String {
    let Ok(since_epoch) = t.duration_since(UNIX_EPOCH) else {
        return "before 1970".to_owned();
    };
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_date(secs / 86_400);
    let time = secs % 86_400;
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        time / 3_600,
        time % 3_600 / 60,
        time % 60
    )
}

/// The proleptic Gregorian date `days` days after 1970-01-01.
///
/// Counts in 400-year eras of 146,097 days that start on 1 March, so that the leap day falls at
/// the end of each year of the era.
fn civil_date(days: u64) -> (u64, u64, u64) {
    // Days since 0000-03-01.
    let days = days + 719_468;
    let era = days / 146_097;
    let day_of_era = days % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 0 is March, 11 is February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = era * 400 + year_of_era + u64::from(month <= 2);
    (year, month, day)
}

/// Milliseconds since the Unix epoch (zero before it), for JSON.
pub(crate) fn unix_ms(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Lower-case hex of some bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `1 entry`, `2 entries`.
pub(crate) fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests;
