"""Resident memory for the leak scripts (tests/leak_*.py), which tests/test_memory.py runs in
fresh processes."""

import contextlib
import ctypes
import gc


def rss() -> int:
    """Bytes resident after a collection, with freed heap handed back (glibc), so that RSS
    counts what is held rather than what the allocator kept."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: RSS as it is
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096
