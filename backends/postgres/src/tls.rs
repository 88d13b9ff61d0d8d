//! TLS for the connection: rustls with the ring provider, verifying as much as `sslmode` asks.

use std::path::Path;
use std::sync::Arc;

use cairn::BackendError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::verify_server_cert_signed_by_trust_anchor;
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms, ring};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{ClientConfig, DigitallySignedStruct, Error, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::url::{Target, TlsMode};

/// The TLS connector `target` needs, or `None` for `sslmode=disable`.
pub fn connector(target: &Target) -> Result<Option<MakeRustlsConnect>, BackendError> {
    let provider = Arc::new(ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match (target.tls, &target.root_cert) {
        (TlsMode::Disable, _) => return Ok(None),
        // libpq checks nothing in these modes unless it is given a root certificate.
        (TlsMode::Prefer, _) | (TlsMode::Require, None) => {
            Arc::new(ChainVerifier::new(None, &provider))
        }
        (TlsMode::Require | TlsMode::VerifyCa, root) => {
            Arc::new(ChainVerifier::new(Some(roots(root.as_deref())?), &provider))
        }
        (TlsMode::VerifyFull, root) => rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots(root.as_deref())?),
            provider.clone(),
        )
        .build()
        .map_err(|e| BackendError::Other(format!("cannot set up TLS verification: {e}")))?,
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| BackendError::Other(format!("cannot set up TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Some(MakeRustlsConnect::new(config)))
}

/// The CAs in the PEM file `path`, or the public web roots when there is none.
pub fn roots(path: Option<&Path>) -> Result<RootCertStore, BackendError> {
    let Some(path) = path else {
        return Ok(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
    };
    let bad = |e: &dyn std::fmt::Display| {
        BackendError::Url(format!("sslrootcert {}: {e}", path.display()))
    };
    let mut store = RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(path).map_err(|e| bad(&e))? {
        store.add(cert.map_err(|e| bad(&e))?).map_err(|e| bad(&e))?;
    }
    if store.is_empty() {
        return Err(bad(&"the file holds no PEM certificate"));
    }
    Ok(store)
}

/// Checks the server's chain against `roots` (when set) but never its name, as libpq's
/// `verify-ca` (and `require` with a root certificate); with no roots, accepts any
/// certificate, as libpq's `require`. Handshake signatures are always verified, so the server
/// must still hold the key of the certificate it presents.
#[derive(Debug)]
pub struct ChainVerifier {
    roots: Option<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ChainVerifier {
    /// A verifier using `provider`'s signature algorithms.
    pub fn new(roots: Option<RootCertStore>, provider: &CryptoProvider) -> ChainVerifier {
        ChainVerifier {
            roots,
            algorithms: provider.signature_verification_algorithms,
        }
    }
}

impl ServerCertVerifier for ChainVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        if let Some(roots) = &self.roots {
            let cert = ParsedCertificate::try_from(end_entity)?;
            verify_server_cert_signed_by_trust_anchor(
                &cert,
                roots,
                intermediates,
                now,
                self.algorithms.all,
            )?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name)
    }

    fn server_cert() -> CertificateDer<'static> {
        CertificateDer::from_pem_file(fixture("server.pem")).unwrap()
    }

    fn check(verifier: &dyn ServerCertVerifier, name: &str) -> Result<ServerCertVerified, Error> {
        let name = ServerName::try_from(name.to_string()).unwrap();
        verifier.verify_server_cert(&server_cert(), &[], &name, &[], UnixTime::now())
    }

    fn chain(ca: &str) -> ChainVerifier {
        let roots = roots(Some(&fixture(ca))).unwrap();
        ChainVerifier::new(Some(roots), &ring::default_provider())
    }

    #[test]
    fn verify_ca_checks_the_chain_but_not_the_name() {
        check(&chain("ca.pem"), "localhost").unwrap();
        check(&chain("ca.pem"), "db.elsewhere.example").unwrap();
        let e = check(&chain("other-ca.pem"), "localhost").unwrap_err();
        assert!(e.to_string().contains("UnknownIssuer"), "{e}");
    }

    #[test]
    fn verify_full_checks_the_name_too() {
        let provider = Arc::new(ring::default_provider());
        let roots = Arc::new(roots(Some(&fixture("ca.pem"))).unwrap());
        let full = rustls::client::WebPkiServerVerifier::builder_with_provider(roots, provider)
            .build()
            .unwrap();
        check(full.as_ref(), "localhost").unwrap();
        check(full.as_ref(), "127.0.0.1").unwrap();
        let e = check(full.as_ref(), "db.elsewhere.example").unwrap_err();
        assert!(e.to_string().contains("not valid for name"), "{e}");
    }

    #[test]
    fn require_accepts_any_certificate() {
        let any = ChainVerifier::new(None, &ring::default_provider());
        check(&any, "anything.example").unwrap();
        assert!(!any.supported_verify_schemes().is_empty());
    }

    #[test]
    fn a_bad_root_file_is_a_clear_error() {
        let e = roots(Some(Path::new("/nonexistent/ca.pem"))).unwrap_err();
        assert!(
            e.to_string().contains("sslrootcert /nonexistent/ca.pem"),
            "{e}"
        );
        let e = roots(Some(&fixture("server.key"))).unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        assert!(!roots(None).unwrap().is_empty());
    }

    #[test]
    fn every_mode_but_disable_gets_a_connector() {
        let mode = |m: &str| crate::url::parse(&format!("postgres://u@h/d?sslmode={m}")).unwrap();
        assert!(connector(&mode("disable")).unwrap().is_none());
        for m in ["prefer", "require", "verify-ca", "verify-full"] {
            assert!(connector(&mode(m)).unwrap().is_some(), "{m}");
        }
        let missing =
            crate::url::parse("postgres://u@h/d?sslmode=verify-ca&sslrootcert=/no/ca.pem").unwrap();
        assert!(connector(&missing).is_err());
    }
}
