"""The single-step setting shared by the data-parallel test and its worker: one step of 7 repertoires
(4 on rank 0, 3 on rank 1, so the loss weighting of uneven shares is exercised), plain gradient steps
(Adam's first step, lr * g / (|g| + eps), would turn the float rounding of near-zero gradients into
differences of order lr)."""

from hopfield.repertoire import TrainConfig

TRAIN = [0, 1, 2, 3, 4, 5, 6]
VAL = [7, 8, 9, 10, 11]
CONFIG = TrainConfig(
    epochs=1,
    lr=0.5,
    optimizer="sgd",
    batch_size=7,
    subsample=60,
    top_fraction=0.2,
    min_kept=1,
    patience=1,
    seed=3,
)
