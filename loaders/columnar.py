"""Columnar fast path: validate a block of JSONL rows with Arrow, vectorised.

Per-row pydantic validation costs 50-90 µs for a candidate row; a scale-5 import has
100,000 of them. Arrow's JSON reader parses the same block in well under 10 µs a row.
The row models in ``records.py`` stay the one definition of what is valid: this module
derives the Arrow schema and the vectorised checks from them, and it only ever *accepts*
rows it can prove pydantic would accept with the same values. Anything else — a block
Arrow cannot parse, a value out of range, a string pydantic would strip, a ``null`` where
pydantic wants a value — goes to the per-row path, which validates it with pydantic and
quarantines it with pydantic's exact message. So both paths give the same graph and the
same rejections; ``tests/loaders/test_columnar.py`` checks that on malformed data.

Example:
    >>> from loaders.records import InteractionRow
    >>> lines = [b'{"candidate": "c1", "role": "r1", "type": "APPLIED", "actor": "candidate",'
    ...          b' "at": "2024-01-01T00:00:00Z"}']
    >>> table, suspect = parse_block(InteractionRow, lines)
    >>> table.num_rows, suspect.tolist()
    (1, [False])
"""

from __future__ import annotations

import io
import re
import types
import typing
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Union, get_args, get_origin

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from annotated_types import Ge, Le, MaxLen, MinLen
from pydantic import AwareDatetime, BaseModel, BeforeValidator

from loaders import records as rec
from loaders.vocabulary import Vocabulary

# ISO-8601 timestamps the fast path accepts: whole seconds with "Z" or a "+hh:mm" offset
# (what exports usually hold). Other forms (fractions, a space for T) are valid too, via
# the per-row path.
ISO_SECONDS = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$"
_SCALARS: dict[Any, pa.DataType] = {
    str: pa.string(),
    float: pa.float64(),
    int: pa.int64(),
    bool: pa.bool_(),
    AwareDatetime: pa.string(),
}


def unwrap_annotation(annotation: Any) -> tuple[Any, list[Any], bool]:
    """(base type, constraints, optional) of a field annotation."""
    constraints: list[Any] = []
    optional = False
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            base, *meta = get_args(annotation)
            for m in meta:
                constraints.extend(getattr(m, "metadata", None) or [m])
            annotation = base
        elif origin in (Union, types.UnionType):
            inner = [a for a in get_args(annotation) if a is not type(None)]
            optional = optional or len(inner) < len(get_args(annotation))
            annotation = inner[0]
        else:
            return annotation, constraints, optional


def _arrow_type(annotation: Any) -> pa.DataType:
    base, _, _ = unwrap_annotation(annotation)
    origin = get_origin(base)
    if origin is list:
        return pa.list_(_arrow_type(get_args(base)[0]))
    if origin is typing.Literal:
        return pa.string()
    if isinstance(base, type) and issubclass(base, BaseModel):
        return pa.struct(
            [pa.field(n, _arrow_type(f.annotation)) for n, f in base.model_fields.items()]
        )
    return _SCALARS[base]


@cache
def arrow_schema(model: type[BaseModel]) -> pa.Schema:
    """The Arrow schema of a row model (nested models become structs)."""
    return pa.schema(
        [pa.field(n, _arrow_type(f.annotation)) for n, f in model.model_fields.items()]
    )


def _or(a: np.ndarray, b: Any) -> np.ndarray:
    """``a`` or the boolean Arrow mask ``b`` (a null in ``b``, an absent value, is not bad)."""
    return a | np.asarray(pc.fill_null(b, False).to_numpy(zero_copy_only=False), dtype=bool)


# What Python's str.strip() removes (str.isspace): ASCII white space, the separators \p{Z}
# (no-break space, ideographic space, ...), U+001C..U+001F and U+0085.
_SPACE = r"[\s\p{Z}\x{1c}-\x{1f}\x{85}]"


def _strings_suspect(values: pa.Array) -> pa.Array:
    # pydantic strips surrounding white space (str_strip_whitespace): leave those rows to it.
    return pc.match_substring_regex(values, f"^{_SPACE}|{_SPACE}$")


