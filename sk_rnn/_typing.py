"""Type aliases of the public API (annotations only; nothing here is checked at run time).
"""

from __future__ import annotations

from typing import Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["ArrayLike", "EmbeddingsLike", "RandomStateLike", "TextsLike"]

#: ``random_state`` as scikit-learn takes it.
RandomStateLike: TypeAlias = "int | np.random.RandomState | None"
#: Texts: a list, tuple, 1-D array or pandas Series of ``str``.
TextsLike: TypeAlias = ArrayLike
#: Pretrained word vectors: a word2vec/GloVe text file, a dict of word to vector, a gensim
#: ``KeyedVectors`` (any object with ``key_to_index`` and ``vectors``) or an array.
EmbeddingsLike: TypeAlias = "str | dict[str, ArrayLike] | np.ndarray | Any | None"
