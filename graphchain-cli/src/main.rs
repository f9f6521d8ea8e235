//! The `graphchain` command: inspect and clean the cache that graphchain programs write.
//!
//! `graphchain cache ls|stats|show|prune|verify|clear`, on the cache given on the command line
//! (`--url`, an `s3://`, `gs://` or `az://` URL or a directory, or `--dir`), else by the
//! environment (`GRAPHCHAIN_CACHE`, then `GRAPHCHAIN_CACHE_DIR`), else `./__graphchain_cache__`.
//! Every listing has a `--json` form for scripts; `--help` documents the fields.

#![deny(missing_docs)]

mod commands;
mod output;
mod units;

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::parser::ValueSource;
use clap::{ArgGroup, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use graphchain_core::{CACHE_DIR_ENV, CACHE_ENV, DEFAULT_CACHE_DIR};

/// Exit status when bad entries were found: `cache verify` found some, or an entry could not be
/// read or removed (the others were listed, counted or removed all the same).
const EXIT_BAD_ENTRIES: u8 = 1;
/// Exit status on any error (clap uses it for usage errors too).
const EXIT_ERROR: u8 = 2;

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  success
  1  bad entries: `cache verify` found some, or an entry could not be read or removed (each is
     named on stderr; every other entry was listed, counted or removed all the same)
  2  an error: a bad argument, a missing cache directory, an unknown key, a directory that
     cannot be listed, a cache URL that cannot be used (no bucket, refused credentials)";

const JSON_HELP: &str = "\
JSON output (--json) is for scripts; these field names are stable.
An entry (`ls` lists them, `show` prints one, `prune` lists the removed ones under \"removed\"):
  key                64 hex digits
  function           name of the function that computed it, or null if the header is unreadable
  codec              codec that encoded the value, or null
  size_bytes         size of the entry on disk
  created_unix_ms    when it was written (ms since 1970, UTC), or null
  last_used_unix_ms  when it was last written or loaded (what prune goes by)
  compute_time_ns    how long computing the value took, or null
  type_fingerprint   hex fingerprint of the value's type, or null
  payload_bytes      length of the encoded value, or null
  payload_blake3     hex blake3 checksum of the encoded value that the header records, or null
  shared_payload     key of the shared payload object holding the encoded value when it is
                     stored apart (large values, stored once for every entry that has them), or null
  header_error       why the header cannot be read, or null
  read_error         why the entry cannot be read at all (not a regular file, say), or null
`stats`:  {entries, bytes, functions: [{function, entries, bytes}], bookkeeping_entries,
           bookkeeping_bytes, payloads, payload_bytes, unreadable} (\"?\" names unreadable
           headers; bookkeeping entries are graphchain's own records, and payloads the shared
           payload objects large values are stored in, both counted apart: bytes is the
           entries' own size, and the size the text prints is bytes + payload_bytes; a
           function's bytes include the payloads its entries point to, each once)
`verify`: {checked, bad: [{key, function, size_bytes, reason}], removed, failed: [{key, reason}]}
           (failed: bad entries --remove could not remove)
`prune`:  {dry_run, removed: [entry], freed_bytes, kept_entries, kept_bytes, bookkeeping_removed,
           payloads_removed, leftovers_removed, failed: [{key, reason}]} (freed_bytes counts the
           shared payloads no kept entry points to any more)";

/// Inspect and clean graphchain caches.
#[derive(Debug, Parser)]
#[command(name = "graphchain", version, after_help = EXIT_STATUS_HELP)]
struct Cli {
    /// The cache directory.
    #[arg(
        long,
        global = true,
        value_name = "DIR",
        env = CACHE_DIR_ENV,
        default_value = DEFAULT_CACHE_DIR
    )]
    dir: PathBuf,
    /// The cache by URL: s3://bucket/prefix, gs://bucket/prefix, az://container/prefix
    /// (credentials, region and endpoint from AWS_*, GOOGLE_*, AZURE_*), file:///path or a
    /// directory. From the environment, it is used instead of the directory unless --dir is
    /// given.
    #[arg(long, global = true, value_name = "URL", env = CACHE_ENV)]
    url: Option<String>,
    #[command(subcommand)]
    command: Command,
    /// Which of `--dir` and `--url` the command line gave (not the environment or the default).
    #[arg(skip)]
    given: Given,
}

/// The cache options given on the command line itself.
#[derive(Debug, Default, Clone, Copy)]
struct Given {
    dir: bool,
    url: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List, check and clean the entries of a cache directory.
    #[command(subcommand, after_help = JSON_HELP)]
    Cache(CacheCommand),
}

/// The `cache` subcommands.
#[derive(Debug, Subcommand)]
enum CacheCommand {
    /// List the entries: short key, function, size, last use, compute time.
    Ls(LsArgs),
    /// Count entries and bytes, in all and per function.
    Stats(JsonFlag),
    /// Print everything an entry's header says.
    Show(ShowArgs),
    /// Remove entries unused for a time, or the least recently used beyond a size.
    #[command(group(ArgGroup::new("limit").required(true).multiple(true)))]
    Prune(PruneArgs),
    /// Check every entry's checksums and report the bad ones; exits with 1 if there are any.
    #[command(
        after_help = "Exit status: 0 if every entry is good, 1 if any is bad (even when \
                            --remove removed it), 2 on an error."
    )]
    Verify(VerifyArgs),
    /// Remove every entry (and leftovers of interrupted writes); what cannot be removed is
    /// named, and the rest removed all the same.
    Clear,
}

