//! Compiles `fixtures/embedded/` into the tests, as a user's service embeds its migrations
//! (`tests/tests/embedded.rs`).

fn main() {
    cairn_build::embed_migrations("fixtures/embedded");
}
