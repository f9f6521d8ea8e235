//! `#[pipeline]` modules: each step depends on the module's items it names, transitively, so
//! an edit reruns exactly the steps that reach the edited item. The modules below are the
//! same pipeline before and after one edit each.

macro_rules! pipeline_version {
    ($name:ident, scale = $scale:literal, unit_label = $label:literal) => {
        #[graphchain::pipeline]
        mod $name {
            use graphchain::delayed;
            use serde::{Deserialize, Serialize};

            const SCALE: f64 = $scale;

            fn scaled(x: f64) -> f64 {
                x * SCALE
            }

            #[derive(Clone, Serialize, Deserialize)]
            pub(crate) struct Record {
                pub(crate) value: f64,
            }

            impl Record {
                fn label(&self) -> String {
                    format!("{}{}", self.value, $label)
                }
            }

            #[delayed]
            pub(crate) fn load(n: u32) -> Vec<f64> {
                (1..=n).map(f64::from).collect()
            }

            #[delayed]
            pub(crate) fn total(xs: &[f64]) -> f64 {
                xs.iter().copied().map(scaled).sum()
            }

            #[delayed]
            pub(crate) fn describe(x: f64) -> String {
                Record { value: x }.label()
            }
        }
    };
}

pipeline_version!(before, scale = 2.0, unit_label = " m");
pipeline_version!(scale_edited, scale = 3.0, unit_label = " m");
pipeline_version!(impl_edited, scale = 2.0, unit_label = " metres");
pipeline_version!(same_again, scale = 2.0, unit_label = " m");

#[test]
fn a_const_edit_reruns_exactly_the_steps_that_reach_it() {
    // `total` reaches SCALE through `scaled`; `load` and `describe` do not.
    assert_ne!(
        before::total(vec![1.0]).key(),
        scale_edited::total(vec![1.0]).key()
    );
    assert_eq!(before::load(3).key(), scale_edited::load(3).key());
    assert_eq!(
        before::describe(1.0).key(),
        scale_edited::describe(1.0).key()
    );
    assert_eq!(
        scale_edited::total(scale_edited::load(2))
            .compute()
            .unwrap(),
        9.0
    );
}

#[test]
fn an_impl_edit_reruns_the_steps_that_use_its_type() {
    assert_ne!(
        before::describe(1.0).key(),
        impl_edited::describe(1.0).key()
    );
    assert_eq!(
        before::total(vec![1.0]).key(),
        impl_edited::total(vec![1.0]).key()
    );
    assert_eq!(before::load(3).key(), impl_edited::load(3).key());
    assert_eq!(impl_edited::describe(2.0).compute().unwrap(), "2 metres");
}

#[test]
fn the_same_items_give_the_same_keys() {
    assert_eq!(
        before::total(vec![1.0]).key(),
        same_again::total(vec![1.0]).key()
    );
    assert_eq!(before::describe(1.0).key(), same_again::describe(1.0).key());
    assert_eq!(before::load(3).key(), same_again::load(3).key());
}

mod shared {
    #[graphchain::track]
    pub(crate) fn offset() -> f64 {
        0.5
    }
}

#[graphchain::pipeline]
mod mixed {
    use graphchain::{delayed, track};

    #[track]
    fn explicit(x: f64) -> f64 {
        x + 1.0
    }

    #[delayed(uses(super::shared::offset), cache = "never")]
    pub(crate) fn step(x: f64) -> f64 {
        explicit(x) + super::shared::offset()
    }
}

#[test]
fn explicit_tracking_and_uses_combine_with_the_module() {
    assert_eq!(mixed::step(1.0).compute().unwrap(), 2.5);
}

/// The same pipeline with a `macro_rules!` helper, before and after an edit of the macro.
#[graphchain::pipeline]
mod macro_before {
    use graphchain::delayed;

    macro_rules! double {
        ($x:expr) => {
            $x * 2
        };
    }

    #[delayed]
    pub(crate) fn doubled(x: u32) -> u32 {
        double!(x)
    }

    #[delayed]
    pub(crate) fn plain(x: u32) -> u32 {
        x + 1
    }
}

#[graphchain::pipeline]
mod macro_edited {
    use graphchain::delayed;

    macro_rules! double {
        ($x:expr) => {
            $x * 3
        };
    }

    #[delayed]
    pub(crate) fn doubled(x: u32) -> u32 {
        double!(x)
    }

    #[delayed]
    pub(crate) fn plain(x: u32) -> u32 {
        x + 1
    }
}

#[test]
fn a_macro_edit_reruns_the_steps_that_call_it() {
    assert_ne!(
        macro_before::doubled(5).key(),
        macro_edited::doubled(5).key()
    );
    assert_eq!(macro_before::plain(5).key(), macro_edited::plain(5).key());
    assert_eq!(macro_edited::doubled(5).compute().unwrap(), 15);
}
