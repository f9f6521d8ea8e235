//! `Dot::save` picks the format from the extension: DOT text for `.dot` and `.gv`, a picture
//! rendered by Graphviz for `.svg`, `.png` and `.pdf`.

use graphchain::{Error, delayed};

#[delayed]
fn load(n: u32) -> Vec<u32> {
    (0..n).collect()
}

#[delayed]
fn total(xs: &[u32]) -> u32 {
    xs.iter().sum()
}

fn graphviz_installed() -> bool {
    std::process::Command::new("dot")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn dot_files_are_text_and_pictures_are_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let dot = total(load(5)).visualize();
    for name in ["graph.dot", "graph.GV"] {
        dot.save(dir.path().join(name)).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            dot.to_string()
        );
    }

    let installed = graphviz_installed();
    for (name, magic) in [
        ("graph.svg", &b"<?xml"[..]),
        ("graph.png", &b"\x89PNG"[..]),
        ("graph.pdf", &b"%PDF"[..]),
    ] {
        let path = dir.path().join(name);
        match dot.save(&path) {
            Ok(()) => {
                assert!(installed);
                let bytes = std::fs::read(&path).unwrap();
                assert!(bytes.starts_with(magic), "{name}");
            }
            Err(e) => {
                assert!(!installed, "{e}");
                assert!(
                    matches!(&e, Error::MissingProgram { program, .. } if program == "dot"),
                    "{e:?}"
                );
            }
        }
    }
}

#[test]
fn an_unwritable_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = total(load(5))
        .visualize()
        .save(dir.path().join("missing").join("graph.dot"))
        .unwrap_err();
    assert!(matches!(err, Error::Write { .. }), "{err:?}");
    assert!(err.to_string().contains("graph.dot"), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}
