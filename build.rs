//! On Linux the function's executable is linked at a fixed address rather than as a
//! position-independent one. A position-independent build carries some 36,000 relocations
//! that the dynamic loader applies on every cold start before `main`, copying each page of
//! constants they touch, and the first caller waits for it (BENCHMARKS.md, "Choices"). Only
//! the executable: the libraries it loads keep their random addresses.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bin=connect-rules=-no-pie");
    }
}
