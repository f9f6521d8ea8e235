//! Unit tests of DOT text, colours, the legend and rendering through a program.

use std::collections::HashMap;
use std::ffi::OsStr;

use super::*;
use crate::error::Error;
use crate::graph::body::Args;
use crate::graph::builder::NodeBuilder;
use crate::graph::node::{CachePolicy, FnInfo};
use crate::value::{BoxError, Value};

static STEP: FnInfo = FnInfo::builtin("step", [7; 32], CachePolicy::Auto);

fn thunk(_: &mut Args) -> Result<Value, BoxError> {
    Ok(Arc::new(0u8))
}

fn node(inputs: &[&Arc<Node>], literal: u64) -> Arc<Node> {
    let mut b = NodeBuilder::new(&STEP, [0; 32], inputs.len() + 1);
    for n in inputs {
        b.push_node(Arc::clone(n));
    }
    b.push_literal(
        Arc::new(literal),
        crate::graph::content::literal_part(&literal).unwrap(),
    );
    b.finish_node(crate::graph::body::Body::Sync(thunk), None)
}

#[test]
fn plain_pictures_keep_their_form() {
    let a = node(&[], 1);
    let b = node(&[&a], 2);
    let text = Dot::new(&[&b]).to_string();
    assert_eq!(
        text,
        format!(
            "digraph graphchain {{\n  rankdir=BT;\n  node [shape=box, style=\"rounded\", \
             fontname=\"Helvetica\"];\n  \"{b}\" [label=\"step\\n{bs}\"];\n  \
             \"{a}\" [label=\"step\\n{as_}\"];\n  \"{a}\" -> \"{b}\";\n}}\n",
            a = a.key,
            b = b.key,
            as_ = a.key.short(),
            bs = b.key.short()
        )
    );
}

#[test]
fn options_set_direction_and_title() {
    let a = node(&[], 1);
    let text = Dot::new(&[&a])
        .rankdir(RankDir::LeftRight)
        .title("a \"quoted\" title")
        .to_string();
    assert!(text.contains("  rankdir=LR;\n"), "{text}");
    assert!(
        text.contains("  label=\"a \\\"quoted\\\" title\"; labelloc=t;"),
        "{text}"
    );
    for (dir, dot) in [
        (RankDir::TopBottom, "TB"),
        (RankDir::BottomTop, "BT"),
        (RankDir::RightLeft, "RL"),
    ] {
        assert_eq!(dir.as_dot(), dot);
    }
}

#[test]
fn states_colour_nodes_and_fill_the_legend_with_what_is_present() {
    let a = node(&[], 1);
    let b = node(&[&a], 2);
    let c = node(&[&b], 3);
    let statuses: HashMap<Key, Status, KeyBuildHasher> =
        [(b.key, Status::Loaded), (c.key, Status::Computed)]
            .into_iter()
            .collect();
    let dot = Dot::new(&[&c]).with_states(Phase::Planned, &statuses);
    assert_eq!(dot.status(a.key), Some(Status::NotNeeded));
    assert_eq!(dot.status(b.key), Some(Status::Loaded));
    assert_eq!(dot.status(Key::from_bytes([0; 32])), None);
    let text = dot.to_string();
    assert!(text.contains("style=\"rounded,filled\""), "{text}");
    assert!(
        text.contains(&format!(
            "\"{}\" [label=\"step\\n{}\", fillcolor=\"#b2f2bb\"];",
            b.key,
            b.key.short()
        )),
        "{text}"
    );
    let legend = &text[text.find("subgraph cluster_legend").expect("a legend")..];
    for label in ["will load", "will compute", "not needed"] {
        assert!(legend.contains(&format!("\"legend: {label}\"")), "{legend}");
    }
    assert!(
        !legend.contains("failed"),
        "only the statuses present: {legend}"
    );
    assert_eq!(legend.matches("[style=invis]").count(), 2);

    let ran = Dot::new(&[&c]).with_states(Phase::Ran, &statuses);
    assert!(ran.to_string().contains("\"legend: loaded\""));
    assert!(!ran.legend(false).to_string().contains("legend"));
    assert!(
        !Dot::new(&[&c]).to_string().contains("legend"),
        "no colours, no legend"
    );
}

#[test]
fn rendering_without_the_program_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("graph.svg");
    let err = save::render(
        "digraph {}",
        "svg",
        &path,
        OsStr::new("graphchain-no-such-program"),
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::MissingProgram { program, .. } if program == "graphchain-no-such-program"),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("`graphchain-no-such-program`"),
        "{message}"
    );
    assert!(message.contains("save as .dot"), "{message}");
    assert!(!path.exists());
}

#[test]
fn a_failing_program_reports_its_status() {
    let dir = tempfile::tempdir().unwrap();
    // `false` reads nothing and exits with 1, like a renderer rejecting its input.
    let err = save::render(
        "digraph {}",
        "svg",
        &dir.path().join("g.svg"),
        OsStr::new("false"),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err:?}");
    assert!(err.to_string().contains("`false -Tsvg` failed"), "{err}");
}

#[test]
fn unknown_extensions_are_refused() {
    let a = node(&[], 1);
    let dir = tempfile::tempdir().unwrap();
    for (name, shown) in [("graph.txt", "`.txt`"), ("graph", "`(none)`")] {
        let err = Dot::new(&[&a]).save(dir.path().join(name)).unwrap_err();
        assert!(err.to_string().contains(shown), "{err}");
        assert!(err.to_string().contains(".dot, .gv, .svg, .png or .pdf"));
    }
}

#[test]
fn a_picture_that_cannot_be_written_says_why() {
    let a = node(&[], 1);
    let dir = tempfile::tempdir().unwrap();
    let err = Dot::new(&[&a])
        .save(dir.path().join("nowhere").join("graph.dot"))
        .unwrap_err();
    assert!(
        err.to_string().contains("its directory does not exist"),
        "{err}"
    );
    std::fs::create_dir(dir.path().join("graph.dot")).unwrap();
    let err = Dot::new(&[&a])
        .save(dir.path().join("graph.dot"))
        .unwrap_err();
    assert!(err.to_string().contains("it is a directory"), "{err}");
}
