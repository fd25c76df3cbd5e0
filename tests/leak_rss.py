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


def reset_peak() -> None:
    """Starts the process's peak resident memory (VmHWM) afresh from what it holds now.

    ``getrusage``'s ``ru_maxrss`` cannot be reset, and in a child process it starts at what its
    parent held when it forked (Linux carries the high-water mark across ``exec``): a leak
    script run by a long pytest session would count the session's memory as its own."""
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def peak() -> int:
    """Bytes of the process's peak resident memory since ``reset_peak`` (VmHWM)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
