//! The `cache` subcommands, on a `Cache` opened on an existing directory or a URL.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use graphchain_core::{CACHE_KEY_ENV, Cache, EntryInfo, Key};

use crate::output::{
    BadJson, EntryJson, FailedJson, FunctionJson, PruneJson, StatsJson, Table, VerifyJson,
    write_json,
};
use crate::units::{age_of, count, format_age, format_duration, format_size, format_time, hex};
use crate::{
    CacheCommand, Cli, Command, EXIT_BAD_ENTRIES, Failure, LsArgs, PruneArgs, ShowArgs, SortKey,
    VerifyArgs,
};

/// Runs the command `cli` names, printing to `out`; the exit status on success.
pub(crate) fn run(cli: &Cli, out: &mut dyn Write) -> Result<ExitCode, Failure> {
    let Command::Cache(command) = &cli.command;
    if cli.given.dir && cli.given.url {
        return Err(Failure::Message(
            "--dir and --url both name a cache: give one of them".to_owned(),
        ));
    }
    // The command line wins over the environment, and a URL over a directory within each.
    let url = cli.url.as_ref().filter(|_| cli.given.url || !cli.given.dir);
    let (cache, location) = match url {
        Some(url) => (open_url(url)?, url.clone()),
        None => (
            open(&cli.dir, "--dir or GRAPHCHAIN_CACHE_DIR")?,
            cli.dir.display().to_string(),
        ),
    };
    // A signed cache is read with its key, as programs read it.
    let cache = match std::env::var_os(CACHE_KEY_ENV).filter(|v| !v.is_empty()) {
        Some(secret) => cache.with_key(secret.as_encoded_bytes()),
        None => cache,
    };
    let dir = location.as_str();
    let problems = match command {
        CacheCommand::Ls(args) => ls(&cache, dir, args, out)?,
        CacheCommand::Stats(args) => stats(&cache, args.json, out)?,
        CacheCommand::Show(args) => show(&cache, dir, args, out)?,
        CacheCommand::Prune(args) => prune(&cache, args, out)?,
        CacheCommand::Verify(args) => return verify(&cache, args, out),
        CacheCommand::Clear => clear(&cache, out)?,
    };
    Ok(name_problems(&problems))
}

/// Names on stderr each entry that could not be read or removed; the exit status.
fn name_problems(problems: &[(Key, String)]) -> ExitCode {
    if problems.is_empty() {
        return ExitCode::SUCCESS;
    }
    let mut err = io::stderr().lock();
    for (key, reason) in problems {
        let _ = writeln!(err, "bad entry {key}: {reason}");
    }
    ExitCode::from(EXIT_BAD_ENTRIES)
}

/// The entries among `entries` whose header cannot be read (damaged, truncated, or not
/// readable at all), with why.
fn unreadable(entries: &[EntryInfo]) -> Vec<(Key, String)> {
    entries
        .iter()
        .filter_map(|e| Some((e.key, e.header_error.clone()?)))
        .collect()
}

/// The cache in `dir`, which must be an existing directory: a mistyped path is an error, not
/// an empty cache. `named_by` says where the directory comes from.
fn open(dir: &Path, named_by: &str) -> Result<Cache, Failure> {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(Cache::open(dir)),
        Ok(_) => Err(Failure::Message(format!(
            "cache directory `{}` is not a directory",
            dir.display()
        ))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Err(Failure::Message(format!(
            "cache directory `{}` does not exist (choose one with {named_by})",
            dir.display()
        ))),
        Err(e) => Err(Failure::Message(format!(
            "cannot open cache directory `{}`: {e}",
            dir.display()
        ))),
    }
}

/// The cache at `url`; a local one (a directory, or a `file://` URL) must exist, as for
/// [`open`].
fn open_url(url: &str) -> Result<Cache, Failure> {
    let local = match url.split_once("://") {
        None => Some(url),
        Some((scheme, path)) if scheme.eq_ignore_ascii_case("file") && !path.is_empty() => {
            Some(path)
        }
        Some(_) => None,
    };
    if let Some(path) = local {
        open(Path::new(path), "--url or GRAPHCHAIN_CACHE")?;
    }
    Ok(Cache::open_url(url)?)
}

/// The function name of an entry, `?` when its header cannot be read.
fn function(e: &EntryInfo) -> &str {
    e.name.as_deref().unwrap_or("?")
}

/// What could not be read or removed, as `run` names it.
type Problems = Vec<(Key, String)>;

