//! Starting workers: a [`Launcher`] starts the same executable with a worker's role in its
//! environment, tells which of its workers ended, and stops them all.

use std::io;
use std::process::{Child, Command, Stdio};

use super::{Role, WORKER_ENV};

/// Starts and stops the workers of one run.
pub(super) trait Launcher {
    /// Starts a worker with `role`.
    fn launch(&mut self, role: &Role) -> io::Result<()>;
    /// The workers that ended since the last call, with how (an exit status, a job state).
    fn ended(&mut self) -> Vec<(usize, String)>;
    /// Stops every worker still running.
    fn stop(&mut self);
}

/// This executable as it was started, with `role` in its environment: what every launcher
/// runs. Its standard output is the driver's business, so a worker's is discarded; its errors
/// go where the driver's go.
pub(super) fn worker_command(role: &Role) -> io::Result<Command> {
    let mut command = Command::new(std::env::current_exe()?);
    command
        .args(std::env::args_os().skip(1))
        .env(WORKER_ENV, role.to_env())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    Ok(command)
}

/// Worker processes on this machine.
#[derive(Debug, Default)]
pub(super) struct Processes {
    children: Vec<(usize, Child)>,
}

impl Launcher for Processes {
    fn launch(&mut self, role: &Role) -> io::Result<()> {
        let child = worker_command(role)?.spawn()?;
        self.children.push((role.worker, child));
        Ok(())
    }

    fn ended(&mut self) -> Vec<(usize, String)> {
        let mut ended = Vec::new();
        self.children
            .retain_mut(|(worker, child)| match child.try_wait() {
                Ok(None) => true,
                Ok(Some(status)) => {
                    ended.push((*worker, status.to_string()));
                    false
                }
                Err(e) => {
                    ended.push((*worker, e.to_string()));
                    false
                }
            });
        ended
    }

    fn stop(&mut self) {
        for (_, child) in &mut self.children {
            // A worker that already ended cannot be killed; either way it is reaped below.
            let _ = child.kill();
            let _ = child.wait();
        }
        self.children.clear();
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        self.stop();
    }
}
