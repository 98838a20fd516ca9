//! TLS for connections to the server, on rustls (no OpenSSL to build or link), with libpq's
//! meanings of `sslmode` and `sslrootcert`.
//!
//! | `sslmode` | encrypted | server certificate checked |
//! |---|---|---|
//! | `disable` | never | - |
//! | `allow` | only if a plain session is refused | as `prefer` |
//! | `prefer` (the default) | if the server offers TLS | no, unless a root certificate file is there (then as `verify-ca`) |
//! | `require` | always | as `prefer` |
//! | `verify-ca` | always | signed by a trusted root |
//! | `verify-full` | always | signed by a trusted root, and issued for the host connected to |
//!
//! The trusted roots are `sslrootcert=FILE` (PEM), else `~/.postgresql/root.crt` when it
//! exists; `sslrootcert=system` trusts the operating system's roots and, as in libpq, implies
//! `verify-full`. Over a Unix socket there is no TLS, whatever the mode, as with libpq.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use anytable_core::{DatabaseUrl, Error, Result};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, CertificateRevocationListDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};
use tokio_rustls::TlsConnector;

/// How a pool's connections use TLS: the mode of the first attempt, the mode of a second one
/// (`sslmode=allow` retries with TLS, `prefer` in plain text), and the TLS client both use.
#[derive(Clone)]
pub(crate) struct Tls {
    pub(crate) mode: SslMode,
    pub(crate) fallback: Option<SslMode>,
    pub(crate) connector: MakeRustls,
}

/// How much of the server's certificate is checked.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Check {
    /// Encryption only: any certificate is accepted (its handshake signature is still checked).
    Nothing,
    /// The certificate chains to a trusted root; the name in it is not compared.
    Chain,
    /// The certificate chains to a trusted root and names the host connected to.
    ChainAndName,
}

/// Where trusted roots come from.
enum Roots {
    File(PathBuf),
    System,
}

/// Reads `sslmode` and `sslrootcert` from `url`; `unix_only` says every host is a socket
/// directory, over which libpq never uses TLS.
pub(crate) fn from_url(url: &DatabaseUrl, unix_only: bool) -> Result<Tls> {
    configure(url, unix_only, default_root_file())
}

/// [`from_url`] with libpq's default root file, `~/.postgresql/root.crt`, given (where it
/// exists), so tests need not change the environment.
fn configure(url: &DatabaseUrl, unix_only: bool, default_roots: Option<PathBuf>) -> Result<Tls> {
    let roots = match url.option("sslrootcert") {
        Some("") => return Err(Error::invalid_input("sslrootcert= names no file")),
        Some("system") => Some(Roots::System),
        Some(path) => Some(Roots::File(PathBuf::from(path))),
        None => default_roots.map(Roots::File),
    };
    let system = matches!(roots, Some(Roots::System));
    let mode = url
        .option("sslmode")
        .unwrap_or(if system { "verify-full" } else { "prefer" });
    let (first, fallback, demanded) = match mode {
        "disable" => (SslMode::Disable, None, Check::Nothing),
        "allow" => (SslMode::Disable, Some(SslMode::Require), Check::Nothing),
        // libpq's prefer: a TLS session that fails (a certificate the roots do not vouch
        // for) is tried again in plain text, which prefer allows anyway.
        "prefer" => (SslMode::Prefer, Some(SslMode::Disable), Check::Nothing),
        "require" => (SslMode::Require, None, Check::Nothing),
        "verify-ca" => (SslMode::Require, None, Check::Chain),
        "verify-full" => (SslMode::Require, None, Check::ChainAndName),
        other => {
            return Err(Error::invalid_input(format!(
                "sslmode={other:?} must be disable, allow, prefer, require, verify-ca or \
                 verify-full"
            )))
        }
    };
    if system && demanded != Check::ChainAndName {
        // libpq: the system's roots trust any public name, so only verify-full is safe.
        return Err(Error::invalid_input(format!(
            "sslmode={mode} may not be used with sslrootcert=system: use sslmode=verify-full"
        )));
    }
    if demanded != Check::Nothing && roots.is_none() {
        return Err(Error::invalid_input(format!(
            "sslmode={mode} checks the server's certificate, but there is no root certificate \
             to check it against: give sslrootcert=FILE (PEM), sslrootcert=system for the \
             operating system's roots, or create ~/.postgresql/root.crt"
        )));
    }
    let roots = match roots {
        // libpq never reads roots under disable: there is no certificate to check.
        _ if mode == "disable" => None,
        // libpq: a mode that checks nothing ignores a root file that is not there.
        Some(Roots::File(path)) if demanded == Check::Nothing && !path.exists() => None,
        other => other,
    };
    // libpq checks the chain whenever it has roots, even where the mode does not ask.
    let check = match (&roots, demanded) {
        (Some(_), Check::Nothing) => Check::Chain,
        (_, check) => check,
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match (check, roots) {
        (Check::Nothing, _) | (_, None) => Arc::new(AnyCertificate(provider.clone())),
        (check, Some(roots)) => {
            let mut builder = WebPkiServerVerifier::builder_with_provider(
                Arc::new(load_roots(&roots)?),
                provider.clone(),
            );
            if let Some(file) = revocations(url)? {
                // As libpq: a certificate a list revokes is refused; one whose issuer has no
                // list here is not (libpq checks only the lists it is given).
                builder = builder
                    .with_crls(load_crls(&file)?)
                    .allow_unknown_revocation_status();
            }
            let full = builder
                .build()
                .map_err(|e| Error::invalid_input(format!("sslrootcert: {e}")))?;
            if check == Check::Chain {
                Arc::new(ChainOnly(full))
            } else {
                full
            }
        }
    };
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid_input(format!("TLS: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let (mode, fallback) = if unix_only {
        (SslMode::Disable, None)
    } else {
        (first, fallback)
    };
    Ok(Tls {
        mode,
        fallback,
        connector: MakeRustls(Arc::new(config)),
    })
}

/// The certificate revocation lists to check against: `sslcrl=FILE` (PEM), else libpq's
/// default `~/.postgresql/root.crl` where it exists.
fn revocations(url: &DatabaseUrl) -> Result<Option<PathBuf>> {
    match url.option("sslcrl") {
        Some("") => Err(Error::invalid_input("sslcrl= names no file")),
        Some(path) => Ok(Some(PathBuf::from(path))),
        None => Ok(std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".postgresql/root.crl"))
            .filter(|file| file.is_file())),
    }
}

