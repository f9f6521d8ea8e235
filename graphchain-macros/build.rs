//! Records the compiler's version, which `delayed_fn!` mixes into the identity of functions it
//! cannot hash the code of (paths into `std` or other crates): a new toolchain may change them.

use std::process::Command;

fn main() {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let version = Command::new(rustc)
        .arg("-V")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=GRAPHCHAIN_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-changed=build.rs");
}
