"""What ad-hoc Cypher may do: read the graph, and with ``--write`` change its data; no more.

Every query a store runs through ``run_text``/``run``/``run_table`` passes
``check_statement`` (from ``GraphStore._checked_params``, the one check every read passes).
It reads the statement with a small tokenizer that knows what the stores' lexers know
(strings with ``\\`` escapes and doubled quotes, backtick names, ``//`` and ``/* */``
comments, ``$parameters``), groups brackets, and walks the clauses: every word that stands
where a clause starts must be on the allow-list, whatever else the text says.

Allowed clauses: MATCH, OPTIONAL MATCH, WITH, UNWIND, WHERE, RETURN, ORDER BY, SKIP, LIMIT,
UNION [ALL], YIELD, a subquery (``CALL { ... }``, ``EXISTS { ... }``, ``COUNT { ... }``,
checked the same way), ``CALL`` of a few read-only procedures (``ALLOWED_CALLS``), on Neo4j
``SHOW INDEXES``/``SHOW CONSTRAINTS``; and the graph writes CREATE (a pattern), MERGE, SET,
DELETE, DETACH DELETE, REMOVE, which the store still refuses unless ``write=True`` (a
read-only transaction). Everything else is refused by name (``StatementRefusedError``):
COPY, LOAD FROM / LOAD CSV / LOAD EXTENSION, INSTALL, ATTACH, DETACH (a database), USE,
EXPORT/IMPORT DATABASE, CALL of a setting (``CALL threads=1``) or of any other procedure,
DDL (CREATE NODE TABLE, DROP, ALTER, CREATE INDEX, ...), transaction control (BEGIN, COMMIT,
ROLLBACK, CHECKPOINT), FOREACH, and functions of plugins (``apoc.cypher.run...``). Text the
two stores could read differently (an unterminated string, a ``/* **/`` comment that Neo4j
ends and LadybugDB does not, a lone carriage return in a ``//`` comment) is refused too.

The engine's own statements that need more (bulk ``COPY`` from Arrow tables, ``LOAD FROM
rows`` upserts, DDL, migrations) are catalog files run through the stores' primitives,
never through this path.

Example:
    >>> check_statement("MATCH (c:Candidate) RETURN c.id LIMIT 3", "ladybug")
    >>> check_statement("COPY (MATCH (c) RETURN c.summary) TO '/tmp/x.csv'", "ladybug")
    Traceback (most recent call last):
    StatementRefusedError: statement `COPY (MATCH (c) RETURN c.summary) TO '/tmp/x.csv'` refused:
    COPY is not allowed in ad-hoc Cypher, with or without --write. ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from graph_schema.errors import StatementRefusedError

REFUSED = (
    "statement `{statement}` refused: {clause} is not allowed in ad-hoc Cypher, with or "
    "without --write. Ad-hoc Cypher reads the graph (MATCH, OPTIONAL MATCH, WITH, UNWIND, "
    "WHERE, RETURN, ORDER BY, SKIP, LIMIT, UNION, CALL of {procedures}) and, with --write, "
    "changes its nodes and relationships (CREATE, MERGE, SET, DELETE, REMOVE); never files, "
    "extensions, settings, other databases, the schema or transactions"
)
UNREADABLE = "statement `{statement}` refused: it holds {problem}, so its clauses cannot be checked"

# Read-only procedures ad-hoc Cypher may CALL, per dialect (lower case).
ALLOWED_CALLS: dict[str, tuple[str, ...]] = {
    "ladybug": ("show_tables", "table_info", "show_connection", "db_version"),
    "neo4j": (
        "db.labels",
        "db.relationshipTypes",
        "db.propertyKeys",
        "db.schema.visualization",
        "db.schema.nodeTypeProperties",
        "db.schema.relTypeProperties",
    ),
}
# Namespaced functions of Neo4j itself; any other ``a.b(...)`` is a plugin's (APOC can read
# files and run Cypher) and is refused.
ALLOWED_FUNCTION_NAMESPACES = (
    "date.",
    "datetime.",
    "localdatetime.",
    "localtime.",
    "time.",
    "duration.",
    "point.",
    "vector.",
    "db.namefromelementid",
)

# Keywords that may stand where a clause starts (special forms below for CALL, CREATE,
# MERGE, DETACH, ON, SHOW), and the expression keywords that may follow an expression.
_CLAUSES = {
    "MATCH", "OPTIONAL", "WITH", "UNWIND", "WHERE", "RETURN", "ORDER", "BY", "SKIP", "LIMIT",
    "UNION", "ALL", "YIELD", "CALL", "CREATE", "MERGE", "SET", "DELETE", "DETACH", "NODETACH",
    "REMOVE", "ON",
}  # fmt: skip
_AFTER_EXPRESSION = {
    "AS", "AND", "OR", "XOR", "NOT", "IN", "IS", "NULL", "STARTS", "ENDS", "CONTAINS", "CASE",
    "WHEN", "THEN", "ELSE", "END", "DISTINCT", "ASC", "ASCENDING", "DESC", "DESCENDING",
    "TRANSACTIONS", "OF", "ROWS",
}  # fmt: skip
_ALLOWED = {
    "ladybug": _CLAUSES | _AFTER_EXPRESSION,
    "neo4j": _CLAUSES | _AFTER_EXPRESSION | {"SHOW"},
}
# Keywords after which an expression, pattern or name follows (not a clause).
_INTRO = {
    "MATCH", "WITH", "UNWIND", "WHERE", "RETURN", "BY", "SKIP", "LIMIT", "YIELD", "SET",
    "DELETE", "REMOVE", "AS", "AND", "OR", "XOR", "NOT", "IN", "IS", "CONTAINS", "CASE", "WHEN",
    "THEN", "ELSE", "DISTINCT", "OF", "CREATE", "MERGE",
}  # fmt: skip
# Every word that starts a clause or statement in either dialect. After a word that may be
# an expression keyword or a name (``NOT``, ``CASE``, ... are names too where a store allows
# keywords as names), one of these is checked as a clause.
_HEADS = _CLAUSES | {
    "LOAD", "COPY", "FOREACH", "USE", "ATTACH", "INSTALL", "UNINSTALL", "FORCE", "UPDATE",
    "EXPORT", "IMPORT", "BEGIN", "COMMIT", "ROLLBACK", "CHECKPOINT", "DROP", "ALTER", "SHOW",
    "ANALYZE", "COMMENT", "EXPLAIN", "PROFILE", "USING", "FINISH", "FILTER", "LET", "NEXT",
    "INSERT", "OFFSET", "TERMINATE", "START", "STOP", "GRANT", "DENY", "REVOKE", "RENAME",
    "ENABLE", "DRYRUN", "HINT", "SEARCH", "WHEN", "COMMIT_SKIP_CHECKPOINT",
    "ROLLBACK_SKIP_CHECKPOINT",
}  # fmt: skip
# Allowed only inside a CASE expression (Neo4j's Cypher 25 also starts a query with WHEN).
_CASE_PARTS = {"WHEN", "THEN", "ELSE", "END"}
# Statement words that have no place inside an expression at all: refused wherever they
# stand as a name (not after ``.``, ``:`` or ``$``), a second line of defence.
_NEVER_INSIDE = {
    "COPY", "LOAD", "ATTACH", "INSTALL", "UNINSTALL", "EXPORT", "IMPORT", "USE", "FOREACH",
    "CHECKPOINT", "CALL",
}  # fmt: skip
# Words naming what a refused keyword does (``CREATE NODE TABLE``, ``LOAD FROM``).
_QUALIFIERS = {
    "FROM", "EXTENSION", "CSV", "DATABASE", "NODE", "REL", "TABLE", "INDEX", "CONSTRAINT",
    "TRANSACTION", "SEQUENCE", "MACRO", "TYPE", "GRAPH", "GROUP", "USER", "ROLE",
}  # fmt: skip
_SHOW_QUALIFIERS = {
    "ALL", "FULLTEXT", "LOOKUP", "POINT", "RANGE", "TEXT", "VECTOR", "NODE", "RELATIONSHIP",
    "REL", "UNIQUE", "UNIQUENESS", "KEY", "EXIST", "EXISTENCE", "PROPERTY", "TYPE",
}  # fmt: skip
_SHOWN = {"INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS"}
_SUBQUERY = {"CALL", "EXISTS", "COUNT", "COLLECT"}
# Punctuation after which an expression follows; any other (unknown) character is treated
# as ending one, so that a word after it must be an allowed keyword.
_OPERATORS = {",", "=", "<", ">", "+", "-", "/", "%", "^", ":", ".", "|", "&", "~", "!=", "<>"}
_NUMBER = re.compile(r"\d+(?:\.\d+)?(?:[eE]-?\d+)?")
_OPEN, _CLOSE = "([{", ")]}"

# token kinds
WORD, NAME, STRING, NUMBER, PARAM, PUNCT = "word", "name", "string", "number", "param", "punct"
# where the next token stands
_CLAUSE, _EXPR, _EITHER = "clause", "expression", "either"


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    start: int

    @property
    def keyword(self) -> str:
        """The word in upper case when it could be a keyword (ASCII), else ``""``."""
        return self.text.upper() if self.kind == WORD and self.text.isascii() else ""


@dataclass
class Group:
    """A bracketed part: ``(``, ``[`` or ``{`` and the items inside."""

    open: str
    start: int
    items: list[Token | Group] = field(default_factory=list)


Item = Token | Group


class _Refusal(Exception):
    def __init__(self, message: str, **fields: str) -> None:
        self.message, self.fields = message, fields


def _unreadable(problem: str) -> _Refusal:
    return _Refusal(UNREADABLE, problem=problem)


def _refused(clause: str) -> _Refusal:
    return _Refusal(REFUSED, clause=clause)


def statement_head(text: str) -> str:
    """The first line of ``text`` that is not a ``//`` comment, cut to 80 characters."""
    lines = (line.strip() for line in text.splitlines())
    return next((line for line in lines if line and not line.startswith("//")), "")[:80]


def _is_space(ch: str) -> bool:
    return ch.isspace() or ch == "\u180e"  # LadybugDB's lexer counts U+180E as a space


def _word_end(text: str, i: int) -> int:
    while i < len(text) and ("a" + text[i]).isidentifier():
        i += 1
    return i


def _block_comment_end(text: str, i: int) -> int:
    """End of the ``/* */`` comment at ``i``, where both stores end it; else refuse.

    Neo4j ends a block comment at the first ``*/``; LadybugDB (openCypher's lexer rule
    ``'/*' (~'*' | '*' ~'/')* '*/'``) reads ``*`` and the character after it as a pair, so
    in ``/* **/`` it does not end at ``**/``. A comment the two would end differently is
    refused: the text after it would be read differently.
    """
    first = text.find("*/", i + 2)
    j = i + 2
    while j < len(text):
        if text[j] == "*":
            if text.startswith("*/", j):
                break
            j += 2
        else:
            j += 1
    if first < 0 or j >= len(text):
        raise _unreadable(f"an unterminated /* comment at offset {i}")
    if first != j:
        raise _unreadable(f"a /* comment at offset {i} that the stores end at different places")
    return j + 2


def _quoted_end(text: str, i: int) -> int:
    """End of the string (``'``/``"``, ``\\`` escapes, ``''`` in single quotes) or
    backtick name at ``i``."""
    quote, j = text[i], i + 1
    while j < len(text):
        ch = text[j]
        if ch == "\\" and quote != "`":
            j += 2
            continue
        if ch == quote:
            if text.startswith(quote * 2, j) and quote in "'`":
                j += 2  # a doubled quote (backtick names; LadybugDB's single-quoted strings)
                continue
            return j + 1
        j += 1
    kind = "backtick name" if quote == "`" else "string"
    raise _unreadable(f"an unterminated {kind} at offset {i}")


def _tokens(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if _is_space(ch):
            i += 1
        elif text.startswith("//", i):
            end = len(text)
            for stop in ("\n", "\r"):
                found = text.find(stop, i)
                if found >= 0:
                    end = min(end, found)
            if text.startswith("\r", end) and not text.startswith("\r\n", end):
                raise _unreadable(f"a // comment at offset {i} ended by a lone carriage return")
            i = end
        elif text.startswith("/*", i):
            i = _block_comment_end(text, i)
        elif ch in "'\"`":
            end = _quoted_end(text, i)
            out.append(Token(NAME if ch == "`" else STRING, text[i:end], i))
            i = end
        elif ch == "$":
            end = (
                _quoted_end(text, i + 1) if text.startswith("`", i + 1) else _word_end(text, i + 1)
            )
            out.append(Token(PARAM if end > i + 1 else PUNCT, text[i : max(end, i + 1)], i))
            i = max(end, i + 1)
        elif ch.isdigit():
            match = _NUMBER.match(text, i)
            end = match.end() if match else i + 1
            out.append(Token(NUMBER, text[i:end], i))
            i = end
        elif ch.isidentifier():
            end = _word_end(text, i)
            out.append(Token(WORD, text[i:end], i))
            i = end
        else:
            two = text[i : i + 2]
            size = 2 if two in ("!=", "<>") else 1
            out.append(Token(PUNCT, text[i : i + size], i))
            i += size
    return out


def _statements(tokens: list[Token]) -> list[list[Item]]:
    """The ``;``-separated statements, brackets grouped; unbalanced brackets are refused."""
    statements: list[list[Item]] = [[]]
    stack: list[Group] = []
    for tok in tokens:
        top = stack[-1].items if stack else statements[-1]
        if tok.kind == PUNCT and tok.text in _OPEN:
            group = Group(tok.text, tok.start)
            top.append(group)
            stack.append(group)
        elif tok.kind == PUNCT and tok.text in _CLOSE:
            if not stack or _OPEN[_CLOSE.index(tok.text)] != stack[-1].open:
                raise _unreadable(f"an unmatched {tok.text!r} at offset {tok.start}")
            stack.pop()
        elif tok.kind == PUNCT and tok.text == ";":
            if stack:
                raise _unreadable(f"a ';' inside brackets at offset {tok.start}")
            statements.append([])
        else:
            top.append(tok)
    if stack:
        raise _unreadable(f"an unclosed {stack[-1].open!r} at offset {stack[-1].start}")
    return [s for s in statements if s]


def _is(item: Item | None, text: str) -> bool:
    return isinstance(item, Token) and item.kind == PUNCT and item.text == text


def _clause_name(items: list[Item], i: int) -> str:
    """The refused keyword at ``i`` with the words that say what it does (``DROP TABLE``)."""
    words = [items[i].text.upper()]  # type: ignore[union-attr]
    for item in items[i + 1 : i + 3]:
        if not (isinstance(item, Token) and item.keyword in _QUALIFIERS):
            break
        words.append(item.keyword)
    return " ".join(words)


class _Checker:
    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.allowed = _ALLOWED.get(dialect, _ALLOWED["ladybug"])
        self.calls = {c.lower() for c in ALLOWED_CALLS.get(dialect, ())}

    # -- query scopes: clauses ------------------------------------------------------------
    def query(self, items: list[Item]) -> None:
        """Walk a statement or subquery: every word where a clause starts must be allowed."""
        where, ends_value, i, cases = _CLAUSE, False, 0, 0
        while i < len(items):
            item = items[i]
            previous = items[i - 1] if i else None
            if isinstance(item, Group):
                self.group(item, items, i)
                where, ends_value, i = _CLAUSE, True, i + 1
                continue
            if item.kind == WORD:
                keyword = item.keyword
                if where == _CLAUSE or (where == _EITHER and keyword in _HEADS):
                    if keyword in _CASE_PARTS:
                        if not cases:
                            raise _refused(keyword)
                        cases -= keyword == "END"
                    ambiguous = where == _EITHER  # a name to a store that allows it
                    i, where = self.clause(item, items, i)
                    where = _EITHER if ambiguous and where == _EXPR else where
                    ends_value = False
                    continue
                named = _is(previous, ".") or _is(previous, ":")
                cases += keyword == "CASE" and not named
                where = _EITHER if keyword in _INTRO and not named else _CLAUSE
                ends_value = where == _CLAUSE
            elif item.kind == PUNCT:
                if item.text == "*":  # a product after a value; else a wildcard (RETURN *)
                    where = _EXPR if ends_value else _CLAUSE
                    ends_value = not ends_value
                elif item.text in _OPERATORS:
                    where, ends_value = _EXPR, False
                else:  # "!" (factorial), unknown characters: a value ends here
                    where, ends_value = _CLAUSE, True
            else:  # string, number, parameter, backtick name: a value
                where, ends_value = _CLAUSE, True
            i += 1

    def clause(self, tok: Token, items: list[Item], i: int) -> tuple[int, str]:
        """Check the clause keyword ``tok`` (``items[i]``); returns where to go on and what
        stands next."""
        keyword = tok.keyword
        if keyword not in self.allowed:
            raise _refused(_clause_name(items, i) if keyword else tok.text)
        following = items[i + 1] if i + 1 < len(items) else None
        if keyword == "CALL":
            return self.call(items, i)
        if keyword in ("CREATE", "MERGE"):
            pattern = isinstance(following, Group) and following.open == "("
            path = (
                isinstance(following, Token)
                and following.kind in (WORD, NAME)
                and _is(items[i + 2] if i + 2 < len(items) else None, "=")
            )
            if not (pattern or path):
                raise _refused(_clause_name(items, i))
        elif keyword in ("DETACH", "NODETACH"):
            if not (isinstance(following, Token) and following.keyword == "DELETE"):
                raise _refused(keyword)
        elif keyword == "ON":
            if not (isinstance(following, Token) and following.keyword in ("CREATE", "MATCH")):
                raise _refused("ON")
            return i + 2, _CLAUSE  # ON CREATE / ON MATCH, then SET
        elif keyword == "SHOW":
            j = i + 1
            while j < len(items) and isinstance(items[j], Token):
                if items[j].keyword not in _SHOW_QUALIFIERS:  # type: ignore[union-attr]
                    break
                j += 1
            shown = items[j] if j < len(items) else None
            if not (isinstance(shown, Token) and shown.keyword in _SHOWN):
                word = shown.text.upper() if isinstance(shown, Token) else ""
                raise _refused(f"SHOW {word}".strip())
            return j + 1, _CLAUSE
        return i + 1, _EXPR if keyword in _INTRO else _CLAUSE

    def call(self, items: list[Item], i: int) -> tuple[int, str]:
        """``CALL { ... }``, ``CALL (x) { ... }`` or ``CALL`` of an allowed procedure."""
        following = items[i + 1] if i + 1 < len(items) else None
        after = items[i + 2] if i + 2 < len(items) else None
        if isinstance(following, Group) and following.open == "{":
            self.query(following.items)
            return i + 2, _CLAUSE
        if (
            isinstance(following, Group)
            and following.open == "("
            and isinstance(after, Group)
            and after.open == "{"
        ):
            if not all(
                isinstance(x, Token) and (x.kind in (WORD, NAME) or x.text in (",", "*"))
                for x in following.items
            ):
                raise _refused("CALL (")
            self.query(after.items)
            return i + 3, _CLAUSE
        if not (isinstance(following, Token) and following.kind == WORD):
            raise _refused("CALL")
        j, name = i + 2, following.text
        while _is(items[j] if j < len(items) else None, "."):
            part = items[j + 1] if j + 1 < len(items) else None
            if not (isinstance(part, Token) and part.kind in (WORD, NAME)):
                break
            name, j = f"{name}.{part.text}", j + 2
        if _is(items[j] if j < len(items) else None, "=") or name.lower() not in self.calls:
            raise _refused(f"CALL {name}")
        arguments = items[j] if j < len(items) else None
        if isinstance(arguments, Group) and arguments.open == "(":
            self.inside(arguments.items)
            j += 1
        return j, _CLAUSE

    # -- brackets: expressions ------------------------------------------------------------
    def group(self, group: Group, items: list[Item], i: int) -> None:
        """A bracketed item: a subquery after CALL/EXISTS/COUNT/COLLECT, else an expression
        (a function call of a plugin is refused). ``group`` is ``items[i]``."""
        previous = items[i - 1] if i else None
        if group.open == "{" and isinstance(previous, Token) and previous.keyword in _SUBQUERY:
            self.query(group.items)
            return
        if group.open == "(":
            function = _dotted_name(items, i)
            if function and not function.lower().startswith(ALLOWED_FUNCTION_NAMESPACES):
                raise _refused(f"the function {function}")
        self.inside(group.items)

    def inside(self, items: list[Item]) -> None:
        """The items of an expression: nested brackets, and no statement word as a name."""
        for i, item in enumerate(items):
            if isinstance(item, Group):
                self.group(item, items, i)
                continue
            previous = items[i - 1] if i else None
            named = any(_is(previous, p) for p in (".", ":")) or item.kind != WORD
            if not named and item.keyword in _NEVER_INSIDE:
                raise _refused(_clause_name(items, i))


def _dotted_name(items: list[Item], i: int) -> str:
    """``a.b.c`` when the ``(`` group at ``i`` follows such a dotted name, else ``""``."""
    parts: list[str] = []
    j = i - 1
    while j >= 0 and isinstance(items[j], Token) and items[j].kind in (WORD, NAME):  # type: ignore[union-attr]
        parts.insert(0, items[j].text)  # type: ignore[union-attr]
        if not _is(items[j - 1] if j else None, "."):
            break
        j -= 2
    if len(parts) < 2:
        return ""
    before = items[j - 1] if j else None
    if isinstance(before, Token) and before.keyword == "CALL":
        return ""  # a procedure: checked by CALL
    return ".".join(parts)


def procedures(dialect: str) -> str:
    """The procedures ad-hoc Cypher may CALL on ``dialect``, as the message lists them."""
    return ", ".join(ALLOWED_CALLS.get(dialect, ()))


def check_statement(text: str, dialect: str) -> None:
    """Refuse ``text`` unless every statement in it only reads the graph or changes its
    nodes and relationships (see the module for the allow-list).

    Args:
        text: one or more ``;``-separated Cypher statements.
        dialect: ``"ladybug"`` or ``"neo4j"`` (which procedures and SHOW commands exist).

    Raises:
        StatementRefusedError: the message names the refused clause (``LOAD FROM``,
            ``CALL threads``, ``CREATE NODE TABLE``) or what cannot be read safely.
    """

    def walk() -> None:
        checker = _Checker(dialect)
        for statement in _statements(_tokens(text)):
            checker.query(statement)

    try:
        walk()
    except _Refusal as refusal:
        fields = {"procedures": procedures(dialect), **refusal.fields}
        raise StatementRefusedError(
            refusal.message.format(statement=statement_head(text), **fields)
        ) from None
