"""``RepertoireClassifier``: DeepRC (004's paper, Widrich et al. 2020) on :class:`HopfieldPooling`.

Per sequence (one-hot amino acids + 3 position ramps, :func:`hopfield.repertoire.sequence_features`):

    e_t = max_p SELU(Conv1d(x_t))_p              (n_filters,)  sequence embedding
    k_t = SELU(W_2 SELU(W_1 e_t + b_1) + b_2)    (key_hidden,) keys
    a_t = softmax_{t in bag}(beta q k_t^T [+ log c_t])          attention (004 eq. (17), one update)
    z   = sum_t a_t e_t                          (n_filters,)  pooled repertoire (raw embeddings as values)
    y   = w^T z + b                              logit; BCE loss

with one learned query ``q`` and ``beta = 1 / sqrt(key_hidden)``: a single update of the modern Hopfield
network with static state and stored patterns (:class:`HopfieldPooling` with every projection and
LayerNorm off), over ragged bags (offsets, no padding). With ``use_counts`` the log of each sequence's
duplicate count ``c_t`` is added to its attention logit, so a clone seen ``c`` times weighs as ``c``
copies of one seen once (the values stay the raw embeddings).

The convolution runs over the positions where the kernel's window starts inside the sequence (the first
``max(L - kernel, 0) + 1`` positions of a sequence of length ``L``, zero-padded to the kernel length if
shorter), so an embedding does not depend on the padding of the other sequences it is batched with;
sequences are embedded ``chunk_size`` at a time, so memory is bounded for 10^5 sequences.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any

import torch
from torch import Tensor, nn

from hopfield._errors import HopfieldTypeError, input_error
from hopfield._validate import check_bool, check_int, check_optional_int, check_real
from hopfield.nn._pooling import HopfieldPooling
from hopfield.repertoire._batch import RepertoireBatch
from hopfield.repertoire._errors import CheckpointConfigError
from hopfield.repertoire._features import N_FEATURES, sequence_features, slice_sequences

__all__ = ["CheckpointConfigError", "RepertoireClassifier", "subset_batch", "top_fraction_index"]


def subset_batch(batch: RepertoireBatch, index: Tensor) -> RepertoireBatch:
    """The sequences ``index`` (ascending, into the batch's sequences) of ``batch``, bags kept in place.

    Every bag must keep at least one sequence. Vectorized: residue positions are
    ``repeat(starts, lengths) + arange - repeat(new_starts, lengths)``.
    """
    so = batch.sequence_offsets
    starts = so[index]
    lengths = so[index + 1] - starts
    new = torch.zeros(index.numel() + 1, dtype=torch.int64, device=so.device)
    torch.cumsum(lengths, 0, out=new[1:])
    pos = torch.arange(int(new[-1]), device=so.device) + torch.repeat_interleave(starts - new[:-1], lengths)
    per_bag = torch.bincount(batch.bag_ids()[index], minlength=batch.n_bags)
    bag_offsets = torch.zeros(batch.n_bags + 1, dtype=torch.int64, device=so.device)
    torch.cumsum(per_bag, 0, out=bag_offsets[1:])
    return replace(
        batch,
        residues=batch.residues[pos],
        sequence_offsets=new,
        bag_offsets=bag_offsets,
        sequence_index=batch.sequence_index[index],
        counts=None if batch.counts is None else batch.counts[index],
        implanted=None if batch.implanted is None else batch.implanted[index],
    )


def top_fraction_index(weights: Tensor, batch: RepertoireBatch, fraction: float, min_kept: int = 1) -> Tensor:
    """Indices (ascending) of each bag's ``max(ceil(fraction * n_b), min(min_kept, n_b))`` most attended
    sequences (at least 1).

    ``weights`` ``(n_sequences,)``; ties keep the earlier sequence.
    """
    bag = batch.bag_ids()
    sizes = batch.bag_sizes
    k = torch.ceil(sizes.to(torch.float64) * fraction).long()
    k = torch.maximum(k, torch.clamp(sizes, max=max(1, min_kept)))
    order = torch.sort(-weights.detach(), stable=True).indices
    order = order[torch.sort(bag[order], stable=True).indices]  # by bag, then by weight descending
    rank = torch.arange(order.numel(), device=order.device) - batch.bag_offsets[bag[order]]
    return torch.sort(order[rank < k[bag[order]]]).values


class RepertoireClassifier(nn.Module):
    """DeepRC: sequence embedding (Conv1d + SELU + max), attention pooling with one learned query
    (:class:`HopfieldPooling`, static), one linear output (module docstring for the equations).

    Parameters
    ----------
    kernel_size:
        Convolution width (9 in DeepRC); sequences are zero-padded to at least this length.
    n_filters:
        Convolution filters = embedding size = value size (32).
    key_hidden:
        Units of the two SELU layers that make the keys (32).
    beta:
        Inverse temperature of the attention; None: ``1 / sqrt(key_hidden)``.
    chunk_size:
        Sequences embedded at a time (bounds memory; results do not depend on it).
    use_counts:
        Add ``log(duplicate_count)`` to each sequence's attention logit (needs counts in the batch).

    Examples
    --------
    >>> from hopfield.repertoire import Repertoire, RepertoireBag, collate_bags
    >>> import torch
    >>> rep = Repertoire.from_sequences(["CASSLGQETQYF", "CASSPDRGYTF", "CAW"])
    >>> bag = RepertoireBag(torch.from_numpy(rep.residues), torch.from_numpy(rep.offsets),
    ...                     torch.tensor(1.0), 0, torch.arange(3))
    >>> model = RepertoireClassifier()
    >>> model(collate_bags([bag])).shape
    torch.Size([1])
    >>> [round(float(w.detach().sum()), 6) for w in model.attention(collate_bags([bag]))]
    [1.0]
    """

    def __init__(
        self,
        kernel_size: int = 9,
        n_filters: int = 32,
        key_hidden: int = 32,
        beta: float | None = None,
        chunk_size: int = 4096,
        use_counts: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = check_int(kernel_size, "kernel_size", 1)
        self.n_filters = check_int(n_filters, "n_filters", 1)
        self.key_hidden = check_int(key_hidden, "key_hidden", 1)
        self.beta = (
            1.0 / math.sqrt(self.key_hidden)
            if beta is None
            else check_real(beta, "beta", low=0.0, low_open=True)
        )
        self.chunk_size = check_int(chunk_size, "chunk_size", 1)
        self.use_counts = check_bool(use_counts, "use_counts")
        self._beta_given = beta
        self.conv = nn.Conv1d(N_FEATURES, self.n_filters, self.kernel_size)
        self.key_net = nn.Sequential(
            nn.Linear(self.n_filters, self.key_hidden),
            nn.SELU(),
            nn.Linear(self.key_hidden, self.key_hidden),
            nn.SELU(),
        )
        self.pooling = HopfieldPooling(
            input_size=self.n_filters,
            hidden_size=self.key_hidden,
            stored_pattern_size=self.key_hidden,
            pattern_projection_size=self.n_filters,
            scaling=self.beta,
            stored_pattern_as_static=True,
            state_pattern_as_static=True,
            pattern_projection_as_static=True,
            normalize_stored_pattern=False,
            normalize_state_pattern=False,
            normalize_pattern_projection=False,
            disable_out_projection=True,
        )
        self.output = nn.Linear(self.n_filters, 1)
        self.reset_parameters()

    def config(self) -> dict[str, Any]:
        """The constructor's arguments (what a checkpoint stores and compares on load)."""
        return {
            "kernel_size": self.kernel_size,
            "n_filters": self.n_filters,
            "key_hidden": self.key_hidden,
            "beta": self._beta_given,
            "chunk_size": self.chunk_size,
            "use_counts": self.use_counts,
        }

    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """SELU (LeCun normal) initialization, ``N(0, 1/fan_in)``, zero biases; the query ~ N(0, 0.02^2)
        (attention starts near uniform). ``generator`` makes it reproducible."""
        for layer in (self.conv, self.key_net[0], self.key_net[2], self.output):
            weight, bias = layer.weight, layer.bias
            assert isinstance(weight, Tensor) and isinstance(bias, Tensor)
            nn.init.normal_(weight, 0.0, 1.0 / math.sqrt(weight[0].numel()), generator=generator)
            nn.init.zeros_(bias)
        nn.init.normal_(self.pooling.pooling_weights, 0.0, 0.02, generator=generator)

    # ------------------------------------------------------------------------------------ pieces
    def embed(self, residues: Tensor, offsets: Tensor) -> Tensor:
        """Sequence embeddings ``(n_sequences, n_filters)`` of a ragged array, ``chunk_size`` at a time."""
        n = offsets.numel() - 1
        dtype = self.conv.weight.dtype
        out = []
        for start in range(0, n, self.chunk_size):
            r, o = slice_sequences(residues, offsets, start, min(n, start + self.chunk_size))
            x = sequence_features(r, o, min_length=self.kernel_size, dtype=dtype)
            h = self.conv(x)  # (c, F, P)
            last = (o.diff() - self.kernel_size).clamp(min=0)  # last valid window start per sequence
            valid = torch.arange(h.shape[-1], device=h.device).unsqueeze(0) <= last.unsqueeze(1)
            h = h.masked_fill(~valid.unsqueeze(1), float("-inf")).amax(dim=-1)
            out.append(torch.nn.functional.selu(h))  # SELU is increasing: max then SELU
        if not out:
            return self.conv.weight.new_zeros(0, self.n_filters)
        return torch.cat(out)

    def _bias(self, batch: RepertoireBatch, dtype: torch.dtype) -> Tensor | None:
        if not self.use_counts:
            return None
        if batch.counts is None:
            raise input_error("batch", "duplicate counts (use_counts=True)", "a batch without counts")
        return torch.log(batch.counts.to(dtype).clamp(min=1.0))

    def _pool(self, emb: Tensor, batch: RepertoireBatch, need: bool) -> tuple[Tensor, Tensor | None]:
        """Pooled ``(n_bags, n_filters)`` and, if ``need``, the attention ``(n_sequences,)``; float32 or
        the parameters' dtype, never under autocast (the segmented softmax stays exact)."""
        dtype = self.output.weight.dtype
        with torch.autocast(emb.device.type, enabled=False):
            emb = emb.to(dtype)
            keys = self.key_net(emb)
            res = self.pooling(
                (keys, emb),
                offsets=batch.bag_offsets,
                return_association=need,
                stored_pattern_bias=self._bias(batch, dtype),
            )
        if need:
            return res[0], res[1].reshape(-1)
        return res, None

    def _check(self, batch: Any) -> RepertoireBatch:
        if not isinstance(batch, RepertoireBatch):
            raise input_error(
                "batch", "a RepertoireBatch (collate_bags)", type(batch).__name__, cls=HopfieldTypeError
            )
        if batch.n_bags == 0 or bool((batch.bag_sizes <= 0).any()):
            raise input_error(
                "batch", "bags of at least one sequence", f"bag sizes {batch.bag_sizes.tolist()}"
            )
        return batch

    # ------------------------------------------------------------------------------------ API
    def forward(self, batch: RepertoireBatch, top_fraction: float | None = None, min_kept: int = 1) -> Tensor:
        """Logits ``(n_bags,)``.

        With ``top_fraction`` (training, DeepRC): attention over all sequences without gradient, then
        each bag's ``max(ceil(top_fraction * n_b), min(min_kept, n_b))`` most attended sequences are
        embedded again, with gradient, and pooled; only they are back-propagated through.
        """
        batch = self._check(batch)
        if top_fraction is not None:
            fraction = check_real(top_fraction, "top_fraction", low=0.0, high=1.0, low_open=True)
            batch = self.select_top(batch, fraction, check_int(min_kept, "min_kept", 1))
        z, _ = self._pool(self.embed(batch.residues, batch.sequence_offsets), batch, False)
        logits: Tensor = self.output(z.to(self.output.weight.dtype)).squeeze(-1)
        return logits

    @torch.no_grad()
    def select_top(self, batch: RepertoireBatch, fraction: float, min_kept: int = 1) -> RepertoireBatch:
        """The sub-batch of each bag's most attended sequences (see :meth:`forward`); computed without
        gradient. Its ``sequence_index`` maps the kept sequences back to the repertoires."""
        w = self.attention(batch, flat=True)
        return subset_batch(batch, top_fraction_index(w, batch, fraction, min_kept))

    def attention(self, batch: RepertoireBatch, *, flat: bool = False) -> Any:
        """Per-sequence attention weights: a list of ``(n_b,)`` tensors, one per bag, each summing to 1
        (``flat``: one ``(n_sequences,)`` tensor in the batch's order). The weights carry gradient unless
        called under ``torch.no_grad`` (explanations: ``hopfield repertoire explain``)."""
        batch = self._check(batch)
        _, w = self._pool(self.embed(batch.residues, batch.sequence_offsets), batch, True)
        assert w is not None
        return w if check_bool(flat, "flat") else list(torch.split(w, batch.bag_sizes.tolist()))

    def load_checkpoint_state(self, config: dict[str, Any], state: dict[str, Any]) -> None:
        """Load ``state`` written with model configuration ``config``; a different architecture raises
        :class:`CheckpointConfigError` naming the differing fields (``chunk_size`` may differ)."""
        mine = {k: v for k, v in self.config().items() if k != "chunk_size"}
        theirs = {k: v for k, v in dict(config).items() if k != "chunk_size"}
        if mine != theirs:
            diff = sorted(k for k in set(mine) | set(theirs) if mine.get(k) != theirs.get(k))
            raise CheckpointConfigError(
                f"checkpoint of another model configuration (differs in {', '.join(diff)})",
                argument="checkpoint",
                expected=str(mine),
                received=str(theirs),
            )
        self.load_state_dict(state)

    @classmethod
    def from_config(cls, config: dict[str, Any], chunk_size: int | None = None) -> RepertoireClassifier:
        """A model of the stored configuration (``chunk_size`` overridable)."""
        cfg = dict(config)
        if chunk_size is not None:
            cfg["chunk_size"] = check_optional_int(chunk_size, "chunk_size", 1)
        return cls(**cfg)
