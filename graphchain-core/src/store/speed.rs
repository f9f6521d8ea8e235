//! The cost model behind cache-if-faster: how fast a store answers, probed once per location and
//! then following the loads actually made.

use std::any::TypeId;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Instant, SystemTime};

use crate::key::Key;
use crate::store::{PROBE, Store, entry};

/// How fast a store answers, measured: the basis of cache-if-faster.
///
/// Starts from a probe (a small and a large entry written and read back) and then follows the
/// loads actually made, so that it tracks what the store really does.
#[derive(Debug, Default)]
pub(crate) struct StoreSpeed {
    measured: OnceLock<Option<Speed>>,
    observed: Mutex<Option<Speed>>,
    /// How the last result encoded, per byte of it in memory: per function (by identity), and
    /// per stored type and codec, for a function none of whose results was encoded yet.
    encodings: Mutex<Encodings>,
}

#[derive(Debug, Default)]
struct Encodings {
    by_function: HashMap<[u8; 32], Encoding>,
    by_kind: HashMap<TypeId, Encoding>,
}

/// How a result encoded, per byte of it in memory.
#[derive(Clone, Copy, Debug)]
struct Encoding {
    bytes: f64,
    seconds: f64,
}

/// What the encoding of a result is predicted to be, before it is encoded.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Predicted {
    /// Its size.
    pub(crate) bytes: u64,
    /// The seconds it takes.
    pub(crate) seconds: f64,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Speed {
    /// Seconds to load an empty entry.
    pub(crate) latency: f64,
    /// Bytes per second beyond that.
    pub(crate) throughput: f64,
    /// Seconds to write an empty entry.
    pub(crate) write_latency: f64,
}

impl Speed {
    /// Estimated seconds to load `bytes`.
    pub(crate) fn load_time(&self, bytes: u64) -> f64 {
        self.latency + bytes as f64 / self.throughput
    }

    /// Estimated seconds to write `bytes`.
    pub(crate) fn write_time(&self, bytes: u64) -> f64 {
        self.write_latency + bytes as f64 / self.throughput
    }

    /// Whether storing a result of `bytes` that takes `recover` seconds to get back without the
    /// cache pays off: loading must beat recovering by more than the write costs, so that a long
    /// chain of cheap steps is checkpointed now and then rather than at every step. A requested
    /// `output` is loaded by the next run of the same program, so it is also stored whenever
    /// recovering it costs [`OUTPUT_MARGIN`] times a load or more — the root of a graph of cheap
    /// steps, say, whose checkpoints below it each cost a load. `encode` is the seconds the
    /// encoding would still take (none once it is done).
    pub(crate) fn worth_storing(
        &self,
        bytes: u64,
        recover: f64,
        encode: f64,
        output: bool,
    ) -> bool {
        let load = self.load_time(bytes);
        recover - load > self.write_time(bytes) + encode
            || (output && recover >= OUTPUT_MARGIN * load)
    }
}

/// How many times a load recovering a requested output must cost for it to be stored although
/// the write would not pay back in one run: half as much again, so that an output whose input is
/// stored (recovering it is one load and a little work) is not written again.
pub(crate) const OUTPUT_MARGIN: f64 = 1.5;

/// What recomputing a task costs beyond its body: planning it, starting and ending it, handing
/// its value on. `cargo bench --bench overhead` measures 0.3–0.6 µs per task, build included;
/// counting it keeps a second run of a graph of many cheap tasks from recomputing all of them,
/// since their bodies alone never add up to a load.
pub(crate) const TASK_OVERHEAD_NS: u64 = 500;

/// The size in memory from which a result's encoding predicts those of other functions of its
/// type and codec. Below it, an encoding's fixed costs (a frame's schema and footer, say) weigh
/// so much per byte that a large result predicted from it would seem too slow to encode to
/// store: a 265-row frame of zones once kept the first 200,000-row frame of a pipeline out of
/// the cache.
const TEACHES_KIND: u64 = 1 << 20;

const SMALL_PROBE: usize = 256;
const LARGE_PROBE: usize = 4 << 20;

impl StoreSpeed {
    /// The current estimate; probes the store the first time. `None` when the store cannot be
    /// written (nothing will be stored).
    pub(crate) fn get(&self, store: &dyn Store) -> Option<Speed> {
        let probed = *self.measured.get_or_init(|| probe_once(store));
        let observed = *self.observed.lock().unwrap_or_else(|e| e.into_inner());
        observed.or(probed)
    }

    /// The predicted encoding of a result of the function `identity`, `in_memory` bytes large
    /// and stored as `kind` (its type and codec): from the function's last result encoded by
    /// this runtime, or else from the last result of [`TEACHES_KIND`] bytes or more of any
    /// function stored as `kind` (one large frame encodes about as fast as another); `None`
    /// when there is neither.
    pub(crate) fn predict(
        &self,
        identity: &[u8; 32],
        kind: TypeId,
        in_memory: u64,
    ) -> Option<Predicted> {
        let encodings = lock(&self.encodings);
        let per_byte = *encodings
            .by_function
            .get(identity)
            .or_else(|| encodings.by_kind.get(&kind))?;
        Some(Predicted {
            bytes: (in_memory as f64 * per_byte.bytes) as u64,
            seconds: in_memory as f64 * per_byte.seconds,
        })
    }

    /// Learns from a result of the function `identity`, stored as `kind`, `in_memory` bytes
    /// large, that encoded to `bytes` in `seconds`.
    pub(crate) fn learn(
        &self,
        identity: &[u8; 32],
        kind: TypeId,
        in_memory: u64,
        bytes: u64,
        seconds: f64,
    ) {
        if in_memory > 0 {
            let n = in_memory as f64;
            let per_byte = Encoding {
                bytes: bytes as f64 / n,
                seconds: seconds / n,
            };
            let mut encodings = lock(&self.encodings);
            encodings.by_function.insert(*identity, per_byte);
            if in_memory >= TEACHES_KIND {
                encodings.by_kind.insert(kind, per_byte);
            }
        }
    }

