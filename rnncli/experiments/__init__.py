"""Experiments: toy tasks, the training loop and gradient-flow measurements.

``tasks`` generates the long-memory benchmarks (adding, copy, temporal order,
counting) with their no-memory baselines; ``train`` trains torch RNN/GRU/LSTM
on them; ``gradients`` measures how the gradient of a last-step loss shrinks
with the distance back in time.
"""
