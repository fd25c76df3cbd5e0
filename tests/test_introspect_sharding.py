"""The sharding report (``Inspection.sharding``), checked against raw JAX and arithmetic.

The multi-device cases run in a fresh Python with ``--xla_force_host_platform_device_count=8``
(this process may have one CPU device or eight, depending on how JAX was configured): one
subprocess computes every case's report together with raw JAX's own answers (the shards of each
array, the mesh, ``memory_analysis()`` of ``jax.jit``'s compile) and prints them as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import workbench as wb
from workbench._src.introspect import inspect
from workbench._src.introspect.hlo import collectives, shape_bytes
from workbench._src.introspect.sharding import render_sharding, sharding_report

N = 8

# Runs in the subprocess. For every case: the report's to_json(), its text, and raw JAX's facts.
_SNIPPET = textwrap.dedent(
    """
    import json
    import jax, jax.numpy as jnp, numpy as np
    from jax.sharding import AxisType, NamedSharding, PartitionSpec as P
    import workbench as wb
    from workbench._src.introspect import inspect

    assert len(jax.devices()) == 8, jax.devices()
    mesh8 = jax.make_mesh((8,), ("data",), axis_types=(AxisType.Auto,))
    mesh42 = jax.make_mesh((4, 2), ("data", "model"), axis_types=(AxisType.Auto,) * 2)
    name = lambda d: f"{d.platform}:{d.id}"

    def shards(a):
        # raw JAX: which device holds which slice (start, stop) along dims 0 and 1
        out = []
        for s in a.addressable_shards:
            idx = [sl.indices(n)[:2] for sl, n in zip(s.index, a.shape)]
            out.append([name(s.device), [list(i) for i in idx]])
        return out

    def case(f, *args, mode=None, raw=None, raw_args=None):
        report = inspect(f, *args, mode=mode, runs=0).sharding
        m = (raw or jax.jit(f)).lower(*(raw_args or args)).compile().memory_analysis()
        return {
            "json": report.to_json(),
            "text": report.to_text(None),
            "raw_memory": [m.argument_size_in_bytes, m.output_size_in_bytes, m.temp_size_in_bytes],
        }

    out = {"mesh42_devices": [[name(d) for d in row] for row in mesh42.devices]}
    x = jax.device_put(jnp.arange(32.0, dtype=jnp.float32).reshape(8, 4),
                       NamedSharding(mesh8, P("data")))
    out["data"] = case(lambda x: x * 2, x)
    out["data"]["shards"] = shards(x)

    y = jax.device_put(jnp.ones((8, 4), jnp.float32), NamedSharding(mesh42, P("data", "model")))
    out["mesh42"] = case(lambda y: y + 1, y)
    out["mesh42"]["shards"] = shards(y)

    r = jax.device_put(jnp.ones((8, 4), jnp.float32), NamedSharding(mesh8, P()))
    out["replicated"] = case(lambda r: r * 3, r)

    # reduce over 'data' of a 4x2 mesh: groups are the devices that share a 'model' index
    out["reduce_data"] = case(lambda y: jnp.sum(y, axis=0), y)

    # gather a sharded array onto every device: one all-gather of the whole array
    gather = lambda x: jax.lax.with_sharding_constraint(x, NamedSharding(mesh8, P())) * 1.0
    out["gather"] = case(gather, x)

    # data-parallel gradient: batch sharded over 'data', params replicated, mean loss
    params = {"w": jax.device_put(jnp.full((4, 3), 0.1, jnp.float32), NamedSharding(mesh8, P())),
              "b": jax.device_put(jnp.zeros((3,), jnp.float32), NamedSharding(mesh8, P()))}
    batch = jax.device_put(jnp.ones((16, 4), jnp.float32), NamedSharding(mesh8, P("data")))
    def loss(params, batch):
        return jnp.mean(jnp.tanh(batch @ params["w"] + params["b"]) ** 2)
    grad_fn = lambda p, b: wb.gradient(wb.Reverse, loss, p, wb.Const(b))
    out["dp"] = case(loss, params, wb.Const(batch), mode=wb.Reverse, raw=jax.jit(grad_fn),
                     raw_args=(params, batch))
    raw_text = jax.jit(jax.grad(loss)).lower(params, batch).compile().as_text()
    out["dp"]["raw_all_reduces"] = sum(" all-reduce(" in l or " all-reduce-start(" in l
                                       for l in raw_text.splitlines())
    print("JSON:" + json.dumps(out))
    """
)


def _run_with_8_devices(code: str) -> dict[str, Any]:
    flags = os.environ.get("XLA_FLAGS", "")
    env = dict(
        os.environ,
        XLA_FLAGS=f"{flags} --xla_force_host_platform_device_count={N}".strip(),
        JAX_PLATFORMS="cpu",
    )
    env.pop("JAX_NUM_CPU_DEVICES", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=240
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    line = next(x for x in proc.stdout.splitlines() if x.startswith("JSON:"))
    return json.loads(line[len("JSON:") :])


@pytest.fixture(scope="module")
def eight() -> dict[str, Any]:
    return _run_with_8_devices(_SNIPPET)


def _holder(report: dict[str, Any], shards: list[Any]) -> dict[tuple[int, int], str]:
    """Raw JAX's answer, in the report's terms: block (i, j) -> the device holding it."""
    rows, cols = report["rows"], report["cols"]
    out = {}
    for device, ((r0, _r1), (c0, _c1)) in shards:
        out[(rows.index(r0), cols.index(c0))] = device
    return out


def _groups(text: str) -> list[set[int]]:
    inner = text.strip()[1:-1]
    return [{int(v) for v in g.split(",") if v} for g in inner.strip("{}").split("},{")]


# --------------------------------------------------------------------------------------------
# Layouts


def test_rows_sharded_over_data_give_one_block_per_device(eight: dict[str, Any]) -> None:
    rep = eight["data"]["json"]
    (x,) = rep["arguments"]
    assert rep["devices"] == [f"cpu:{i}" for i in range(N)] and rep["mesh"] == [["data", N]]
    assert x["rows"] == list(range(N + 1)) and x["cols"] == [0, 4]
    assert [x["cells"][i][0] for i in range(N)] == [[i] for i in range(N)]
    # raw JAX's shards: the device holding rows i:i+1 is devices[cells[i][0][0]]
    for (i, j), device in _holder(x, eight["data"]["shards"]).items():
        assert rep["devices"][x["cells"][i][j][0]] == device
    assert x["spec"] == "PartitionSpec('data', None)" and x["replicated"] is False
    assert x["bytes_per_device"] == 8 * 4 * 4 // N
    assert (x["name"], x["shape"], x["dtype"], x["note"]) == ("x", [8, 4], "float32", "")


def test_a_4x2_mesh_splits_rows_over_data_and_columns_over_model(eight: dict[str, Any]) -> None:
    rep = eight["mesh42"]["json"]
    (y,) = rep["arguments"]
    assert rep["mesh"] == [["data", 4], ["model", 2]]
    assert y["rows"] == [0, 2, 4, 6, 8] and y["cols"] == [0, 2, 4]
    assert y["spec"] == "PartitionSpec('data', 'model')"
    held = [c for row in y["cells"] for c in row]
    assert all(len(c) == 1 for c in held) and sorted(c[0] for c in held) == list(range(N))
    holder = _holder(y, eight["mesh42"]["shards"])
    assert len(holder) == N
    for (i, j), device in holder.items():
        assert rep["devices"][y["cells"][i][j][0]] == device
        assert device == eight["mesh42_devices"][i][j]  # the mesh's own layout
    assert y["bytes_per_device"] == 8 * 4 * 4 // N


def test_a_replicated_array_is_held_whole_by_every_device(eight: dict[str, Any]) -> None:
    (r,) = eight["replicated"]["json"]["arguments"]
    assert r["replicated"] is True
    assert r["spec"] == "PartitionSpec(None, None)"
    assert r["cells"] == [[list(range(N))]] and (r["rows"], r["cols"]) == ([0, 8], [0, 4])
    assert r["bytes_per_device"] == 8 * 4 * 4


@pytest.mark.parametrize("case", ["data", "mesh42", "replicated", "dp"])
def test_bytes_per_device_is_the_array_size_over_its_distinct_blocks(
    eight: dict[str, Any], case: str
) -> None:
    for a in eight[case]["json"]["arguments"] + eight[case]["json"]["outputs"]:
        nbytes = int(np.prod(a["shape"], dtype=int)) * np.dtype(a["dtype"]).itemsize
        blocks = (len(a["rows"]) - 1) * (len(a["cols"]) - 1)
        assert a["bytes_per_device"] == nbytes // blocks, a
        # every device holds exactly one block (each array's shards are equal in size)
        per_device = [d for row in a["cells"] for c in row for d in c]
        assert sorted(per_device) == sorted(set(per_device)) or a["replicated"]


# --------------------------------------------------------------------------------------------
# Collectives


def test_data_parallel_gradient_all_reduces_over_every_device_in_the_backward_pass(
    eight: dict[str, Any],
) -> None:
    rep = eight["dp"]["json"]
    assert eight["dp"]["raw_all_reduces"] >= 1  # raw jax.grad's program needs one too
    backward = [c for c in rep["collectives"] if c["kind"] == "all-reduce"]
    assert backward and any(c["phase"] == "backward" for c in backward)
    for c in backward:
        if c["phase"] == "backward":
            assert set().union(*_groups(c["groups"])) == set(range(N))
            assert set(range(N)) in _groups(c["groups"])
    names = {a["name"]: a for a in rep["arguments"]}
    assert set(names) == {"params['w']", "params['b']", "batch"}
    assert names["batch"]["rows"] == [2 * i for i in range(N + 1)]
    assert names["params['w']"]["replicated"] and names["params['b']"]["replicated"]


def test_a_program_without_cross_device_work_has_no_collectives(eight: dict[str, Any]) -> None:
    for case in ("data", "mesh42", "replicated"):
        assert eight[case]["json"]["collectives"] == []


def test_reducing_over_data_groups_the_devices_that_share_a_model_index(
    eight: dict[str, Any],
) -> None:
    rep = eight["reduce_data"]["json"]
    columns = [{rep["devices"].index(row[j]) for row in eight["mesh42_devices"]} for j in range(2)]
    reduces = [c for c in rep["collectives"] if c["kind"] == "all-reduce"]
    assert reduces
    assert any(sorted(_groups(c["groups"]), key=min) == columns for c in reduces), reduces


def test_gathering_a_sharded_array_is_one_all_gather_of_the_whole_array(
    eight: dict[str, Any],
) -> None:
    gathers = [c for c in eight["gather"]["json"]["collectives"] if c["kind"] == "all-gather"]
    assert len(gathers) == 1
    assert gathers[0]["bytes"] == 8 * 4 * 4 and gathers[0]["phase"] == "primal"


# --------------------------------------------------------------------------------------------
# Memory, schema, text


@pytest.mark.parametrize("case", ["data", "mesh42", "replicated", "reduce_data", "dp"])
def test_memory_per_device_is_xla_memory_analysis_of_raw_jax_compile(
    eight: dict[str, Any], case: str
) -> None:
    m = eight[case]["json"]["memory_per_device"]
    assert [m["argument_bytes"], m["output_bytes"], m["temp_bytes"]] == eight[case]["raw_memory"]
    assert m["total_bytes"] == m["argument_bytes"] + m["output_bytes"] + m["temp_bytes"]


def test_to_json_has_exactly_the_widget_schema(eight: dict[str, Any]) -> None:
    rep = eight["dp"]["json"]
    assert list(rep) == [
        "devices", "mesh", "arguments", "outputs", "collectives", "memory_per_device"
    ]  # fmt: skip
    array_keys = ["name", "shape", "dtype", "spec", "replicated", "bytes_per_device"]
    array_keys += ["rows", "cols", "cells", "note"]
    for a in rep["arguments"] + rep["outputs"]:
        assert list(a) == array_keys
    for c in rep["collectives"]:
        assert list(c) == ["name", "kind", "shape", "bytes", "groups", "phase"]
        assert c["bytes"] == shape_bytes(c["shape"])
    assert list(rep["memory_per_device"]) == [
        "argument_bytes", "output_bytes", "temp_bytes", "total_bytes"
    ]  # fmt: skip


def test_text_draws_the_grid_and_lists_the_collectives(eight: dict[str, Any]) -> None:
    text = eight["data"]["text"]
    arguments = text.split("Arguments:")[1].split("Outputs:")[0]
    grid = [line for line in arguments.splitlines() if "|" in line]
    # one grid row per block of rows, each naming the one device that holds it
    assert [line.split("|")[1].strip() for line in grid] == [str(i) for i in range(N)]
    assert [line.split("|")[0].strip() for line in grid] == [f"{i}:{i + 1}" for i in range(N)]
    assert "mesh data=8" in text and "Collectives: 0" in text
    dp = eight["dp"]["text"]
    assert "all-reduce" in dp and "backward" in dp and "groups {{0,1,2,3,4,5,6,7}}" in dp


# --------------------------------------------------------------------------------------------
# One device (this process, however many devices it has)


def test_a_single_device_program_gets_the_trivial_report() -> None:
    x = jnp.ones((3, 2), jnp.float32)
    report = inspect(lambda x, y: jnp.sin(x) * y, x, 2.0, runs=0).sharding
    rep = report.to_json()
    (device,) = x.devices()
    assert rep["devices"] == [f"{device.platform}:{device.id}"] and rep["mesh"] == []
    assert rep["collectives"] == []
    for a in rep["arguments"] + rep["outputs"]:
        assert a["replicated"] and a["cells"] == [[[0]] * (len(a["cols"]) - 1)]
    assert rep["arguments"][0]["bytes_per_device"] == x.nbytes
    assert "1 device" in render_sharding(report)
    assert json.loads(json.dumps(rep)) == rep


def test_an_unused_argument_is_reported_as_not_passed() -> None:
    compiled = jax.jit(lambda x, unused: x * 2).lower(jnp.ones(3), jnp.ones(2)).compile()
    report = sharding_report(compiled)
    assert [a.spec == "unused" for a in report.arguments] == [False, True]
    assert report.arguments[1].bytes_per_device == 0


def test_inspection_carries_the_report_in_its_text() -> None:
    ins = inspect(lambda x: jnp.sum(x**2), jnp.ones(4), mode=wb.Reverse, runs=0)
    assert ins.sharding.collectives == ()
    assert "Sharding: 1 device" in ins.to_text() and "Sharding: 1 device" in repr(ins)


# --------------------------------------------------------------------------------------------
# XLA's forms of device groups, spelled out by hand


def _one(line: str, n: int | None = None) -> Any:
    (c,) = collectives(f"ENTRY %main () -> f32[4] {{\n  {line}\n}}", n)
    return c


@pytest.mark.parametrize(
    ("attr", "expected"),
    [
        ("replica_groups={{0,2},{1,3}}", [{0, 2}, {1, 3}]),
        # iota over [2,4], transposed: rows of the 4x2 transpose
        ("replica_groups=[4,2]<=[2,4]T(1,0)", [{0, 4}, {1, 5}, {2, 6}, {3, 7}]),
        ("replica_groups=[2,4]<=[8]", [{0, 1, 2, 3}, {4, 5, 6, 7}]),
        # devices numbered row-major over a 4 x 1 x 2 mesh; groups vary axis_0
        ("replica_groups=mesh['axis_0'=4,'axis_1'=1,'axis_2'=2] {'axis_0'}",
         [{0, 2, 4, 6}, {1, 3, 5, 7}]),
        ("replica_groups=mesh['axis_0'=4,'axis_1'=2] {'axis_1'}",
         [{0, 1}, {2, 3}, {4, 5}, {6, 7}]),
        ("replica_groups={}", [set(range(8))]),
    ],
)  # fmt: skip
def test_device_groups_are_spelled_out(attr: str, expected: list[set[int]]) -> None:
    c = _one(f"ROOT %all-reduce.1 = f32[4]{{0}} all-reduce(%p), {attr}, to_apply=%add", 8)
    assert _groups(c.groups) == expected
    assert (c.kind, c.bytes, c.phase) == ("all-reduce", 16, None)


def test_an_async_pair_counts_once_with_the_result_shape_of_its_done() -> None:
    text = (
        "ENTRY %main (p: f32[2]) -> f32[8] {\n"
        "  %p = f32[2]{0} parameter(0)\n"
        "  %all-gather-start = (f32[2]{0}, f32[8]{0}) all-gather-start(%p), "
        "replica_groups={{0,1,2,3}}, dimensions={0}, "
        'metadata={op_name="jit(f)/jvp()/sharding_constraint"}\n'
        "  ROOT %all-gather-done = f32[8]{0} all-gather-done(%all-gather-start)\n}"
    )
    (c,) = collectives(text)
    assert (c.name, c.kind, c.shape, c.bytes) == ("all-gather-start", "all-gather", "f32[8]{0}", 32)
    assert c.phase == "forward" and _groups(c.groups) == [{0, 1, 2, 3}]
