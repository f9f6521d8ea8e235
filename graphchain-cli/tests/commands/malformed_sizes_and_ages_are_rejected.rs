//! A malformed `--max-size` or `--older-than`, or a prune with neither, is a usage error that
//! names the value, and removes nothing.

use crate::common::{fill, graphchain};

#[test]
fn bad_limits_are_named_and_nothing_is_removed() {
    let dir = tempfile::tempdir().unwrap();
    fill(dir.path(), &[1_000]);
    let cases: [(&[&str], &str); 7] = [
        (
            &["--max-size", "5XB"],
            "invalid value '5XB' for '--max-size <SIZE>': unknown size unit `XB`: use B, KB, KiB, \
             MB, MiB, GB, GiB, TB or TiB",
        ),
        (
            &["--max-size", "lots"],
            "invalid value 'lots' for '--max-size <SIZE>': expected a number first",
        ),
        (
            &["--max-size", "1.2.3GB"],
            "invalid value '1.2.3GB' for '--max-size <SIZE>': `1.2.3` is not a number",
        ),
        (
            &["--max-size", "99999999TiB"],
            "invalid value '99999999TiB' for '--max-size <SIZE>': size is too large",
        ),
        (
            &["--older-than", "30"],
            "invalid value '30' for '--older-than <AGE>': missing unit: use s, m, h, d or w (as \
             in `30d`)",
        ),
        (
            &["--older-than", "2y"],
            "invalid value '2y' for '--older-than <AGE>': unknown age unit `y`: use s, m, h, d \
             or w",
        ),
        (
            &["--dry-run"],
            "the following required arguments were not provided:\n  <--max-size <SIZE>|--older-than <AGE>>",
        ),
    ];
    for (args, message) in cases {
        let mut full = vec!["cache", "prune"];
        full.extend(args);
        let run = graphchain(dir.path(), &full);
        assert_eq!(run.status, 2, "{args:?}: {run:#?}");
        assert_eq!(run.stdout, "");
        assert!(
            run.stderr.starts_with(&format!("error: {message}\n")),
            "{args:?}: {}",
            run.stderr
        );
    }
    let stats = graphchain(dir.path(), &["cache", "stats", "--json"])
        .ok()
        .json();
    assert_eq!(stats["entries"], 2);
}
