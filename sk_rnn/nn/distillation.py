"""The loss of knowledge distillation (Hinton, Vinyals & Dean, 2015).

A student learns from a teacher's class probabilities softened by a temperature, mixed
with the cross-entropy on hard labels where there are labels (:class:`DistillationLoss`),
or, for a language model, from the teacher's next-token distribution at every position of
the corpus, mixed with the cross-entropy on the actual next tokens
(:class:`TokenDistillationLoss`). See :func:`sk_rnn.compression.distill`.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._registry import register_reference

__all__ = ["DistillationLoss", "TokenDistillationLoss", "soften"]


def soften(proba: np.ndarray, temperature: float) -> np.ndarray:
    """Class probabilities at a temperature: ``softmax(log(proba) / temperature)``.

    Parameters
    ----------
    proba : ndarray of shape (n_samples, n_classes)
        Probabilities (rows sum to one), as a teacher's ``predict_proba`` gives them.
    temperature : float
        Above 1 flattens the distribution, showing the student how the teacher ranks the
        wrong classes; 1 keeps it.

    Returns
    -------
    ndarray of shape (n_samples, n_classes), float32

    Examples
    --------
    >>> import numpy as np
    >>> soften(np.array([[0.8, 0.2]]), 2.0).round(3)
    array([[0.667, 0.333]], dtype=float32)
    """
    logits = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    soft = np.exp(logits)
    return (soft / soft.sum(axis=1, keepdims=True)).astype(np.float32)


@register_reference
class DistillationLoss(nn.Module):
    """Cross-entropy on soft targets at a temperature, mixed with hard-label cross-entropy.

    ``loss = alpha * T**2 * CE(softmax(z / T), p_T) + (1 - alpha) * CE(z, y)`` for logits
    ``z``, the teacher's probabilities at temperature ``T``, ``p_T``, and hard labels
    ``y``; the ``T**2`` keeps the soft term's gradients on the scale of the hard term's.

    Parameters
    ----------
    temperature : float, default=2.0
    alpha : float in [0, 1], default=1.0
        Weight of the soft term.
    weight : tensor of shape (n_classes,) or None, default=None
        Class weights of the hard term (``class_weight``).

    Notes
    -----
    The target is one float tensor of shape ``(n, n_classes + 1)``: the soft targets,
    then the hard label as a float, so that it passes through the usual data loaders.
    """

    def __init__(self, temperature: float = 2.0, alpha: float = 1.0,
                 weight: torch.Tensor | None = None) -> None:
        super().__init__()
        self.temperature = float(temperature)
        self.alpha = float(alpha)
        self.weight = weight

    def forward(self, logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        soft, hard = target[:, :-1], target[:, -1].long()
        t = self.temperature
        loss = self.alpha * t * t * F.cross_entropy(logits.float() / t, soft.float())
        if self.alpha < 1:
            weight = None if self.weight is None else self.weight.to(logits.device)
            loss = loss + (1 - self.alpha) * F.cross_entropy(logits.float(), hard,
                                                             weight=weight)
        return loss


@register_reference
class TokenDistillationLoss(nn.Module):
    """Distillation loss of a language model, in nats per token.

    ``loss = alpha * T**2 * CE(softmax(z / T), p_T) + (1 - alpha) * CE(z, y)`` averaged
    over every position, for the student's scores ``z`` over the vocabulary (logits, or
    the log-probabilities of an adaptive softmax), the teacher's next-token
    probabilities at temperature ``T``, ``p_T``, and the corpus's next tokens ``y``.

    Parameters
    ----------
    temperature : float, default=2.0
    alpha : float in [0, 1], default=1.0
        Weight of the soft term.

    Notes
    -----
    The target is a dict from :class:`~sk_rnn._streams.SoftTargetStreamLoader`:
    ``"targets"`` (``(batch, steps)`` ids), ``"soft"`` (``(batch, steps, k)``
    probabilities) and, when the teacher kept only its ``k`` most likely ids,
    ``"soft_index"`` (their ids; the student's probabilities are read at those ids). A
    plain id tensor (the validation windows) gives the cross-entropy alone, so
    ``valid_loss`` is in the same nats per token as a language model trained by ``fit``.
    """

    def __init__(self, temperature: float = 2.0, alpha: float = 1.0) -> None:
        super().__init__()
        self.temperature = float(temperature)
        self.alpha = float(alpha)

    def forward(self, scores: torch.Tensor, target) -> torch.Tensor:
        scores = scores.float()
        if not isinstance(target, dict):
            return F.cross_entropy(scores.flatten(0, 1), target.flatten())
        t = self.temperature
        log_q = F.log_softmax(scores / t, dim=-1)
        if "soft_index" in target:
            log_q = log_q.gather(-1, target["soft_index"])
        soft_ce = -(target["soft"].float() * log_q).sum(-1).mean()
        loss = self.alpha * t * t * soft_ce
        if self.alpha < 1:
            loss = loss + (1 - self.alpha) * F.cross_entropy(
                scores.flatten(0, 1), target["targets"].flatten())
        return loss
