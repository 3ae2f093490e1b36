"""Citations used across the tool, keyed by a short id.

Every claim in ``explain``, ``compare``, ``advise`` and ``quiz`` names one of
these keys (or a measurement this tool makes).
"""

from __future__ import annotations

SOURCES: dict[str, str] = {
    "hochreiter1997": "Hochreiter & Schmidhuber (1997), Long Short-Term Memory, "
    "Neural Computation 9(8).",
    "gers2000": "Gers, Schmidhuber & Cummins (2000), Learning to Forget: Continual "
    "Prediction with LSTM, Neural Computation 12(10).",
    "gers2000peephole": "Gers & Schmidhuber (2000), Recurrent Nets that Time and Count, "
    "IJCNN 2000 (Como), vol. 3, pp. 189-194, doi:10.1109/IJCNN.2000.861302 (peephole "
    "connections from the cell to the gates).",
    "gers2002": "Gers, Schraudolph & Schmidhuber (2002), Learning Precise Timing with LSTM "
    "Recurrent Networks, Journal of Machine Learning Research 3, pp. 115-143.",
    "zhou2016": "Zhou, Wu, Zhang & Zhou (2016), Minimal Gated Unit for Recurrent Neural "
    "Networks, International Journal of Automation and Computing 13(3), pp. 226-234, "
    "doi:10.1007/s11633-016-1006-2, arXiv:1603.09420 (the MGU: one gate, f, resets the "
    "past inside the candidate and mixes old state and candidate).",
    "elman1990": "Elman (1990), Finding Structure in Time, Cognitive Science 14(2), "
    "pp. 179-211 (the simple recurrent network).",
    "bengio1994": "Bengio, Simard & Frasconi (1994), Learning long-term dependencies "
    "with gradient descent is difficult, IEEE Trans. Neural Networks 5(2).",
    "pascanu2013": "Pascanu, Mikolov & Bengio (2013), On the difficulty of training "
    "recurrent neural networks, ICML.",
    "cho2014": "Cho et al. (2014), Learning Phrase Representations using RNN "
    "Encoder-Decoder for Statistical Machine Translation, EMNLP.",
    "chung2014": "Chung, Gulcehre, Cho & Bengio (2014), Empirical Evaluation of Gated "
    "Recurrent Neural Networks on Sequence Modeling, arXiv:1412.3555.",
    "jozefowicz2015": "Jozefowicz, Zaremba & Sutskever (2015), An Empirical Exploration "
    "of Recurrent Network Architectures, ICML.",
    "greff2017": "Greff et al. (2017), LSTM: A Search Space Odyssey, IEEE TNNLS 28(10).",
    "melis2018": "Melis, Dyer & Blunsom (2018), On the State of the Art of Evaluation in "
    "Neural Language Models, ICLR (arXiv:1707.05589): with hyperparameters tuned alike "
    "by a black-box tuner, standard LSTMs outperform more recent models, contra the "
    "published claims.",
    "weiss2018": "Weiss, Goldberg & Yahav (2018), On the Practical Computational Power "
    "of Finite Precision RNNs for Language Recognition, ACL.",
    "arjovsky2016": "Arjovsky, Shah & Bengio (2016), Unitary Evolution Recurrent "
    "Neural Networks, ICML (adding and copy tasks).",
    "le2015": "Le, Jaitly & Hinton (2015), A Simple Way to Initialize Recurrent "
    "Networks of Rectified Linear Units, arXiv:1504.00941 (IRNN).",
    "zaremba2014": "Zaremba, Sutskever & Vinyals (2014), Recurrent Neural Network "
    "Regularization, arXiv:1409.2329 (dropout between layers, not on recurrence).",
    "gal2016": "Gal & Ghahramani (2016), A Theoretically Grounded Application of "
    "Dropout in Recurrent Neural Networks, NeurIPS (variational recurrent dropout).",
    "sutskever2014": "Sutskever, Vinyals & Le (2014), Sequence to Sequence Learning "
    "with Neural Networks, NeurIPS.",
    "bahdanau2015": "Bahdanau, Cho & Bengio (2015), Neural Machine Translation by "
    "Jointly Learning to Align and Translate, ICLR (attention).",
    "loshchilov2019": "Loshchilov & Hutter (2019), Decoupled Weight Decay "
    "Regularization, ICLR (AdamW).",
    "prechelt1998": "Prechelt (1998), Early Stopping - But When?, Neural Networks: "
    "Tricks of the Trade.",
    "deepbench": "Baidu Research, DeepBench (2016-2017), RNN kernel benchmarks, "
    "github.com/baidu-research/DeepBench.",
    "torch-rnn": "PyTorch documentation, torch.nn.RNN (weights, biases, init U(-1/sqrt(H), "
    "1/sqrt(H))).",
    "torch-gru": "PyTorch documentation, torch.nn.GRU (gate order r, z, n; "
    "h' = (1 - z) * n + z * h).",
    "torch-lstm": "PyTorch documentation, torch.nn.LSTM (gate order i, f, g, o; two bias "
    "vectors).",
    "torch-clip": "PyTorch documentation, torch.nn.utils.clip_grad_norm_.",
    "glorot2010": "Glorot & Bengio (2010), Understanding the difficulty of training deep "
    "feedforward neural networks, AISTATS (Xavier/Glorot initialisation).",
    "cudnn": "NVIDIA cuDNN API reference, cudnnRNNMode_t (RNN, GRU and LSTM equations with "
    "separate input and recurrent bias vectors; GRU reset applied after the product).",
    "torch-rnn-source": "PyTorch source, torch/nn/modules/rnn.py, RNNBase.__init__ "
    "(comment: second bias vector included for cuDNN compatibility).",
    "torch-pack": "PyTorch documentation, torch.nn.utils.rnn.pack_padded_sequence.",
    "torch-plateau": "PyTorch documentation, torch.optim.lr_scheduler.ReduceLROnPlateau.",
    "smith2017": "Smith (2017), Cyclical Learning Rates for Training Neural Networks, WACV.",
    "d2l-gru": "Zhang, Lipton, Li & Smola, Dive into Deep Learning, section 'Gated "
    "Recurrent Units (GRU)' (z near 1 keeps the old state).",
    "torch-aten-rnn": "PyTorch source, aten/src/ATen/native/RNN.cpp, use_mkldnn (on CPU, "
    "float32/bfloat16 LSTMs run oneDNN's fused RNN primitive; GRU and RNN run generic ATen "
    "ops step by step).",
    "torch-benchmark": "PyTorch documentation, torch.utils.benchmark (Timer.blocked_autorange; "
    "Measurement median and IQR, warning when the IQR exceeds 10% of the median).",
    "torch-fastrnns": "PyTorch repository, benchmarks/fastrnns (fused nn.LSTM against cell "
    "loops and premultiplied variants).",
    "torch-saved-tensors": "PyTorch documentation, Autograd mechanics, Hooks for saved "
    "tensors (torch.autograd.graph.saved_tensors_hooks).",
    "lesson": "The course lesson 'LSTM and GRU: Advanced Sequence Architectures' that rnncli "
    "grew from (not shipped with rnncli; its claims are restated, and corrected where "
    "needed, in `rnncli explain`).",
    "saxe2014": "Saxe, McClelland & Ganguli (2014), Exact solutions to the nonlinear dynamics "
    "of learning in deep linear neural networks, ICLR (orthogonal initialisation).",
    "britz2017": "Britz, Goldie, Luong & Le (2017), Massive Exploration of Neural Machine "
    "Translation Architectures, EMNLP (WMT English-German; LSTM cells ahead of GRU cells).",
    "olah2015": "Olah (2015), Understanding LSTM Networks, colah.github.io (GRU written with "
    "h = (1 - z) * h_prev + z * h_tilde).",
    "torch-issue-4145": "PyTorch issue #4145, 'Consistent batch_first effect for RNN modules' "
    "(batch_first changes input and output, never h_0/h_n/c_n).",
    "torch-autograd": "PyTorch documentation, Autograd mechanics (a graph's saved tensors are "
    "freed after backward; Tensor.detach).",
    "keras-lstm": "Keras documentation, keras.layers.LSTM (kernel (I, 4H) and recurrent "
    "kernel (H, 4H), gates i, f, c, o; one bias vector).",
    "keras-gru": "Keras documentation, keras.layers.GRU (reset_after=True, the default since "
    "TF 2: reset after the product, separate input and recurrent biases, cuDNN-compatible).",
    "onnx-lstm": "ONNX operator specification, LSTM (W, R and B stacked in the gate order "
    "i, o, f, c; optional peepholes P[iof]).",
    "onnx-gru": "ONNX operator specification, GRU, onnx/defs/rnn/defs.cc (blocks z, r, h; "
    "attribute linear_before_reset, default 0: the reset gate multiplies h before the "
    "recurrent product, Cho et al.'s form; PyTorch's form is linear_before_reset=1, which "
    "torch.onnx.export writes).",
    "keras-lstm-source": "Keras source, keras/src/layers/rnn/lstm.py (Keras 3): "
    "kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal', "
    "unit_forget_bias=True (the forget block of the bias starts at 1, the rest at 0).",
    "karpathy2015": "Karpathy, Johnson & Fei-Fei (2015), Visualizing and Understanding "
    "Recurrent Networks, arXiv:1506.02078 (ICLR 2016 workshop): gate saturation statistics "
    "of LSTMs and GRUs on character-level language models.",
    "onednn-rnn": "Measured here with ONEDNN_VERBOSE=1, torch 2.13.0 CPU: a forward of "
    "nn.LSTM runs one oneDNN 'rnn' primitive (alg:vanilla_lstm) and its training step "
    "oneDNN's forward_training and backward; nn.GRU and nn.RNN run no oneDNN RNN "
    "primitive (step by step, one matrix product per step).",
    "rnncli-memory": "This tool's measurement, docs/memory.md: `rnncli memory --full` "
    "(adding task, H = 64): the tanh RNN solves T = 50 and stays at the baseline at T = 100 "
    "and 200; GRU and LSTM solve all three.",
}
