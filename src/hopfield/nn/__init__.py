"""PyTorch layers of modern Hopfield networks (004 §B2.6, §B5): drop-in for ``hflayers``, fused.

- :class:`Hopfield`: the association of state patterns with stored patterns (heads, projections,
  LayerNorms, updates in the association space, masks), and its :meth:`~Hopfield.energy`;
- :class:`HopfieldPooling`: learned state patterns pool a bag of stored patterns (padded or ragged);
- :class:`RepertoireClassifier`: DeepRC (immune repertoire classification) on :class:`HopfieldPooling`;
- :class:`HopfieldLayer`: a learned memory of stored patterns (and targets) looked up by the input;
- :class:`HopfieldEncoderLayer`, :class:`HopfieldDecoderLayer`: layers for ``nn.TransformerEncoder``
  and ``nn.TransformerDecoder`` (pre-LN or post-LN);
- :func:`load_hflayers_state_dict`: load an ``hflayers`` checkpoint into the layers above;
- :mod:`hopfield.nn.functional`: the pure functions under them (``hopfield_update`` is the one fused
  softmax update every module calls).

See docs/layers.md and docs/migrating-from-hflayers.md.
"""

from hopfield.nn import functional
from hopfield.nn._compat import load_hflayers_state_dict
from hopfield.nn._hopfield import Hopfield
from hopfield.nn._layer import HopfieldLayer
from hopfield.nn._pooling import HopfieldPooling
from hopfield.nn._repertoire import CheckpointConfigError, RepertoireClassifier
from hopfield.nn._transformer import HopfieldDecoderLayer, HopfieldEncoderLayer

__all__ = [
    "CheckpointConfigError",
    "Hopfield",
    "HopfieldDecoderLayer",
    "HopfieldEncoderLayer",
    "HopfieldLayer",
    "HopfieldPooling",
    "RepertoireClassifier",
    "functional",
    "load_hflayers_state_dict",
]
