"""Gradient reversal: identity forward, gradient times ``-weight`` backward (Ganin & Lempitsky).

Put between an encoder and an adversary: the adversary learns to predict its target while the
encoder receives the reversed gradient and so learns to make the target harder to predict.

Example:
    >>> import torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> GradientReversal(0.5)(x).sum().backward()
    >>> x.grad.tolist()
    [-0.5, -0.5]
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn


class _ReverseGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: torch.Tensor, weight: float) -> torch.Tensor:
        ctx.weight = weight
        return x.view_as(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        return -ctx.weight * grad, None


class GradientReversal(nn.Module):
    """Identity in the forward pass; multiplies the gradient by ``-weight`` in the backward pass.

    Args:
        weight: strength of the reversal (0 cuts the gradient to the encoder).
    """

    def __init__(self, weight: float = 1.0) -> None:
        super().__init__()
        self.weight = float(weight)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` unchanged; its gradient is reversed and scaled."""
        return _ReverseGrad.apply(x, self.weight)

    def extra_repr(self) -> str:
        return f"weight={self.weight}"
