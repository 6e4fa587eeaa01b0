//! The web console's files are embedded with `include_dir!`, which tracks the files it read but
//! not files added to or removed from `console/`; this makes cargo rebuild when the folder changes.
fn main() {
    println!("cargo:rerun-if-changed=console");
}
