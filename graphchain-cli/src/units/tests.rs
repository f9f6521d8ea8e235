//! Unit tests of size and age parsing and of the human-readable formats.

use super::*;

#[test]
fn sizes_in_every_unit() {
    assert_eq!(parse_size("0"), Ok(0));
    assert_eq!(parse_size("300"), Ok(300));
    assert_eq!(parse_size("300B"), Ok(300));
    assert_eq!(parse_size("2KB"), Ok(2_000));
    assert_eq!(parse_size("2KiB"), Ok(2_048));
    assert_eq!(parse_size("3MB"), Ok(3_000_000));
    assert_eq!(parse_size("3MiB"), Ok(3 << 20));
    assert_eq!(parse_size("5GB"), Ok(5_000_000_000));
    assert_eq!(parse_size("5GiB"), Ok(5 << 30));
    assert_eq!(parse_size("1TB"), Ok(1_000_000_000_000));
    assert_eq!(parse_size("1TiB"), Ok(1 << 40));
    assert_eq!(parse_size("5gib"), Ok(5 << 30));
    assert_eq!(parse_size(" 5 GiB "), Ok(5 << 30));
}

#[test]
fn decimal_sizes_are_exact_and_round_down() {
    assert_eq!(parse_size("1.5GiB"), Ok(3 << 29));
    assert_eq!(parse_size("0.29KB"), Ok(290));
    assert_eq!(parse_size("1.1TB"), Ok(1_100_000_000_000));
    assert_eq!(parse_size("0.5B"), Ok(0));
    assert_eq!(parse_size("1.0009KB"), Ok(1_000));
    assert_eq!(parse_size("0.0000000000000000000001TiB"), Ok(0));
}

#[test]
fn malformed_sizes_say_what_is_wrong() {
    assert_eq!(
        parse_size("5XB"),
        Err("unknown size unit `XB`: use B, KB, KiB, MB, MiB, GB, GiB, TB or TiB".to_owned())
    );
    assert_eq!(parse_size("GiB"), Err("expected a number first".to_owned()));
    assert_eq!(parse_size(""), Err("expected a number first".to_owned()));
    assert_eq!(
        parse_size("-1GiB"),
        Err("expected a number first".to_owned())
    );
    assert_eq!(
        parse_size("1.2.3GiB"),
        Err("`1.2.3` is not a number".to_owned())
    );
    assert_eq!(parse_size(".5GiB"), Err("`.5` is not a number".to_owned()));
    assert_eq!(parse_size("5.GiB"), Err("`5.` is not a number".to_owned()));
    assert_eq!(
        parse_size("20000000TiB"),
        Err("size is too large".to_owned())
    );
    assert_eq!(
        parse_size("99999999999999999999999999999999999999999"),
        Err("number is too large".to_owned())
    );
}

#[test]
fn ages_in_every_unit() {
    assert_eq!(parse_age("45s"), Ok(Duration::from_secs(45)));
    assert_eq!(parse_age("10m"), Ok(Duration::from_secs(600)));
    assert_eq!(parse_age("12h"), Ok(Duration::from_secs(12 * 3600)));
    assert_eq!(parse_age("30d"), Ok(Duration::from_secs(30 * 86_400)));
    assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
    assert_eq!(parse_age("1.5h"), Ok(Duration::from_secs(5_400)));
    assert_eq!(parse_age("0.001s"), Ok(Duration::from_millis(1)));
    assert_eq!(parse_age("0s"), Ok(Duration::ZERO));
    assert_eq!(parse_age("3D"), Ok(Duration::from_secs(3 * 86_400)));
    // Not a month, and not a minute either: a user who types `1M` means a month.
    assert!(parse_age("1M").unwrap_err().contains("use m for minutes"));
}

#[test]
fn malformed_ages_say_what_is_wrong() {
    assert_eq!(
        parse_age("30"),
        Err("missing unit: use s, m, h, d or w (as in `30d`)".to_owned())
    );
    assert_eq!(
        parse_age("3y"),
        Err("unknown age unit `y`: use s, m, h, d or w".to_owned())
    );
    assert_eq!(parse_age("d"), Err("expected a number first".to_owned()));
    assert_eq!(
        parse_age("99999999999999999999w"),
        Err("age is too large".to_owned())
    );
}

#[test]
fn sizes_are_written_in_binary_units() {
    assert_eq!(format_size(0), "0 B");
    assert_eq!(format_size(1023), "1023 B");
    assert_eq!(format_size(1024), "1.0 KiB");
    assert_eq!(format_size(1_258_291), "1.2 MiB");
    assert_eq!(format_size((1 << 20) - 1), "1.0 MiB");
    assert_eq!(format_size(5 << 30), "5.0 GiB");
    assert_eq!(format_size(3 << 39), "1.5 TiB");
    assert_eq!(format_size(u64::MAX), "16.0 EiB");
}

#[test]
fn ages_are_written_in_the_largest_whole_unit() {
    assert_eq!(format_age(Duration::ZERO), "0s ago");
    assert_eq!(format_age(Duration::from_secs(59)), "59s ago");
    assert_eq!(format_age(Duration::from_secs(60)), "1m ago");
    assert_eq!(format_age(Duration::from_secs(3 * 3600 + 59)), "3h ago");
    assert_eq!(format_age(Duration::from_secs(86_400 * 45)), "45d ago");
    let now = SystemTime::now();
    assert_eq!(age_of(now + Duration::from_secs(5), now), Duration::ZERO);
}

#[test]
fn durations_keep_about_three_digits() {
    assert_eq!(format_duration(Duration::from_nanos(850)), "850 ns");
    assert_eq!(format_duration(Duration::from_nanos(12_500)), "12.5 µs");
    assert_eq!(format_duration(Duration::from_micros(3_400)), "3.4 ms");
    assert_eq!(format_duration(Duration::from_millis(1_520)), "1.52 s");
    assert_eq!(format_duration(Duration::from_secs(245)), "4m 05s");
    assert_eq!(format_duration(Duration::from_secs(7_380)), "2h 03m");
}

#[test]
fn times_are_written_as_utc_dates() {
    let at = |secs| format_time(UNIX_EPOCH + Duration::from_secs(secs));
    assert_eq!(at(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(at(951_782_400), "2000-02-29 00:00:00 UTC");
    assert_eq!(at(951_868_800), "2000-03-01 00:00:00 UTC");
    assert_eq!(at(1_700_000_000), "2023-11-14 22:13:20 UTC");
    assert_eq!(at(4_107_542_399), "2100-02-28 23:59:59 UTC");
    assert_eq!(at(4_107_542_400), "2100-03-01 00:00:00 UTC");
    assert_eq!(
        format_time(UNIX_EPOCH - Duration::from_secs(1)),
        "before 1970"
    );
    assert_eq!(unix_ms(UNIX_EPOCH + Duration::from_millis(1_234)), 1_234);
}

#[test]
fn hex_and_counts() {
    assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
    assert_eq!(count(1, "entry", "entries"), "1 entry");
    assert_eq!(count(0, "entry", "entries"), "0 entries");
}
