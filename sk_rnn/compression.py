"""Model compression: dynamic int8 quantisation, pruning and distillation of fitted estimators.

Both functions take a fitted sk_rnn estimator and return a compressed *copy* with the same
API (``predict``, ``score``, ``generate``, ...), picklable like the original; the
estimator passed in is left untouched. ``fit`` on the copy trains a fresh float model
(of the smaller sizes, after structured pruning).

- :func:`quantize` stores the weights of the linear and recurrent layers as int8 and
  quantises the activations on the fly at each call (PyTorch's dynamic quantisation, CPU
  only); embeddings are stored as 8-bit rows. The model becomes about 4x smaller (int8
  instead of float32 weights); it is meant to be smaller, not faster.
- :func:`prune` zeroes the fraction ``amount`` of smallest-magnitude weights of every
  weight matrix (per matrix, L1 criterion). The tensors stay dense: the model becomes
  sparse, not faster, and compresses well (``model_size(..., compressed=True)``).
  With ``structured=True`` (RNNClassifier and RNNRegressor) it removes whole hidden units
  of every recurrent layer and embedding dimensions instead, ranked by their weights or
  by their activations over data the user passes, optionally with a short fine-tune:
  smaller dense matrices, so a faster ``predict``.

- :func:`distill` trains a smaller *student* of the same class on a fitted teacher's
  outputs over data that may be unlabelled (knowledge distillation): fewer hidden units,
  a narrower embedding or a capped vocabulary make dense matrices smaller, which is what
  makes a recurrent network faster on a CPU.

``benchmarks/bench_compression.py`` measures the accuracy, size and predict time of both
against the float model; its results are in ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import copy
import io
import warnings
import zlib
from numbers import Real
from typing import TypeVar

import numpy as np
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from torch import nn

from ._base import RNNTrainingMixin
from ._net import drop_optimizer as _drop_optimizer
from ._registry import is_quantized, stepwise_rnns

__all__ = ["distill", "model_size", "prune", "quantize"]

Estimator = TypeVar("Estimator")

def _fitted_module(estimator, function: str) -> nn.Module:
    if not isinstance(estimator, RNNTrainingMixin):
        raise TypeError(
            f"{function}(estimator): estimator must be a fitted sk_rnn estimator "
            f"that trains a network, found {type(estimator).__name__}."
        )
    # not sklearn's check_is_fitted, which does not accept sktime's forecasters
    if not estimator.__sklearn_is_fitted__():
        raise NotFittedError(
            f"{function}(estimator): this {type(estimator).__name__} is not fitted yet; "
            "call fit before compressing it."
        )
    module = getattr(estimator.net_, "module_", None)
    if not isinstance(module, nn.Module):
        raise TypeError(
            f"{function}(estimator): estimator must hold a trained torch module, found "
            f"a {type(estimator).__name__} without one."
        )
    return module


def _compressed_copy(estimator: Estimator, function: str) -> tuple[Estimator, nn.Module]:
    """A deep copy of ``estimator`` whose module sits on the CPU in eval mode."""
    if is_quantized(_fitted_module(estimator, function)):
        raise ValueError(
            f"{function}(estimator): estimator is already quantized (int8 weights); "
            + ("quantize the original float estimator instead." if function == "quantize"
               else "prune the float estimator first, then quantize the pruned copy.")
        )
    compressed = copy.deepcopy(estimator)
    module = compressed.net_.module_.to("cpu").eval()
    if str(compressed.net_.device) != "cpu":
        compressed.net_.device = "cpu"
        if hasattr(compressed, "device_"):
            compressed.device_ = torch.device("cpu")
    return compressed, module


def _stepwise_rnns(module: nn.Module) -> set[int]:
    """ids of the recurrent layers that must keep float weights: those that some code
    path runs one step at a time through the cell functions (``nn.encoder.run_rnn`` reads
    their float weights directly), as their module's class declares them with
    :func:`~sk_rnn._registry.register_module` (``stepwise``). Dynamic quantisation would
    remove those weights."""
    return {id(getattr(sub, name)) for sub in module.modules()
            for name in stepwise_rnns(type(sub))}


def quantize(estimator: Estimator) -> Estimator:
    """Dynamic int8 quantisation of a fitted estimator's linear and recurrent layers.

    Weights of ``nn.Linear``, ``nn.LSTM`` and ``nn.GRU`` layers are stored as int8 (per
    tensor scale); activations are quantised at run time. Embeddings are stored as 8-bit
    rows with a scale and offset per row (those with rows of fewer than 3 values, which
    that would make larger, stay float). Plain ``nn.RNN`` layers (not supported by
    PyTorch's dynamic quantisation) and the recurrent layers that a module declares as
    run step by step (the translator's decoder, the text generator's stack) keep float
    weights; their linear layers are still quantised. The result runs on the CPU only.

    Parameters
    ----------
    estimator : fitted sk_rnn estimator
        Left unchanged.

    Returns
    -------
    compressed : estimator of the same class
        A fitted copy with the same API; ``compression_`` describes what was done. It
        keeps no optimizer state (``net_.optimizer_`` is None): ``fit`` starts afresh,
        and ``partial_fit`` or a ``warm_start`` fit, which would train the int8 layers,
        raise a ValueError.

    Raises
    ------
    NotFittedError
        If ``estimator`` is not fitted.
    TypeError
        If ``estimator`` is not an sk_rnn estimator with a trained module.
    ValueError
        If ``estimator`` is already quantized: quantize the float original instead.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_rnn import RNNClassifier
    >>> from sk_rnn.compression import model_size, quantize
    >>> X = np.random.RandomState(0).normal(size=(40, 6, 2))
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> clf = RNNClassifier(hidden_size=16, max_epochs=2, random_state=0).fit(X, y)
    >>> small = quantize(clf)
    >>> small.predict(X).shape
    (40,)
    >>> model_size(small) < model_size(clf)
    True
    """
    compressed, module = _compressed_copy(estimator, "quantize")
    keep_float = _stepwise_rnns(module)
    qconfig = torch.ao.quantization.default_dynamic_qconfig
    embedding_qconfig = torch.ao.quantization.float_qparams_weight_only_qconfig
    # A name-keyed spec: quantise exactly the layers listed, nothing inferred from types.
    spec = {}
    for name, sub in module.named_modules():
        if isinstance(sub, (nn.Linear, nn.LSTM, nn.GRU)) and id(sub) not in keep_float:
            spec[name] = qconfig
        elif isinstance(sub, nn.Embedding) and 4 * sub.embedding_dim > sub.embedding_dim + 8:
            # 8-bit rows carry a float32 scale and offset each: rows of one or two values
            # (a classifier's n-gram path with two classes) would grow, not shrink.
            spec[name] = embedding_qconfig
    with warnings.catch_warnings():
        # torch >= 2.10 flags torch.ao.quantization as deprecated in favour of torchao,
        # which is not a dependency; the eager dynamic path still works.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.filterwarnings("ignore", message=".*quantize_per_tensor.*")
        warnings.filterwarnings("ignore", message=".*quantized tensor creation.*")
        # in place: ``module`` is the copy's own; the net's ``module`` is the same object
        quantized = torch.ao.quantization.quantize_dynamic(
            module, spec, dtype=torch.qint8, inplace=True
        )
    compressed.net_.module_ = compressed.net_.module = quantized
    _drop_optimizer(compressed.net_)
    compressed.compression_ = {
        "method": "quantize",
        "dtype": "int8",
        "layers": sorted(spec),
    }
    return compressed


def prune(
    estimator: Estimator,
    amount: float = 0.5,
    *,
    structured: bool = False,
    X=None,
    y=None,
    criterion: str = "auto",
    fine_tune_epochs: int = 0,
) -> Estimator:
    """Pruning: zero the smallest weights, or remove whole hidden units (structured).

    **Unstructured** (``structured=False``, the default, every estimator): in each weight
    matrix of the linear, recurrent and embedding layers (biases are kept), the
    ``amount`` share of entries with the smallest absolute value is set to zero, the
    L1-unstructured criterion of :func:`torch.nn.utils.prune.l1_unstructured` made
    permanent. The weights stay dense float tensors, so ``predict`` costs the same; the
    model compresses to about ``1 - amount`` of its size in a sparse format.

    **Structured** (``structured=True``, :class:`~sk_rnn.RNNClassifier` and
    :class:`~sk_rnn.RNNRegressor`): the ``amount`` share of the hidden units of every
    recurrent layer and direction, and of the embedding dimensions (text and token-id
    input), is removed: the unit's rows in every gate of its layer, and the columns that
    read it (the recurrent weights, the next layer, the pooling's attention and the
    output layer). What remains is a smaller dense network of the same kind, so
    ``predict`` gets faster on a CPU. The n-gram path (``linear_ngrams``), a convolutional
    front-end and the numeric input are kept as they are. Units are ranked by
    ``criterion``; an optional fine-tune on ``(X, y)`` recovers accuracy.

    Parameters
    ----------
    estimator : fitted sk_rnn estimator
        Left unchanged. With ``structured=True``, a fitted RNNClassifier or RNNRegressor.
    amount : float, default=0.5
        Unstructured: the share of each weight matrix to zero, in [0, 1). Structured:
        the share of hidden units and of embedding dimensions to remove, in (0, 1);
        ``round(amount * size)`` are removed from each, and at least one must remain.
    structured : bool, default=False
        Remove whole hidden units and embedding dimensions instead of zeroing weights.
    X : inputs of the kind the estimator was fitted on, or None, default=None
        Structured only: data for the ``"activation"`` and ``"contribution"`` criteria
        (the training inputs, or a sample of them), and for the fine-tune.
    y : array-like of shape (n_samples,) or None, default=None
        Structured only: targets of ``X`` for the fine-tune.
    criterion : {"auto", "weight", "activation", "contribution"}, default="auto"
        Structured only: how units are ranked (the lowest are removed). ``"weight"``: the
        L2 norm of a unit's weights, its rows in every gate and the columns that read
        it (an embedding dimension: the root mean square of its column times the norm of
        the first layer's input columns that read it). ``"activation"``: the mean
        absolute output of the unit (or embedding value) over the real steps of ``X``.
        ``"contribution"``: that mean times the norm of the columns that read it.
        ``"auto"``: ``"contribution"`` when ``X`` is given, else ``"weight"``. On a dev
        split of MR's training part (default classifier, no fine-tune), removing 50 % /
        75 % cost 0.23 / -0.12 points under contribution, 0.53 / 0.12 under weight and
        0.47 / 0.00 under activation (``bench_compression.py --dev --criteria``).
    fine_tune_epochs : int, default=0
        Structured only: after pruning, train the smaller network this many more epochs
        on ``(X, y)`` (both required), as a ``warm_start`` fit does: at the estimator's
        ``lr`` with a fresh optimizer, on all of ``(X, y)`` without early stopping. A
        classifier's n-gram path is refitted on ``(X, y)`` as in any fit (the same path
        when ``X`` is the training data).

    Returns
    -------
    compressed : estimator of the same class
        A fitted copy with the same API. Unstructured: ``compression_`` records the
        amount and the achieved sparsity. Structured: ``compression_`` records
        ``structured``, the amount, the criterion used, ``hidden_size`` and
        ``embedding_dim`` as ``(before, after)`` (``embedding_dim`` None for numeric
        input) and ``fine_tune_epochs``; its ``hidden_size`` and ``embedding_dim``
        parameters (and the network's recorded constructor arguments) are the new sizes,
        so that ``get_params``, pickling and :func:`sk_rnn.save`/:func:`sk_rnn.load`
        describe the pruned network, and ``clone`` (or ``fit`` on the copy) trains a
        fresh network of the smaller size (with ``embeddings`` or ``pretrained``, whose
        sizes win in ``fit``, of theirs). It keeps no optimizer state, as after
        :func:`quantize`.

    Raises
    ------
    ValueError
        If ``amount`` is not a number in [0, 1) (unstructured) or (0, 1) (structured),
        or would leave no unit in a layer or no embedding dimension; if ``estimator``
        is quantized (the int8 weights cannot be pruned): prune first, then quantize the
        pruned copy; if ``X``, ``y``, ``criterion`` or ``fine_tune_epochs`` are given
        without ``structured=True``; if ``X`` is of another input kind than the
        estimator was fitted on; if ``criterion`` is unknown or needs ``X``; if
        ``fine_tune_epochs`` is not an integer >= 0, or is positive without ``X`` and
        ``y``.
    TypeError
        With ``structured=True``, if ``estimator`` is not an RNNClassifier or
        RNNRegressor; otherwise as for :func:`quantize`.
    NotFittedError
        As for :func:`quantize`.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_rnn import RNNClassifier
    >>> from sk_rnn.compression import prune
    >>> X = np.random.RandomState(0).normal(size=(40, 6, 2))
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> clf = RNNClassifier(hidden_size=16, max_epochs=2, random_state=0).fit(X, y)
    >>> small = prune(clf, 0.5, structured=True)
    >>> small.hidden_size, small.compression_["hidden_size"], small.predict(X).shape
    (8, (16, 8), (40,))
    """
    if not isinstance(structured, (bool, np.bool_)):
        raise ValueError(f"prune(structured=...): structured must be True or False, found "
                         f"{structured!r}.")
    if structured:
        return _prune_structured(estimator, amount, X, y, criterion, fine_tune_epochs)
    extras = {name: value for name, value in (("X", X), ("y", y))
              if value is not None}
    if criterion != "auto":
        extras["criterion"] = criterion
    if not isinstance(fine_tune_epochs, Real) or fine_tune_epochs != 0:
        extras["fine_tune_epochs"] = fine_tune_epochs
    if extras:
        raise ValueError(
            f"prune({', '.join(extras)}=...): {' and '.join(extras)} only apply to "
            "structured pruning (structured=True); unstructured pruning ranks weights by "
            "magnitude alone."
        )
    if isinstance(amount, bool) or not isinstance(amount, Real) or not 0 <= amount < 1:
        # NaN fails the comparison
        raise ValueError(
            f"prune(amount=...): amount must be a number in [0, 1) (the share of weights "
            f"to zero), found {amount!r}."
        )
    compressed, module = _compressed_copy(estimator, "prune")
    zeroed = total = 0
    with torch.no_grad():
        for sub in module.modules():
            if not isinstance(sub, (nn.Linear, nn.RNNBase, nn.Embedding)):
                continue
            for name, param in sub.named_parameters(recurse=False):
                if not name.startswith("weight"):
                    continue
                # exactly the k smallest, as l1_unstructured (a threshold would also
                # zero every weight tied with the k-th, such as an embedding's zero
                # padding row)
                k = int(round(amount * param.numel()))
                if k:
                    smallest = torch.topk(param.abs().flatten(), k, largest=False).indices
                    param.view(-1)[smallest] = 0.0
                zeroed += int((param == 0).sum())
                total += param.numel()
    compressed.compression_ = {
        "method": "prune",
        "amount": float(amount),
        "sparsity": zeroed / max(total, 1),
    }
    return compressed


def _check_input_kind(estimator, X, function: str, role: str = "estimator") -> None:
    """Refuse ``X`` of another input kind than ``estimator`` was fitted on."""
    from ._sequences import infer_input_kind

    kind = infer_input_kind(X)
    if kind != estimator.input_kind_:
        raise ValueError(
            f"{function}: X holds {kind!r} input, but the {role} was fitted on "
            f"{estimator.input_kind_!r} input; pass inputs of the kind the {role} reads."
        )


def _prune_structured(estimator, amount, X, y, criterion: str, fine_tune_epochs):
    """:func:`prune` with ``structured=True`` (the surgery is in
    :mod:`sk_rnn._structured_pruning`)."""
    from . import _structured_pruning as surgery
    from .classification import RNNClassifier, RNNRegressor

    _fitted_module(estimator, "prune")
    if not isinstance(estimator, (RNNClassifier, RNNRegressor)):
        raise TypeError(
            "prune(estimator, structured=True): structured pruning supports RNNClassifier "
            f"and RNNRegressor, found {type(estimator).__name__}; unstructured pruning "
            "(structured=False) works for every estimator."
        )
    if isinstance(amount, bool) or not isinstance(amount, Real) or not 0 < amount < 1:
        raise ValueError(
            f"prune(amount=..., structured=True): amount must be a number in (0, 1) (the "
            f"share of hidden units and embedding dimensions to remove), found {amount!r}."
        )
    if criterion not in ("auto", *surgery.CRITERIA):
        raise ValueError(
            f"prune(criterion=...): criterion must be 'auto' or one of "
            f"{', '.join(map(repr, surgery.CRITERIA))}, found {criterion!r}."
        )
    fine_tune_epochs = surgery.check_fine_tune_epochs(fine_tune_epochs)
    if criterion == "auto":
        criterion = "weight" if X is None else "contribution"
    if X is None and (criterion != "weight" or y is not None or fine_tune_epochs):
        needs = (f"criterion={criterion!r}" if criterion != "weight" else
                 "fine_tune_epochs > 0" if fine_tune_epochs else "y")
        raise ValueError(
            f"prune(structured=True): {needs} needs X, the inputs to "
            + ("measure the units' activations on." if criterion != "weight"
               else "train on." if fine_tune_epochs else "which y labels.")
        )
    if fine_tune_epochs and y is None:
        raise ValueError(
            "prune(structured=True, fine_tune_epochs > 0): the fine-tune needs y, the "
            "targets of X."
        )
    if X is not None:
        _check_input_kind(estimator, X, "prune(estimator, X, structured=True)")
    compressed, module = _compressed_copy(estimator, "prune")
    surgery.check_prunable(module, float(amount))
    activations = None
    if criterion != "weight":
        activations = surgery.activation_means(
            module, compressed._prepare_X(X, reset=False))
    pruned, sizes = surgery.prune_units(module, float(amount), criterion, activations)
    compressed.net_.module_ = compressed.net_.module = pruned
    _drop_optimizer(compressed.net_)
    surgery.forget_training_weights(compressed.net_)
    compressed.hidden_size = sizes["hidden_size"][1]
    if sizes["embedding_dim"] is not None:
        compressed.embedding_dim = compressed.embedding_dim_ = sizes["embedding_dim"][1]
    if fine_tune_epochs:
        saved = {key: getattr(compressed, key)
                 for key in ("warm_start", "max_epochs", "early_stopping")}
        compressed.set_params(warm_start=True, max_epochs=fine_tune_epochs,
                              early_stopping=False)
        try:
            compressed.fit(X, y)
        finally:
            compressed.set_params(**saved)
        compressed.net_.module_.eval()
        _drop_optimizer(compressed.net_)
    compressed.compression_ = {
        "method": "prune",
        "structured": True,
        "amount": float(amount),
        "criterion": criterion,
        "hidden_size": sizes["hidden_size"],
        "embedding_dim": sizes["embedding_dim"],
        "fine_tune_epochs": fine_tune_epochs,
    }
    return compressed


def model_size(estimator: RNNTrainingMixin, *, compressed: bool = False) -> int:
    """Bytes of a fitted estimator's module as saved by :func:`torch.save`.

    Parameters
    ----------
    estimator : fitted sk_rnn estimator
    compressed : bool, default=False
        Measure the saved bytes after zlib compression (level 6), the way a pruned
        model's zeros shrink in a zip archive.

    Returns
    -------
    int
        Size of the serialised ``state_dict`` in bytes.
    """
    module = _fitted_module(estimator, "model_size")
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*TypedStorage is deprecated.*")
        torch.save(module.state_dict(), buffer)
    data = buffer.getvalue()
    return len(zlib.compress(data, 6)) if compressed else len(data)


def distill(
    teacher: Estimator,
    X,
    y=None,
    *,
    student: Estimator | None = None,
    temperature: float | None = None,
    alpha: float = 0.5,
    **student_params,
) -> Estimator:
    """Train a smaller student of the teacher's class on the teacher's outputs over ``X``.

    Knowledge distillation (Hinton, Vinyals & Dean, 2015): the student learns the
    teacher's class probabilities, softened by ``temperature``, so it sees how the teacher
    ranks every class, not only which one wins. ``X`` may be unlabelled and larger than
    the teacher's labelled training set; with labels ``y`` the loss mixes in the usual
    cross-entropy. The student is a fresh estimator of the teacher's class: the teacher's
    parameters with ``student_params`` on top (``hidden_size``, ``embedding_dim``,
    ``bidirectional``, ``cell_type``, ``vectorizer__max_features``, ...), or ``student``.
    On a CPU, a smaller hidden size or embedding is what makes ``predict`` faster.

    Supported teachers:

    - :class:`~sk_rnn.RNNClassifier`: soft targets, mixed with the cross-entropy on ``y``
      where given;
    - :class:`~sk_rnn.RNNRegressor`: the teacher's predictions as targets, mixed with
      ``y`` where given (``alpha * teacher + (1 - alpha) * y``);
    - :class:`~sk_rnn.TextGenerator`: ``X`` is a corpus; the teacher reads it once and
      its next-token distribution at every position becomes the student's soft target,
      mixed with the cross-entropy on the corpus's actual next tokens. The student keeps
      the teacher's vocabulary (so ``level``, ``lowercase``, ``max_features`` and
      ``min_freq`` stay the teacher's), and its own ``softmax``. Beyond 512 ids (a word
      vocabulary) only the teacher's 64 most likely ids per position are kept.

    Not supported: ``Seq2SeqTranslator`` (a student would need the teacher's decoder
    distributions along its own translations, sequence-level distillation) and
    ``RNNForecaster`` (sktime's API: fit a smaller forecaster on the same series instead).

    Parameters
    ----------
    teacher : fitted RNNClassifier or RNNRegressor
        Left unchanged; may be quantized.
    X : array-like, or a corpus for a TextGenerator
        Inputs of the kind the teacher was fitted on (texts, token ids or numeric
        sequences); the student learns its own vocabulary or scaling from them. For a
        TextGenerator: a text or a list of documents.
    y : array-like of shape (n_samples,) or None, default=None
        True targets for ``X``, if there are any (None for a TextGenerator, whose
        targets are the corpus's next tokens).
    student : unfitted estimator of the teacher's class or None, default=None
        The student's parameters (cloned, never modified); None starts from the
        teacher's parameters. ``student_params`` are set on top either way.
    temperature : float > 0 or None, default=None
        Softens the teacher's probabilities (1 keeps them); classifier and text
        generator. None: 2.0 for a classifier (Hinton et al.), 1.0 for a text generator
        (on 200,000 characters of Tiny Shakespeare, a student at 2.0 ended 0.07
        nats/char worse than at 1.0 on its held-out blocks, and worse than the same model
        trained without a teacher; benchmarks/RESULTS.md).
    alpha : float in [0, 1], default=0.5
        Weight of the teacher's outputs against ``y`` (a text generator: against the
        corpus's next tokens); ignored without ``y`` for a classifier or regressor (the
        teacher's outputs are the only targets).
    **student_params
        Parameters of the student, such as ``hidden_size=32``.

    Returns
    -------
    student : fitted estimator of the teacher's class
        ``distillation_`` records the teacher's class, the temperature, ``alpha`` and
        whether labels were used. ``warm_start`` and ``pretrained`` are off: the student
        starts from fresh weights. It keeps no optimizer state (``net_.optimizer_`` is
        None, as after :func:`quantize`): the state would triple the file ``sk_rnn.save``
        writes, and a later ``fit`` builds a new optimizer.

    Raises
    ------
    TypeError
        If ``teacher`` is not a fitted RNNClassifier, RNNRegressor or TextGenerator, or
        ``student`` is of another class.
    ValueError
        If ``X`` is of another input kind than the teacher saw, ``temperature`` or
        ``alpha`` is out of range, a student parameter is unknown, or (TextGenerator) ``y``
        is given or a student changes the vocabulary parameters.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_rnn import RNNClassifier
    >>> from sk_rnn.compression import distill
    >>> rng = np.random.RandomState(0)
    >>> X = rng.normal(size=(60, 8, 2)).astype(np.float32)
    >>> y = (X[:, :, 0].mean(axis=1) > 0).astype(int)
    >>> teacher = RNNClassifier(hidden_size=16, max_epochs=2, random_state=0).fit(X, y)
    >>> student = distill(teacher, X, hidden_size=4, max_epochs=2)
    >>> student.hidden_size, student.predict(X).shape
    (4, (60,))
    """
    from .classification import RNNClassifier, RNNRegressor
    from .generation import TextGenerator

    if not isinstance(teacher, (RNNClassifier, RNNRegressor, TextGenerator)):
        raise TypeError(
            "distill(teacher, X): teacher must be a fitted RNNClassifier, RNNRegressor or "
            f"TextGenerator, found {type(teacher).__name__}."
        )
    _fitted_module(teacher, "distill")
    if student is not None and type(student) is not type(teacher):
        raise TypeError(
            f"distill(teacher, X, student=...): the student must be a "
            f"{type(teacher).__name__} like the teacher, found {type(student).__name__}: "
            "a student learns the teacher's outputs through the same kind of head."
        )
    if temperature is None:
        temperature = 1.0 if isinstance(teacher, TextGenerator) else 2.0
    if isinstance(temperature, bool) or not isinstance(temperature, Real) or not (
            0 < temperature < float("inf")):
        raise ValueError(
            f"distill(temperature=...): temperature must be a positive number, found "
            f"{temperature!r}."
        )
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 <= alpha <= 1:
        raise ValueError(
            f"distill(alpha=...): alpha must be a number in [0, 1] (the weight of the "
            f"teacher's outputs against y), found {alpha!r}."
        )
    base = teacher if student is None else student
    if isinstance(teacher, TextGenerator):
        return _distill_generator(teacher, X, y, clone(base).set_params(**student_params),
                                  float(temperature), float(alpha))
    _check_input_kind(teacher, X, "distill(teacher, X)", role="teacher")
    new = clone(base).set_params(warm_start=False, pretrained=None, **student_params)
    labelled = y is not None
    if isinstance(teacher, RNNClassifier):
        new._fit_soft_targets(X, teacher.predict_proba(X), teacher.classes_, y,
                              temperature=float(temperature), alpha=float(alpha))
    else:
        targets = np.asarray(teacher.predict(X), dtype=np.float64)
        if labelled:
            y_array = np.asarray(y, dtype=np.float64).reshape(targets.shape)
            targets = alpha * targets + (1 - alpha) * y_array
        new.fit(X, targets)
    # A deployable model, like quantize's: the optimizer state (Adam's moments, twice the
    # weights) would triple the saved file; fit and warm_start build a new optimizer.
    _drop_optimizer(new.net_)
    new.distillation_ = {
        "teacher": type(teacher).__name__,
        "temperature": float(temperature),
        "alpha": float(alpha) if labelled else 1.0,
        "labelled": labelled,
    }
    return new


#: TextGenerator parameters that shape the vocabulary: a student reads the teacher's.
_VOCABULARY_PARAMS = ("level", "lowercase", "max_features", "min_freq")


def _distill_generator(teacher, X, y, student, temperature: float, alpha: float):
    """:func:`distill` for a TextGenerator teacher: ``student`` (unfitted, its
    parameters set) learns the teacher's next-token distributions over the corpus ``X``."""
    if y is not None:
        raise ValueError(
            "distill(teacher, X, y): a TextGenerator's targets are the corpus's own next "
            "tokens, so y must be None (alpha weighs the teacher's distributions against "
            "them)."
        )
    changed = [name for name in _VOCABULARY_PARAMS
               if student.get_params()[name] != teacher.get_params()[name]]
    if changed:
        raise ValueError(
            f"distill(teacher, X): the student's {', '.join(changed)} differ from the "
            "teacher's, but a student of a TextGenerator reads the teacher's vocabulary "
            "(the soft targets are distributions over it): leave "
            f"{' and '.join(changed)} as the teacher has them."
        )
    student._fit_soft_targets(X, teacher, temperature=temperature, alpha=alpha)
    _drop_optimizer(student.net_)
    student.distillation_ = {"teacher": type(teacher).__name__, "temperature": temperature,
                             "alpha": alpha, "labelled": False}
    return student
