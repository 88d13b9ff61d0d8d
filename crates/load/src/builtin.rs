//! The built-in migrations (auth, audit, scan), embedded at compile time, so a user of the
//! library or of the installed binary has them without the source tree.

use std::path::PathBuf;

use crate::error::Result;
use crate::source::SourceFile;

include!(concat!(env!("OUT_DIR"), "/builtin.rs"));

/// The module of a built-in file: the first part of its path (`auth/0001_...`).
fn module_of(path: &str) -> &str {
    path.split('/').next().unwrap_or_default()
}

/// Names of the built-in modules, sorted.
pub fn builtin_modules() -> Vec<&'static str> {
    let mut m: Vec<&str> = BUILTIN.files.iter().map(|f| module_of(f.path)).collect();
    m.dedup();
    m
}

/// The files of the named modules, with ids like `auth/0001_companies_users` and paths shown as
/// `builtin:auth/0001_companies_users.yaml`.
pub fn builtin_files(modules: &[String]) -> Result<Vec<SourceFile>> {
    let known = builtin_modules();
    if let Some(bad) = modules.iter().find(|m| !known.contains(&m.as_str())) {
        return Err(crate::error::Refused::UnknownBuiltin {
            name: bad.clone(),
            known: known.iter().map(|k| k.to_string()).collect(),
        }
        .into());
    }
    Ok(BUILTIN
        .files
        .iter()
        .filter(|f| modules.iter().any(|m| m == module_of(f.path)))
        .map(|f| SourceFile {
            path: PathBuf::from(format!("builtin:{}", f.path)),
            default_id: f
                .path
                .rsplit_once('.')
                .map_or(f.path, |(stem, _)| stem)
                .to_string(),
            text: f.text.to_string(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_module_is_embedded_and_loads() {
        assert_eq!(builtin_modules(), ["audit", "auth", "scan"]);
        let files = builtin_files(&["auth".into(), "audit".into(), "scan".into()]).unwrap();
        assert!(
            files
                .iter()
                .any(|f| f.default_id == "auth/0001_companies_users")
        );
        let set = crate::load_files(files, crate::Dialect::Postgres).unwrap();
        assert!(set.len() >= 9);
        let err = builtin_files(&["billing".into()]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "no built-in module `billing` (available: audit, auth, scan)"
        );
        assert!(matches!(
            err,
            cairn_core::Error::Refused(cairn_core::Refused::UnknownBuiltin { name, .. }) if name == "billing"
        ));
    }
}
