"""Joins the numbers of `peers.py` and `peers.rs` into one Markdown table (used by `run.sh`).

Usage: table.py PYTHON_TSV RUST_TSV. Each line of both: graph, calls, mode, seconds, result,
and on the Rust side what the run did (nodes computed, loaded and stored).
"""

import sys

MODES = {
    "sync": ("dask.get, graph built beforehand", "sequential, graph built beforehand"),
    "threads": ("dask threaded get, graph built beforehand", "parallel, graph built beforehand"),
    "delayed": ("dask.delayed build + sync compute", "build + sequential compute"),
    "cold": ("graphchain, empty cache", "empty cache"),
    "warm": ("graphchain, second run", "second run"),
    "root-change": ("graphchain, root function changed", "root function changed"),
}


def read(path):
    rows = {}
    for line in open(path):
        graph, calls, mode, seconds, result, *ran = line.rstrip("\n").split("\t")
        rows[(graph, int(calls), mode)] = (float(seconds), float(result), "".join(ran))
    return rows


def duration(seconds):
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def main():
    python, rust = read(sys.argv[1]), read(sys.argv[2])
    print("| graph | tasks | Python | per run | per task | Rust | per run | per task | Python / Rust | Rust ran |")
    print("| --- | ---: | --- | ---: | ---: | --- | ---: | ---: | ---: | --- |")
    mismatches = []
    for key in python:
        if key not in rust:
            continue
        graph, calls, mode = key
        (py_s, py_result, _), (rs_s, rs_result, rs_ran) = python[key], rust[key]
        if abs(py_result - rs_result) > 1e-9 * max(1.0, abs(py_result)):
            mismatches.append(f"{graph} {mode}: Python {py_result}, Rust {rs_result}")
        per_task = graph != "dataframe"
        py_label, rs_label = MODES[mode]
        print(
            f"| {graph} | {calls:,} | {py_label} | {duration(py_s)} | "
            f"{duration(py_s / calls) if per_task else '–'} | {rs_label} | {duration(rs_s)} | "
            f"{duration(rs_s / calls) if per_task else '–'} | {py_s / rs_s:,.0f}× | {rs_ran} |"
        )
    missing = sorted(set(python) ^ set(rust))
    for key in missing:
        print(f"only one side measured {key}", file=sys.stderr)
    for line in mismatches:
        print(f"results differ: {line}", file=sys.stderr)
    return 1 if mismatches or missing else 0


if __name__ == "__main__":
    sys.exit(main())
