//! The web console's files are embedded with `include_dir!`, and the migrations with
//! `embed_migrations!`; both track the files they read but not files added to or removed from
//! their folders (a new migration directory). This makes cargo rebuild when either folder changes.
fn main() {
    println!("cargo:rerun-if-changed=console");
    println!("cargo:rerun-if-changed=migrations");
}
