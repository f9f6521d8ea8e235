//! Layer 2, graph building: what calling a `#[delayed]` function creates. Nothing here runs a
//! task; nodes, their keys and their bodies are plain data for the layers above.

pub(crate) mod body;
pub(crate) mod builder;
pub(crate) mod content;
pub(crate) mod delayed;
pub(crate) mod delayed_fn;
pub(crate) mod file;
pub(crate) mod input;
pub(crate) mod inspect;
pub(crate) mod node;
pub(crate) mod ops;
pub(crate) mod result;
