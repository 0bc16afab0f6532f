"""PyTorch layers of modern Hopfield networks (004 §B2.6, §B5): drop-in for ``hflayers``, fused.

- :class:`Hopfield`: the association of state patterns with stored patterns (heads, projections,
  LayerNorms, updates in the association space, masks), and its :meth:`~Hopfield.energy`;
- :class:`HopfieldPooling`: learned state patterns pool a bag of stored patterns (padded or ragged);
- :class:`RepertoireClassifier`: DeepRC (immune repertoire classification) on :class:`HopfieldPooling`;
- :class:`HopfieldLayer`: a learned memory of stored patterns (and targets) looked up by the input;
- :class:`HopfieldEncoderLayer`, :class:`HopfieldDecoderLayer`: layers for ``nn.TransformerEncoder``
  and ``nn.TransformerDecoder`` (pre-LN or post-LN);
- seed 003 (§4.1-§4.4): :class:`DeepHNN` (Listing 4.1), :class:`ConvHNN2d` (Listing 4.2, with its
  transposed form), :class:`VHNN` (Listing 4.3), :class:`GeneralizedHopfield` (``A = M^T M``),
  :class:`ConvexMerge`, and :func:`sphere_index` (the spheres ``S_i`` of Prop. 3.4); see
  docs/seed003.md;
- :func:`load_hflayers_state_dict`: load an ``hflayers`` checkpoint into the layers above;
- :mod:`hopfield.nn.functional`: the pure functions under them (``hopfield_update`` is the one fused
  softmax update every module calls).

See docs/layers.md and docs/migrating-from-hflayers.md.
"""

from hopfield.nn import functional
from hopfield.nn._compat import load_hflayers_state_dict
from hopfield.nn._conv_hnn import ConvHNN2d
from hopfield.nn._deep_hnn import DeepHNN
from hopfield.nn._generalized import GeneralizedHopfield
from hopfield.nn._hnn import sphere_index
from hopfield.nn._hopfield import Hopfield
from hopfield.nn._layer import HopfieldLayer
from hopfield.nn._merge import ConvexMerge
from hopfield.nn._pooling import HopfieldPooling
from hopfield.nn._repertoire import CheckpointConfigError, RepertoireClassifier
from hopfield.nn._transformer import HopfieldDecoderLayer, HopfieldEncoderLayer
from hopfield.nn._vhnn import VHNN

__all__ = [
    "VHNN",
    "CheckpointConfigError",
    "ConvHNN2d",
    "ConvexMerge",
    "DeepHNN",
    "GeneralizedHopfield",
    "Hopfield",
    "HopfieldDecoderLayer",
    "HopfieldEncoderLayer",
    "HopfieldLayer",
    "HopfieldPooling",
    "RepertoireClassifier",
    "functional",
    "load_hflayers_state_dict",
    "sphere_index",
]
