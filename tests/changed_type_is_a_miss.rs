//! An entry written for one type is never decoded as another: two functions with identical
//! tokens (so the same key) return differently defined types, and the second run recomputes.

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
    assert_eq!(
        v1::make().key(),
        v2::make().key(),
        "the tokens are the same"
    );
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    assert_eq!(rt.compute(&v1::make()).unwrap(), v1::Point { x: 1, y: 2 });
    let (value, report) = rt.compute_with_report(&v2::make()).unwrap();
    assert_eq!(value, v2::Point { x: 1, y: 2 });
    assert_eq!(report.nodes()[0].status(), Status::Computed);
    assert!(report.discarded()[0].1.contains("another type"), "{report}");
    // And back: the entry now holds v2, so v1 recomputes too.
    let (value, report) = rt.compute_with_report(&v1::make()).unwrap();
    assert_eq!(value, v1::Point { x: 1, y: 2 });
    assert_eq!(report.discarded().len(), 1);
}
