//! `#[track]` and `uses(…)`: a helper's code is part of the identity of the steps that use it,
//! transitively, so an edited helper gives those steps new keys — and an unedited one doesn't.
//!
//! The modules below are the same program before and after an edit: `step` has the same
//! tokens in each, only its helpers differ.

use graphchain::{Runtime, Status, delayed, track};

mod before {
    use super::*;

    #[track]
    pub(crate) fn inner(x: u32) -> u32 {
        x + 1
    }

    #[track(uses(inner))]
    pub(crate) fn helper(x: u32) -> u32 {
        inner(x) * 2
    }

    #[delayed(uses(helper))]
    pub(crate) fn step(x: u32) -> u32 {
        helper(x)
    }

    #[delayed]
    pub(crate) fn untracked(x: u32) -> u32 {
        helper(x)
    }

    #[delayed(cache = "always", uses(helper))]
    pub(crate) fn stored(x: u32) -> u32 {
        helper(x)
    }
}

/// `inner` edited: `step` uses it only through `helper`.
mod inner_edited {
    use super::*;

    #[track]
    pub(crate) fn inner(x: u32) -> u32 {
        x + 2
    }

    #[track(uses(inner))]
    pub(crate) fn helper(x: u32) -> u32 {
        inner(x) * 2
    }

    #[delayed(uses(helper))]
    pub(crate) fn step(x: u32) -> u32 {
        helper(x)
    }

    #[delayed]
    pub(crate) fn untracked(x: u32) -> u32 {
        helper(x)
    }

    #[delayed(cache = "always", uses(helper))]
    pub(crate) fn stored(x: u32) -> u32 {
        helper(x)
    }
}

/// Only reformatted and commented: the same tokens.
mod reformatted {
    use super::*;

    /// Adds one.
    #[track]
    pub(crate) fn inner(x: u32) -> u32 {
        // the same code
        x + 1
    }

    #[track(uses(inner))]
    pub(crate) fn helper(x: u32) -> u32 {
        inner(x) * 2
    }

    #[delayed(uses(helper))]
    pub(crate) fn step(x: u32) -> u32 {
        helper(x)
    }
}

/// Helpers that call each other.
mod mutual {
    use super::*;

    #[track(uses(odd))]
    pub(crate) fn even(n: u32) -> bool {
        n == 0 || odd(n - 1)
    }

    #[track(uses(even))]
    pub(crate) fn odd(n: u32) -> bool {
        n != 0 && even(n - 1)
    }

    #[delayed(uses(even))]
    pub(crate) fn parity(n: u32) -> bool {
        even(n)
    }
}

#[test]
fn an_edited_helper_changes_the_key_of_the_steps_that_use_it() {
    assert_ne!(before::step(1).key(), inner_edited::step(1).key());
    assert_eq!(before::step(1).compute().unwrap(), 4);
    assert_eq!(inner_edited::step(1).compute().unwrap(), 6);
}

#[test]
fn formatting_and_comments_in_a_helper_change_nothing() {
    assert_eq!(before::step(1).key(), reformatted::step(1).key());
}

#[test]
fn a_helper_not_named_in_uses_is_not_tracked() {
    // The documented hole: `untracked` calls `helper` without naming it.
    assert_eq!(before::untracked(1).key(), inner_edited::untracked(1).key());
}

#[test]
fn helpers_may_use_each_other_in_a_cycle() {
    assert!(mutual::parity(10).compute().unwrap());
    assert!(!mutual::parity(7).compute().unwrap());
    assert_eq!(mutual::parity(3).key(), mutual::parity(3).key());
}

#[test]
fn a_stored_result_is_not_loaded_after_its_helper_is_edited() {
    let dir = tempfile::tempdir().unwrap();
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    assert_eq!(rt.compute(&before::stored(5)).unwrap(), 12);
    let (_, report) = rt.compute_with_report(&before::stored(5)).unwrap();
    assert_eq!(report.count(Status::Loaded), 1, "stored by the first run");
    // The program after the edit: the step's tokens are the same, its helper's are not.
    let (value, report) = rt.compute_with_report(&inner_edited::stored(5)).unwrap();
    assert_eq!(value, 14, "never the stale 12");
    assert_eq!(report.count(Status::Loaded), 0);
    assert_eq!(report.count(Status::Computed), 1);
}