    /// Folds in a real load of `bytes` that took `seconds`.
    pub(crate) fn observe(&self, bytes: u64, seconds: f64) {
        let mut observed = self.observed.lock().unwrap_or_else(|e| e.into_inner());
        let Some(base) = observed.or(self.measured.get().copied().flatten()) else {
            return;
        };
        // Small loads tell the latency, large ones the throughput.
        let mut next = base;
        if (bytes as f64) < base.throughput * base.latency {
            next.latency = 0.8 * base.latency + 0.2 * seconds;
        } else {
            let rate = bytes as f64 / (seconds - base.latency).max(1e-9);
            next.throughput = 0.8 * base.throughput + 0.2 * rate;
        }
        *observed = Some(next);
    }
}

/// Probes each store location once per process: runtimes on the same cache share the figures.
fn probe_once(store: &dyn Store) -> Option<Speed> {
    static PROBED: OnceLock<Mutex<std::collections::HashMap<String, Option<Speed>>>> =
        OnceLock::new();
    let location = store.location();
    let probed = PROBED.get_or_init(Default::default);
    if let Some(speed) = probed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&location)
    {
        return *speed;
    }
    let speed = probe(store);
    // A store that cannot be written now may be later: only successes are remembered.
    if speed.is_some() {
        probed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(location, speed);
    }
    speed
}

fn probe(store: &dyn Store) -> Option<Speed> {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nonce = format!(
        "graphchain-probe-{}-{}-{:?}",
        std::process::id(),
        COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        SystemTime::now()
    );
    let key = Key::from_bytes(*blake3::hash(nonce.as_bytes()).as_bytes());
    // Seconds to write, then to read back, an entry with a payload of `size` bytes.
    let time = |size: usize| -> Option<(f64, f64)> {
        let payload = vec![0x5au8; size];
        let header = entry::header(key, [0; 32], "probe", PROBE, 0, &payload);
        let start = Instant::now();
        store.put_parts(key, &[&header, &payload]).ok()?;
        let write = start.elapsed().as_secs_f64();
        let start = Instant::now();
        let back = store.get(key).ok()??;
        let read = start.elapsed().as_secs_f64();
        std::hint::black_box(blake3::hash(&back));
        Some((write, read))
    };
    let measured = time(SMALL_PROBE).and_then(|(small_write, small_read)| {
        let (_, large_read) = time(LARGE_PROBE)?;
        Some(Speed {
            latency: small_read.max(1e-6),
            throughput: LARGE_PROBE as f64 / (large_read - small_read).max(1e-6),
            write_latency: small_write.max(1e-6),
        })
    });
    let _ = store.remove(key);
    if measured.is_none() {
        tracing::warn!(
            target: "graphchain",
            location = %store.location(),
            "the cache cannot be written; results will not be stored"
        );
    }
    measured
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings_are_predicted_from_the_last_result_of_the_same_function() {
        let (a, b) = (&[1; 32], &[2; 32]);
        let kind = TypeId::of::<Vec<f64>>();
        let speed = StoreSpeed::default();
        let mb = TEACHES_KIND;
        assert_eq!(speed.predict(a, kind, mb), None);
        speed.learn(a, kind, mb, mb / 4, 0.5);
        let predicted = |bytes, seconds| Some(Predicted { bytes, seconds });
        assert_eq!(speed.predict(a, kind, 4 * mb), predicted(mb, 2.0));
        speed.learn(a, kind, mb, mb / 2, 0.25);
        assert_eq!(speed.predict(a, kind, 4 * mb), predicted(2 * mb, 1.0));
        // Another function's results are predicted from `a`'s until one of its own encodes.
        assert_eq!(speed.predict(b, kind, 4 * mb), predicted(2 * mb, 1.0));
        speed.learn(b, kind, 1000, 100, 0.1);
        assert_eq!(speed.predict(b, kind, 4000), predicted(400, 0.4));
        assert_eq!(speed.predict(a, kind, 4 * mb), predicted(2 * mb, 1.0));
    }

    #[test]
    fn small_results_teach_only_their_own_function() {
        let (a, b) = (&[1; 32], &[2; 32]);
        let kind = TypeId::of::<Vec<f64>>();
        let speed = StoreSpeed::default();
        speed.learn(a, kind, TEACHES_KIND - 1, 1000, 0.01);
        assert!(speed.predict(a, kind, 1000).is_some());
        assert_eq!(speed.predict(b, kind, TEACHES_KIND), None);
    }

    #[test]
    fn no_encoding_is_predicted_from_another_type_or_codec() {
        let speed = StoreSpeed::default();
        speed.learn(&[1; 32], TypeId::of::<Vec<f64>>(), TEACHES_KIND, 250, 0.5);
        let other = TypeId::of::<Vec<u8>>();
        assert_eq!(speed.predict(&[2; 32], other, TEACHES_KIND), None);
    }

    #[test]
    fn an_encoding_still_to_do_counts_against_storing() {
        let speed = Speed {
            latency: 0.001,
            throughput: 1e9,
            write_latency: 0.001,
        };
        // 10 MB: 11 ms to load, 11 ms to write; recovering takes 30 ms.
        assert!(speed.worth_storing(10_000_000, 0.030, 0.0, false));
        assert!(!speed.worth_storing(10_000_000, 0.030, 0.090, false));
    }
}
