//! [`RecordStream`]: query results as a `Stream`, pulled from the sync cursor in batches off
//! the runtime's worker threads.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use tokio::task::JoinHandle;

use crate::{Error, ErrorKind, Record, Result, Select};

/// Rows read per hand-off to a blocking thread.
const BATCH: usize = 256;

/// Where a stream's rows come from: any iterator of rows that may move between threads.
type Source<R> = Box<dyn Iterator<Item = Result<R>> + Send>;

/// The rows of a query as a [`Stream`] of `Result<R>`; from [`AsyncSelect::stream`](super::AsyncSelect::stream).
///
/// Each time the consumer has taken every row read so far, the next poll reads up to 256
/// more from the query's cursor ([`Select::iter`]) off the worker threads, the way every call
/// of this API runs (see [the module docs](super)); nothing is read ahead, so a slow consumer
/// holds back the query. It ends after the last row or after the first error; dropping it
/// stops the query and frees its connection.
pub struct RecordStream<R> {
    ready: VecDeque<Result<R>>,
    state: State<R>,
    /// Items read per hand-off: [`BATCH`] rows, or one record batch (already thousands of rows).
    per_read: usize,
}

enum State<R> {
    /// Waiting to be polled for more.
    Idle(Source<R>),
    /// A blocking-pool thread is reading the next items.
    Reading(JoinHandle<(Source<R>, VecDeque<Result<R>>, bool)>),
    /// Ended: the last row, an error, or a source that went away.
    Done,
}

impl<R: Record + Send + 'static> RecordStream<R> {
    /// The rows of `select`, whose query starts at the first poll.
    pub(super) fn of(select: Select<'static, R>) -> Self {
        RecordStream::opened_at_first_poll(move || select.iter())
    }
}

impl<R: Send + 'static> RecordStream<R> {
    /// The rows `source` yields, read in batches off the worker threads.
    pub(super) fn from_source(source: Source<R>) -> Self {
        RecordStream {
            ready: VecDeque::new(),
            state: State::Idle(source),
            per_read: BATCH,
        }
    }

    /// The items of the iterator `open` starts (a query) at the first poll.
    fn opened_at_first_poll<I>(open: impl FnOnce() -> Result<I> + Send + 'static) -> Self
    where
        I: Iterator<Item = Result<R>> + Send + 'static,
    {
        let mut open = Some(open);
        let mut items: Option<I> = None;
        RecordStream::from_source(Box::new(std::iter::from_fn(move || {
            if let Some(open) = open.take() {
                match open() {
                    Ok(opened) => items = Some(opened),
                    Err(e) => return Some(Err(e)),
                }
            }
            items.as_mut()?.next()
        })))
    }

    /// A stream whose only item is `error`.
    pub(super) fn failed(error: Error) -> Self {
        RecordStream {
            ready: VecDeque::from([Err(error)]),
            state: State::Done,
            per_read: BATCH,
        }
    }

    /// The stream `call` would give inside a transaction: its only item is `InvalidInput`,
    /// saying to use `instead`.
    pub(super) fn refused_in_transaction(call: &str, instead: &str) -> Self {
        RecordStream::failed(Error::invalid_input(format!(
            "{call} cannot read inside a transaction, whose one connection it would hold while \
             other calls wait; use {instead} there"
        )))
    }
}

/// Query results as a [`Stream`] of Arrow record batches, one read per hand-off; from
/// [`AsyncSelect::arrow`](super::AsyncSelect::arrow) and
/// [`AsyncProjected::arrow`](super::AsyncProjected::arrow).
#[cfg(feature = "arrow")]
pub type BatchStream = RecordStream<arrow::record_batch::RecordBatch>;

#[cfg(feature = "arrow")]
impl BatchStream {
    /// The batches of the query `open` starts at the first poll.
    pub(super) fn of_batches(
        open: impl FnOnce() -> Result<crate::arrow::ArrowBatches<'static>> + Send + 'static,
    ) -> Self {
        let mut stream = RecordStream::opened_at_first_poll(open);
        stream.per_read = 1;
        stream
    }
}

impl<R> Drop for RecordStream<R> {
    fn drop(&mut self) {
        // Ending a cursor may wait on the server (behind a pooler it commits the transaction
        // wrapped around the query, whose locks must not outlive it): off a multi-threaded
        // runtime's worker where that is allowed, so its other tasks go on meanwhile; a batch
        // being read ends on its blocking thread.
        let State::Idle(source) = std::mem::replace(&mut self.state, State::Done) else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) if super::may_block_in_place(&runtime) => {
                tokio::task::block_in_place(|| drop(source));
            }
            _ => drop(source),
        }
    }
}

/// Reads up to `per_read` items from `source`; the flag says whether it ended (last item or
/// an error).
fn read_batch<R>(source: &mut Source<R>, per_read: usize) -> (VecDeque<Result<R>>, bool) {
    let mut batch = VecDeque::new();
    while batch.len() < per_read {
        match source.next() {
            Some(Ok(row)) => batch.push_back(Ok(row)),
            Some(Err(e)) => {
                batch.push_back(Err(e));
                return (batch, true);
            }
            None => return (batch, true),
        }
    }
    (batch, false)
}

