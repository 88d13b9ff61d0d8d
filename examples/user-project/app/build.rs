fn main() {
    cairn_build::embed_migrations("migrations");
}
