"""Folds for cross-validation that keep message templates together.

Real messages come in templates: the same bank notice with another amount, the same debt threat
with another name and phone number. A fold that scores a message whose twin (same template)
was trained on says how well the model remembers, not how it does on a template it has never
seen. So messages are grouped before they are split:

- the template key: the folded text with links, numbers (amounts, codes, phone numbers, dates)
  and punctuation reduced to placeholders; the same key is one group;
- near-duplicates: two messages sharing most of their word trigrams (Jaccard similarity of the
  keys' trigrams >= NEAR_DUPLICATE) are one group too, which catches a changed name or a word
  added or left out.

Groups are then dealt to folds by scikit-learn's StratifiedGroupKFold (every fold gets about
the same share of scams).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .classifier import prepare

NEAR_DUPLICATE = 0.6
# A trigram shared by this many messages is boilerplate ("quy khach vui long"): it says nothing
# about two messages being the same, and following it would cost a quadratic time.
COMMON_SHINGLE = 200

_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,12}(?:/\S*)?", re.IGNORECASE
)
_NUMBER = re.compile(r"0(?:[0\s.,:/\-+]*0)?")  # prepare() made every digit a 0
_WORD = re.compile(r"[a-z]+|#")


def template_key(text: str) -> str:
    """ "Ma OTP 123456 cho GD 2.000.000d tai https://x.vn" -> "ma otp # cho gd # d tai url"."""
    folded = _LINK.sub(" url ", prepare(text))
    folded = _NUMBER.sub(" # ", folded)
    return " ".join(_WORD.findall(folded))


def word_trigrams(key: str) -> frozenset[str]:
    """The word trigrams of a space-separated key (the key itself when shorter)."""
    words = key.split()
    if len(words) < 3:
        return frozenset({key})
    return frozenset(" ".join(words[i : i + 3]) for i in range(len(words) - 2))


class _Groups:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        self.parent[self.find(i)] = self.find(j)


def template_groups(texts: Sequence[str], *, near: float = NEAR_DUPLICATE) -> list[int]:
    """A group number for each text: same template or near-duplicate, same group."""
    keys = [template_key(t) for t in texts]
    groups = _Groups(len(texts))
    first: dict[str, int] = {}
    for i, key in enumerate(keys):
        groups.join(i, first.setdefault(key, i))
    shingles = [word_trigrams(k) for k in keys]
    frequency = Counter(s for mine in shingles for s in mine)
    postings: dict[str, list[int]] = {}
    for i, mine in enumerate(shingles):
        telling = [s for s in mine if frequency[s] <= COMMON_SHINGLE]
        shared = Counter(j for s in telling for j in postings.get(s, ()))
        for j, common in shared.items():
            if common / (len(mine) + len(shingles[j]) - common) >= near:
                groups.join(i, j)
        for s in telling:
            postings.setdefault(s, []).append(i)
    # Named after the group's first text: the root of a union depends on the order of the
    # joins, which follows set iteration (string hashing differs per process), and the folds
    # follow the group names.
    first_member: dict[int, int] = {}
    return [first_member.setdefault(groups.find(i), i) for i in range(len(texts))]


def grouped_folds(
    texts: Sequence[str], labels: Sequence[int], *, k: int, seed: int = 0
) -> list[list[int]]:
    """The row numbers of each of k folds; a template group is never split between folds."""
    if k < 2:
        raise ValueError("k must be at least 2")
    groups = template_groups(texts)
    from sklearn.model_selection import StratifiedGroupKFold  # only when folds are made

    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    return [
        sorted(int(i) for i in test)
        for _, test in splitter.split(list(range(len(texts))), list(labels), groups)
    ]
