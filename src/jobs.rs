//! The one place that starts worker threads. Import, training, sweeps and export run as jobs:
//! progress and the result arrive over a channel, cancel is a flag checked between steps, and a
//! panic in a job becomes a message instead of a crash. The GUI polls with [`Job::poll`] each
//! frame; the CLI blocks with [`Job::wait`].

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

/// Something that arrived from a job.
#[derive(Debug)]
pub enum JobEvent<P, T> {
    Progress(P),
    /// The job returned this result.
    Done(T),
    /// The job panicked; the message says where. The app stays usable.
    Crashed(String),
}

/// Called whenever an event is sent, so a GUI can wake up and repaint.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// Given to the job's work: report progress, check for cancel.
pub struct JobContext<P> {
    sender: Sender<Message<P>>,
    cancel: Arc<AtomicBool>,
    notify: Option<Notify>,
}

enum Message<P> {
    Progress(P),
    Any(Box<dyn std::any::Any + Send>),
    Crashed(String),
}

impl<P> JobContext<P> {
    /// Sends a progress event (ignored when nobody listens any more).
    pub fn report(&self, progress: P) {
        let _ = self.sender.send(Message::Progress(progress));
        if let Some(notify) = &self.notify {
            notify();
        }
    }

    /// True once cancel was asked for; work should stop at the next safe point.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// A running (or finished) job.
pub struct Job<P, T> {
    name: String,
    receiver: Receiver<Message<P>>,
    cancel: Arc<AtomicBool>,
    started: Instant,
    finished: bool,
    _result: std::marker::PhantomData<T>,
}

/// Starts `work` on a named thread.
pub fn spawn<P, T, F>(name: &str, notify: Option<Notify>, work: F) -> std::io::Result<Job<P, T>>
where
    P: Send + 'static,
    T: Send + 'static,
    F: FnOnce(&JobContext<P>) -> T + Send + 'static,
{
    let (sender, receiver) = mpsc::channel();
    let cancel = Arc::new(AtomicBool::new(false));
    let context = JobContext {
        sender,
        cancel: Arc::clone(&cancel),
        notify,
    };
    std::thread::Builder::new()
        .name(format!("liftcast-{name}"))
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&context)));
            let message = match outcome {
                Ok(result) => Message::Any(Box::new(result)),
                Err(panic) => Message::Crashed(panic_text(panic.as_ref())),
            };
            let _ = context.sender.send(message);
            if let Some(notify) = &context.notify {
                notify();
            }
        })?;
    Ok(Job {
        name: name.to_owned(),
        receiver,
        cancel,
        started: Instant::now(),
        finished: false,
        _result: std::marker::PhantomData,
    })
}

/// The message of a caught panic.
pub fn panic_text(panic: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = panic.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = panic.downcast_ref::<String>() {
        text.clone()
    } else {
        "unknown failure".to_owned()
    }
}

impl<P: 'static, T: 'static> Job<P, T> {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// Asks the job to stop at its next check.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Everything that arrived since the last poll; never waits.
    pub fn poll(&mut self) -> Vec<JobEvent<P, T>> {
        let mut events = Vec::new();
        loop {
            match self.receiver.try_recv() {
                Ok(message) => events.push(self.convert(message)),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if !self.finished {
                        self.finished = true;
                        events.push(JobEvent::Crashed("the job stopped without a result".into()));
                    }
                    break;
                }
            }
        }
        events
    }

    /// Blocks until the job ends, handing each progress event to `on_progress`.
    pub fn wait(mut self, mut on_progress: impl FnMut(P)) -> Result<T, String> {
        loop {
            match self.receiver.recv() {
                Ok(message) => match self.convert(message) {
                    JobEvent::Progress(progress) => on_progress(progress),
                    JobEvent::Done(result) => return Ok(result),
                    JobEvent::Crashed(text) => return Err(text),
                },
                Err(_) => return Err("the job stopped without a result".into()),
            }
        }
    }

    fn convert(&mut self, message: Message<P>) -> JobEvent<P, T> {
        match message {
            Message::Progress(progress) => JobEvent::Progress(progress),
            Message::Any(result) => {
                self.finished = true;
                match result.downcast::<T>() {
                    Ok(result) => JobEvent::Done(*result),
                    Err(_) => JobEvent::Crashed("the job returned an unexpected result".into()),
                }
            }
            Message::Crashed(text) => {
                self.finished = true;
                JobEvent::Crashed(text)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_then_result() {
        let job = spawn("count", None, |context: &JobContext<u32>| {
            for step in 0..3 {
                context.report(step);
            }
            "done"
        })
        .unwrap();
        let mut seen = Vec::new();
        let result = job.wait(|step| seen.push(step)).unwrap();
        assert_eq!(seen, vec![0, 1, 2]);
        assert_eq!(result, "done");
    }

    #[test]
    fn cancel_stops_the_work() {
        let job = spawn("spin", None, |context: &JobContext<()>| {
            let mut steps = 0u64;
            while !context.is_cancelled() {
                steps += 1;
                std::thread::sleep(Duration::from_millis(1));
            }
            steps
        })
        .unwrap();
        job.cancel();
        assert!(job.wait(|_| {}).is_ok());
    }

    #[test]
    fn a_panic_becomes_a_message() {
        let job = spawn("boom", None, |_: &JobContext<()>| -> u8 {
            panic!("broken input")
        })
        .unwrap();
        assert_eq!(job.wait(|_| {}).unwrap_err(), "broken input");
    }
}