fn load_crls(file: &Path) -> Result<Vec<CertificateRevocationListDer<'static>>> {
    let shown = file.display();
    let lists = CertificateRevocationListDer::pem_file_iter(file)
        .map_err(|e| Error::invalid_input(format!("sslcrl={shown}: {e}")))?
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::invalid_input(format!("sslcrl={shown}: {e}")))?;
    if lists.is_empty() {
        return Err(Error::invalid_input(format!(
            "sslcrl={shown} holds no PEM certificate revocation list"
        )));
    }
    Ok(lists)
}

/// `~/.postgresql/root.crt`, libpq's default roots, where it exists.
fn default_root_file() -> Option<PathBuf> {
    let file = PathBuf::from(std::env::var_os("HOME")?).join(".postgresql/root.crt");
    file.is_file().then_some(file)
}

fn load_roots(roots: &Roots) -> Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    match roots {
        Roots::File(path) => {
            let shown = path.display();
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|e| Error::invalid_input(format!("sslrootcert={shown}: {e}")))?;
            for certificate in certificates {
                let certificate = certificate
                    .map_err(|e| Error::invalid_input(format!("sslrootcert={shown}: {e}")))?;
                store.add(certificate).map_err(|e| {
                    Error::invalid_input(format!("sslrootcert={shown}: a certificate in it: {e}"))
                })?;
            }
            if store.is_empty() {
                return Err(Error::invalid_input(format!(
                    "sslrootcert={shown} holds no PEM certificate"
                )));
            }
        }
        Roots::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _unparsable) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                return Err(Error::invalid_input(format!(
                    "sslrootcert=system: the operating system has no trusted roots anytable \
                     can read ({} errors)",
                    found.errors.len()
                )));
            }
        }
    }
    Ok(store)
}

