//! Cancel requests: how a timeout or a dropped async call stops a statement on the server.
//!
//! A cancel request is a connection of its own carrying the session's key. Behind PgBouncer it
//! is sent as libpq sends it, waiting for the other end to close the connection before closing
//! its own (or half-closing it): PgBouncer 1.18 (Debian 12's) exits on an assertion when the
//! client of a cancel request it is still forwarding goes away (`disconnect_client(): bad
//! client state`), and tokio-postgres's `cancel_query` half-closes at once.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anytable_core::Interrupt;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::Host;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{CancelToken, Config};

use crate::tls::MakeRustls;

/// How long a cancel request may take, connection included.
const CANCEL_WITHIN: Duration = Duration::from_secs(10);

/// Where a pooled session's cancel requests go when they must wait for the pooler (a pooler
/// in transaction mode, one TCP host); `None` sends them as tokio-postgres does.
pub(crate) fn pooler_address(config: &Config, pooled: bool) -> Option<Arc<(String, u16)>> {
    match (pooled, config.get_hosts(), config.get_ports()) {
        (true, [Host::Tcp(host)], ports) => {
            let port = ports
                .first()
                .copied()
                .unwrap_or(crate::driver::DEFAULT_PORT);
            Some(Arc::new((host.clone(), port)))
        }
        _ => None,
    }
}

/// Stops one session's running statement (SQLSTATE 57014) from a thread of its own, so
/// `interrupt` returns at once.
pub(crate) struct PostgresInterrupt {
    pub(crate) token: CancelToken,
    pub(crate) tls: MakeRustls,
    /// Set once a request was sent: one may still arrive after its statement ended, so the
    /// session is not lent again.
    pub(crate) cancelled: Arc<AtomicBool>,
    pub(crate) pooler: Option<Arc<(String, u16)>>,
}

impl Interrupt for PostgresInterrupt {
    fn interrupt(&self) {
        self.cancelled.store(true, Ordering::Release);
        let (token, tls, pooler) = (self.token.clone(), self.tls.clone(), self.pooler.clone());
        let _ = std::thread::Builder::new()
            .name("anytable-pg-cancel".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    // Nothing to do if it fails: the statement then runs to its end. The timer
                    // is made inside the runtime, which it needs.
                    let _ = runtime.block_on(async {
                        tokio::time::timeout(CANCEL_WITHIN, send(token, tls, pooler)).await
                    });
                }
            });
    }
}

async fn send(
    token: CancelToken,
    mut tls: MakeRustls,
    pooler: Option<Arc<(String, u16)>>,
) -> io::Result<()> {
    let Some(address) = pooler else {
        return token.cancel_query(tls).await.map_err(io::Error::other);
    };
    let (host, port) = &*address;
    let stream = tokio::net::TcpStream::connect((host.as_str(), *port)).await?;
    let connect = MakeTlsConnect::<WaitForClose>::make_tls_connect(&mut tls, host)
        .map_err(io::Error::other)?;
    token
        .cancel_query_raw(WaitForClose(stream), connect)
        .await
        .map_err(io::Error::other)
}

/// A TCP stream whose shutdown waits, as libpq's cancel does, until the other end closes.
struct WaitForClose(tokio::net::TcpStream);

impl AsyncRead for WaitForClose {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for WaitForClose {
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
        // No FIN first: PgBouncer takes an end of the client's stream for a client gone away.
        let mut scratch = [0u8; 64];
        loop {
            let mut buf = ReadBuf::new(&mut scratch);
            std::task::ready!(Pin::new(&mut self.0).poll_read(cx, &mut buf))?;
            if buf.filled().is_empty() {
                return Poll::Ready(Ok(()));
            }
        }
    }
}
