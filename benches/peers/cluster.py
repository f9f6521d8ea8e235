"""The graphs of benches/cluster.rs on dask.distributed: two single-threaded worker processes.

    pip install distributed && python benches/peers/cluster.py

Prints the same lines as `cargo bench --bench cluster`. The trivial graph has 2,000 nodes, not
20,000: dask.delayed's graph of 20,000 did not finish within five minutes here.
"""
import time
from dask.distributed import Client, LocalCluster
import dask


def spin(seed, ms):
    end = time.perf_counter() + ms / 1000
    x = seed
    while time.perf_counter() < end:
        for _ in range(1000):
            x = (x * 6364136223846793005 + 1) & 0xFFFFFFFFFFFFFFFF
    return x


def trivial(i):
    return i ^ 0x5555


def fold(xs):
    acc = 0
    for x in xs:
        acc ^= x
    return acc


# How many trivial nodes.
N = 2000

if __name__ == "__main__":
    t = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    print(f"start\t{time.perf_counter() - t:.3f} s")
    heavy = dask.delayed(fold)([dask.delayed(spin)(i, 500) for i in range(64)])
    t = time.perf_counter()
    heavy.compute()
    print(f"64 tasks of 500 ms\tdask.distributed 2 workers\t{time.perf_counter() - t:.3f} s")
    light = dask.delayed(fold)([dask.delayed(trivial)(i) for i in range(N)])
    t = time.perf_counter()
    light.compute()
    took = time.perf_counter() - t
    print(f"{N} trivial nodes\tdask.distributed 2 workers\t{took:.3f} s\t{took / N * 1e6:.1f} us per node")
    client.close()
    cluster.close()