impl<R: Send + 'static> Stream for RecordStream<R> {
    type Item = Result<R>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<R>>> {
        let this = &mut *self;
        let per_read = this.per_read;
        loop {
            if let Some(row) = this.ready.pop_front() {
                return Poll::Ready(Some(row));
            }
            match std::mem::replace(&mut this.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Idle(mut source) => {
                    let runtime = match super::runtime() {
                        Ok(runtime) => runtime,
                        Err(e) => return Poll::Ready(Some(Err(e))),
                    };
                    if super::may_block_in_place(&runtime) {
                        let (batch, ended) =
                            tokio::task::block_in_place(|| read_batch(&mut source, per_read));
                        this.ready = batch;
                        if !ended {
                            this.state = State::Idle(source);
                        }
                    } else {
                        this.state = State::Reading(runtime.spawn_blocking(move || {
                            let (batch, ended) = read_batch(&mut source, per_read);
                            (source, batch, ended)
                        }));
                    }
                }
                State::Reading(mut reading) => match Pin::new(&mut reading).poll(cx) {
                    Poll::Pending => {
                        this.state = State::Reading(reading);
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok((source, batch, ended))) => {
                        this.ready = batch;
                        if !ended {
                            this.state = State::Idle(source);
                        }
                    }
                    Poll::Ready(Err(e)) => {
                        let message = if e.is_panic() {
                            "the stream's reader panicked"
                        } else {
                            "the tokio runtime shut down while the stream was reading"
                        };
                        return Poll::Ready(Some(Err(Error::new(ErrorKind::Other, message))));
                    }
                },
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

    use super::{RecordStream, BATCH};
    use crate::Result;

    /// A million rows that count how many were read, and note when they were dropped.
    struct Counting {
        next: u64,
        produced: Arc<AtomicUsize>,
        stopped: Arc<AtomicBool>,
    }

    impl Iterator for Counting {
        type Item = Result<u64>;
        fn next(&mut self) -> Option<Result<u64>> {
            if self.next == 1_000_000 {
                return None;
            }
            self.produced.fetch_add(1, Ordering::SeqCst);
            self.next += 1;
            Some(Ok(self.next - 1))
        }
    }

    impl Drop for Counting {
        fn drop(&mut self) {
            self.stopped.store(true, Ordering::SeqCst);
        }
    }

    fn rows(items: Vec<Result<u64>>) -> RecordStream<u64> {
        RecordStream::from_source(Box::new(items.into_iter()))
    }

    #[test]
    fn nothing_is_read_ahead_of_the_consumer_and_dropping_stops_the_query() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        // In a task, as an application would poll it (the block_in_place path), and in
        // block_on (the blocking-pool path).
        // Rows in BATCH, record batches one at a time (BatchStream's setting).
        for (in_task, per_read) in [(true, BATCH), (false, BATCH), (true, 1), (false, 1)] {
            let (produced, stopped) = (
                Arc::new(AtomicUsize::new(0)),
                Arc::new(AtomicBool::new(false)),
            );
            let source = Counting {
                next: 0,
                produced: produced.clone(),
                stopped: stopped.clone(),
            };
            let check = async move {
                let mut stream = RecordStream::from_source(Box::new(source));
                stream.per_read = per_read;
                assert_eq!(stream.next().await.unwrap().unwrap(), 0);
                tokio::time::sleep(Duration::from_millis(100)).await;
                let ahead = produced.load(Ordering::SeqCst);
                assert_eq!(ahead, per_read, "one read's items, no more");
                assert!(!stopped.load(Ordering::SeqCst));
                drop(stream);
                assert!(
                    stopped.load(Ordering::SeqCst),
                    "dropping the stream dropped the cursor"
                );
            };
            if in_task {
                runtime.block_on(runtime.spawn(check)).unwrap();
            } else {
                runtime.block_on(check);
            }
        }
    }

    #[test]
    fn every_row_arrives_in_order_then_the_end() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let got: Vec<u64> = runtime.block_on(async {
            rows((0..1000).map(Ok).collect())
                .map(|r| r.unwrap())
                .collect()
                .await
        });
        assert_eq!(got, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn a_failed_query_ends_the_stream_with_its_error() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let items: Vec<_> = runtime.block_on(async {
            rows(vec![
                Ok(1),
                Err(crate::Error::invalid_input("broken")),
                Ok(2),
            ])
            .collect()
            .await
        });
        assert_eq!(items.len(), 2, "the row, then the error, then nothing");
        assert!(items[0].is_ok());
        assert_eq!(
            items[1].as_ref().unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
    }

    #[test]
    fn outside_a_runtime_the_only_item_is_unsupported() {
        use futures_util::FutureExt;
        let mut stream = rows(vec![Ok(1)]);
        let first = stream.next().now_or_never().expect("ready at once");
        assert_eq!(
            first.unwrap().unwrap_err().kind(),
            crate::ErrorKind::Unsupported
        );
    }

    #[test]
    fn a_panicking_reader_is_an_error_not_a_silent_end() {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let items: Vec<crate::Result<u64>> = runtime.block_on(async {
            RecordStream::from_source(Box::new(std::iter::from_fn(|| panic!("the reader panics"))))
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
