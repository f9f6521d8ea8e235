#!/usr/bin/env bash
# Runs the same graphs with dask and Python graphchain and with graphchain in Rust, and prints
# one table with both sides and their ratio.
#
#   bash benches/peers/run.sh            # fan-in and chain of 1,000 and 10,000, the README frame
#   bash benches/peers/run.sh --quick    # smaller sizes, for a look in a minute
#
# Needs Python 3.11 (or $PYTHON) and network access to PyPI; everything it makes (a virtual
# environment, caches, the raw numbers) lives in a temporary directory removed on exit.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/graphchain-peers.XXXXXX")"
trap 'rm -rf "$work"' EXIT

sizes=1000,10000
frame=10000,100,2048
threads=2
if [ "${1:-}" = --quick ]; then
  sizes=100,1000
  frame=2000,50,256
fi

python="${PYTHON:-}"
if [ -z "$python" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then python="$candidate"; break; fi
  done
fi
[ -n "$python" ] || { echo "run.sh: no python3.11 or python3 on PATH (set PYTHON)" >&2; exit 2; }

echo "== Python: a virtual environment with dask and graphchain ($("$python" --version))" >&2
"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"

export TMPDIR="$work"
echo "== Rust: cargo bench --bench peers -- --sizes $sizes --frame $frame --threads $threads" >&2
(cd "$root" && cargo bench --quiet --bench peers -- --sizes "$sizes" --frame "$frame" --threads "$threads") \
  >"$work/rust.tsv"
echo "== Python: peers.py --sizes $sizes --frame $frame --threads $threads" >&2
(cd "$work" && "$work/venv/bin/python" "$here/peers.py" --sizes "$sizes" --frame "$frame" --threads "$threads") \
  >"$work/python.tsv"

echo
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')),"
echo "$("$python" --version), dask $("$work/venv/bin/python" -c 'import dask; print(dask.__version__)'),"\
" graphchain 1.3.0, $(rustc --version | cut -d' ' -f1-2); threads: $threads; command: bash benches/peers/run.sh $*"
echo
"$work/venv/bin/python" "$here/table.py" "$work/python.tsv" "$work/rust.tsv"
