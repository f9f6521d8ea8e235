//! Large results are stored once as shared payloads: `stats` counts them apart, `ls` and `show`
//! name the payload an entry points to, `verify` checks them, and `prune` removes a payload
//! with the last entry pointing to it.

use graphchain::{Key, Runtime, delayed};

use crate::common::{blob, entry_path, graphchain, strings};

/// The same bytes as `blob`, from another function.
#[delayed(cache = "always")]
fn copy(bytes: &[u8]) -> Vec<u8> {
    bytes.to_vec()
}

/// Stores `blob(n)` and `copy(blob(n))`: two entries, one shared payload of about `n` bytes.
fn fill_shared(dir: &std::path::Path, n: usize) -> (Key, Key) {
    let rt = Runtime::builder().cache_dir(dir).build().unwrap();
    rt.compute(&copy(blob(n))).unwrap();
    (blob(n).key(), copy(blob(n)).key())
}

#[test]
fn stats_ls_and_show_name_the_shared_payload() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = fill_shared(dir.path(), 200_000);
    let stats = graphchain(dir.path(), &["cache", "stats", "--json"])
        .ok()
        .json();
    assert_eq!(stats["entries"], 2);
    assert_eq!(stats["payloads"], 1);
    assert!(
        stats["payload_bytes"].as_u64().unwrap() > 200_000,
        "{stats}"
    );
    assert!(stats["bytes"].as_u64().unwrap() < 1_000, "{stats}");
    // Each function's share counts the payload its entries point to, as `ls` counts it.
    for function in stats["functions"].as_array().unwrap() {
        assert!(function["bytes"].as_u64().unwrap() > 200_000, "{function}");
    }
    let text = graphchain(dir.path(), &["cache", "stats"]).ok().stdout;
    assert!(text.contains("shared payloads  1 ("), "{text}");
    // The size people read counts the payloads too.
    let size = text.lines().find(|l| l.starts_with("size")).unwrap();
    assert!(size.contains(" KiB ("), "{text}");
    for function in ["blob", "copy"] {
        let row = text.lines().find(|l| l.starts_with(function)).unwrap();
        assert!(row.ends_with(" KiB"), "{text}");
    }

    let ls = graphchain(dir.path(), &["cache", "ls", "--json"])
        .ok()
        .json();
    let shared: Vec<&str> = ls
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["shared_payload"].as_str().unwrap())
        .collect();
    assert_eq!(shared.len(), 2);
    assert_eq!(shared[0], shared[1]);
    // People see what loading an entry reads: its payload's size too.
    let text = graphchain(dir.path(), &["cache", "ls"]).ok().stdout;
    assert_eq!(text.matches(" KiB ").count(), 2, "{text}");

    let show = graphchain(dir.path(), &["cache", "show", &a.short()])
        .ok()
        .stdout;
    assert!(
        show.lines()
            .any(|l| l.starts_with("shared payload ") && l.ends_with(shared[0])),
        "{show}"
    );
    let verify = graphchain(dir.path(), &["cache", "verify"]).ok().stdout;
    assert!(verify.contains("all good"), "{verify}");

    // A third entry, small, with no payload: it stays good.
    let rt = Runtime::builder().cache_dir(dir.path()).build().unwrap();
    rt.compute(&blob(10)).unwrap();

    // Damaging the payload makes both entries bad, and the payload itself.
    let object: Key = shared[0].parse().unwrap();
    let path = entry_path(dir.path(), object);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&path, bytes).unwrap();
    let verify = graphchain(dir.path(), &["cache", "verify", "--json"]).json();
    let bad = strings(&verify["bad"], "key");
    assert_eq!(bad.len(), 3, "{verify}");
    assert_eq!(
        verify["checked"], 4,
        "three entries and the payload: {verify}"
    );
    let named: Vec<&str> = verify["bad"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["key"] == object.to_string())
        .map(|e| e["function"].as_str().unwrap())
        .collect();
    assert_eq!(named, ["graphchain-payload"], "{verify}");
    for key in [a, b, object] {
        assert!(bad.contains(&key.to_string().as_str()), "{verify}");
    }
}

#[test]
fn prune_removes_a_payload_with_its_last_entry() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = fill_shared(dir.path(), 200_000);
    // Removing one entry keeps the payload the other points to.
    std::fs::remove_file(entry_path(dir.path(), b)).unwrap();
    let out = graphchain(dir.path(), &["cache", "prune", "--max-size", "10MB"])
        .ok()
        .stdout;
    assert!(out.starts_with("nothing to remove; 1 entry kept"), "{out}");
    let stats = graphchain(dir.path(), &["cache", "stats", "--json"])
        .ok()
        .json();
    assert_eq!(stats["payloads"], 1);

    // A budget it does not fit in removes it, and its payload.
    let out = graphchain(dir.path(), &["cache", "prune", "--max-size", "100KB"])
        .ok()
        .stdout;
    assert!(
        out.starts_with(&format!("removed  {}  blob  ", a.short())),
        "{out}"
    );
    assert!(
        out.contains("\nremoved 1 entry and 1 shared payload, freed 19"),
        "{out}"
    );
    let stats = graphchain(dir.path(), &["cache", "stats", "--json"])
        .ok()
        .json();
    assert_eq!(
        (&stats["entries"], &stats["payloads"]),
        (&0.into(), &0.into())
    );
}
