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
            // The rows read before an error still arrive, then the error.
            if !batch.is_empty() {
                let _ = sender.blocking_send(Message::Batch(batch));
            }
            let last = match result {
                Ok(()) => Message::Done,
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use futures_util::StreamExt;

    use super::{RecordStream, BATCH, BATCHES_IN_FLIGHT};

    /// A query of a million rows that counts how many it produced and notes when it stopped.
    fn counting_stream(produced: Arc<AtomicUsize>, stopped: Arc<AtomicBool>) -> RecordStream<u64> {
        RecordStream::spawn(move |each| {
            for row in 0..1_000_000u64 {
                produced.fetch_add(1, Ordering::SeqCst);
                if !each(row)? {
                    break;
                }
            }
            stopped.store(true, Ordering::SeqCst);
            Ok(())
        })
    }

    #[test]
    fn the_reader_waits_for_a_slow_consumer_and_stops_when_dropped() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let (produced, stopped) = (Arc::default(), Arc::default());
            let mut stream = counting_stream(Arc::clone(&produced), Arc::clone(&stopped));
            assert_eq!(stream.next().await.unwrap().unwrap(), 0);
            tokio::time::sleep(Duration::from_millis(200)).await;
            // In flight: the batches in the channel, the one being read and the one being filled.
            let bound = BATCH * (BATCHES_IN_FLIGHT + 2);
            let ahead = produced.load(Ordering::SeqCst);
            assert!(
                ahead <= bound,
                "the reader ran {ahead} rows ahead (bound {bound})"
            );
            assert!(
                !stopped.load(Ordering::SeqCst),
                "still waiting, not finished"
            );
            drop(stream);
            for _ in 0..100 {
                if stopped.load(Ordering::SeqCst) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            assert!(
                stopped.load(Ordering::SeqCst),
                "dropping the stream stopped the query"
            );
            assert!(produced.load(Ordering::SeqCst) <= bound + 1);
        });
    }

    #[test]
    fn every_row_arrives_in_order_then_the_end() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let rows: Vec<u64> = runtime.block_on(async {
            RecordStream::spawn(|each| {
                for row in 0..1000u64 {
                    if !each(row)? {
                        break;
                    }
                }
                Ok(())
            })
            .map(|r| r.unwrap())
            .collect()
            .await
        });
        assert_eq!(rows, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_failed_query_ends_the_stream_with_its_error() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let items: Vec<_> = runtime.block_on(async {
            RecordStream::spawn(|each| {
                each(1u64)?;
                Err(crate::Error::invalid_input("broken"))
            })
            .collect()
            .await
        });
        assert_eq!(items.len(), 2, "the row, then the error");
        assert!(items[0].is_ok());
        assert_eq!(
            items[1].as_ref().unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn outside_a_runtime_the_only_item_is_unsupported() {
        use futures_util::FutureExt;
        let mut stream = RecordStream::<u64>::spawn(|_each| Ok(()));
        let first = stream.next().now_or_never().expect("ready at once");
        assert_eq!(
            first.unwrap().unwrap_err().kind(),
            crate::ErrorKind::Unsupported
        );
        assert!(stream.next().now_or_never().expect("ready").is_none());
    }

    #[test]
    fn a_panicking_reader_is_an_error_not_a_silent_end() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let items: Vec<crate::Result<u64>> = runtime.block_on(async {
            RecordStream::spawn(|_each| panic!("the reader panics"))
                .collect()
                .await
        });
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0].as_ref().unwrap_err().kind(),
            crate::ErrorKind::Other
        );
    }
}
