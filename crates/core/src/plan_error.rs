//! Why a plan cannot be made ([`PlanError`]): a leaf module, so that [`crate::Error`] can carry
//! it without depending on planning (which reads the loaded migrations).

/// Why a plan cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The target id is not a known migration.
    #[error("unknown migration `{0}`")]
    Unknown(String),
    /// The target must be applied for this rollback.
    #[error("migration `{0}` is not applied")]
    NotApplied(String),
    /// `--steps` would revert a migration while something depending on it stays applied.
    #[error(
        "cannot roll back the last {steps}: `{id}` is among them but `{dependent}`, which depends on it, was applied earlier and stays applied; use `down --id {id}`"
    )]
    Entangled {
        /// The requested step count.
        steps: usize,
        /// The migration that cannot go.
        id: String,
        /// What still needs it.
        dependent: String,
    },
}
