"""Type aliases of the public API (annotations only; nothing here is checked at run time).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import ArrayLike

if TYPE_CHECKING:
    from .text import TextVectorizer

__all__ = ["ArrayLike", "EmbeddingsLike", "RandomStateLike", "TextsLike", "VectorizerLike"]

#: ``random_state`` as scikit-learn takes it.
RandomStateLike: TypeAlias = "int | np.random.RandomState | None"
#: Texts: a list, tuple, 1-D array or pandas Series of ``str``.
TextsLike: TypeAlias = ArrayLike
#: The ``vectorizer`` parameter: a ``TextVectorizer``, a dict of its parameters, or None.
VectorizerLike: TypeAlias = "TextVectorizer | dict[str, Any] | None"
#: Pretrained word vectors: a word2vec/GloVe text file, a dict of word to vector, a gensim
#: ``KeyedVectors`` (any object with ``key_to_index`` and ``vectors``) or an array.
EmbeddingsLike: TypeAlias = "str | dict[str, ArrayLike] | np.ndarray | Any | None"
