//! The cache directory comes from `--dir`, else `GRAPHCHAIN_CACHE_DIR`, else
//! `./__graphchain_cache__`; a directory that does not exist is an error, and is not created.

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
