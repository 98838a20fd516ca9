//! The anytable conformance suite: the same cases, with the same expectations, on every backend.
//!
//! Every case is a public function taking a fresh, empty [`TestDb`], grouped in [`cases`] by
//! what it proves: `crud`, `types`, `semantics` (one meaning for what engines disagree on:
//! LIKE, collation, NULL order, the clock, huge lists), `errors`, `schema`, `transactions`, `concurrency` (many
//! threads), `processes` (real child processes, including one killed with SIGKILL inside a
//! transaction) and `async_api` (the async API on a multi-threaded runtime, many tasks at
//! once). Sizes come from [`params`] so a stress run is the same cases with bigger numbers.
//!
//! # Expectations come from capabilities
//! A backend declares what it can do in [`Capabilities`](anytable::Capabilities). Where it
//! declares a feature missing, the case asserts the documented behaviour instead (the exact
//! error, or waiting where it says readers wait) and records why with [`TestDb::restricted`]; a
//! backend that starts doing what it claims it cannot fails the case, so the declaration stays
//! true. Nothing is skipped silently: `cargo test` prints a `note: ... ran restricted: why` line
//! for each such case, and the runner shows them in its table.
//!
//! # Running the suite against a database URL
//! ```text
//! cargo run -p anytable-conformance --all-features -- [--markdown FILE] [--json FILE] \
//!     [--threads N] [--rows N] [--processes N] [--scale N] [--only TEXT] [--case-timeout S] URL...
//! cargo run -p anytable-conformance --all-features -- --list
//! ```
//! prints one line per case and URL (`pass`, `restricted` with the reason, or `FAIL` with the
//! message), measurements such as rows/s and retries, and the counts per backend; it exits
//! non-zero if any case failed (2 for bad arguments, `--only` matching no case included; a case
//! still running after `--case-timeout` seconds, default 600, fails and the run goes on).
//! `--help` describes every flag; the sizes also come from `ANYTABLE_CONFORMANCE_THREADS` and
//! its siblings. Each case gets a fresh database like the URL's: a new file in a
//! new directory next to a file URL's, the same `::memory:` URL, or a new schema on a Postgres
//! server (dropped afterwards). `--markdown` writes the support matrix (capabilities and cases ×
//! backends) that `docs/support-matrix.md` holds; `scripts/test` regenerates it on every run and
//! fails when the committed file differs.
//!
//! # Running the suite on a third-party backend
//! 1. Implement [`Backend`](anytable::backend::Backend) and [`Connection`](anytable::backend::Connection) in your
//!    crate, with honest [`Capabilities`](anytable::Capabilities).
//! 2. Write a fixture: a function returning a [`TestDb`] for a fresh, empty database of yours,
//!    for example `TestDb::from_database(url, Database::from_backend(MyBackend::open(..)?), None)`
//!    (use [`TestDb::with_cleanup`] to drop whatever the test created on a server).
//! 3. In a test file (`tests/conformance.rs`), stamp out every case and the worker entry that
//!    the multi-process cases re-execute the test binary into:
//!
//! ```text
//! anytable_conformance::conformance_tests!(my_backend, my_crate::fixtures::fresh);
//! anytable_conformance::worker_entry!();
//! ```
//!
//! Worker processes open the database by URL (`Database::open`), so the multi-process cases
//! need a backend that `Database::open` knows; others declare `multi_process_writers: false`.
//! The in-repo backends are the working examples: `tests/sqlite.rs`, `tests/duckdb.rs` and
//! `tests/postgres.rs` in this crate, with their fixtures in [`fixtures`].
#![warn(missing_docs)]

pub mod cases;
pub mod faults;
pub mod fixtures;
pub mod fuzz;
pub mod matrix;
pub mod params;
pub mod records;
pub mod runner;

pub use fixtures::TestDb;
#[doc(hidden)]
pub use paste;
pub use runner::{cases, run_case, Case, Outcome};

/// What a case returns: any error fails the test with its message.
pub type CaseResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Fails a case with a message (like `assert!`, but as an error so cleanup still runs).
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(format!($($msg)+).into());
        }
    };
}

