//! Editing a program's source, rebuilding it and running it again reruns exactly the steps the
//! edit reaches. The test writes a crate that depends on graphchain by path, with
//! `tests/rebuilds/source_edits/program.rs` (six steps, drawn at its top) as its `main.rs`, builds and
//! runs it, then edits the source, builds and runs it again, one edit after another on one
//! cache. After each run it checks which steps were computed and that the printed value is the
//! fresh one. Every step stores its result (`cache = "always"`), so what runs depends on the
//! edit alone.
//!
//! The crate and its target directory live in `CARGO_TARGET_TMPDIR`: its dependencies compile
//! once per machine, and each edit is an incremental rebuild of the crate alone.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn source_edits_rerun_exactly_what_they_reach() {
    let mut program = Program::build();
    program.runs(
        &["clean", "describe", "load", "summarize", "title", "weigh"],
        "SALES: Summary { count: 8, total: 47 }, weighted 96",
    );

    // Comments, formatting and doc comments change no token: nothing runs.
    program.edit(
        "a comment in a step",
        &[(
            "    xs.iter().copied().filter(|x| x % multiple != 0).collect()",
            "    // Multiples of `multiple` are noise.
    xs.iter().copied().filter(|x| x % multiple != 0 /* kept */).collect()",
        )],
    );
    program.runs(&[], "SALES: Summary { count: 8, total: 47 }, weighted 96");

    program.edit(
        "the formatting of a step and of a helper it uses",
        &[
            (
                "fn clean(xs: &[u64], multiple: u64) -> Vec<u64> {",
                "fn clean(
    xs: &[u64],
    multiple: u64,
) -> Vec<u64> {",
            ),
            (
                "fn weight(x: u64) -> u64 {
    x * 2
}",
                "fn weight(x:u64)->u64{ x*2 }",
            ),
        ],
    );
    program.runs(&[], "SALES: Summary { count: 8, total: 47 }, weighted 96");

    program.edit(
        "the doc comments of a step, a tracked helper and a pipeline module's type",
        &[
            (
                "/// Makes the raw data.",
                "/// Makes the raw data: 1 to `n`.",
            ),
            (
                "/// Doubles a value.",
                "/// Doubles a value: large ones weigh more.",
            ),
            (
                "    pub struct Summary {",
                "    /// What the cleaned numbers add up to.
    pub struct Summary {",
            ),
        ],
    );
    program.runs(&[], "SALES: Summary { count: 8, total: 47 }, weighted 96");

    // Edits to a step: that step and everything downstream of it run, nothing else.
    program.edit(
        "the root",
        &[(
            r#"format!("{}: {summary:?}, weighted {weighted}", title.text)"#,
            r#"format!("{}: {summary:?}; weighted {weighted}", title.text)"#,
        )],
    );
    program.runs(
        &["describe"],
        "SALES: Summary { count: 8, total: 47 }; weighted 96",
    );

    program.edit(
        "a leaf",
        &[("    (1..=n).collect()", "    (2..=n).collect()")],
    );
    program.runs(
        &["clean", "describe", "load", "summarize", "weigh"],
        "SALES: Summary { count: 7, total: 46 }; weighted 94",
    );

    program.edit(
        "a middle step",
        &[(
            "x % multiple != 0 /* kept */",
            "x % multiple != 0 && *x != 11 /* kept */",
        )],
    );
    program.runs(
        &["clean", "describe", "summarize", "weigh"],
        "SALES: Summary { count: 6, total: 36 }; weighted 72",
    );

    program.edit(
        "a literal argument",
        &[("clean(&data, 3)", "clean(&data, 4)")],
    );
    program.runs(
        &["clean", "describe", "summarize", "weigh"],
        "SALES: Summary { count: 7, total: 42 }; weighted 84",
    );

    // Edits to what steps use: the steps that reach it, and downstream.
    program.edit(
        "a helper named in `uses(…)`",
        &[(
            "fn weight(x:u64)->u64{ x*2 }",
            "fn weight(x:u64)->u64{ x*3 }",
        )],
    );
    program.runs(
        &["describe", "weigh"],
        "SALES: Summary { count: 7, total: 42 }; weighted 126",
    );

    program.edit(
        "a helper in a pipeline module",
        &[("x.min(CAP)", "x.min(CAP - 1)")],
    );
    program.runs(
        &["describe", "summarize"],
        "SALES: Summary { count: 7, total: 41 }; weighted 126",
    );

    program.edit(
        "a field added to the struct a step returns (the step's own tokens are unchanged)",
        &[(
            "        pub total: u64,
    }",
            "        pub total: u64,
        pub flagged: bool,
    }",
        )],
    );
    program.runs(
        &["describe", "summarize"],
        "SALES: Summary { count: 7, total: 41, flagged: false }; weighted 126",
    );

    program.edit(
        "a macro_rules! helper in a pipeline module",
        &[("$xs.len()", "$xs.len() + 100")],
    );
    program.runs(
        &["describe", "summarize"],
        "SALES: Summary { count: 107, total: 41, flagged: false }; weighted 126",
    );

    // A type outside any tracking: its definition is part of the key of the steps returning
    // it, so they rerun; the value printed does not show the new field, so only the steps
    // whose input changed follow.
    program.edit(
        "a field added to an untracked struct a step returns",
        &[(
            "    text: String,
}",
            "    text: String,
    #[allow(dead_code)]
    draft: bool,
}",
        )],
    );
    program.runs(
        &["describe", "title"],
        "SALES: Summary { count: 107, total: 41, flagged: false }; weighted 126",
    );

    // Early cutoff: a step rewritten so that it returns the same bytes runs again, and the steps
    // downstream of it do not: they are found in the cache through the content of their
    // inputs.
    program.edit(
        "a step rewritten to return the same output",
        &[(
            "xs.iter().copied().map(weight).collect()",
            "xs.iter().map(|&x| weight(x)).collect()",
        )],
    );
    program.runs(
        &["weigh"],
        "SALES: Summary { count: 107, total: 41, flagged: false }; weighted 126",
    );
}

