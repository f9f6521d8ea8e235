//! The harnesses that write a real program depending on graphchain, build it with cargo, edit it
//! and build and run it again on the same cache. They are a binary apart from `tests/behaviour`
//! because each build is slow and uses every core (`cargo test --test behaviour` skips them);
//! the programs share one target directory in `CARGO_TARGET_TMPDIR`, so their dependencies
//! compile once.

mod source_edits_rerun_exactly_what_they_reach;
mod type_edits_are_misses_never_wrong_values;
