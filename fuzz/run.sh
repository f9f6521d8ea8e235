#!/usr/bin/env bash
# Bounded fuzzing: builds the cargo-fuzz targets of this crate and runs each for SECONDS
# (default 30). Exits non-zero when a target crashes (a panic, a failed assertion, an
# allocation over the limits below); the input is then in fuzz/artifacts/<target>/.
#
#   fuzz/run.sh [SECONDS]
#
# Installs cargo-fuzz when it is missing (`cargo install cargo-fuzz --locked`, about 1.5 min).
# cargo-fuzz passes nightly flags (`-Zsanitizer=address`); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept them. Each target reads the committed seeds in fuzz/corpus/<target>/ and
# keeps what it learns in fuzz/target/live-corpus/<target>/ (not committed), so the seeds stay as
# written and later runs start from where earlier ones stopped.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-30}
export RUSTC_BOOTSTRAP=1
export CARGO_TERM_COLOR=never

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "installing cargo-fuzz"
  cargo install cargo-fuzz --locked
fi

# Release with debug assertions and overflow checks: an overflow is a finding.
cargo fuzz build -O -a

failed=()
for target in $(cargo fuzz list); do
  echo "== fuzz $target for ${seconds}s"
  mkdir -p "target/live-corpus/$target"
  # -max_len: the seeds are under 400 bytes; 4 KiB lets lz4 claim up to 1 MiB.
  # -rss_limit_mb / -malloc_limit_mb: the targets check their own peak (a small factor of the
  # input); these catch what escapes it, under AddressSanitizer's own overhead.
  if ! cargo fuzz run -O -a "$target" "target/live-corpus/$target" "corpus/$target" -- \
      -max_total_time="$seconds" -max_len=4096 -rss_limit_mb=1024 -malloc_limit_mb=256 \
      -timeout=10 -print_final_stats=1; then
    failed+=("$target")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found crashes in: ${failed[*]} (inputs in fuzz/artifacts/)"
  exit 1
fi
echo "fuzzing: no crash in $seconds s per target"
