"""One process of a two-process (multi-host) workbench run on CPU; tests/test_multihost.py starts
two of them. It is also the worked example of README's "Several devices and hosts".

    python tests/multihost_worker.py COORDINATOR_PORT PROCESS_ID OUT_DIR

Each process owns 4 CPU devices; ``jax.distributed.initialize`` joins them into 8 global devices
(CPU collectives over gloo, JAX's default on CPU). Both processes run the same program: they build
one global mesh, hold their half of a sharded batch (``jax.make_array_from_process_local_data``),
differentiate a small model with the workbench (``wb.gradient`` in Reverse and Forward mode,
``wb.autodiff`` in Forward mode, under ``wb.jit``, and a checkpointed loop), gather the results
onto every process (``process_allgather``) and write them to ``OUT_DIR/process_<id>.npz`` with a
JSON summary.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

NUM_PROCESSES = 2
LOCAL_DEVICES = 4
BATCH, FEATURES = 16, 4  # the global batch, split over the "data" axis


def model_inputs() -> dict[str, object]:
    """The same global values on every process (and in the test's single-process oracle), in
    JAX's float dtype: float64 with JAX_ENABLE_X64=1, float32 without."""
    import jax
    import numpy as np

    dtype = jax.dtypes.canonicalize_dtype(np.float64)
    rng = np.random.default_rng(0)
    return {
        "inputs": rng.uniform(-1.0, 1.0, (BATCH, FEATURES)).astype(dtype),
        "targets": rng.uniform(-1.0, 1.0, (BATCH,)).astype(dtype),
        "w": rng.uniform(-0.5, 0.5, (FEATURES,)).astype(dtype),
        "v": rng.uniform(-0.5, 0.5, (FEATURES,)).astype(dtype),  # a tangent direction
    }


def loss(w: Any, inputs: Any, targets: Any) -> Any:  # also the test's oracle
    import jax.numpy as jnp

    return jnp.mean((jnp.tanh(inputs @ w) - targets) ** 2)


def loop_loss(inputs: Any, w: Any) -> Any:
    """A checkpointed loop whose carry is the sharded batch."""
    import jax.numpy as jnp

    import workbench as wb

    y = wb.fori_loop(0, 5, lambda i, y: jnp.tanh(y * w), inputs, checkpointing=wb.Binomial(2))
    return jnp.sum(y**2)


def main(port: int, process_id: int, out_dir: str) -> None:
    import jax

    jax.config.update("jax_num_cpu_devices", LOCAL_DEVICES)
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    jax.distributed.initialize(
        coordinator_address=f"127.0.0.1:{port}",
        num_processes=NUM_PROCESSES,
        process_id=process_id,
        initialization_timeout=60,
    )

    import numpy as np
    from jax.experimental import multihost_utils
    from jax.sharding import NamedSharding
    from jax.sharding import PartitionSpec as P

    import workbench as wb

    assert jax.process_count() == NUM_PROCESSES, jax.process_count()
    assert jax.local_device_count() == LOCAL_DEVICES and jax.device_count() == 8

    mesh = jax.make_mesh((jax.device_count(),), ("data",))
    batch = NamedSharding(mesh, P("data"))
    replicated = NamedSharding(mesh, P())
    values = model_inputs()

    # Each process holds only its rows of the batch ...
    rows = BATCH // NUM_PROCESSES
    mine = slice(process_id * rows, (process_id + 1) * rows)
    inputs = jax.make_array_from_process_local_data(batch, values["inputs"][mine])
    targets = jax.make_array_from_process_local_data(batch, values["targets"][mine])
    # ... and every process passes the same full value of the (replicated) parameters.
    w = wb.to_rarray(values["w"], sharding=replicated)
    v = wb.to_rarray(values["v"], sharding=replicated)
    assert not inputs.is_fully_addressable

    # The same workbench calls as on one host.
    dw, dinputs, _ = wb.gradient(wb.Reverse, loss, w, inputs, wb.Const(targets))
    (tangent,) = wb.autodiff(
        wb.Forward, loss, wb.Duplicated(w, v), wb.Const(inputs), wb.Const(targets)
    )
    dloop, _ = wb.gradient(wb.Reverse, loop_loss, inputs, wb.Const(w))
    dw_fwd, dinputs_fwd, _ = wb.gradient(wb.Forward, loss, w, inputs, wb.Const(targets))
    jitted = wb.jit(lambda w, x, t: wb.gradient(wb.Reverse, loss, w, x, wb.Const(t)))
    dw_jit, dinputs_jit, _ = jitted(w, inputs, targets)

    def same_layout(d: jax.Array, p: jax.Array) -> bool:
        return bool(d.sharding.is_equivalent_to(p.sharding, p.ndim))

    layouts = {
        "dw": same_layout(dw, w),
        "dinputs": same_layout(dinputs, inputs),
        "dloop": same_layout(dloop, inputs),
        "dinputs_jit": same_layout(dinputs_jit, inputs),
        "dw_fwd": same_layout(dw_fwd, w),
        "dinputs_fwd": same_layout(dinputs_fwd, inputs),
    }
    results = {
        "dw": dw,
        "dinputs": dinputs,
        "tangent": tangent,
        "dloop": dloop,
        "dw_jit": dw_jit,
        "dinputs_jit": dinputs_jit,
        "dw_fwd": dw_fwd,
        "dinputs_fwd": dinputs_fwd,
    }
    gathered = {
        k: np.asarray(multihost_utils.process_allgather(a, tiled=True)) for k, a in results.items()
    }
    os.makedirs(out_dir, exist_ok=True)
    np.savez(os.path.join(out_dir, f"process_{process_id}.npz"), **gathered)
    summary = {
        "process_index": jax.process_index(),
        "process_count": jax.process_count(),
        "devices": jax.device_count(),
        "local_devices": jax.local_device_count(),
        "local_rows": int(sum(s.data.shape[0] for s in dinputs.addressable_shards)),
        "layouts": layouts,
        "spec": str(dinputs.sharding.spec),
    }
    with open(os.path.join(out_dir, f"process_{process_id}.json"), "w") as f:
        json.dump(summary, f)
    multihost_utils.sync_global_devices("workbench multihost worker done")
    jax.distributed.shutdown()


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
