"""Modules that remember the arguments they were built with, so that a saved model can be
rebuilt (:func:`sk_rnn.save` / :func:`sk_rnn.load`) from data rather than from pickled
code."""

from __future__ import annotations

import functools
import inspect

__all__ = ["RecordsInitArgs"]


class RecordsInitArgs:
    """Mixin: every instance keeps its constructor arguments in ``init_kwargs``.

    The arguments are stored by name (positional ones included, ``**kwargs`` flattened),
    so that ``type(module)(**module.init_kwargs)`` builds a module of the same
    architecture, into which the trained ``state_dict`` can be loaded. Arguments named in
    ``_weight_init_args`` only choose initial weights (pretrained embeddings, say), which
    the ``state_dict`` replaces anyway; they are recorded as ``None`` so that a module does
    not keep a second copy of a large matrix.

    When a subclass calls its parent's ``__init__``, the outermost constructor's arguments
    win (they are recorded last).
    """

    _weight_init_args: frozenset[str] = frozenset()

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        signature = inspect.signature(init)

        @functools.wraps(init)
        def __init__(self, *args, **kw):
            init(self, *args, **kw)
            bound = signature.bind(self, *args, **kw)
            bound.apply_defaults()
            recorded = {}
            for name, value in list(bound.arguments.items())[1:]:  # skip self
                if signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
                    recorded.update(value)
                elif signature.parameters[name].kind is inspect.Parameter.VAR_POSITIONAL:
                    raise TypeError(f"{cls.__name__}: *args cannot be recorded by name.")
                else:
                    recorded[name] = value
            for name in type(self)._weight_init_args & recorded.keys():
                recorded[name] = None
            self.init_kwargs = recorded

        cls.__init__ = __init__
