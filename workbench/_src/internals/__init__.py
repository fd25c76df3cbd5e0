"""Every assumption the workbench makes about JAX's internals, in one place.

JAX's public API is stable; the workbench also reads what lies under it: which primitive an
equation holds, how a ``scan``'s or a ``while``'s parameters split its operands, what class a
jaxpr is, and a few private routes of introspection. Those change between JAX releases (0.11
replaced a scan's ``num_consts``/``num_carry`` with ``ft_in``/``ft_out``, made ``ClosedJaxpr``
and ``Jaxpr`` one class, and 0.11.1 turned ``closed_call`` into ``eval_jaxpr``). The policy:

- No module outside this package compares a primitive's name, indexes an equation's ``params``,
  or tells jaxpr classes apart. It asks this package: ``primitives`` (the primitives the
  workbench treats specially, as objects looked up once), ``params`` (their parameter layouts,
  each accessor handling every layout of the tested JAX range), ``jaxprs`` (jaxpr classes,
  building and opening jaxprs), ``lowering`` (the names JAX's lowering leaves in the compiled
  program), ``private_jax`` (introspection's private routes, each with a public fallback) and
  ``rules`` (registering the derivative rules of the workbench's own primitives); and
  ``regions``, the one registry of primitives that hold jaxprs (their jaxprs and bindings,
  region kind, whether a loop, how to rebuild them), read by the graph, strong zero and
  ``explain_nans``.
- Each assumption has a test in ``tests/test_jax_internals*.py`` that fails by name, saying which
  JAX changed what ("jax 0.13.0: scan params have neither num_consts nor ft_in"), so that a JAX
  release that moves something is caught there, before a feature silently degrades.
- Where the workbench falls back because an internal route failed, it warns
  (``errors.FallbackWarning``), naming the cause; it never swallows the failure.
- A JAX release the workbench has not been tested on gets no special case until it is tested:
  ``pyproject.toml`` declares the tested range, and ``.ci/run`` tests its floor and the newest
  release pip resolves.

This module imports nothing, so that each part can be imported alone.
"""
