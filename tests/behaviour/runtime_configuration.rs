//! Runtime configuration: threads, scheduler and cache directory, and clear errors for bad values.

use graphchain::{DEFAULT_CACHE_DIR, Error, Runtime, Scheduler};

#[test]
fn builder_settings_are_kept() {
    let rt = Runtime::builder()
        .threads(3)
        .cache_dir("/tmp/graphchain-test-cache")
        .scheduler(Scheduler::Sequential)
        .build()
        .unwrap();
    assert_eq!(rt.threads(), 3);
    assert_eq!(rt.scheduler(), Scheduler::Sequential);
    assert_eq!(
        rt.cache_dir(),
        std::path::Path::new("/tmp/graphchain-test-cache")
    );
}

#[test]
fn zero_threads_is_a_clear_error() {
    let err = Runtime::builder().threads(0).build().unwrap_err();
    assert!(matches!(err, Error::Config(_)));
    assert!(
        err.to_string().contains("`threads` must be at least 1"),
        "{err}"
    );
}

#[test]
fn empty_cache_dir_is_a_clear_error() {
    let err = Runtime::builder().cache_dir("").build().unwrap_err();
    assert!(err.to_string().contains("`cache_dir`"), "{err}");
}

#[test]
fn default_cache_dir_follows_the_environment() {
    // Reads the variable as the process was started; nothing here sets it.
    let expected = match std::env::var_os("GRAPHCHAIN_CACHE_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => std::path::PathBuf::from(dir),
        None => std::path::PathBuf::from(DEFAULT_CACHE_DIR),
    };
    assert_eq!(Runtime::builder().build().unwrap().cache_dir(), expected);
}
