"""A growing associative memory with forgetting, persistent and crash-safe (004 §B2.7).

:class:`Memory` stores patterns over time and retrieves with the exact softmax update of eq. (446),
streamed over memory-mapped segments of a store on disk. See ``docs/memory.md``.
"""

from hopfield.memory._memory import Memory

__all__ = ["Memory"]
