//! A directory, a FIFO and a symbolic link loop named like entries: every command names them
//! on stderr and exits with 1 (bad entries), after listing, counting, checking or removing
//! every other entry; nothing hangs.

#![cfg(unix)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Run, entry_path, fill, graphchain_command, strings};

/// Runs `graphchain --dir DIR ARGS…`, killing it (and failing) after ten seconds.
fn graphchain_within_10s(dir: &std::path::Path, args: &[&str]) -> Run {
    let mut command: Command = graphchain_command();
    command
        .arg("--dir")
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("`graphchain {}` hung", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    Run {
        status: output.status.code().expect("exited"),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[test]
fn every_command_names_odd_entries_and_handles_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let (blobs, sums) = fill(dir.path(), &[2_000, 3_000]);
    let odd = ["a", "b", "c"].map(|c| c.repeat(64));
    let at = |hex: &str| entry_path(dir.path(), hex.parse().unwrap());
    std::fs::create_dir(at(&odd[0])).unwrap();
    let fifo = at(&odd[1]);
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let looped = at(&odd[2]);
    std::os::unix::fs::symlink(&looped, &looped).unwrap();
    let names_all_odd = |run: &Run| {
        for key in &odd {
            assert!(
                run.stderr.contains(&format!("bad entry {key}: ")),
                "{run:#?}"
            );
        }
    };

    let ls = graphchain_within_10s(dir.path(), &["cache", "ls"]);
    assert_eq!(ls.status, 1, "{ls:#?}");
    names_all_odd(&ls);
    for key in blobs.iter().chain(&sums) {
        assert!(ls.stdout.contains(&key.short()), "{ls:#?}");
    }

    let stats = graphchain_within_10s(dir.path(), &["cache", "stats", "--json"]);
    assert_eq!(stats.status, 1, "{stats:#?}");
    names_all_odd(&stats);
    let json = stats.json();
    assert_eq!(json["entries"], 7);
    assert_eq!(json["unreadable"], 3);

    let verify = graphchain_within_10s(dir.path(), &["cache", "verify"]);
    assert_eq!(verify.status, 1, "{verify:#?}");
    assert!(
        verify.stdout.ends_with("checked 7 entries: 3 bad\n"),
        "{verify:#?}"
    );

    // Removing the bad entries: the directory cannot be removed and is named, the others go.
    let removing = graphchain_within_10s(dir.path(), &["cache", "verify", "--remove", "--json"]);
    assert_eq!(removing.status, 1, "{removing:#?}");
    assert!(
        removing
            .stderr
            .contains(&format!("bad entry {}: cannot remove it: ", odd[0])),
        "{removing:#?}"
    );
    let json = removing.json();
    assert_eq!(json["removed"], 2, "{json}");
    assert_eq!(json["failed"][0]["key"], odd[0], "{json}");
    assert!(!fifo.exists() && !looped.is_symlink());

    // Prune everything: the good entries go; the directory cannot, and is not listed as removed.
    let prune = graphchain_within_10s(dir.path(), &["cache", "prune", "--max-size", "0", "--json"]);
    assert_eq!(prune.status, 1, "{prune:#?}");
    assert!(prune.stderr.contains(&odd[0]), "{prune:#?}");
    let json = prune.json();
    let removed = strings(&json["removed"], "key");
    assert_eq!(removed.len(), blobs.len() + sums.len(), "{json}");
    assert!(!removed.contains(&odd[0].as_str()), "{json}");
    assert_eq!(json["failed"][0]["key"], odd[0], "{json}");
    let again = graphchain_within_10s(dir.path(), &["cache", "prune", "--max-size", "0"]);
    assert_eq!(again.status, 1, "{again:#?}");
    assert!(
        again
            .stdout
            .starts_with("removed nothing: 1 entry could not be removed; "),
        "{again:#?}"
    );
    let clear = graphchain_within_10s(dir.path(), &["cache", "clear"]);
    assert_eq!(clear.status, 1, "{clear:#?}");
    assert!(clear.stderr.contains(&odd[0]), "{clear:#?}");
    std::fs::remove_dir(at(&odd[0])).unwrap();
    let ls = graphchain_within_10s(dir.path(), &["cache", "ls"]);
    assert_eq!(ls.status, 0, "{ls:#?}");
    assert_eq!(
        ls.stdout,
        format!("no entries in `{}`\n", dir.path().display())
    );
}
