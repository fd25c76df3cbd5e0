"""Two processes, 4 CPU devices each, joined by ``jax.distributed.initialize`` into one 8-device
mesh (tests/multihost_worker.py): the workbench's derivatives of a batch sharded across processes
equal raw JAX's on one process, and come back sharded like their primals."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from tests.multihost_worker import NUM_PROCESSES, loss, model_inputs
from tests.tolerances import assert_close

WORKER = Path(__file__).with_name("multihost_worker.py")
TIMEOUT_S = 120


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _run_workers(out_dir: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["JAX_PLATFORMS"] = "cpu"
    env["PYTHONPATH"] = os.pathsep.join(
        [str(WORKER.parent.parent), *filter(None, [env.get("PYTHONPATH")])]
    )
    procs, logs = [], []
    for pid in range(NUM_PROCESSES):
        log = open(out_dir / f"worker_{pid}.log", "w+")  # noqa: SIM115  (closed below)
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [sys.executable, str(WORKER), str(port), str(pid), str(out_dir)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
            )
        )
    deadline = time.monotonic() + TIMEOUT_S
    try:
        while any(p.poll() is None for p in procs):
            failed = [p for p in procs if p.poll() not in (None, 0)]
            if failed or time.monotonic() > deadline:
                break
            time.sleep(0.2)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for log in logs:
        log.flush()
        log.seek(0)
    outputs = [log.read() for log in logs]
    for log in logs:
        log.close()
    codes = [p.returncode for p in procs]
    if codes != [0] * NUM_PROCESSES:
        report = "\n".join(
            f"--- worker {pid} (exit code {code}) ---\n{_tail(text)}"
            for pid, (code, text) in enumerate(zip(codes, outputs, strict=True))
        )
        timed_out = " (timed out)" if time.monotonic() > deadline else ""
        raise AssertionError(f"the workers failed{timed_out}:\n{report}")


def _tail(text: str, lines: int = 60) -> str:
    kept = [line for line in text.splitlines() if not line.startswith("[Gloo]")]
    return "\n".join(kept[-lines:])


def _scan_loop_loss(inputs: jax.Array, w: jax.Array) -> jax.Array:
    """The oracle of multihost_worker.loop_loss: the same loop as a plain lax.scan."""
    y, _ = lax.scan(lambda y, _: (jnp.tanh(y * w), None), inputs, None, length=5)
    return jnp.sum(y**2)


def test_two_processes_differentiate_a_sharded_batch(tmp_path):
    _run_workers(tmp_path)
    v = {k: jnp.asarray(a) for k, a in model_inputs().items()}
    dw, dinputs = jax.grad(loss, argnums=(0, 1))(v["w"], v["inputs"], v["targets"])
    _, tangent = jax.jvp(lambda w: loss(w, v["inputs"], v["targets"]), (v["w"],), (v["v"],))
    dloop = jax.grad(_scan_loop_loss)(v["inputs"], v["w"])
    expected = {
        "dw": dw,
        "dinputs": dinputs,
        "tangent": tangent,
        "dloop": dloop,
        "dw_jit": dw,
        "dinputs_jit": dinputs,
        "dw_fwd": dw,
        "dinputs_fwd": dinputs,
    }
    for pid in range(NUM_PROCESSES):
        with np.load(tmp_path / f"process_{pid}.npz") as got:
            assert sorted(got.files) == sorted(expected)
            assert_close({k: got[k] for k in expected}, expected)
        summary = json.loads((tmp_path / f"process_{pid}.json").read_text())
        assert summary["process_index"] == pid
        assert (summary["process_count"], summary["devices"], summary["local_devices"]) == (2, 8, 4)
        assert summary["local_rows"] == 8  # each process holds half of the gradient's rows
        assert summary["layouts"] == dict.fromkeys(summary["layouts"], True), summary["layouts"]
