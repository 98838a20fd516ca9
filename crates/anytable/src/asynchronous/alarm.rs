//! A future that is ready once a wait has passed, from the timeout watchdog's thread
//! ([`crate::deadline`]): tokio's timers panic in a runtime built without `enable_time`
//! ("timers are disabled"), while the async API works in any tokio runtime.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use anytable_core::Interrupt;

use crate::deadline::Armed;

/// Ready once `wait` has passed.
pub(crate) fn after(wait: Duration) -> Alarm {
    let wake = Arc::new(Wake::default());
    Alarm {
        armed: Armed::arm(Some(wait), wake.clone()),
        wake,
    }
}

/// See [`after`]. The watchdog "interrupts" it at its deadline, which wakes the task.
pub(crate) struct Alarm {
    armed: Arc<Armed>,
    wake: Arc<Wake>,
}

#[derive(Default)]
struct Wake(Mutex<Option<Waker>>);

impl Interrupt for Wake {
    fn interrupt(&self) {
        let waker = self.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Future for Alarm {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.armed.check().is_err() {
            return Poll::Ready(());
        }
        *self.wake.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(cx.waker().clone());
        // The deadline may have passed between the check and the waker being stored.
        if self.armed.check().is_err() {
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl Drop for Alarm {
    fn drop(&mut self) {
        self.armed.disarm();
    }
}
