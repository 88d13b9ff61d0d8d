//! Test-only TLS files for the throwaway servers: the fixtures in
//! `backends/postgres/tests/fixtures` (a certificate for `localhost` and `127.0.0.1` signed by
//! `ca.pem`), read from this checkout rather than generated, so no openssl is needed.

use std::fs::Permissions;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};

use super::process;

/// Copies of the fixtures in a server's directory.
#[derive(Debug)]
pub struct Files {
    /// The server certificate.
    pub cert: PathBuf,
    /// Its private key.
    pub key: PathBuf,
    /// The CA certificate that signed it.
    pub ca: PathBuf,
    /// Absolute path of `ca.pem` in the checkout, for the tests to verify the server with.
    pub fixture_ca: PathBuf,
}

/// The fixture directory of the checkout this harness was built from.
fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../backends/postgres/tests/fixtures")
}

/// Copies `server.pem`, `server.key` and `ca.pem` into `dir`, mode 0600 and owned by `user`
/// when given: servers refuse a key that others can read.
pub fn install(dir: &Path, user: Option<&str>) -> Result<Files> {
    let copy = |name: &str| -> Result<PathBuf> {
        let (from, to) = (fixtures().join(name), dir.join(name));
        std::fs::copy(&from, &to)
            .with_context(|| format!("cannot copy {} to {}", from.display(), to.display()))?;
        std::fs::set_permissions(&to, Permissions::from_mode(0o600))
            .with_context(|| format!("cannot make {} private", to.display()))?;
        if let Some(user) = user {
            process::chown(&to, user)?;
        }
        Ok(to)
    };
    let ca = fixtures().join("ca.pem");
    let fixture_ca = std::fs::canonicalize(&ca)
        .with_context(|| format!("cannot find the test CA {}", ca.display()))?;
    Ok(Files {
        cert: copy("server.pem")?,
        key: copy("server.key")?,
        ca: copy("ca.pem")?,
        fixture_ca,
    })
}