fn ls(cache: &Cache, dir: &str, args: &LsArgs, out: &mut dyn Write) -> Result<Problems, Failure> {
    let mut entries = cache.entries()?;
    let problems = unreadable(&entries);
    match args.sort {
        SortKey::Name => {
            entries.sort_by(|a, b| function(a).cmp(function(b)).then(a.key.cmp(&b.key)))
        }
        SortKey::Size => entries.sort_by(|a, b| weight(b).cmp(&weight(a)).then(a.key.cmp(&b.key))),
        SortKey::Age => {
            entries.sort_by(|a, b| b.last_used.cmp(&a.last_used).then(a.key.cmp(&b.key)));
        }
    }
    if args.reverse {
        entries.reverse();
    }
    if args.format.json {
        let json: Vec<EntryJson> = entries.iter().map(EntryJson::from).collect();
        write_json(out, &json)?;
        return Ok(problems);
    }
    if entries.is_empty() {
        writeln!(out, "no entries in `{dir}`")?;
        return Ok(problems);
    }
    let now = SystemTime::now();
    let mut table = Table::new(&[false, false, true, true, true]);
    table.row(["KEY", "FUNCTION", "SIZE", "LAST USED", "COMPUTE TIME"]);
    for e in &entries {
        table.row([
            e.key.short(),
            function(e).to_owned(),
            format_size(weight(e)),
            format_age(age_of(e.last_used, now)),
            e.compute_time
                .map_or_else(|| "-".to_owned(), format_duration),
        ]);
    }
    table.write(out)?;
    Ok(problems)
}

fn stats(cache: &Cache, json: bool, out: &mut dyn Write) -> Result<Problems, Failure> {
    let stats = cache.stats()?;
    // Only when some entry cannot be read: the list that names them.
    let problems = if stats.unreadable > 0 {
        unreadable(&cache.entries()?)
    } else {
        Vec::new()
    };
    if json {
        let functions = stats
            .by_function
            .into_iter()
            .map(|(function, (entries, bytes))| FunctionJson {
                function,
                entries,
                bytes,
            })
            .collect();
        let json = StatsJson {
            entries: stats.entries,
            bytes: stats.bytes,
            functions,
            bookkeeping_entries: stats.bookkeeping,
            bookkeeping_bytes: stats.bookkeeping_bytes,
            payloads: stats.payloads,
            payload_bytes: stats.payload_bytes,
            unreadable: stats.unreadable,
        };
        write_json(out, &json)?;
        return Ok(problems);
    }
    // What the results take on the store, the payloads they share included.
    let size = stats.bytes + stats.payload_bytes;
    writeln!(out, "entries  {}", stats.entries)?;
    writeln!(out, "size     {} ({size} bytes)", format_size(size))?;
    if stats.bookkeeping > 0 {
        writeln!(
            out,
            "bookkeeping  {} ({})",
            count(stats.bookkeeping, "entry", "entries"),
            format_size(stats.bookkeeping_bytes)
        )?;
    }
    if stats.payloads > 0 {
        writeln!(
            out,
            "shared payloads  {} ({}, in the size above)",
            stats.payloads,
            format_size(stats.payload_bytes)
        )?;
    }
    if stats.unreadable > 0 {
        writeln!(out, "unreadable  {}", stats.unreadable)?;
    }
    if stats.by_function.is_empty() {
        return Ok(problems);
    }
    writeln!(out)?;
    let mut table = Table::new(&[false, true, true]);
    table.row(["FUNCTION", "ENTRIES", "SIZE"]);
    for (name, (entries, bytes)) in &stats.by_function {
        table.row([name.clone(), entries.to_string(), format_size(*bytes)]);
    }
    table.write(out)?;
    Ok(problems)
}

/// The one key that starts with `prefix`.
fn resolve(cache: &Cache, dir: &str, prefix: &str) -> Result<Key, Failure> {
    match cache.keys_with_prefix(prefix)?.as_slice() {
        [] => Err(Failure::Message(format!(
            "no entry with key `{prefix}` in `{dir}`"
        ))),
        [key] => Ok(*key),
        keys => {
            const LISTED: usize = 3;
            let mut listed: Vec<String> = keys.iter().take(LISTED).map(Key::to_string).collect();
            if keys.len() > LISTED {
                listed.push(format!("and {} more", keys.len() - LISTED));
            }
            Err(Failure::Message(format!(
                "key `{prefix}` is ambiguous: {} entries start with it ({}); give more digits",
                keys.len(),
                listed.join(", ")
            )))
        }
    }
}

