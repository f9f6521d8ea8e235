//! A result stored for one definition of a type is never returned for another: two functions
//! with identical tokens return differently defined types, so their keys differ (the type's
//! serde structure is part of the key) and the second run computes instead of misdecoding. Each
//! entry also records the type's fingerprint, checked on every load (see `entry.rs`).

use graphchain::{Runtime, Status};

mod v1 {
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub(crate) struct Point {
        pub(crate) x: u32,
        pub(crate) y: u32,
    }

    #[graphchain::delayed(cache = "always")]
    pub(crate) fn make() -> Point {
        Point { x: 1, y: 2 }
    }
}

mod v2 {
    // Same fields, other order: postcard would decode v1's bytes into a swapped point.
    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    pub(crate) struct Point {
        pub(crate) y: u32,
        pub(crate) x: u32,
    }

    #[graphchain::delayed(cache = "always")]
    pub(crate) fn make() -> Point {
        Point { x: 1, y: 2 }
    }
}

#[test]
fn changed_type_is_a_miss_never_a_misdecode() {
    assert_ne!(
        v1::make().key(),
        v2::make().key(),
        "the tokens are the same, the types are not"
    );
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    assert_eq!(rt.compute(&v1::make()).unwrap(), v1::Point { x: 1, y: 2 });
    let (value, report) = rt.compute_with_report(&v2::make()).unwrap();
    assert_eq!(value, v2::Point { x: 1, y: 2 });
    assert_eq!(report.nodes()[0].status(), Status::Computed);
    assert_eq!(report.discarded(), &[]);
    // Both results are kept: going back to v1 loads its own.
    let (value, report) = rt.compute_with_report(&v1::make()).unwrap();
    assert_eq!(value, v1::Point { x: 1, y: 2 });
    assert_eq!(report.nodes()[0].status(), Status::Loaded);
}

/// Never stored and generic in what it returns: known by its type's name, as nothing bounds
/// `T` by serde. (A type edited between two builds: `tests/rebuilds`.)
#[graphchain::delayed(cache = "never")]
fn passed<T: Clone + Send + Sync + 'static>(x: T) -> T {
    x
}

#[test]
fn a_generic_step_never_stored_builds_and_runs() {
    assert_eq!(passed(3u32).compute().unwrap(), 3);
    assert_eq!(passed("x".to_owned()).compute().unwrap(), "x");
}