def _check(
    values: pa.Array, annotation: Any, required: bool, field_constraints: Sequence[Any] = ()
) -> np.ndarray:
    """Mask of positions in ``values`` that pydantic might reject or change.

    ``field_constraints`` are those pydantic keeps on the field (``FieldInfo.metadata``)
    rather than in the annotation.
    """
    base, constraints, optional = unwrap_annotation(annotation)
    constraints = [*field_constraints, *constraints]
    nulls = values.is_null()
    bad = np.zeros(len(values), dtype=bool)
    # A missing field with a default is fine, an explicit null is not; the two look the
    # same here, so only fields without a default may be flagged on null.
    if required and not optional:
        bad = _or(bad, nulls)
    origin = get_origin(base)
    if origin is list:
        item = get_args(base)[0]
        flat = pc.list_flatten(values)
        if len(flat):
            parents = pc.list_parent_indices(values).to_numpy()
            item_bad = _check(flat, item, True)
            if item_bad.any():
                bad[np.unique(parents[item_bad])] = True
        return bad
    if isinstance(base, type) and issubclass(base, BaseModel):
        for name, field in base.model_fields.items():
            child = pc.struct_field(values, name)
            bad |= _check(
                child, field.annotation, field.is_required(), field.metadata
            ) & ~np.asarray(nulls.to_numpy(zero_copy_only=False), dtype=bool)
        rule = VECTOR_RULES.get(base)
        if rule is not None:
            bad = _or(bad, rule(values))
        return bad
    if origin is typing.Literal:
        return _or(
            bad, pc.and_(pc.is_valid(values), pc.invert(pc.is_in(values, pa.array(get_args(base)))))
        )
    if base in (str, AwareDatetime):
        bad = _or(bad, _strings_suspect(values))
        if base is AwareDatetime:
            ok = pc.match_substring_regex(values, ISO_SECONDS)
            head = pc.utf8_slice_codeunits(values, 0, 19)
            parsed = pc.strptime(head, format="%Y-%m-%dT%H:%M:%S", unit="s", error_is_null=True)
            # strptime rolls 2024-02-30 over to March: a real date prints back unchanged.
            same = pc.equal(pc.strftime(parsed, format="%Y-%m-%dT%H:%M:%S"), head)
            utc = utc_seconds(values)
            low = pa.scalar(rec.EARLIEST_INSTANT, pa.timestamp("s", tz="UTC"))
            high = pa.scalar(rec.latest_instant(), pa.timestamp("s", tz="UTC"))
            in_range = pc.and_(pc.greater_equal(utc, low), pc.less_equal(utc, high))
            good = pc.and_(pc.and_(ok, pc.fill_null(same, False)), pc.fill_null(in_range, False))
            bad = _or(bad, pc.and_(pc.is_valid(values), pc.invert(good)))
    if base is float:  # Arrow reads NaN and Infinity; the row models refuse them
        finite = pc.is_finite(values)
        bad |= ~np.asarray(pc.fill_null(finite, True).to_numpy(zero_copy_only=False), dtype=bool)
    for c in constraints:
        test = None
        if isinstance(c, Ge):
            test = pc.less(values, c.ge)
        elif isinstance(c, Le):
            test = pc.greater(values, c.le)
        elif isinstance(c, MinLen):
            test = pc.less(pc.utf8_length(values), c.min_length)
        elif isinstance(c, MaxLen):
            test = pc.greater(pc.utf8_length(values), c.max_length)
        elif getattr(c, "pattern", None):
            test = pc.invert(pc.match_substring_regex(values, c.pattern))
        if test is not None:
            bad |= np.asarray(pc.fill_null(test, False).to_numpy(zero_copy_only=False), dtype=bool)
    return bad


def utc_seconds(values: pa.Array) -> pa.Array:
    """ISO-8601 text with "Z" or an offset -> UTC timestamps (null where it does not parse)."""
    return pc.strptime(values, format="%Y-%m-%dT%H:%M:%S%z", unit="s", error_is_null=True)


def canonical_utc(values: pa.Array) -> pa.Array:
    """The text ``row_mapping.canonical_time`` gives for these (whole-second) instants."""
    text = pc.strftime(utc_seconds(values), format="%Y-%m-%dT%H:%M:%S")
    return pc.binary_join_element_wise(text, "+00:00", "")


def _field(values: pa.Array, name: str) -> pa.Array:
    return pc.struct_field(values, name)


def _age_band_bad(values: pa.Array) -> pa.Array:
    band = _field(values, "age_band")
    parts = pc.extract_regex(band, r"^(?P<lo>\d{1,3})\s*(?:-\s*(?P<hi>\d{1,3})|\+)$")
    lo_text = pc.fill_null(pc.struct_field(parts, "lo"), "0")
    hi_text = pc.fill_null(pc.struct_field(parts, "hi"), "")  # "" for "65+"
    hi_text = pc.if_else(pc.equal(hi_text, ""), lo_text, hi_text)
    lo, hi = pc.cast(lo_text, pa.int64()), pc.cast(hi_text, pa.int64())
    wrong = pc.or_(pc.less(lo, 18), pc.or_(pc.less(hi, lo), pc.greater(hi, rec.OLDEST_AGE)))
    return pc.and_(pc.is_valid(band), pc.or_(pc.invert(pc.is_valid(parts)), wrong))