fn show(
    cache: &Cache,
    dir: &str,
    args: &ShowArgs,
    out: &mut dyn Write,
) -> Result<Problems, Failure> {
    let key = resolve(cache, dir, &args.key)?;
    let Some(e) = cache.entry(key)? else {
        return Err(Failure::Message(format!(
            "entry `{key}` was removed while reading it"
        )));
    };
    // What the header says is the output itself; only an entry that cannot be read at all is
    // named as a problem.
    let problems: Problems = e
        .read_error
        .clone()
        .map(|r| (e.key, r))
        .into_iter()
        .collect();
    if args.format.json {
        write_json(out, &EntryJson::from(&e))?;
        return Ok(problems);
    }
    let now = SystemTime::now();
    let when = |t: SystemTime| format!("{} ({})", format_time(t), format_age(age_of(t, now)));
    let size = |bytes: u64| format!("{} ({bytes} bytes)", format_size(bytes));
    let rows = [
        ("key", Some(key.to_string())),
        (
            "header",
            e.header_error
                .as_ref()
                .map(|reason| format!("unreadable: {reason}")),
        ),
        ("function", e.name.clone()),
        ("codec", e.codec.clone()),
        ("size", Some(size(e.size))),
        ("payload", e.payload_len.map(size)),
        ("created", e.created.map(when)),
        ("last used", Some(when(e.last_used))),
        ("compute time", e.compute_time.map(format_duration)),
        ("payload blake3", e.payload_checksum.map(|c| hex(&c))),
        ("shared payload", e.shared_payload.map(|k| k.to_string())),
        ("type fingerprint", e.type_fingerprint.map(|f| hex(&f))),
    ];
    let mut table = Table::new(&[false, false]);
    for (label, value) in rows {
        if let Some(value) = value {
            table.row([label.to_owned(), value]);
        }
    }
    table.write(out)?;
    Ok(problems)
}

fn prune(cache: &Cache, args: &PruneArgs, out: &mut dyn Write) -> Result<Problems, Failure> {
    let mut plan = cache.plan_prune(args.max_size, args.older_than)?;
    plan.remove
        .sort_by(|a, b| a.last_used.cmp(&b.last_used).then(a.key.cmp(&b.key)));
    let kept_bytes = with_payloads(&plan.keep);
    let report = if args.dry_run {
        graphchain_core::PruneReport {
            removed: plan.remove.len(),
            bytes: plan
                .remove
                .iter()
                .chain(&plan.payloads)
                .map(|e| e.size)
                .sum(),
            kept: plan.keep.len(),
            bookkeeping_removed: plan.bookkeeping.len(),
            payloads_removed: plan.payloads.len(),
            ..Default::default()
        }
    } else {
        cache.prune(&plan)?
    };
    let (removed, freed) = (report.removed, report.bytes);
    // What could not be removed is still there: named on stderr, not listed as removed.
    let failed: HashSet<Key> = report.failed.iter().map(|(key, _)| *key).collect();
    plan.remove.retain(|e| !failed.contains(&e.key));
    if args.format.json {
        let json = PruneJson {
            dry_run: args.dry_run,
            removed: plan.remove.iter().map(EntryJson::from).collect(),
            freed_bytes: freed,
            kept_entries: plan.keep.len(),
            kept_bytes,
            bookkeeping_removed: report.bookkeeping_removed,
            payloads_removed: report.payloads_removed,
            leftovers_removed: report.leftovers_removed,
            failed: report
                .failed
                .iter()
                .map(|(key, reason)| FailedJson {
                    key: key.to_string(),
                    reason: reason.clone(),
                })
                .collect(),
        };
        write_json(out, &json)?;
        return Ok(report.failed);
    }
    let now = SystemTime::now();
    let verb = if args.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut table = Table::new(&[false, false, false, true, true]);
    for e in &plan.remove {
        table.row([
            verb.to_owned(),
            e.key.short(),
            function(e).to_owned(),
            format_size(weight(e)),
            format!("used {}", format_age(age_of(e.last_used, now))),
        ]);
    }
    table.write(out)?;
    let kept = format!(
        "{} kept ({})",
        count(plan.keep.len(), "entry", "entries"),
        format_size(kept_bytes)
    );
    let what = removed_what(removed, report.payloads_removed);
    match (removed + report.payloads_removed, args.dry_run) {
        (0, false) if !failed.is_empty() => writeln!(
            out,
            "removed nothing: {} could not be removed; {kept}",
            count(failed.len(), "entry", "entries")
        )?,
        (0, _) => writeln!(out, "nothing to remove; {kept}")?,
        (_, true) => writeln!(
            out,
            "dry run: would remove {what}, freeing {}; {kept}",
            format_size(freed)
        )?,
        (_, false) => writeln!(out, "removed {what}, freed {}; {kept}", format_size(freed))?,
    }
    Ok(report.failed)
}

