//! The cache comes from the command line (`--dir` or `--url`, never both), else from
//! `GRAPHCHAIN_CACHE`, else `GRAPHCHAIN_CACHE_DIR`, else `./__graphchain_cache__`; a directory
//! that does not exist is an error, and is not created, however it is named.

use crate::common::{fill, graphchain, graphchain_command, run};

#[test]
fn a_missing_directory_is_an_error_and_stays_missing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-cache");
    for args in [
        &["cache", "ls"][..],
        &["cache", "stats", "--json"],
        &["cache", "verify"],
        &["cache", "prune", "--max-size", "1GiB"],
        &["cache", "clear"],
    ] {
        let run = graphchain(&missing, args);
        assert_eq!(run.status, 2, "{args:?}: {run:#?}");
        assert_eq!(run.stdout, "");
        assert_eq!(
            run.stderr,
            format!(
                "error: cache directory `{}` does not exist (choose one with --dir or \
                 GRAPHCHAIN_CACHE_DIR)\n",
                missing.display()
            )
        );
    }
    assert!(!missing.exists());

    let file = dir.path().join("a-file");
    std::fs::write(&file, b"").unwrap();
    let run = graphchain(&file, &["cache", "ls"]);
    assert_eq!(run.status, 2, "{run:#?}");
    assert_eq!(
        run.stderr,
        format!(
            "error: cache directory `{}` is not a directory\n",
            file.display()
        )
    );
}

#[test]
fn the_directory_comes_from_the_flag_the_environment_or_the_default() {
    let work = tempfile::tempdir().unwrap();
    let from_env = work.path().join("from-env");
    fill(&from_env, &[1_000]);
    let default = work.path().join(graphchain::DEFAULT_CACHE_DIR);

    // The environment, when there is no flag.
    let mut command = graphchain_command();
    command
        .args(["cache", "stats", "--json"])
        .env(graphchain::CACHE_DIR_ENV, &from_env)
        .current_dir(work.path());
    assert_eq!(run(command).ok().json()["entries"], 2);

    // The flag wins over the environment.
    let mut command = graphchain_command();
    command
        .args(["cache", "stats", "--dir"])
        .arg(&default)
        .env(graphchain::CACHE_DIR_ENV, &from_env);
    let failed = run(command);
    assert_eq!(failed.status, 2, "{failed:#?}");
    assert!(failed.stderr.contains(&default.display().to_string()));

    // Neither: `__graphchain_cache__` in the working directory.
    let mut command = graphchain_command();
    command.args(["cache", "ls"]).current_dir(work.path());
    let failed = run(command);
    assert_eq!(failed.status, 2, "{failed:#?}");
    assert_eq!(
        failed.stderr,
        "error: cache directory `__graphchain_cache__` does not exist (choose one with --dir \
         or GRAPHCHAIN_CACHE_DIR)\n"
    );
    fill(&default, &[1_000]);
    let mut command = graphchain_command();
    command.args(["cache", "ls"]).current_dir(work.path());
    assert_eq!(run(command).ok().stdout.lines().count(), 3);
}

#[test]
fn the_command_line_wins_over_the_environment_and_names_one_cache() {
    let work = tempfile::tempdir().unwrap();
    let named = work.path().join("named");
    fill(&named, &[1_000]);
    let other = work.path().join("other");
    fill(&other, &[1_000, 2_000]);
    let entries = |dir: &std::path::Path| {
        graphchain(dir, &["cache", "stats", "--json"]).ok().json()["entries"].clone()
    };

    // `GRAPHCHAIN_CACHE` names the cache programs use; `--dir` on the command line still wins.
    let mut command = graphchain_command();
    command
        .args(["cache", "clear", "--dir"])
        .arg(&named)
        .env(graphchain::store::CACHE_ENV, &other);
    assert!(run(command).ok().stdout.starts_with("removed 2 entries"));
    assert_eq!(entries(&named), 0);
    assert_eq!(entries(&other), 4);

    // Without a flag, the environment's URL, then its directory.
    let mut command = graphchain_command();
    command
        .args(["cache", "stats", "--json"])
        .env(graphchain::store::CACHE_ENV, &other)
        .env(graphchain::CACHE_DIR_ENV, &named);
    assert_eq!(run(command).ok().json()["entries"], 4);

    // Both flags: an error, and nothing touched.
    let mut command = graphchain_command();
    command
        .args(["cache", "clear", "--dir"])
        .arg(&named)
        .arg("--url")
        .arg(&other);
    let failed = run(command);
    assert_eq!(failed.status, 2, "{failed:#?}");
    assert_eq!(
        failed.stderr,
        "error: --dir and --url both name a cache: give one of them\n"
    );
    assert_eq!(entries(&other), 4);

    // A URL that names a missing directory is an error as well.
    let missing = work.path().join("missing");
    for url in [
        missing.display().to_string(),
        format!("file://{}", missing.display()),
    ] {
        let mut command = graphchain_command();
        command.args(["cache", "ls", "--url", &url]);
        let failed = run(command);
        assert_eq!(failed.status, 2, "{url}: {failed:#?}");
        assert_eq!(
            failed.stderr,
            format!(
                "error: cache directory `{}` does not exist (choose one with --url or \
                 GRAPHCHAIN_CACHE)\n",
                missing.display()
            )
        );
    }
    assert!(!missing.exists());
}
