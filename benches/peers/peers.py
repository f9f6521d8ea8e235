"""The Python side of the peers comparison: dask and Python graphchain on the graphs that
`peers.rs` runs in Rust.

Prints one tab-separated line per case: graph, nodes, mode, seconds per run (median), result.
Run by `run.sh`, which installs the pinned packages into a temporary virtual environment.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time

import dask
import dask.threaded
import graphchain
import pandas as pd


def leaf(i):
    return i


def add(a, b):
    return a + b


def add_changed(a, b):
    # The root-only change: another function (so another hash), the same value.
    return b + a


def inc(x):
    return x + 1


def inc_changed(x):
    return 1 + x


def fan_in(leaves, root=add):
    """`leaves` leaves summed pairwise, level by level (an odd node out moves up): the same
    shape as `fan_in_with` in benches/common/mod.rs. Keys are listed inputs first."""
    dsk = {}
    level = []
    for i in range(leaves):
        key = f"leaf-{i}"
        dsk[key] = (leaf, i)
        level.append(key)
    n = 0
    while len(level) > 1:
        func = root if len(level) == 2 else add
        up = []
        for j in range(0, len(level) - 1, 2):
            key = f"add-{n}"
            n += 1
            dsk[key] = (func, level[j], level[j + 1])
            up.append(key)
        if len(level) % 2:
            up.append(level[-1])
        level = up
    return dsk, level[0]


def fan_in_delayed(leaves):
    """`fan_in` built with dask.delayed, as a user of dask.delayed writes it."""
    d_leaf, d_add = dask.delayed(leaf, pure=True), dask.delayed(add, pure=True)
    level = [d_leaf(i) for i in range(leaves)]
    while len(level) > 1:
        up = [d_add(level[j], level[j + 1]) for j in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            up.append(level[-1])
        level = up
    return level[0]


def chain_delayed(n):
    """`chain` built with dask.delayed."""
    d_leaf, d_inc = dask.delayed(leaf, pure=True), dask.delayed(inc, pure=True)
    node = d_leaf(0)
    for _ in range(1, n):
        node = d_inc(node)
    return node


def chain(n, root=inc):
    """`leaf(0)` followed by `n - 1` increments, the last one by `root`."""
    dsk = {"step-0": (leaf, 0)}
    for k in range(1, n):
        dsk[f"step-{k}"] = (root if k == n - 1 else inc, f"step-{k - 1}")
    return dsk, f"step-{n - 1}"


# The Python graphchain README's example, as it is there (without the prints).
def create_dataframe(num_rows, num_cols):
    return pd.DataFrame(data=[range(num_cols)] * num_rows)


def expensive_computation(df, num_quantiles):
    return df.quantile(q=[i / num_quantiles for i in range(num_quantiles)])


def summarize_dataframes(*dfs):
    return sum(df.sum().sum() for df in dfs)


def average_dataframes(*dfs):
    # The README's root-only change: the summary becomes an average.
    return sum(df.mean().mean() for df in dfs) / len(dfs)


def dataframe(rows, cols, quantiles, root=summarize_dataframes):
    dsk = {
        "df_a": (create_dataframe, rows, cols),
        "df_b": (create_dataframe, rows, cols),
        "df_c": (expensive_computation, "df_a", quantiles),
        "df_d": (expensive_computation, "df_b", quantiles),
        "result": (root, "df_c", "df_d"),
    }
    return dsk, "result"


def timed(run, budget, max_runs, setup=None):
    """Median seconds of `run()` (after `setup()`, untimed), repeated within about `budget`
    seconds, and the last result."""
    times = []
    result = None
    spent = time.perf_counter()
    while len(times) < max_runs and (not times or time.perf_counter() - spent < budget):
        if setup is not None:
            setup()
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def emit(graph, nodes, mode, seconds, result):
    print(f"{graph}\t{nodes}\t{mode}\t{seconds:.9f}\t{float(result):.6f}", flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="leaves of the fan-ins and links of the chains")
    parser.add_argument("--frame", default="10000,100,2048", help="rows,cols,quantiles of the DataFrame case")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--budget", type=float, default=2.0, help="seconds to spend repeating a case")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    rows, cols, quantiles = (int(s) for s in args.frame.split(","))
    work = tempfile.mkdtemp(prefix="graphchain-peers-py-")
    location = os.path.join(work, "cache")

    def fresh():
        shutil.rmtree(location, ignore_errors=True)

    def cached(make, graph, nodes, warm_runs=20):
        """Cold (a fresh cache each run), warm (the same graph again) and root-only change."""
        root = make(None)[1]
        seconds, result = timed(
            lambda: graphchain.get(make(None)[0], root, location=location), args.budget, 3, fresh
        )
        emit(graph, nodes, "cold", seconds, result)
        seconds, result = timed(
            lambda: graphchain.get(make(None)[0], root, location=location), args.budget, warm_runs
        )
        emit(graph, nodes, "warm", seconds, result)
        # The first run after a change is what is measured, so the changed root's own entry is
        # removed before each repetition.
        def forget_changed_root():
            changed, _ = make("changed")
            key = graphchain.optimize(changed, location=location)[root][0].hash
            for name in os.listdir(location):
                if name.startswith(key):
                    os.remove(os.path.join(location, name))

        seconds, result = timed(
            lambda: graphchain.get(make("changed")[0], root, location=location),
            args.budget,
            warm_runs,
            forget_changed_root,
        )
        emit(graph, nodes, "root-change", seconds, result)

    try:
        for n in sizes:
            graphs = (
                ("fan-in", fan_in, fan_in_delayed, add_changed),
                ("chain", chain, chain_delayed, inc_changed),
            )
            for graph, build, build_delayed, changed in graphs:
                make = lambda which, b=build, c=changed, n=n: b(n, c) if which else b(n)
                dsk, root = make(None)
                nodes = len(dsk)
                # The scheduler alone, on a graph built beforehand.
                seconds, result = timed(lambda: dask.get(dsk, root), args.budget, 50)
                emit(graph, nodes, "sync", seconds, result)
                seconds, result = timed(
                    lambda: dask.threaded.get(dsk, root, num_workers=args.threads),
                    args.budget,
                    50,
                )
                emit(graph, nodes, "threads", seconds, result)
                # What a dask.delayed user pays: building the graph, then computing it.
                seconds, result = timed(
                    lambda: build_delayed(n).compute(scheduler="sync"), args.budget, 50
                )
                emit(graph, nodes, "delayed", seconds, result)
                cached(make, graph, nodes)
        make = lambda which: dataframe(
            rows, cols, quantiles, average_dataframes if which else summarize_dataframes
        )
        dsk, root = make(None)
        seconds, result = timed(lambda: dask.get(dsk, root), args.budget, 5)
        emit("dataframe", 5, "sync", seconds, result)
        cached(make, "dataframe", 5, warm_runs=5)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.setrecursionlimit(10_000)
    main()
