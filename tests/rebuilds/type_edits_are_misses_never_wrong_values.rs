//! A change to the type a step returns is a cache miss, never an old entry decoded into the new
//! type, for every class of type the fingerprint traces. Two builds of a real program share one
//! cache: `tests/rebuilds/type_edits/program.rs` is built and run, then one type is edited (a `u32` deep
//! inside it becomes an `i32`, the step's own tokens unchanged), and the program is built and run
//! again. Only the step returning the edited type runs, and every value printed is the fresh one:
//! decoding the old entry would read 3000 as 1500. A type that cannot be traced is computed on
//! every run until the step vouches for it (`Vouched<N>`), and is then stored and loaded.
//!
//! The crate lives in `CARGO_TARGET_TMPDIR` and shares its target directory with
//! `source_edits_rerun_exactly_what_they_reach`: the same dependencies, compiled once.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::{env, fs};

const VALUE: &str = "Tally { count: 3000, kind: Refund } [Empty, Full(Some(Pattern(3000)))] \
                     Counts { hits: 1, misses: 3000 } [Positive(3000)] \
                     Both { numbers: Pair { a: 3000, b: 3000 }, names: Pair { a: \"a\", b: \"b\" } } \
                     Scored { address: \"ada@example.com\", score: 3000 } \
                     Tally { count: 3000, kind: Refund } \
                     Label { name: \"\" }";

#[test]
fn type_edits_are_misses_never_wrong_values() {
    let mut crate_ = Crate::new();
    let all = [
        "both",
        "counts",
        "described",
        "label",
        "outer",
        "positive",
        "scored",
        "shown",
        "tally",
    ];
    crate_.build_and_run("the program as written", &[], &all);
    // The untraceable type is never stored; every other step is loaded.
    crate_.build_and_run("nothing", &[], &["scored"]);

    let edits: [(&str, &str, &str, &[&str]); 5] = [
        (
            "a struct beside an enum",
            "    count: u32,",
            "    count: i32,",
            &["tally", "described"],
        ),
        (
            "an enum behind another's later variant",
            "    Pattern(u32),",
            "    Pattern(i32),",
            &["outer"],
        ),
        (
            "a struct with a NonZeroU32",
            "    misses: u32,",
            "    misses: i32,",
            &["counts"],
        ),
        (
            "a try_from newtype",
            "type Raw = u32;",
            "type Raw = i32;",
            &["positive"],
        ),
        (
            "one instantiation of a generic type",
            "    numbers: Pair<u32>,",
            "    numbers: Pair<i32>,",
            &["both"],
        ),
    ];
    for (what, from, to, steps) in edits {
        let ran: Vec<&str> = steps.iter().copied().chain(["scored"]).collect();
        crate_.build_and_run(what, &[(from, to)], &ran);
    }

    // A field renamed: the struct's bytes are the old ones, its type is not. The step reading
    // it is not found through its input's old content.
    crate_.value = crate_.value.replace("count: 3000", "amount: 3000");
    crate_.build_and_run(
        "a field renamed",
        &[
            ("    count: i32,", "    amount: i32,"),
            ("Tally { count: 3000,", "Tally { amount: 3000,"),
        ],
        &["tally", "described", "scored"],
    );

    // A field renamed in a type that is never stored: the step reading it reruns (and so does
    // the step returning it, which runs whenever a reader does).
    crate_.value = crate_.value.replace("Label { name:", "Label { title:");
    crate_.build_and_run(
        "a field renamed in a type never stored",
        &[("    name: String,", "    title: String,")],
        &["label", "shown", "scored"],
    );

    let vouch = (
        "#[delayed(cache = \"always\")]\nfn scored()",
        "#[delayed(cache = \"always\", codec = graphchain::codec::Vouched<1>)]\nfn scored()",
    );
    crate_.build_and_run("a vouch for the untraceable type", &[vouch], &["scored"]);
    crate_.build_and_run("nothing after the vouch", &[], &[]);
}

/// The program's crate: its source as edited so far and the cache its runs share.
struct Crate {
    dir: PathBuf,
    target: PathBuf,
    cache: tempfile::TempDir,
    source: String,
    /// What the program must print after `value `.
    value: String,
}

impl Crate {
    fn new() -> Crate {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let dir = tmp.join("type-edits");
        fs::create_dir_all(dir.join("src")).unwrap();
        let manifest = format!(
            "[package]\nname = \"type-edits\"\nversion = \"0.0.0\"\nedition = \"2024\"\n\
             publish = false\n\n[dependencies]\n\
             graphchain = {{ path = '{}', default-features = false }}\n\
             serde = {{ version = \"1.0\", features = [\"derive\"] }}\n\n[workspace]\n\n\
             [profile.dev]\ndebug = false\n",
            repo.display()
        );
        fs::write(dir.join("Cargo.toml"), manifest).unwrap();
        fs::copy(repo.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        Crate {
            dir,
            target: tmp.join("source-edits").join("target"),
            cache: tempfile::tempdir().unwrap(),
            source: include_str!("type_edits/program.rs").to_owned(),
            value: VALUE.to_owned(),
        }
    }

    /// Applies `edits` (each anchor occurs once), builds, runs, and checks that exactly the steps
    /// `ran` were computed and that every value printed is the right one.
    fn build_and_run(&mut self, what: &str, edits: &[(&str, &str)], ran: &[&str]) {
        for (from, to) in edits {
            assert_eq!(
                self.source.matches(from).count(),
                1,
                "{what}: anchor {from:?}"
            );
            self.source = self.source.replacen(from, to, 1);
        }
        fs::write(self.dir.join("src").join("main.rs"), &self.source).unwrap();
        let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        succeed(
            what,
            Command::new(cargo)
                .args(["build", "--offline", "--target-dir"])
                .arg(&self.target)
                .current_dir(&self.dir),
        );
        let binary = self
            .target
            .join("debug")
            .join(format!("type-edits{}", env::consts::EXE_SUFFIX));
        let out = succeed(what, Command::new(binary).arg(self.cache.path()));
        let stdout = String::from_utf8_lossy(&out.stdout);
        let mut computed: Vec<&str> = stdout
            .lines()
            .filter_map(|l| l.strip_prefix("ran "))
            .collect();
        computed.sort_unstable();
        let value = stdout.lines().find_map(|l| l.strip_prefix("value "));
        let mut ran = ran.to_vec();
        ran.sort_unstable();
        assert_eq!(
            (computed, value),
            (ran, Some(self.value.as_str())),
            "after editing {what}"
        );
    }
}

fn succeed(what: &str, command: &mut Command) -> Output {
    let out = command.env("CARGO_TERM_COLOR", "never").output().unwrap();
    assert!(
        out.status.success(),
        "after editing {what}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}
