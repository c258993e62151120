"""The one exception tree of talentgraph.

It lives in the lowest layer so that every package (``graph_schema``, ``loaders``,
``engine``) raises the same types. Messages name the thing: the file, the line, the field,
the rule and the value.
"""

from __future__ import annotations


class TalentGraphError(Exception):
    """Base class of every error talentgraph raises on purpose."""


class SchemaError(TalentGraphError):
    """A label, relationship type or property that the GraphSchema does not define."""


class ConfigError(TalentGraphError):
    """A settings value or argument that is out of its allowed range."""


class InputRowError(TalentGraphError):
    """One rejected input row: where it came from and what is wrong with it.

    Args:
        file: the input file name (``candidates.jsonl``).
        line: 1-based line (JSONL) or record (CSV) number.
        field: dotted path of the offending field (``skills[2].level``), or ``"-"``.
        reason: what rule the value broke, with the value.
    """

    MESSAGE = "{file} line {line}: {field}: {reason}"

    def __init__(self, file: str, line: int, field: str, reason: str) -> None:
        self.file, self.line, self.field, self.reason = file, line, field, reason
        super().__init__(self.MESSAGE.format(file=file, line=line, field=field, reason=reason))


class StoreError(TalentGraphError):
    """A graph store failed to run a query or to open."""


class QueryNotFoundError(StoreError, LookupError):
    """No ``.cypher`` file of that name exists for the dialect."""


class StoreUnavailableError(StoreError):
    """The store cannot be reached (Neo4j down, bad URI, locked database directory)."""


class ReadOnlyError(StoreError):
    """A statement run read-only tried to write; the store itself refused it.

    Exploration (``talentgraph cypher``, ``MatchingEngine.query``) runs in a read-only
    transaction unless ``--write`` / ``write=True`` is given.
    """


class StatementRefusedError(ReadOnlyError):
    """Ad-hoc Cypher holding a clause no query may run (files, extensions, settings, other
    databases, schema, transactions), refused by name before it reaches the store, with or
    without ``--write`` (``loaders.stores.statement_guard``)."""


class SensitiveAccessError(TalentGraphError, PermissionError):
    """Something outside the audit path asked for sensitive attributes."""


class UnknownIdError(TalentGraphError, LookupError):
    """An id that is not in the graph."""


class NotTrainedError(TalentGraphError, RuntimeError):
    """A trainable object was used before ``fit``/``train``."""


class RequestError(TalentGraphError, ValueError):
    """An API argument (an ad-hoc profile or posting) that is not of its shape or breaks a rule.

    Args:
        argument: the parameter name (``worker_profile``).
        problems: (field path, reason) per broken rule, the reason naming the rule and the
            value: ``("worker_profile.skills[3].level", "Input should be less than or equal
            to 1; got 1000000000.0")``.
    """

    MESSAGE = "{field}: {reason}"

    def __init__(self, argument: str, problems: list[tuple[str, str]]) -> None:
        self.argument, self.problems = argument, tuple(problems)
        super().__init__(
            "\n".join(self.MESSAGE.format(field=f, reason=r) for f, r in self.problems)
        )


class ModelFileError(TalentGraphError):
    """A saved model file that cannot be trusted or read: a format that could run code
    (pickle), a file that is missing, truncated or malformed. The message names the file and
    the reason, and asks for a retrain."""