def _experience_bad(values: pa.Array) -> pa.Array:
    start, end = _field(values, "start"), _field(values, "end")
    low, high = rec.EARLIEST_MONTH, rec.this_month()
    outside = pc.or_(pc.less(start, low), pc.greater(start, high))
    outside = pc.or_(outside, pc.fill_null(pc.or_(pc.less(end, low), pc.greater(end, high)), False))
    return pc.or_(outside, pc.fill_null(pc.less(end, start), False))


# Vectorised forms of the row models' model_validators (must flag at least what they reject).
VECTOR_RULES: dict[type[BaseModel], Callable[[pa.Array], pa.Array]] = {
    rec.Experience: _experience_bad,
    rec.RoleSkill: lambda v: pc.and_(_field(v, "required"), pc.is_null(_field(v, "importance"))),
    rec.Sensitive: _age_band_bad,
    rec.SimilarityRow: lambda v: pc.equal(_field(v, "source"), _field(v, "target")),
}

# Fields with a default that must not be given as an explicit null (looks like "absent").
_NOT_NULL = sorted(
    {
        name
        for model in (
            rec.CandidateRow,
            rec.RoleRow,
            rec.InteractionRow,
            rec.SkillRow,
            rec.CandidateSkill,
            rec.Experience,
            rec.Preferences,
            rec.RoleSkill,
        )
        for name, f in model.model_fields.items()
        if not f.is_required() and not unwrap_annotation(f.annotation)[2]
    }
)
_ESCAPED_KEY = r'\\u[0-9a-fA-F]{4}[^"]*"\s*:'
_EXPLICIT_NULL = re.compile(rb'"(' + "|".join(_NOT_NULL).encode() + rb')"\s*:\s*null')


def _vocabulary(annotation: Any, field_constraints: Sequence[Any]) -> Vocabulary | None:
    for c in [*field_constraints, *unwrap_annotation(annotation)[1]]:
        if isinstance(c, BeforeValidator) and isinstance(c.func, Vocabulary):
            return c.func
    return None


def _canonical_words(model: type[BaseModel], table: pa.Table) -> pa.Table:
    """Top-level enumerated columns in their canonical spelling (``hired`` -> ``HIRED``).

    Words the vocabulary does not know are left as written: the Literal check flags them
    and pydantic rejects them with the list of known values.
    """
    for name, field in model.model_fields.items():
        vocab = _vocabulary(field.annotation, field.metadata)
        if vocab is None:
            continue
        encoded = table.column(name).combine_chunks().dictionary_encode()
        words = encoded.dictionary.to_pylist()
        mapped = pa.array([vocab.find(w) or w for w in words], type=pa.string())
        table = table.set_column(
            table.schema.get_field_index(name), name, pc.take(mapped, encoded.indices)
        )
    return table


def parse_block(
    model: type[BaseModel], lines: Sequence[bytes]
) -> tuple[pa.Table | None, np.ndarray]:
    """Parse JSONL ``lines`` as ``model`` rows with Arrow.

    Returns:
        (table, suspect): the rows as an Arrow table and a mask of rows the per-row path
        must validate; ``(None, all-True)`` when Arrow cannot parse the block at all.
    """
    try:
        table = pj.read_json(
            io.BytesIO(b"\n".join(lines)),
            read_options=pj.ReadOptions(block_size=1 << 26),
            parse_options=pj.ParseOptions(
                explicit_schema=arrow_schema(model), unexpected_field_behavior="error"
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None, np.ones(len(lines), dtype=bool)
    if table.num_rows != len(lines):
        return None, np.ones(len(lines), dtype=bool)
    table = _canonical_words(model, table)
    struct = pa.StructArray.from_arrays(
        [c.combine_chunks() for c in table.columns], names=table.column_names
    )
    suspect = np.zeros(len(lines), dtype=bool)
    for name, field in model.model_fields.items():
        suspect |= _check(
            pc.struct_field(struct, name), field.annotation, field.is_required(), field.metadata
        )
    rule = VECTOR_RULES.get(model)
    if rule is not None:
        suspect = _or(suspect, rule(struct))
    raw = pa.array(lines, type=pa.binary())
    suspect = _or(suspect, pc.match_substring_regex(raw, _EXPLICIT_NULL.pattern.decode()))
    # A key written with escapes ("sk\u0069lls") hides from the explicit-null check.
    suspect = _or(suspect, pc.match_substring_regex(raw, _ESCAPED_KEY))
    return table, suspect
