#!/usr/bin/env bash
# The taxi pipeline (examples/taxi, package `taxi`) with graphchain against the same steps as plain polars
# calls, side by side in one run: wall time and peak memory (max RSS) of cold runs, a warm run,
# edits to one step (one that keeps its output, one that changes it), and a changed input file.
#
#   bash benches/polars/run.sh            # 12 files of 200,000 trips
#   FILES=4 ROWS=50000 bash benches/polars/run.sh
#
# An edit is made to the example's source, the binary rebuilt (not timed), and the source put
# back at the end, whatever happens.
set -euo pipefail
cd "$(dirname "$0")/../.."

files=${FILES:-12}
rows=${ROWS:-200000}
repeat=${REPEAT:-3}
source_file=examples/taxi/src/main.rs
bin=target/release/taxi

work=$(mktemp -d)
cp "$source_file" "$work/taxi.rs.orig"
restore() {
  cp "$work/taxi.rs.orig" "$source_file"
  rm -rf "$work"
}
trap restore EXIT

build() { cargo build --quiet --release -p taxi; }

data="$work/data"
export GRAPHCHAIN_CACHE_DIR="$work/cache"
export GRAPHCHAIN_PROGRESS=0

# One run: seconds, peak MB, and what graphchain computed.
run() {
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time" "$bin" --data "$data" --files "$files" --rows "$rows" "$@" >"$work/out"
  read -r secs kb <"$work/time"
  local what
  what=$(grep -E '^graphchain:' "$work/out" | sed -E 's/^graphchain: [0-9.]+ s; //' || true)
  printf '%-44s %8.3f s %7d MB  %s\n' "$label" "$secs" "$((kb / 1024))" "$what"
  if grep -q '^computed:' "$work/out"; then
    printf '%-44s %s\n' "" "$(grep '^computed:' "$work/out")"
  fi
}

echo "== build (release)"
build
echo "== data: $files files of $rows trips"
"$bin" --data "$data" --files "$files" --rows "$rows" --plain >/dev/null
du -sh "$data"

echo "== $(date -u +%F), $(nproc) cores, POLARS_MAX_THREADS=${POLARS_MAX_THREADS:-default}"
# Cold runs with graphchain's default threads (one per core) and with one thread, the setting
# the README gives for a pipeline whose steps keep every core busy in polars' pool; the runs after
# them use one thread.
for i in $(seq "$repeat"); do
  run "plain polars ($i)" --plain
  rm -rf "$GRAPHCHAIN_CACHE_DIR"
  GRAPHCHAIN_THREADS='' run "graphchain cold, threads per core ($i)"
  rm -rf "$GRAPHCHAIN_CACHE_DIR"
  GRAPHCHAIN_THREADS=1 run "graphchain cold, GRAPHCHAIN_THREADS=1 ($i)"
  # glibc raises the size from which it maps large blocks whenever one is freed, and keeps
  # freed memory in its heaps below it: with a fixed threshold, peak memory follows what is live.
  MALLOC_MMAP_THRESHOLD_=262144 run "plain polars, MALLOC_MMAP_THRESHOLD_ ($i)" --plain
  rm -rf "$GRAPHCHAIN_CACHE_DIR"
  MALLOC_MMAP_THRESHOLD_=262144 GRAPHCHAIN_THREADS=1 \
    run "graphchain cold, 1 thread, MALLOC_MMAP_THRESHOLD_ ($i)"
done
export GRAPHCHAIN_THREADS=1
run "graphchain warm"
run "graphchain warm again"
du -sh "$GRAPHCHAIN_CACHE_DIR"

# An edit that keeps `clean`'s output: only `clean` runs again (early cutoff stops the rest).
sed -i 's|        trips$|        trips // edited\n            .clone()\n            .lazy()\n            .collect()?|' "$source_file"
build
run "edit keeping clean's output"
cp "$work/taxi.rs.orig" "$source_file"
build

# An edit that changes `clean`'s output: everything downstream of it runs again.
sed -i 's|const MIN_FARE: f64 = 2.5;|const MIN_FARE: f64 = 10.0;|' "$source_file"
build
run "edit changing clean's output"
cp "$work/taxi.rs.orig" "$source_file"
build
run "edit reverted (loads the first results)"

# Input files: a bare touch (same bytes), then one file rewritten with one more trip.
first=$(ls "$data"/trips_01_*.csv)
touch "$first"
run "touch of one input file"
tail -n 1 "$first" >>"$first"
run "one input file changed"
du -sh "$GRAPHCHAIN_CACHE_DIR"