/// The crate under test: its source as edited so far, built in a fixed directory, run on a
/// cache of its own.
struct Program {
    dir: PathBuf,
    target: PathBuf,
    cache: tempfile::TempDir,
    source: String,
    /// The last edit, named in failure messages.
    edit: &'static str,
}

impl Program {
    /// Writes the crate with the unedited program and builds it. The directory is always the
    /// same one, not a temporary one, so that each run of the test reuses the artifacts of the
    /// last instead of leaving a new copy in the target directory.
    fn build() -> Program {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("source-edits");
        let dir = root.join("crate");
        fs::create_dir_all(dir.join("src")).unwrap();
        fs::write(dir.join("Cargo.toml"), manifest(repo)).unwrap();
        // The versions graphchain is tested with: nothing to resolve or download (the outer
        // `cargo test` fetched them all), so `--offline` works.
        fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        let program = Program {
            dir,
            target: root.join("target"),
            cache: tempfile::tempdir().unwrap(),
            source: include_str!("source_edits/program.rs").to_owned(),
            edit: "none (the program as written)",
        };
        program.compile();
        program
    }

    /// Applies `replacements` (each anchor must occur exactly once) and builds again.
    fn edit(&mut self, what: &'static str, replacements: &[(&str, &str)]) {
        for (from, to) in replacements {
            assert_eq!(
                self.source.matches(from).count(),
                1,
                "edit {what:?}: the program must contain this exactly once:\n{from}\n\
                 --- program:\n{}",
                self.source
            );
            self.source = self.source.replacen(from, to, 1);
        }
        self.edit = what;
        self.compile();
    }

    /// Writes the source as edited so far and builds it.
    fn compile(&self) {
        fs::write(self.dir.join("src").join("main.rs"), &self.source).unwrap();
        let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        cargo
            .args(["build", "--offline", "--target-dir"])
            .arg(&self.target)
            .current_dir(&self.dir)
            .env("CARGO_TERM_COLOR", "never");
        let (_, stderr) = self.succeed(&mut cargo, "the program does not build");
        // Were the edit not compiled, the run would test the previous program.
        assert!(
            stderr.contains("Compiling source-edits"),
            "edit {:?}: cargo did not rebuild the program:\n{stderr}",
            self.edit
        );
    }

    /// Runs the program and checks the steps it computed (in any order) and the value it printed.
    fn runs(&self, computed: &[&str], value: &str) {
        let binary = self
            .target
            .join("debug")
            .join(format!("source-edits{}", std::env::consts::EXE_SUFFIX));
        let mut program = Command::new(binary);
        program.arg(self.cache.path());
        let (stdout, _) = self.succeed(&mut program, "the program failed");
        let mut ran: Vec<&str> = stdout
            .lines()
            .filter_map(|line| line.strip_prefix("ran "))
            .collect();
        ran.sort_unstable();
        let printed_value = stdout.lines().find_map(|line| line.strip_prefix("value "));
        assert_eq!(
            (ran, printed_value),
            (computed.to_vec(), Some(value)),
            "edit {:?}: (the steps computed, the value)",
            self.edit
        );
    }

    /// Runs `command` to its end and returns its stdout and stderr; it must succeed.
    fn succeed(&self, command: &mut Command, failure: &str) -> (String, String) {
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(
            output.status.success(),
            "edit {:?}: {failure}:\n{stdout}{stderr}",
            self.edit
        );
        (stdout, stderr)
    }
}

/// The crate's manifest: graphchain by path (without the progress bar, which the program does
/// not need), in a workspace of its own rather than the repository's, and without debug info,
/// which makes each build faster.
fn manifest(repo: &Path) -> String {
    format!(
        r#"[package]
name = "source-edits"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
graphchain = {{ path = '{}', default-features = false }}
serde = {{ version = "1.0", features = ["derive"] }}

[workspace]

[profile.dev]
debug = false
"#,
        repo.display()
    )
}
