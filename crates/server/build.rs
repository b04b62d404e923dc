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
    if target == "x86_64-unknown-linux-gnu" && !custom_linker {
        let order = format!("{}/link/startup.order", env!("CARGO_MANIFEST_DIR"));
        println!("cargo:rustc-link-arg-bin=tsunagu=-Wl,--symbol-ordering-file={order}");
        println!("cargo:rustc-link-arg-bin=tsunagu=-Wl,--no-warn-symbol-ordering");
    }
}