/// Accepts any certificate, for modes that ask for encryption only; the handshake's
/// signature is still verified against the certificate presented.
#[derive(Debug)]
struct AnyCertificate(Arc<CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `verify-ca`: the whole check of `verify-full` except that the certificate names the host.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> std::result::Result<ServerCertVerified, rustls::Error> {
        // The chain is verified before the name: a name error means the chain held.
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> std::result::Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// tokio-postgres's TLS hook, made once per pool and asked for a connector per host.
#[derive(Clone)]
pub(crate) struct MakeRustls(Arc<ClientConfig>);

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> MakeTlsConnect<S> for MakeRustls {
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = rustls::pki_types::InvalidDnsNameError;

    fn make_tls_connect(&mut self, host: &str) -> std::result::Result<RustlsConnect, Self::Error> {
        // A Unix socket has no host name; tokio-postgres never starts TLS on one (the server
        // declines it), so the name is a placeholder that is never checked.
        let name = ServerName::try_from(if host.is_empty() { "localhost" } else { host })?;
        Ok(RustlsConnect {
            config: self.0.clone(),
            name: name.to_owned(),
        })
    }
}

/// The TLS handshake for one connection to one host.
pub(crate) struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> TlsConnect<S> for RustlsConnect {
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let connector = TlsConnector::from(self.config);
        Box::pin(async move { connector.connect(self.name, stream).await.map(RustlsStream) })
    }
}

/// An encrypted connection to the server.
pub(crate) struct RustlsStream<S>(tokio_rustls::client::TlsStream<S>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        // SCRAM then authenticates without channel binding (libpq's channel_binding=prefer).
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tls(query: &str, unix_only: bool, default_roots: Option<PathBuf>) -> Result<Tls> {
        let url = DatabaseUrl::parse(&format!("postgres://u@h/db?{query}")).unwrap();
        configure(&url, unix_only, default_roots)
    }

    fn modes(query: &str) -> (SslMode, Option<SslMode>) {
        let tls = tls(query, false, None).unwrap();
        (tls.mode, tls.fallback)
    }

    #[test]
    fn modes_follow_libpq() {
        assert_eq!(
            modes(""),
            (SslMode::Prefer, Some(SslMode::Disable)),
            "libpq's default: TLS, plain if TLS fails"
        );
        assert_eq!(modes("sslmode=disable"), (SslMode::Disable, None));
        assert_eq!(
            modes("sslmode=allow"),
            (SslMode::Disable, Some(SslMode::Require)),
            "plain first, TLS if refused"
        );
        assert_eq!(modes("sslmode=require"), (SslMode::Require, None));
    }

    #[test]
    fn disable_reads_no_root_file() {
        let dir = std::env::temp_dir().join(format!("anytable-roots-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let garbage = dir.join("root.crt");
        std::fs::write(&garbage, "not a certificate").unwrap();
        let plain = tls("sslmode=disable", false, Some(garbage.clone()));
        assert_eq!(plain.map(|t| t.mode).ok(), Some(SslMode::Disable));
        let explicit = tls(
            &format!("sslmode=disable&sslrootcert={}", garbage.display()),
            false,
            None,
        );
        assert!(explicit.is_ok(), "an explicit root file is not read either");
        // Where a certificate may be checked, the broken file is an error, as in libpq.
        assert!(tls("sslmode=require", false, Some(garbage)).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_unix_socket_never_uses_tls() {
        let tls = tls("sslmode=require", true, None).unwrap();
        assert_eq!((tls.mode, tls.fallback), (SslMode::Disable, None));
    }

    #[test]
    fn checking_a_certificate_needs_roots() {
        for mode in ["verify-ca", "verify-full"] {
            let err = tls(&format!("sslmode={mode}"), false, None).err().unwrap();
            assert_eq!(err.kind(), anytable_core::ErrorKind::InvalidInput, "{err}");
            assert!(err.message().contains("sslrootcert=FILE"), "{err}");
        }
        // libpq's default file stands in for sslrootcert= where it exists.
        let missing = PathBuf::from("/nonexistent/root.crt");
        let err = tls("sslmode=verify-full", false, Some(missing))
            .err()
            .unwrap();
        assert!(err.message().contains("/nonexistent/root.crt"), "{err}");
    }

    #[test]
    fn system_roots_demand_verify_full() {
        for mode in ["disable", "prefer", "require", "verify-ca"] {
            let err = tls(&format!("sslmode={mode}&sslrootcert=system"), false, None)
                .err()
                .unwrap();
            assert_eq!(err.kind(), anytable_core::ErrorKind::InvalidInput, "{err}");
            assert!(err.message().contains("verify-full"), "{err}");
        }
    }

    #[test]
    fn bad_settings_are_invalid_input() {
        for query in [
            "sslmode=sometimes",
            "sslrootcert=",
            "sslmode=verify-ca&sslrootcert=/nonexistent/ca.pem",
        ] {
            let err = tls(query, false, None).err().unwrap();
            assert_eq!(
                err.kind(),
                anytable_core::ErrorKind::InvalidInput,
                "{query}: {err}"
            );
        }
        let dir = std::env::temp_dir().join(format!("anytable-tls-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let empty = dir.join("empty.pem");
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let err = tls(
            &format!("sslmode=verify-ca&sslrootcert={}", empty.display()),
            false,
            None,
        )
        .err()
        .unwrap();
        assert!(err.message().contains("holds no PEM certificate"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
        // As libpq: a mode that checks nothing ignores a root file that is not there.
        assert!(tls(
            "sslmode=require&sslrootcert=/nonexistent/ca.pem",
            false,
            None
        )
        .is_ok());
    }
}
