//! Unit tests of file inputs: stamps, errors naming the path, and re-keying on refresh.

use super::*;
use crate::graph::input::collect;

fn write(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
}

#[test]
fn a_missing_file_or_an_empty_match_names_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let err = stamp(&Source::File(missing.clone()), FileStamp::SizeAndTime).unwrap_err();
    assert_eq!(err, format!("file `{}` does not exist", missing.display()));
    let pattern = format!("{}/*.csv", dir.path().display());
    let err = stamp(&Source::Glob(pattern.clone()), FileStamp::Content).unwrap_err();
    assert_eq!(err, format!("no file matches `{pattern}`"));
    let err = stamp(&Source::Glob("[".to_owned()), FileStamp::Content).unwrap_err();
    assert!(err.starts_with("`[` is not a valid file pattern"), "{err}");
    let err = stamp(&Source::File(dir.path().to_owned()), FileStamp::Content).unwrap_err();
    assert!(err.ends_with("is not a file"), "{err}");
}

#[test]
fn keys_follow_the_stamp() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.csv");
    write(&path, "1");
    let by_content = file_with(&path, FileStamp::Content).key();
    let by_time = file(&path).key();
    assert_ne!(by_content, by_time);
    assert_eq!(file(&path).key(), by_time);
    write(&path, "22");
    assert_ne!(file(&path).key(), by_time, "size changed");
    write(&path, "1");
    assert_eq!(file_with(&path, FileStamp::Content).key(), by_content);
}

#[test]
fn refresh_rekeys_what_depends_on_a_changed_file_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    write(&a, "1");
    write(&b, "1");
    let both = collect(vec![file(&a), file(&b)]);
    let only_b = collect(vec![file(&b)]);
    assert!(refresh(&[both.node(), only_b.node()]).is_none());

    write(&a, "333");
    let fresh = refresh(&[both.node(), only_b.node()]).expect("a changed");
    assert_eq!(fresh[0].key, collect(vec![file(&a), file(&b)]).key());
    assert_ne!(fresh[0].key, both.key());
    // Unchanged below: the same node.
    assert!(Arc::ptr_eq(&fresh[1], only_b.node()));
}
