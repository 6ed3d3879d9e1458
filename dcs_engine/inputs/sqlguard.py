"""SQL inputs that cannot reach beyond the data: where clauses, SQL expressions and table names.

A where clause is parsed, not searched: on a classic session by Spark's own parser
(``sessionState.sqlParser.parseExpression`` through py4j), and its expression tree walked.  Refused:

- functions that reach the JVM or the file system (:data:`DENIED`, chosen by implementing class from
  the pinned Spark's function registry: reflection, files named in arguments, XML parsers);
- any function that is not one of Spark's built-ins (catalog, temporary or Java UDFs run arbitrary code);
- subqueries (they can read any table or path: ``exists (select * from text.`/etc/passwd`)``);
- function names computed at analysis (``IDENTIFIER('...')(...)``).

Where no JVM is at hand (a Spark Connect client) :func:`check_lexically` tokenizes the text the way
Spark's lexer does (strings, quoted identifiers, nested comments) and applies the same rules to every
name followed by ``(``; it is stricter than the parser and fails closed on anything it cannot lex.
"""
from __future__ import annotations

import re
import threading

from dcs_engine.errors import SourceError

_XML = "parses XML with the JVM's XML stack (document type declarations, external entities)"
_REFLECT = "calls any Java method by reflection (it can stop the JVM or read files)"
REACH_CLASSES: dict[str, str] = {
    "CallMethodViaReflection": _REFLECT,
    "TryReflect": _REFLECT,
    "FromProtobuf": "reads the descriptor file named in its arguments",
    "ToProtobuf": "reads the descriptor file named in its arguments",
    "FromAvro": "loads the Avro module, whose options can read a schema from a URL",
    "ToAvro": "loads the Avro module, whose options can read a schema from a URL",
    "SchemaOfAvro": "loads the Avro module, whose options can read a schema from a URL",
    "XmlToStructs": _XML, "SchemaOfXml": _XML,
    **{f"XPath{t}": _XML for t in ("List", "Boolean", "Double", "Float", "Int", "Long", "Short", "String")},
    "PythonWorkerLogs": "reads the Python worker logs of every run on the server",
}
DENIED: dict[str, str] = {
    "reflect": _REFLECT, "java_method": _REFLECT, "try_reflect": _REFLECT,
    "from_protobuf": REACH_CLASSES["FromProtobuf"], "to_protobuf": REACH_CLASSES["ToProtobuf"],
    "from_avro": REACH_CLASSES["FromAvro"], "to_avro": REACH_CLASSES["ToAvro"],
    "schema_of_avro": REACH_CLASSES["SchemaOfAvro"],
    "from_xml": _XML, "schema_of_xml": _XML,
    **{n: _XML for n in ("xpath", "xpath_boolean", "xpath_double", "xpath_number", "xpath_float", "xpath_int",
                         "xpath_long", "xpath_short", "xpath_string")},
    "python_worker_logs": REACH_CLASSES["PythonWorkerLogs"],
}
BUILTIN_QUALIFIERS = ((), ("builtin",), ("system", "builtin"))
_SUBQUERY_CLASS = "org.apache.spark.sql.catalyst.expressions.SubqueryExpression"

_lock = threading.Lock()
_builtins: dict[int, tuple[object, frozenset[str]]] = {}


def refused(what: str, text: str, reason: str, found: str, fix: str, **params) -> SourceError:
    return SourceError(f"{what} {text!r}", expected="an expression on the source's columns with Spark's "
                       "built-in functions", found=found, fix=fix, condition="SOURCE_REFUSED",
                       params={"reason": reason, "input": what, **params})


def builtin_functions(spark) -> frozenset[str]:
    """Names of Spark's built-in functions on this session's Spark (cached per session)."""
    with _lock:
        hit = _builtins.get(id(spark))
        if hit and hit[0] is spark:
            return hit[1]
    jvm = getattr(spark, "_jvm", None) if getattr(spark, "_jsparkSession", None) is not None else None
    if jvm is not None:  # classic: ask the registry itself (no job)
        listed = jvm.org.apache.spark.sql.catalyst.analysis.FunctionRegistry.builtin().listFunction()
        qualified = str(listed.mkString("\u0001")).split("\u0001")  # system.builtin.<name>
        names = frozenset(n.rsplit(".", 1)[-1].strip("`").lower() for n in qualified)
    else:
        names = frozenset(r[0].lower() for r in spark.sql("SHOW SYSTEM FUNCTIONS").collect())
    with _lock:
        _builtins[id(spark)] = (spark, names)
    return names


