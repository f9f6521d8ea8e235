//! A thread's spare vector: a short-lived `Vec` that one use hands back for the thread's next
//! one, so that paths run once per node (a key's buffer, a task's inputs) allocate nothing.

use std::cell::Cell;
use std::thread::LocalKey;

/// A thread's spare `Vec<T>`: empty, or the last one handed back. Declared with
/// `thread_local!` and `const { Cell::new(Vec::new()) }`.
pub(crate) type Spare<T> = LocalKey<Cell<Vec<T>>>;

/// The thread's spare vector, empty, with room for `additional` elements: a new one when
/// another use holds it (a builder opened inside another) or the thread is being torn down.
pub(crate) fn take<T>(spare: &'static Spare<T>, additional: usize) -> Vec<T> {
    let mut vec = spare.try_with(Cell::take).unwrap_or_default();
    vec.clear();
    vec.reserve(additional);
    vec
}

/// Empties `vec`, dropping what it holds, and keeps it as the thread's spare unless it has room
/// for more than `max` elements (a rare large one is freed rather than held) or none at all:
/// the empty vector that `mem::take` leaves in a use's place must not replace the spare.
pub(crate) fn give<T>(spare: &'static Spare<T>, mut vec: Vec<T>, max: usize) {
    if vec.capacity() == 0 || vec.capacity() > max {
        return;
    }
    vec.clear();
    // A thread being torn down frees it instead.
    let _ = spare.try_with(|slot| slot.set(vec));
}
