"""Dense output of the batched Dormand-Prince solver (:mod:`hopfield.functional.batched_rk`).

Each accepted step of a row yields the states at the output times that fall inside it, from the
continuous extension of HNW I §II.6; :class:`Outputs` collects them into the ``(T, B, ...)`` trajectory.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["SMALL", "Outputs", "dense_output"]

#: Below this many multiply-adds the interpolation is written elementwise: a small ``bmm`` starts a
#: parallel region for every call, which stalls when the CPU is busy.
SMALL = 1 << 16


class Outputs:
    """The trajectory ``(T * B, m)`` filled row by row as rows pass their output times: written in
    place without autograd; collected and assembled once (differentiably) with it."""

    def __init__(self, size: int, y0: Tensor, rows: Tensor, grad: bool) -> None:
        self.grad = grad
        self.index, self.values = [rows], [y0]
        if not grad:
            self.ys = y0.new_empty(size, y0.shape[1])
            self.ys[: y0.shape[0]] = y0

    def add(self, index: Tensor, values: Tensor) -> None:
        if self.grad:
            self.index.append(index)
            self.values.append(values)
        else:
            self.ys.index_copy_(0, index, values)

    def result(self) -> Tensor:
        if not self.grad:
            return self.ys
        flat, values = torch.cat(self.index), torch.cat(self.values)
        return values[torch.argsort(flat)]


def dense_output(
    ks: Sequence[Tensor],
    count: Tensor,
    nxt: Tensor,
    tout: Tensor,
    t_old: Tensor,
    t_new: Tensor,
    hs: Tensor,
    y_old: Tensor,
    y_new: Tensor,
    p: Tensor,
    nz: Sequence[int],
) -> tuple[tuple[Tensor, Tensor], Tensor]:
    """The states at the ``count[r]`` output times ``tout[nxt[r]:nxt[r] + count[r]]`` inside each active
    row's step ``(t_old, t_new]``: HNW I §II.6, ``y(t_old + theta h) = y_old + sum_q theta^(q+1) Q_q`` with
    ``Q = h K^T P`` per row, computed once per row and evaluated at each of its times; ``y_new`` itself
    where a time is ``t_new``. Returns ``((output index k, active row r), values)``, one entry per pair.
    """
    ro = torch.nonzero(count).squeeze(1)  # rows with outputs in this step (A_o,)
    c_o = count[ro]
    ends = torch.cumsum(c_o, 0)
    first = ends - c_o
    pair = torch.arange(int(ends[-1]), device=count.device)
    pos = torch.searchsorted(ends, pair, right=True)  # pair -> ro (repeat_interleave stalls a busy CPU)
    r = ro[pos]
    k = nxt[r] + pair - first[pos]
    tk = tout[k]
    theta = ((tk - t_old[r]) / hs[r])[:, None] ** torch.arange(1, p.shape[1] + 1, device=count.device)
    stages = torch.stack([ks[j][ro] for j in nz])  # (s', A_o, m)
    q = (p.T @ stages.flatten(1)).view(p.shape[1], ro.numel(), -1).transpose(0, 1)  # (A_o, q, m)
    weights = (theta * hs[r][:, None]).to(q.dtype)  # (n, q), h folded in
    if r.numel() * q[0].numel() <= SMALL:  # elementwise: a small bmm starts a parallel region per call
        return (k, r), _exact((weights[:, :, None] * q[pos]).sum(dim=1) + y_old[r], tk, t_new, r, y_new)
    width = int(c_o.max())
    if ro.numel() * width <= 2 * r.numel():  # similar counts: one padded product per row, no gather of q
        slot = torch.arange(r.numel(), device=count.device) - first[pos]
        padded = weights.new_zeros(ro.numel(), width, weights.shape[1]).index_put((pos, slot), weights)
        valid = torch.arange(width, device=count.device)[None, :] < c_o[:, None]  # (A_o, width)
        value = (torch.bmm(padded, q) + y_old[ro][:, None, :])[valid]
    else:
        value = torch.baddbmm(y_old[r][:, None, :], weights[:, None, :], q[pos]).squeeze(1)
    return (k, r), _exact(value, tk, t_new, r, y_new)


def _exact(value: Tensor, tk: Tensor, t_new: Tensor, r: Tensor, y_new: Tensor) -> Tensor:
    """``value`` with ``y_new`` itself where an output time is the end of its row's step."""
    exact = tk >= t_new[r]
    if bool(exact.any()):
        value = value.index_put((exact.nonzero().squeeze(1),), y_new[r[exact]])
    return value
