//! Loading an entry from a local store records its use (its file's modification time, which
//! least-recently-used pruning goes by) only when the use recorded is a minute old or more: a
//! write to the file system spared on most loads of a warm cache.

use std::time::{Duration, SystemTime};

use graphchain::{LocalStore, Runtime, Status, delayed};

#[delayed(cache = "always")]
fn answer(x: u64) -> u64 {
    x + 40
}

fn set_used(path: &std::path::Path, ago: Duration) -> SystemTime {
    let time = SystemTime::now() - ago;
    std::fs::File::options()
        .append(true)
        .open(path)
        .unwrap()
        .set_modified(time)
        .unwrap();
    time
}

fn used(path: &std::path::Path) -> SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn a_use_is_recorded_when_the_last_one_is_a_minute_old() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    assert_eq!(rt.compute(&answer(2)).unwrap(), 42);
    let path = LocalStore::new(dir.path()).entry_path(answer(2).key());

    let two_hours_ago = set_used(&path, Duration::from_secs(7200));
    let (value, report) = rt.compute_with_report(&answer(2)).unwrap();
    assert_eq!((value, report.nodes()[0].status()), (42, Status::Loaded));
    let now = used(&path);
    assert!(
        now > two_hours_ago + Duration::from_secs(7000),
        "an old use is brought up to date: {now:?}"
    );

    let recently = set_used(&path, Duration::from_secs(20));
    let (value, report) = rt.compute_with_report(&answer(2)).unwrap();
    assert_eq!((value, report.nodes()[0].status()), (42, Status::Loaded));
    assert_eq!(used(&path), recently, "a use 20 s ago is left as it is");
}