/// Stamps out every case as `#[test] fn <case>_on_<backend>()` using `fresh` to make databases.
#[macro_export]
macro_rules! conformance_tests {
    ($backend:ident, $fresh:expr) => {
        $crate::for_each_case!($crate::__stamp_cases, $backend, $fresh);
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __stamp_cases {
    ($backend:ident, $fresh:expr, $($module:ident :: $case:ident),* $(,)?) => {
        $crate::paste::paste! {
            $(
                #[test]
                fn [<$case _on_ $backend>]() {
                    let db = ($fresh)();
                    let result = $crate::cases::$module::$case(&db);
                    $crate::runner::report_restrictions(
                        concat!(stringify!($case), " on ", stringify!($backend)),
                        &db,
                    );
                    if let Err(e) = result {
                        panic!("{} on {}: {e}", stringify!($case), stringify!($backend));
                    }
                }
            )*
        }
    };
}

/// Adds the entry point that worker processes of the multi-process cases run; invoke it once
/// per test binary that uses [`conformance_tests!`]. It is a no-op in a normal test run.
#[macro_export]
macro_rules! worker_entry {
    () => {
        /// Not a case: where worker processes of the multi-process cases start.
        #[test]
        fn anytable_worker_entry() {
            $crate::cases::processes::worker_entry();
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __push_cases {
    ($list:ident, $($module:ident :: $case:ident),* $(,)?) => {
        $list.extend([$($crate::runner::Case {
            group: stringify!($module),
            name: stringify!($case),
            run: $crate::cases::$module::$case,
        }),*]);
    };
}

/// Calls `$m!(args..., module::case, ...)` with every case of the suite.
#[macro_export]
macro_rules! for_each_case {
    ($m:path, $($args:tt)*) => {
        $m!(
            $($args)*,
            crud::insert_fills_generated_fields,
            crud::get_by_id,
            crud::select_filters,
            crud::order_limit_offset,
            crud::count_and_head,
            crud::update_by_filter,
            crud::delete_by_filter,
            crud::upsert_do_nothing_and_update,
            crud::streaming_iter_and_for_each,
            crud::early_stops_leave_the_connection_usable,
            crud::insert_many_of_one_record,
            crud::insert_many_iterator_may_read_the_database,
            crud::table_trait_object,
            types::round_trip_every_type,
            types::bulk_and_single_inserts_read_back_identical,
            types::nan_and_infinity,
            types::far_dates_and_leap_seconds_are_refused,
            types::negative_zero_and_nan_in_filters,
            types::nul_characters_are_refused,
            types::narrow_and_unsigned_integers_and_f32,
            types::enums_typed_json_and_custom_types,
            types::datetimes_and_times_of_day,
            types::time_crate_types_are_stored_as_chronos,
            types::decimals_are_exact_at_their_scale,
            types::new_types_verify_when_reopened,
            arrow::batches_carry_every_type_and_round_trip,
            arrow::large_results_stream_in_batches,
            arrow::insert_arrow_checks_columns_types_and_values,
            arrow::insert_arrow_reads_other_producers_types,
            arrow::insert_arrow_refuses_what_the_record_cannot_read,
            arrow::pretty_prints_the_first_rows,
            arrow::parquet_files_round_trip,
            arrow::projections_as_batches,
            arrow::empty_results_keep_their_schema,
            arrow::decimals_at_every_scale_leave_exactly,
            arrow::insert_arrow_refuses_integers_a_float_cannot_hold,
            arrow::write_parquet_follows_no_planted_link,
            arrow::arrow_batches_of_any_size,
            semantics::like_is_case_sensitive_with_one_escape,
            semantics::ilike_ignores_case_in_every_script,
            semantics::text_sorts_and_compares_by_code_point,
            semantics::nulls_sort_last_ascending_and_first_descending,
            semantics::database_timestamps_are_per_statement_microseconds,
            semantics::huge_in_lists_work,
            sameness::bare_nulls_read_as_none,
            sameness::sub_microsecond_filter_values_compare_exactly,
            sameness::an_update_sets_each_column_once,
            sameness::json_documents_have_no_order,
            sameness::json_reads_back_as_written,
            sameness::sums_past_i64_fail_only_where_read,
            sameness::the_same_mistake_is_the_same_error,
            sameness::raw_sql_is_one_plain_statement,
            sameness::widest_decimals_read_back,
            sameness::kept_ids_continue_from_the_largest,
            sameness::a_time_of_24_hours_is_refused_when_read,
            sameness::float_sums_agree_within_their_bound,
            sameness::execute_counts_the_rows_a_query_returns,
            sameness::updates_of_referenced_rows,
            sameness::typed_raw_reads_follow_one_rule,
            sameness::narrow_adopted_integers_hold_only_their_range,
            errors::unique_violation,
            errors::not_null_violation,
            errors::check_violation,
            errors::foreign_key_violation,
            errors::error_aborts_transaction_and_connection_recovers,
            errors::delete_all_needs_its_own_call,
            errors::write_contention,
            errors::type_mismatch_is_reported,
            errors::unsupported_operation,
            errors::unreachable_database_is_a_clear_error,
            errors::delete_guard_sees_through_simplification,
            errors::deep_filters_are_refused_not_overflowed,
            errors::long_values_in_indexed_columns,
            errors::careless_urls_are_refused,
            errors::a_dry_pool_is_a_retryable_timeout,
            queries::aggregates_on_edge_data,
            queries::integer_sums_near_overflow,
            queries::group_by_with_having_and_order,
            queries::projections_and_distinct,
            queries::joins_through_foreign_keys,
            queries::typed_raw_sql_with_portable_placeholders,
            queries::question_marks_follow_the_engines_lexical_rules,
            migrations::additive_columns_and_indexes,
            migrations::lossy_changes_are_refused_with_their_sql,
            migrations::unique_constraints_need_unique_data,
            migrations::concurrent_migrations_all_succeed,
            migrations::processes_migrate_at_once,
            migrations::migrate_inside_a_transaction,
            migrations::copy_between_backends_keeps_ids,
            migrations::ids_continue_after_a_huge_copied_id,
            migrations::adopt_a_table_with_extra_columns,
            migrations::enum_variants_are_compared_and_widened,
            migrations::added_unique_constraints_do_not_collide,
            schema::reopen_verifies_existing_table,
            schema::mismatch_lists_every_difference,
            schema::indexes_and_unique_constraints_exist,
            schema::quotes_and_keywords_in_names_and_values,
            schema::generated_index_names_do_not_collide,
            schema::expression_indexes_are_left_alone,
            transactions::commit_on_ok,
            transactions::rollback_on_err,
            transactions::rollback_on_panic,
            transactions::uncommitted_rows_are_invisible,
            transactions::ddl_follows_the_transaction,
            transactions::connections_never_return_inside_a_transaction,
            transactions::iter_reads_inside_a_transaction,
            transactions::limited_reads_in_a_transaction_after_deletes,
            transactions::a_commit_with_an_unknown_outcome_is_not_rerun,
            timeouts::a_call_past_its_timeout_is_stopped,
            timeouts::an_async_call_is_stopped_by_its_timeout_or_a_dropped_future,
            timeouts::a_dropped_insert_waiting_for_a_lock_writes_nothing,
            replicas::reads_go_to_a_replica_and_writes_to_the_primary,
            concurrency::writers_and_readers_threads,
            concurrency::readers_never_see_partial_transactions,
            concurrency::duckdb_seed_threads,
            concurrency::concurrent_increments_with_retry,
            processes::doctable_seed_processes,
            processes::processes_increment_one_counter,
            processes::processes_write_while_others_read,
            processes::killed_process_leaves_no_partial_rows,
            async_api::async_crud,
            async_api::async_streams,
            async_api::async_queries,
            async_api::async_transactions,
            async_api::async_many_tasks_write_and_read,
            async_api::async_seed_tasks_and_increments,
            async_api::async_arrow_and_parquet,
            async_api::sync_calls_inside_a_runtime_work,
            async_api::thousand_tasks_share_the_pool,
        );
    };
}
