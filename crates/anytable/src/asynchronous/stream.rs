//! [`RecordStream`]: query results as a `Stream`, read on the blocking pool with back-pressure.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::sync::mpsc;

use crate::{Error, ErrorKind, Result};

/// Rows sent to the stream per message.
const BATCH: usize = 256;
/// Batches the reader may get ahead of the consumer before it waits.
const BATCHES_IN_FLIGHT: usize = 2;

enum Message<R> {
    Batch(Vec<R>),
    Failed(Error),
    Done,
}

/// The rows of a query as a [`Stream`] of `Result<R>`; from [`AsyncSelect::stream`](super::AsyncSelect::stream).
///
/// The query runs on tokio's blocking pool and sends batches of rows through a bounded
/// channel, so it pauses while the consumer is behind. It ends after the last row or after
/// the first error; dropping it stops the query and frees its connection.
pub struct RecordStream<R> {
    receiver: mpsc::Receiver<Message<R>>,
    batch: std::vec::IntoIter<R>,
    finished: bool,
}

impl<R: Send + 'static> RecordStream<R> {
    /// Runs `query` on the blocking pool; it calls the function it is given with each row, and
    /// stops when that returns `Ok(false)` (the stream was dropped).
    pub(super) fn spawn(
        query: impl FnOnce(&mut dyn FnMut(R) -> Result<bool>) -> Result<()> + Send + 'static,
    ) -> Self {
        let runtime = match super::runtime() {
            Ok(runtime) => runtime,
            Err(e) => return RecordStream::failed(e),
        };
        let (sender, receiver) = mpsc::channel(BATCHES_IN_FLIGHT);
        runtime.spawn_blocking(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let result = query(&mut |row| {
                batch.push(row);
                if batch.len() < BATCH {
                    return Ok(true);
                }
                let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
                // An error means the stream was dropped: stop reading.
                Ok(sender.blocking_send(Message::Batch(full)).is_ok())
            });
            let last = match result {
                Ok(()) => {
                    if !batch.is_empty() {
                        let _ = sender.blocking_send(Message::Batch(batch));
                    }
                    Message::Done
                }
                Err(e) => Message::Failed(e),
            };
            let _ = sender.blocking_send(last);
        });
        RecordStream {
            receiver,
            batch: Vec::new().into_iter(),
            finished: false,
        }
    }

    /// A stream whose only item is `error`.
    pub(super) fn failed(error: Error) -> Self {
        let (sender, receiver) = mpsc::channel(1);
        let _ = sender.try_send(Message::Failed(error));
        RecordStream {
            receiver,
            batch: Vec::new().into_iter(),
            finished: false,
        }
    }
}

impl<R> Stream for RecordStream<R> {
    type Item = Result<R>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<R>>> {
        let this = &mut *self;
        loop {
            if let Some(row) = this.batch.next() {
                return Poll::Ready(Some(Ok(row)));
            }
            if this.finished {
                return Poll::Ready(None);
            }
            match this.receiver.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Message::Batch(batch))) => this.batch = batch.into_iter(),
                Poll::Ready(Some(Message::Done)) => this.finished = true,
                Poll::Ready(Some(Message::Failed(e))) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    this.finished = true;
                    return Poll::Ready(Some(Err(Error::new(
                        ErrorKind::Other,
                        "the stream's reader stopped without finishing (it panicked)",
                    ))));
                }
            }
        }
    }
}

impl<R> Unpin for RecordStream<R> {}
