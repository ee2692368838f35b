//! Server lifetime for the test servers: a task on the caller's runtime, or a thread with its own
//! runtime; either way the server stops when its handle is dropped.

use std::future::Future;
use std::thread;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Keeps a server alive and stops it on drop: either a task on the caller's
/// runtime (aborted) or a dedicated thread with its own runtime (signalled, joined).
pub enum Runner {
    Task(JoinHandle<()>),
    Thread {
        stop: Option<oneshot::Sender<()>>,
        thread: Option<thread::JoinHandle<()>>,
    },
}

impl Runner {
    pub fn thread<F, Fut>(name: &str, make: F) -> Runner
    where
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("build test server runtime");
                rt.block_on(async move {
                    tokio::select! {
                        _ = make() => {}
                        _ = stopped => {}
                    }
                });
            })
            .expect("spawn test server thread");
        Runner::Thread {
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        match self {
            Runner::Task(task) => task.abort(),
            Runner::Thread { stop, thread } => {
                if let Some(stop) = stop.take() {
                    let _ = stop.send(());
                }
                if let Some(thread) = thread.take() {
                    let _ = thread.join();
                }
            }
        }
    }
}