fn verify(cache: &Cache, args: &VerifyArgs, out: &mut dyn Write) -> Result<ExitCode, Failure> {
    // Read first, for the count and for what the bad entries' headers still say.
    let mut entries: HashMap<Key, EntryInfo> =
        cache.entries()?.into_iter().map(|e| (e.key, e)).collect();
    let mut checked = entries.len();
    let mut bad = cache.verify()?;
    bad.sort();
    // Bad shared payloads (and bookkeeping) are not listed among the entries: looked up alone,
    // and counted among those checked, as every bad one is.
    for (key, _) in &bad {
        if !entries.contains_key(key) {
            checked += 1;
            if let Some(e) = cache.entry(*key)? {
                entries.insert(*key, e);
            }
        }
    }
    let mut removed = 0;
    let mut freed = 0;
    // Bad entries that could not be removed, with why: named on stderr, the others removed.
    let mut failed: Problems = Vec::new();
    if args.remove {
        for (key, _) in &bad {
            match cache.remove(*key) {
                Ok(true) => {
                    removed += 1;
                    freed += entries.get(key).map_or(0, |e| e.size);
                }
                Ok(false) => {}
                Err(e) => {
                    let why = std::error::Error::source(&e)
                        .map_or_else(|| e.to_string(), ToString::to_string);
                    failed.push((*key, format!("cannot remove it: {why}")));
                }
            }
        }
    }
    if args.format.json {
        let json = VerifyJson {
            checked,
            bad: bad
                .iter()
                .map(|(key, reason)| BadJson {
                    key: key.to_string(),
                    function: entries.get(key).and_then(|e| e.name.clone()),
                    size_bytes: entries.get(key).map(|e| e.size),
                    reason: reason.clone(),
                })
                .collect(),
            removed,
            failed: failed
                .iter()
                .map(|(key, reason)| FailedJson {
                    key: key.to_string(),
                    reason: reason.clone(),
                })
                .collect(),
        };
        write_json(out, &json)?;
    } else {
        let mut table = Table::new(&[false, false, false, true, false]);
        for (key, reason) in &bad {
            let e = entries.get(key);
            table.row([
                "bad".to_owned(),
                key.short(),
                e.map_or("?", function).to_owned(),
                e.map_or_else(|| "?".to_owned(), |e| format_size(e.size)),
                reason.clone(),
            ]);
        }
        table.write(out)?;
        let checked_entries = count(checked, "entry", "entries");
        match bad.len() {
            0 if checked == 0 => writeln!(out, "no entries to check")?,
            0 => writeln!(out, "checked {checked_entries}: all good")?,
            n => writeln!(out, "checked {checked_entries}: {n} bad")?,
        }
        if args.remove && !bad.is_empty() {
            writeln!(
                out,
                "removed {}, freed {}",
                count(removed, "bad entry", "bad entries"),
                format_size(freed)
            )?;
        }
    }
    if bad.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    name_problems(&failed);
    Ok(ExitCode::from(EXIT_BAD_ENTRIES))
}

fn clear(cache: &Cache, out: &mut dyn Write) -> Result<Problems, Failure> {
    let report = cache.clear()?;
    let what = removed_what(report.removed, report.payloads_removed);
    writeln!(out, "removed {what}, freed {}", format_size(report.bytes))?;
    Ok(report.failed)
}

/// `3 entries`, or `3 entries and 1 shared payload`.
fn removed_what(entries: usize, payloads: usize) -> String {
    let entries = count(entries, "entry", "entries");
    match payloads {
        0 => entries,
        n => format!(
            "{entries} and {}",
            count(n, "shared payload", "shared payloads")
        ),
    }
}

/// What `entries` take on the store: their own bytes and the shared payloads they point to,
/// each payload once.
fn with_payloads(entries: &[EntryInfo]) -> u64 {
    let mut payloads = HashSet::new();
    entries
        .iter()
        .map(|e| match (e.shared_payload, e.payload_len) {
            (Some(payload), Some(len)) if payloads.insert(payload) => e.size.saturating_add(len),
            _ => e.size,
        })
        .sum()
}

/// An entry's size with the shared payload it points to, if any: what loading it reads, as
/// `ls` and `prune` show it (the payload may be shared with other entries).
fn weight(e: &EntryInfo) -> u64 {
    let shared = e.shared_payload.and(e.payload_len).unwrap_or(0);
    e.size.saturating_add(shared)
}
