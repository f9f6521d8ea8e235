//! Sizes and ages as people write them (`500MB`, `2GiB`, `30d`): for the cache's size budget
//! and for the `graphchain` command.

use std::time::Duration;

/// Size units `parse_size` accepts, with their multipliers; matched without regard to case.
const SIZE_UNITS: [(&str, u64); 9] = [
    ("b", 1),
    ("kb", 1_000),
    ("kib", 1 << 10),
    ("mb", 1_000_000),
    ("mib", 1 << 20),
    ("gb", 1_000_000_000),
    ("gib", 1 << 30),
    ("tb", 1_000_000_000_000),
    ("tib", 1 << 40),
];

/// Age units `parse_age` accepts, in seconds.
const AGE_UNITS: [(&str, u64); 5] = [
    ("s", 1),
    ("m", 60),
    ("h", 60 * 60),
    ("d", 24 * 60 * 60),
    ("w", 7 * 24 * 60 * 60),
];

/// Parses a size such as `5GiB`, `1.5 MB` or `300` (bytes), rounding a fraction of a byte down.
///
/// Units are B, KB, MB, GB, TB (powers of 1000) and KiB, MiB, GiB, TiB (powers of 1024), in any
/// case. This is how `GRAPHCHAIN_CACHE_MAX_SIZE` and `graphchain cache prune --max-size` read
/// sizes.
///
/// # Examples
///
/// ```
/// assert_eq!(graphchain::store::parse_size("500MB"), Ok(500_000_000));
/// assert_eq!(graphchain::store::parse_size("1.5 GiB"), Ok(3 << 29));
/// assert!(graphchain::store::parse_size("lots").is_err());
/// ```
///
/// # Errors
///
/// A message saying what is wrong: no number first, an unknown unit, or a size over `u64::MAX`.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let (number, unit) = split_number(text)?;
    let multiplier = if unit.is_empty() {
        1
    } else {
        SIZE_UNITS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(unit))
            .map(|&(_, m)| m)
            .ok_or_else(|| {
                format!("unknown size unit `{unit}`: use B, KB, KiB, MB, MiB, GB, GiB, TB or TiB")
            })?
    };
    number
        .times(u128::from(multiplier))
        .and_then(|bytes| u64::try_from(bytes).ok())
        .ok_or_else(|| "size is too large".to_owned())
}

/// Parses an age such as `30d`, `12h` or `1.5w`; the unit (s, m, h, d or w, in either case but
/// for `M`, which could be read as months) is required.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// assert_eq!(graphchain::store::parse_age("12h"), Ok(Duration::from_secs(12 * 3600)));
/// assert!(graphchain::store::parse_age("12").is_err());
/// ```
///
/// # Errors
///
/// A message saying what is wrong: no number first, a missing or unknown unit, or an age too
/// large for a `Duration`.
pub fn parse_age(text: &str) -> Result<Duration, String> {
    let (number, unit) = split_number(text)?;
    if unit.is_empty() {
        return Err("missing unit: use s, m, h, d or w (as in `30d`)".to_owned());
    }
    // `1M` reads as a month to many, and would be a minute here.
    if unit == "M" {
        return Err(
            "unknown age unit `M`: use m for minutes; for months, use d or w (as in `30d`)"
                .to_owned(),
        );
    }
    let seconds = AGE_UNITS
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(unit))
        .map(|&(_, s)| s)
        .ok_or_else(|| format!("unknown age unit `{unit}`: use s, m, h, d or w"))?;
    let too_large = || "age is too large".to_owned();
    let nanos = number
        .times(u128::from(seconds) * 1_000_000_000)
        .ok_or_else(too_large)?;
    let secs = u64::try_from(nanos / 1_000_000_000).map_err(|_| too_large())?;
    Ok(Duration::new(secs, (nanos % 1_000_000_000) as u32))
}

/// A non-negative decimal number, kept exact: `digits / 10^scale`.
#[derive(Debug, PartialEq)]
struct Decimal {
    digits: u128,
    scale: u32,
}

impl Decimal {
    /// `self × factor`, rounded down; `None` on overflow.
    fn times(&self, factor: u128) -> Option<u128> {
        Some(self.digits.checked_mul(factor)? / 10u128.pow(self.scale))
    }
}

/// Splits `12.5 GiB` into the number and the unit (which may be empty).
fn split_number(text: &str) -> Result<(Decimal, &str), String> {
    let text = text.trim();
    let end = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(end);
    if number.is_empty() {
        return Err("expected a number first".to_owned());
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || fraction.contains('.') || (number.contains('.') && fraction.is_empty()) {
        return Err(format!("`{number}` is not a number"));
    }
    // Digits beyond the eighteenth after the point cannot matter to a byte or a nanosecond.
    let fraction = &fraction[..fraction.len().min(18)];
    let digits = format!("{whole}{fraction}")
        .parse::<u128>()
        .map_err(|_| "number is too large".to_owned())?;
    let decimal = Decimal {
        digits,
        scale: fraction.len() as u32,
    };
    Ok((decimal, unit.trim_start()))
}
