//! What `tracing` writes, captured as text.

use std::sync::{Arc, Mutex, PoisonError};

/// A buffer that log lines are written to; clones share it.
#[derive(Clone, Default)]
pub struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// A plain-text subscriber writing to this buffer at `level` and above,
    /// with a line for each span when it closes when `spans` is set.
    pub fn subscriber(
        &self,
        level: tracing::Level,
        spans: bool,
    ) -> impl tracing::Subscriber + Send + Sync + 'static {
        let writer = self.clone();
        let events = if spans {
            tracing_subscriber::fmt::format::FmtSpan::CLOSE
        } else {
            tracing_subscriber::fmt::format::FmtSpan::NONE
        };
        tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_span_events(events)
            .with_writer(move || writer.clone())
            .finish()
    }

    /// Captures what this thread logs at `level` and above while the guard
    /// lives (a current-thread runtime's tasks included).
    pub fn on_this_thread(&self, level: tracing::Level) -> tracing::subscriber::DefaultGuard {
        tracing::subscriber::set_default(self.subscriber(level, false))
    }

    /// Captures what the whole process logs, spans included, from now on.
    /// The first call in a process installs it; later calls do nothing.
    pub fn for_the_process(&self) {
        let _ =
            tracing::subscriber::set_global_default(self.subscriber(tracing::Level::TRACE, true));
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Captured;

    #[test]
    fn lines_on_this_thread_are_captured_and_below_the_level_not() {
        let log = Captured::default();
        {
            let _guard = log.on_this_thread(tracing::Level::INFO);
            tracing::info!(answer = 42, "kept");
            tracing::debug!("dropped");
        }
        tracing::info!("after the guard");
        let text = log.text();
        assert!(text.contains("kept answer=42"), "{text}");
        assert!(!text.contains("dropped"), "{text}");
        assert!(!text.contains("after the guard"), "{text}");
    }
}
