//! The time acts write. The library never reads the system clock itself: a [`Ledger`] is given
//! a clock, the CLI the system's, tests and the ledger generator a fixed one, so that the same
//! keys and clock build the same ledger byte for byte (ed25519 and SSHSIG are deterministic).
//!
//! [`Ledger`]: crate::Ledger

use std::sync::atomic::{AtomicI64, Ordering};

/// A source of the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    /// Now.
    fn now_ms(&self) -> i64;
}

/// The system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| i64::try_from(d.as_millis()).ok())
            .unwrap_or(0)
    }
}

/// A clock that says what it is told: a fixed instant, advanced only by [`FixedClock::set`] or
/// [`FixedClock::advance`].
#[derive(Debug, Default)]
pub struct FixedClock {
    ms: AtomicI64,
}

impl FixedClock {
    /// A clock standing at `ms`.
    pub fn at(ms: i64) -> FixedClock {
        FixedClock {
            ms: AtomicI64::new(ms),
        }
    }

    /// Moves it to `ms`.
    pub fn set(&self, ms: i64) {
        self.ms.store(ms, Ordering::SeqCst);
    }

    /// Moves it on by `ms` (saturating).
    pub fn advance(&self, ms: i64) {
        let now = self.ms.load(Ordering::SeqCst);
        self.ms.store(now.saturating_add(ms), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.ms.load(Ordering::SeqCst)
    }
}
