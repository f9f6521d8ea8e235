//! The integration tests, one behaviour per module (per file), named by the sentence it checks.
//! They are modules of one test binary, so that a build links one executable rather than one per
//! file. Each uses the public API only and its own caches (temporary directories or a
//! `MemoryStore`), so the modules run side by side on the threads of one process; a test that
//! needs a process of its own (an environment variable, a `PATH`, a global subscriber) runs in a
//! child, through `common::child`. A new file here is declared below (`every_file_is_a_module`
//! fails otherwise); one that needs a feature is declared under `#[cfg(feature = …)]`.

mod common;

mod a_cancelled_driver_stops_its_workers;
mod a_cancelled_slurm_run_cancels_its_jobs;
#[cfg(feature = "remote")]
mod a_failing_remote_store_still_returns_results;
mod a_full_disk_leaves_no_partial_entry;
mod a_killed_worker_costs_only_its_task;
mod a_size_budget_prunes_least_recently_used;
mod a_stored_value_is_released_before_its_write;
mod a_worker_with_another_graph_fails_the_task;
mod any_value_round_trips_and_any_damaged_entry_is_recomputed;
#[cfg(feature = "async")]
mod async_results_are_cached;
#[cfg(feature = "async")]
mod async_task_failures_name_the_task;
#[cfg(feature = "async")]
mod async_tasks_in_reports_and_callbacks;
#[cfg(feature = "async")]
mod async_tasks_run_beside_cpu_tasks;
#[cfg(feature = "remote")]
mod bad_remote_locations_are_explained;
mod bookkeeping_is_pruned_with_its_results;
mod cache_housekeeping;
mod cache_if_faster;
mod callbacks_see_every_task;
mod cancelled_runs_start_no_more_tasks;
mod changed_type_is_a_miss;
#[cfg(feature = "async")]
mod compute_async_from_async_code;
mod compute_values;
mod concurrent_processes_compute_each_result_once;
mod concurrent_processes_share_a_cache;
mod corrupt_entries_are_recomputed;
mod early_cutoff_passes_through_built_in_nodes;
mod early_cutoff_spares_dependents;
mod early_cutoff_uses_the_codecs_content_hash;
mod edited_function_recomputes_only_downstream;
mod fail_fast_stops_at_the_first_failure;
mod file_inputs_follow_their_files;
mod graph_inspection;
mod graphs_defined_at_run_time;
mod identical_calls_run_once;
mod identical_results_are_stored_once;
mod impure_calls_are_distinct;
#[cfg(feature = "async")]
mod io_limit_caps_async_tasks_in_flight;
mod keys_are_stable;
#[cfg(feature = "remote")]
mod killed_uploads_leave_no_remote_entry;
mod killed_writers_leave_no_bad_entry;
mod labels_tell_calls_apart;
mod large_results_are_encoded_one_at_a_time;
mod leaves_are_read_without_being_looked_up;
mod leftovers_of_killed_writers_are_removed;
mod loads_record_use_to_the_minute;
mod logs_name_load_compute_store;
mod methods_build_nodes;
mod million_node_chain;
mod newer_entry_formats_are_left_alone;
mod operators_build_nodes;
mod parallel_equals_sequential;
mod payloads_are_checked_before_they_are_decoded;
mod persist_holds_values_in_memory;
mod pipeline_modules_track_their_items;
mod plan_is_a_dry_run;
mod planning_skips_functions_that_store_nothing;
#[cfg(feature = "remote")]
mod processes_racing_on_a_remote_cache;
mod profile_and_chrome_trace;
#[cfg(feature = "progress")]
mod progress_is_forced_by_env;
#[cfg(feature = "remote")]
mod remote_caches_are_warm_on_a_second_machine;
mod reports_explain_why_nodes_ran;
mod rerun_recomputes_only_what_failed;
mod result_aliases_fail_the_task_on_err;
mod results_are_stored_while_the_next_tasks_run;
mod results_left_out_keep_their_readers_found;
mod results_not_stored_are_not_encoded;
mod retries_rerun_transient_failures;
mod runtime_configuration;
mod save_picture_by_extension;
mod save_without_graphviz_names_dot;
mod second_run_loads_only_the_root;
mod second_runs_of_cheap_graphs_load_their_root;
mod signed_caches_reject_forged_entries;
mod skip_lists_bypass_the_cache;
mod slurm_jobs_run_the_graph_on_both_nodes;
mod special_files_in_the_cache_are_not_entries;
mod submitted_runs_end_in_the_background;
mod task_errors_on_workers_read_as_local_ones;
mod task_failures_name_the_task;
mod tasks_blocked_in_another_pool_run_alone;
mod tracked_helpers_are_part_of_the_identity;
mod tuple_results_split;
mod untraceable_results_are_not_cached_and_named_once;
mod unwritable_cache_still_returns_results;
mod upper_case_file_names_are_not_entries;
mod visualize_colours_nodes_by_state;
mod visualize_emits_dot;
mod work_spreads_over_worker_processes;
mod worker_processes_equal_sequential;
mod worker_threads_come_from_the_environment;
mod workers_that_cannot_start_fail_their_tasks;
mod wrapped_functions_build_nodes;
mod write_behind_can_be_turned_off;

/// Every file beside this one is declared above: a file that is not would never be compiled.
#[test]
fn every_file_is_a_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/behaviour");
    let main = include_str!("main.rs");
    for entry in std::fs::read_dir(dir).unwrap() {
        let file = entry.unwrap().file_name().into_string().unwrap();
        if let Some(module) = file.strip_suffix(".rs").filter(|m| *m != "main") {
            assert!(
                main.lines().any(|line| line == format!("mod {module};")),
                "tests/behaviour/{file} is not a module: declare `mod {module};` in main.rs"
            );
        }
    }
}
