//! The global runtime, behind `Delayed::compute` and `compute!`: started the first time it is
//! asked for, or the configuration error that kept it from starting.

use std::sync::OnceLock;

use crate::error::Error;
use crate::surface::builder::RuntimeBuilder;
use crate::surface::runtime::Runtime;

impl Runtime {
    /// The runtime behind [`Delayed::compute`](crate::Delayed::compute) and `compute!`: all
    /// cores, the parallel scheduler, and the default cache directory.
    ///
    /// # Panics
    ///
    /// When it cannot start, as [`try_global`](Runtime::try_global) says.
    pub fn global() -> &'static Runtime {
        Self::try_global()
            .unwrap_or_else(|e| panic!("graphchain: cannot start the global runtime: {e}"))
    }

    /// The runtime behind [`Delayed::compute`](crate::Delayed::compute) and `compute!`, started
    /// the first time it is asked for (all cores, the parallel scheduler, and the default cache
    /// directory, unless the environment says otherwise).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when it could not start, every time it is asked for: an environment
    /// variable such as `GRAPHCHAIN_THREADS` or `GRAPHCHAIN_CACHE_MAX_SIZE` is malformed (the
    /// message names it), or the worker threads could not be started.
    pub fn try_global() -> Result<&'static Runtime, Error> {
        static GLOBAL: OnceLock<Result<Runtime, String>> = OnceLock::new();
        let started = GLOBAL.get_or_init(|| {
            RuntimeBuilder::new().build().map_err(|e| match e {
                Error::Config(message) => message,
                other => other.to_string(),
            })
        });
        started
            .as_ref()
            .map_err(|message| Error::Config(message.clone()))
    }
}
