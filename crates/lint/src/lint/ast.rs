//! What of sqlparser the lint API shows. sqlparser's AST changes with almost every sqlparser
//! release, so the items whose signatures carry its types are public only with the `lint-ast`
//! feature (documented as "tied to the sqlparser version; may change in any minor release")
//! and crate-private otherwise: the engine's own rules use them either way. The gated
//! re-exports (`sql`, `table_key`, `parse_statement`) are in `lint/mod.rs`, the gated field
//! `ParsedStatement::ast` in `context.rs`; fns use `ast_fn!`.

/// Declares the fn that follows `pub` with the `lint-ast` feature and `pub(crate)` without
/// it: for fns whose signatures carry sqlparser types.
macro_rules! ast_fn {
    ($(#[$attr:meta])* fn $($item:tt)*) => {
        #[cfg(feature = "lint-ast")]
        $(#[$attr])*
        pub fn $($item)*
        #[cfg(not(feature = "lint-ast"))]
        $(#[$attr])*
        pub(crate) fn $($item)*
    };
}