def _check_name(parts: list[str], what: str, text: str, builtins: frozenset[str]) -> None:
    name = parts[-1].lower()
    qualifier = tuple(p.lower() for p in parts[:-1])
    if name in DENIED:
        raise refused(what, text, "sql_function", f"the function {name}(), which {DENIED[name]}",
                      f"remove {name}() from the {what}; filter on the data's own values", function=name)
    if qualifier not in BUILTIN_QUALIFIERS or name not in builtins:
        shown = ".".join(parts)
        raise refused(what, text, "sql_function", f"{shown}(), which is not one of Spark's built-in functions",
                      "use built-in functions only (user-defined functions run arbitrary code on the server)",
                      function=name)


def _subquery(what: str, text: str) -> SourceError:
    return refused(what, text, "subquery", "a subquery (it can read any table or path)",
                   "filter on the source's own columns, without SELECT", function=None)


def _dynamic(what: str, text: str) -> SourceError:
    return refused(what, text, "dynamic_name", "a function name computed with IDENTIFIER(...)",
                   "write the built-in function's name itself", function=None)


def _jvm_parser(spark):
    jsession = getattr(spark, "_jsparkSession", None)
    return None if jsession is None else jsession.sessionState().sqlParser()


def check_expression(spark, text: str, what: str = "SQL expression") -> None:
    """Refuse ``text`` if it reaches beyond the data (see the module's doc); a syntax error is
    SOURCE_BAD_FILTER.  Uses Spark's parser on a classic session, the lexical check otherwise."""
    if not text or not text.strip():
        return
    builtins = builtin_functions(spark)
    parser = _jvm_parser(spark)
    if parser is None:
        check_lexically(text, what, builtins)
        return
    try:
        tree = parser.parseExpression(text)
    except Exception as exc:  # py4j wraps Spark's ParseException
        from dcs_engine.triage import innermost_message

        raise SourceError(f"{what} {text!r}", expected="a SQL condition Spark can parse",
                          found=innermost_message(exc), fix="correct the SQL syntax",
                          condition="SOURCE_BAD_FILTER", params={"input": what}) from None
    _walk(spark._jvm, tree, what, text, builtins)


def _walk(jvm, tree, what: str, text: str, builtins: frozenset[str]) -> None:
    subquery = jvm.java.lang.Class.forName(_SUBQUERY_CLASS)
    stack = [tree]
    while stack:
        node = stack.pop()
        kind = node.getClass().getSimpleName()
        if subquery.isInstance(node):
            raise _subquery(what, text)
        if kind == "UnresolvedFunction":
            _check_name(str(node.nameParts().mkString("\u0001")).split("\u0001"), what, text, builtins)
        elif "Identifier" in kind:
            raise _dynamic(what, text)
        children = node.children()
        stack.extend(children.apply(i) for i in range(children.size()))


# --- the lexical check (no JVM) ---------------------------------------------------------------

_WORD = re.compile(r"[^\W]\w*", re.UNICODE)
_QUERY_WORDS = {"select", "values", "table", "with"}
# grammar words that may stand before "(" without being a function call
_GRAMMAR = {"and", "or", "not", "in", "is", "between", "like", "ilike", "rlike", "regexp", "any", "some", "all",
            "when", "then", "else", "case", "end", "as", "distinct", "filter", "over", "within", "group", "by",
            "partition", "order", "interval", "cast", "try_cast", "extract", "position", "substring", "substr",
            "trim", "overlay", "escape", "null", "true", "false", "both", "leading", "trailing", "for", "from",
            "asc", "desc", "nulls", "first", "last", "rows", "range", "preceding", "following", "unbounded",
            "current", "row", "respect", "ignore", "collate", "div", "timestampadd", "timestampdiff",
            # type names with arguments, inside CAST(... AS type(n))
            "varchar", "character", "numeric", "dec"}


def _string(text: str, i: int, raw: bool) -> int:
    quote, i = text[i], i + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and not raw:
            i += 2
            continue
        if ch == quote:
            return i + 1
        i += 1
    raise ValueError("an unterminated string")


