//! How the release binary is linked. Both settings only lower the memory a server holds
//! once started (docs/benchmarks.md, "Server memory"); neither changes what it does.

use std::env;

fn main() {
    println!("cargo:rerun-if-changed=link/startup.order");
    println!("cargo:rerun-if-env-changed=CARGO_ENCODED_RUSTFLAGS");
    let release = env::var("PROFILE").as_deref() == Ok("release");
    let target = env::var("TARGET").unwrap_or_default();
    if !release || !target.ends_with("-linux-gnu") {
        return;
    }
    // Relative relocations packed (DT_RELR, glibc 2.36): at start the dynamic loader reads a
    // few kilobytes instead of a 1.7 MB table.
    println!("cargo:rustc-link-arg-bin=tsunagu=-Wl,-z,pack-relative-relocs");

    // The functions that run while the server starts, placed together at the front of the
    // code. Scattered, they brought about 13 MB of the binary into memory (the kernel maps
    // 64 KB around each page first touched); together, about 4. The list names symbols, so it
    // needs rust-lld, the default linker of this target; a name the build no longer has is
    // skipped. `link/refresh-startup-order.sh` writes it again.
    let custom_linker = env::var("CARGO_ENCODED_RUSTFLAGS")
        .unwrap_or_default()
        .contains("link");
    if target == "x86_64-unknown-linux-gnu" && !custom_linker && rustc_links_with_lld() {
        let order = format!("{}/link/startup.order", env!("CARGO_MANIFEST_DIR"));
        println!("cargo:rustc-link-arg-bin=tsunagu=-Wl,--symbol-ordering-file={order}");
        println!("cargo:rustc-link-arg-bin=tsunagu=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether this rustc links the target with its own lld by default (Rust 1.90 and later;
/// older ones use the system's linker, which may not take a symbol list).
fn rustc_links_with_lld() -> bool {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let Ok(output) = std::process::Command::new(rustc).arg("--version").output() else {
        return false;
    };
    // "rustc 1.95.0 (59807616e 2026-04-14)"
    let version = String::from_utf8_lossy(&output.stdout);
    let minor = version
        .split_whitespace()
        .nth(1)
        .and_then(|v| v.split('.').nth(1)?.parse::<u32>().ok());
    minor.is_some_and(|minor| minor >= 90)
}