#[derive(Debug, Args)]
struct JsonFlag {
    /// Print JSON (fields under `graphchain cache --help`).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct LsArgs {
    /// Order by function name (then key), by size (largest first) or by age (most recently
    /// used first).
    #[arg(long, value_enum, default_value_t = SortKey::Name)]
    sort: SortKey,
    /// Reverse the order.
    #[arg(long, short)]
    reverse: bool,
    #[command(flatten)]
    format: JsonFlag,
}

/// What `ls` orders entries by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum SortKey {
    Name,
    Size,
    Age,
}

#[derive(Debug, Args)]
struct ShowArgs {
    /// The entry's key: all 64 hex digits, or a prefix of at least 4 that only it has.
    #[arg(value_name = "KEY", value_parser = parse_key_prefix)]
    key: String,
    #[command(flatten)]
    format: JsonFlag,
}

#[derive(Debug, Args)]
struct PruneArgs {
    /// Keep the most recently used entries that fit in SIZE and remove the rest. Units: B, KB,
    /// KiB, MB, MiB, GB, GiB, TB, TiB; decimals allowed (1.5GiB).
    #[arg(long, value_name = "SIZE", value_parser = units::parse_size, group = "limit")]
    max_size: Option<u64>,
    /// Remove entries not used for AGE or longer (applied before --max-size). Units: s, m, h,
    /// d, w; decimals allowed (1.5d).
    #[arg(long, value_name = "AGE", value_parser = units::parse_age, group = "limit")]
    older_than: Option<Duration>,
    /// Only print what would be removed.
    #[arg(long)]
    dry_run: bool,
    #[command(flatten)]
    format: JsonFlag,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    /// Remove the bad entries.
    #[arg(long)]
    remove: bool,
    #[command(flatten)]
    format: JsonFlag,
}

/// Checks a key or key prefix: 4 to 64 hex digits, returned in lower case.
fn parse_key_prefix(text: &str) -> Result<String, String> {
    if !(4..=64).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("expected a key: 4 to 64 hex digits".to_owned());
    }
    Ok(text.to_ascii_lowercase())
}

/// Why a command failed.
#[derive(Debug)]
enum Failure {
    /// A message for the user.
    Message(String),
    /// The cache could not be read or written.
    Cache(graphchain_core::Error),
    /// Standard output could not be written.
    Output(io::Error),
}

impl From<graphchain_core::Error> for Failure {
    fn from(e: graphchain_core::Error) -> Self {
        Failure::Cache(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Output(e)
    }
}

impl From<serde_json::Error> for Failure {
    fn from(e: serde_json::Error) -> Self {
        Failure::Output(e.into())
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let error: &dyn std::error::Error = match self {
            Failure::Message(message) => return f.write_str(message),
            Failure::Cache(e) => e,
            Failure::Output(e) => {
                f.write_str("cannot write the output: ")?;
                e
            }
        };
        // The whole chain: "cannot list the cache at DIR: permission denied".
        write!(f, "{error}")?;
        let mut source = error.source();
        while let Some(e) = source {
            write!(f, ": {e}")?;
            source = e.source();
        }
        Ok(())
    }
}

/// The command line, with which cache options it gave itself.
fn parse() -> Cli {
    let matches = Cli::command().get_matches();
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let on_command_line = |id| matches.value_source(id) == Some(ValueSource::CommandLine);
    cli.given = Given {
        dir: on_command_line("dir"),
        url: on_command_line("url"),
    };
    cli
}

fn main() -> ExitCode {
    let cli = parse();
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = commands::run(&cli, &mut out).and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    match result {
        Ok(status) => status,
        // `graphchain cache ls | head`: the reader has what it wanted.
        Err(Failure::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {failure}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn key_prefixes_are_4_to_64_hex_digits() {
        assert_eq!(parse_key_prefix("ABcd"), Ok("abcd".to_owned()));
        assert!(parse_key_prefix(&"f".repeat(64)).is_ok());
        assert!(parse_key_prefix("abc").is_err());
        assert!(parse_key_prefix(&"f".repeat(65)).is_err());
        assert!(parse_key_prefix("abcg").is_err());
    }
}
