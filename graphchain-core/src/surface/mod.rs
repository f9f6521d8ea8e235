//! Layer 4, the surface: the runtime users configure and call, and what they look at after a
//! run (pictures, profiles, the progress bar), plus graphs defined at run time.

pub(crate) mod budget;
pub(crate) mod builder;
#[cfg(feature = "async")]
mod compute_async;
pub(crate) mod dot;
pub(crate) mod dynamic;
pub(crate) mod futures;
mod global;
pub(crate) mod outputs;
pub(crate) mod profile;
#[cfg(feature = "progress")]
pub(crate) mod progress;
pub(crate) mod runtime;
mod switch;