def _comment(text: str, i: int) -> int:
    depth, i = 1, i + 2
    while i < len(text):
        if text.startswith("/*", i):
            depth, i = depth + 1, i + 2
        elif text.startswith("*/", i):
            depth, i = depth - 1, i + 2
            if depth == 0:
                return i
        else:
            i += 1
    raise ValueError("an unterminated /* comment")


def _backtick(text: str, i: int) -> tuple[str, int]:
    out, i = [], i + 1
    while i < len(text):
        if text[i] == "`":
            if text.startswith("``", i):
                out.append("`")
                i += 2
                continue
            return "".join(out), i + 1
        out.append(text[i])
        i += 1
    raise ValueError("an unterminated `quoted identifier`")


def tokens(text: str) -> list[tuple[str, str]]:
    """(kind, value) for Spark SQL: ``name``, ``quoted`` (backticks), ``string``, ``dq`` (a double-quoted
    text: a string, or an identifier under ANSI settings), ``sym``; comments and spaces dropped."""
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            nl = text.find("\n", i)
            i = len(text) if nl < 0 else nl + 1
        elif text.startswith("/*", i):
            i = _comment(text, i)
        elif ch in "rR" and i + 1 < len(text) and text[i + 1] in "'\"":
            j = _string(text, i + 1, raw=True)
            out.append(("string", text[i:j]))
            i = j
        elif ch in "'\"":
            j = _string(text, i, raw=False)
            out.append(("dq" if ch == '"' else "string", text[i + 1:j - 1]))
            i = j
        elif ch == "`":
            name, i = _backtick(text, i)
            out.append(("quoted", name))
        elif m := _WORD.match(text, i):
            out.append(("name", m.group()))
            i = m.end()
        else:
            out.append(("sym", ch))
            i += 1
    return out


def _call_name(toks: list[tuple[str, str]], end: int) -> list[str]:
    """The dotted name that ends at token ``end`` (just before a "(")."""
    parts, k = [toks[end][1]], end
    while k >= 2 and toks[k - 1] == ("sym", ".") and toks[k - 2][0] in ("name", "quoted", "dq"):
        parts.insert(0, toks[k - 2][1])
        k -= 2
    return parts


def check_lexically(text: str, what: str, builtins: frozenset[str]) -> None:
    """The no-JVM check: stricter than Spark's parser, failing closed."""
    try:
        toks = tokens(text)
    except ValueError as exc:
        raise refused(what, text, "unreadable", str(exc), "close the string, comment or quoted name") from None
    for i, (kind, value) in enumerate(toks):
        low = value.lower()
        if kind == "name" and low in _QUERY_WORDS:
            raise _subquery(what, text)
        if i + 1 >= len(toks) or toks[i + 1] != ("sym", "(") or kind not in ("name", "quoted", "dq"):
            continue
        if kind == "name" and low == "identifier":
            raise _dynamic(what, text)
        if kind == "name" and low in _GRAMMAR and (i == 0 or toks[i - 1] != ("sym", ".")):
            continue
        _check_name(_call_name(toks, i), what, text, builtins)


def check_table_name(name: str) -> None:
    """A table name is a dotted identifier; ``format.`path``` (Spark's SQL on files) is refused."""
    what = "table name"
    try:
        toks = tokens(name)
    except ValueError as exc:
        raise refused(what, name, "unreadable", str(exc), "type the table's name, e.g. db.events") from None
    names = toks[0::2]
    dots = toks[1::2]
    if not toks or any(k not in ("name", "quoted") for k, _ in names) or any(d != ("sym", ".") for d in dots) \
            or len(toks) % 2 == 0:
        raise refused(what, name, "not_a_table_name", "something other than a dotted name",
                      "type the table's name, e.g. db.events")
    parts = [v for _, v in names]
    if any(ch in p for p in parts for ch in "/\\:") or (len(parts) > 1 and parts[0].lower() in _FILE_FORMATS):
        raise refused(what, name, "table_reads_path", "a file path read as a table (SQL on files)",
                      "use the Path source, which is limited to the configured roots")


_FILE_FORMATS = {"parquet", "json", "csv", "orc", "text", "avro", "binaryfile", "xml", "delta", "iceberg", "hudi",
                 "jdbc", "libsvm", "image"}
