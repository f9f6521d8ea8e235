//! The tests of the `graphchain` command, one behaviour per module (per file), in one test
//! binary so that a build links one executable rather than one per file. Each fills a real cache
//! in a temporary directory by computing `#[delayed]` functions (`common`) and runs the built
//! command on it. A new file here is declared below.

mod common;

mod clear_removes_everything;
mod ls_and_stats_list_what_was_stored;
mod malformed_sizes_and_ages_are_rejected;
mod odd_entries_are_named_and_the_rest_handled;
mod prune_removes_by_size_and_age;
mod remote_caches_by_url;
mod shared_payloads_are_counted_and_collected;
mod show_finds_an_entry_by_key_or_prefix;
mod the_cache_directory_must_exist;
mod verify_finds_corrupt_entries;
