//! One way to take a lock: a lock poisoned by a panic elsewhere still holds
//! consistent data here (every critical section only assigns whole values),
//! so it is taken anyway rather than spreading the panic.

use std::sync::{Mutex, MutexGuard};

/// Locks `m`, recovering it if a panic poisoned it.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
