"""Safe parser for typed-in formulas such as ``1/(1+exp(-x))``.

Used by the Playground widget and by ``gradlab render "FORMULA" --wrt x``.  User
text never reaches eval/exec/compile: ``ast.parse(mode="eval")`` builds a tree
that is checked against a whitelist and evaluated with explicit stacks (no
recursion over the user's tree).  ``str(FormulaError)`` is the text to show.

Decisions: ``^`` is power, exactly like ``**`` (students write ``x^2 + 1``; it is
replaced before parsing, so precedence and right-associativity are those of
``**``, and there is no xor).  Literals are ints and floats only: no booleans,
None, complex numbers or strings; ``pi`` and ``e`` are float constants.
Comparisons are ``< <= > >=``, never chained.  Any whitespace, newlines
included, counts as a space.  Calls take whitelisted names and positional
arguments; the arities in ``DEFAULT_FUNCTIONS`` also apply to those names in a
custom namespace.
"""
from __future__ import annotations

import ast
import builtins
import difflib
import keyword
import math
import operator
import warnings
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Callable, Mapping

__all__ = ["CONSTANTS", "DEFAULT_FUNCTIONS", "FormulaError", "Parsed", "parse"]

#: Formula name -> (attribute of gradlab.tensor, arity or (min, max)).
DEFAULT_FUNCTIONS: Mapping[str, tuple[str, int | tuple[int, int]]] = MappingProxyType({
    **{name: (name, 1) for name in (
        "exp", "log", "log1p", "expm1", "sqrt", "sqr", "sin", "cos", "tan", "tanh",
        "sigmoid", "softplus", "abs", "sign", "floor", "ceil", "round")},
    "maximum": ("maximum", 2), "minimum": ("minimum", 2), "dot": ("dot", 2),
    "where": ("switch", 3), "switch": ("switch", 3), "clip": ("clip", 3),
    **{name: (name, (1, 2)) for name in ("sum", "mean", "prod", "max", "min")}})
#: ``max(a, b)`` / ``min(a, b)`` mean what they mean in Python and in maths, the larger
#: (smaller) of two values, elementwise; the reduction along an axis is ``max(x, axis=k)``.
_PAIRWISE = MappingProxyType({"max": "maximum", "min": "minimum"})
#: Named constants, available in every formula unless ``variables`` redefines them.
CONSTANTS: Mapping[str, float] = MappingProxyType({"pi": math.pi, "e": math.e})

_USAGE = {"maximum": "maximum(a, b)", "minimum": "minimum(a, b)", "dot": "dot(a, b)",
          "clip": "clip(x, low, high)", "where": "where(condition, a, b)",
          "switch": "switch(condition, a, b)"}
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
        ast.Div: operator.truediv, ast.Pow: operator.pow, ast.MatMult: operator.matmul,
        ast.USub: operator.neg, ast.UAdd: lambda a: a, ast.Lt: operator.lt,
        ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_CONSTRUCTS = {
    ast.Attribute: "attribute access ('.')", ast.Subscript: "indexing ('x[...]')",
    ast.Lambda: "a lambda", ast.ListComp: "a comprehension", ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension", ast.GeneratorExp: "a generator expression",
    ast.JoinedStr: "an f-string", ast.NamedExpr: "an assignment (':=')",
    ast.Starred: "a starred argument ('*')", ast.List: "a list", ast.Tuple: "a tuple",
    ast.Set: "a set", ast.Dict: "a dict", ast.IfExp: "a conditional (if/else)",
    ast.BoolOp: "'and'/'or'", str: "a string", bytes: "bytes", bool: "True/False",
    complex: "a complex number", type(None): "None", type(Ellipsis): "'...'"}
_HINTS = {ast.IfExp: "use where(condition, a, b)", ast.BoolOp: "use where(...)",
          ast.Attribute: "call functions by name: exp(x), not np.exp(x)"}
_WHITELIST = "formulas use numbers, names, operators and function calls"
_OPERATOR_HINT = "use + - * / ** (or ^) @ and the comparisons < <= > >="
_SYNTAX_HINT = "write products with '*' (2*x, not 2x) and match every '(' with a ')'"
_DEPTH_HINT = "simplify the formula or split it into smaller parts"
_OPERATOR_CHARS = "+-*/^@<>=%&|~!"


class FormulaError(ValueError):
    """A formula that cannot be parsed; ``str(err)`` shows it with a caret.

    Attributes: ``message`` (the problem), ``formula`` (the text), ``position``
    (0-based column in ``formula``, or None) and ``hint`` (what to do).
    """

    def __init__(self, message: str, formula: str = "", position: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.formula, self.position, self.hint = message, formula, position, hint

    def __reduce__(self):
        return type(self), (self.message, self.formula, self.position, self.hint)

    def __str__(self) -> str:
        lines = [self.message]
        if self.formula:
            text, caret = excerpt(self.formula, self.position)
            lines += ["    " + text] + ([] if caret is None else ["    " + " " * caret + "^"])
        return "\n".join(lines + (["hint: " + self.hint] if self.hint else []))


@dataclass(frozen=True)
class Parsed:
    """A parsed formula: the built ``expr``, the ``variables`` it uses (name ->
    object, in order of first appearance) and the ``formula`` text."""

    expr: Any
    variables: dict[str, Any]
    formula: str


def parse(formula: str, variables: Mapping[str, Any] | None = None, *,
          namespace: Mapping[str, Callable] | None = None,
          make_variable: Callable[[str], Any] | None = None,
          max_length: int = 2000, max_depth: int = 200) -> Parsed:
    """Check and evaluate ``formula``; raise FormulaError on any bad input.

    A name is looked up in ``variables``, then in ``CONSTANTS``; another name
    becomes ``make_variable(name)`` if it is a plain identifier (not a function,
    keyword or builtin, no leading ``_``, at most 12 characters).
    ``make_variable`` defaults to ``gradlab.tensor.dscalar`` when ``variables``
    is None, and to None (no new names) otherwise.  ``namespace`` maps function
    names to callables; when None, the ``DEFAULT_FUNCTIONS`` used are taken from
    ``gradlab.tensor`` (imported only then).
    """
    if not isinstance(formula, str):
        raise TypeError(f"formula must be a str, not {type(formula).__name__}")
    if make_variable is None and variables is None:
        make_variable = _make_dscalar
    _check_text(formula, max_length, max_depth)
    source, where = _prepare(formula)
    tree = _parse_source(formula, source, where)
    state = _Parser(formula, source, where, dict(variables or {}), namespace,
                    make_variable, max_depth)
    state.check(tree.body)
    return Parsed(state.evaluate(tree.body), dict(state.found), formula)


def _make_dscalar(name: str) -> Any:
    """Default variable factory: a float64 scalar from gradlab.tensor."""
    import gradlab.tensor as gt
    return gt.dscalar(name)


def _check_text(formula: str, max_length: int, max_depth: int) -> None:
    """Cheap checks of the raw text (length, characters, nesting, operator count),
    so that ast.parse only ever sees input it can handle."""
    if not formula.strip():
        raise FormulaError("empty formula", formula, 0, "type an expression such as 1/(1+exp(-x))")
    if len(formula) > max_length:
        raise FormulaError(f"formula is too long: {len(formula)} characters, the limit is "
                           f"{max_length}", formula, max_length, _DEPTH_HINT)
    depth = run = operators = 0
    previous = "("
    for i, ch in enumerate(formula):
        if ch.isspace():
            continue
        if not ch.isprintable():
            raise FormulaError(f"unexpected character {ch!r}", formula, i, "remove it")
        depth += (ch in "([{") - (ch in ")]}")
        run = run + 1 if ch in "+-~" and previous in "([{," + _OPERATOR_CHARS else 0
        operators += ch in _OPERATOR_CHARS
        if depth > max_depth or run > max_depth:
            what = "levels of parentheses" if depth > max_depth else "signs in a row"
            raise FormulaError(f"formula is nested too deeply: more than {max_depth} {what}",
                               formula, i, _DEPTH_HINT)
        if operators > 4 * max_depth:
            raise FormulaError(f"formula is too complex: more than {4 * max_depth} "
                               "operators", formula, i, _DEPTH_HINT)
        previous = ch


def _prepare(formula: str) -> tuple[str, list[int]]:
    """The source for ast.parse and, per UTF-8 byte of it, the formula column.

    Leading whitespace is dropped, other whitespace becomes a space and ``^``
    becomes ``**``.  The list ends with ``len(formula)`` (for end offsets).
    """
    parts: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(formula):
        if ch.isspace() and not parts:
            continue
        ch = " " if ch.isspace() else "**" if ch == "^" else ch
        parts.append(ch)
        where += [i] * len(ch.encode("utf-8"))
    return "".join(parts), where + [len(formula)]


def _parse_source(formula: str, source: str, where: list[int]) -> ast.Expression:
    """ast.parse, with every failure turned into a FormulaError."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. invalid escapes in (rejected) strings
            return ast.parse(source, mode="eval")
    except SyntaxError as exc:  # offset: 1-based characters; 0 or None: at the end
        chars = min(exc.offset - 1, len(source)) if exc.offset else len(source)
        message = (exc.msg or "invalid syntax").split(". Perhaps")[0]
        raise FormulaError(f"syntax error: {message}", formula,
                           where[len(source[:chars].encode("utf-8"))], _SYNTAX_HINT) from None
    except (RecursionError, MemoryError):
        raise FormulaError("formula is nested too deeply for the parser", formula, None,
                           _DEPTH_HINT) from None
    except ValueError as exc:
        raise FormulaError(f"cannot parse the formula: {exc}", formula) from None


def excerpt(formula: str, position: int | None, width: int = 76) -> tuple[str, int | None]:
    """At most ``width`` characters of ``formula`` around ``position``, and the
    caret column in that excerpt."""
    text = "".join(ch if ch.isprintable() else " " for ch in formula)
    if len(text) <= width:
        return text, position
    start = max(0, min((position or 0) - width // 2, len(text) - width))
    prefix, suffix = "..." * (start > 0), "..." * (start + width < len(text))
    caret = None if position is None else position - start + len(prefix)
    return prefix + text[start:start + width] + suffix, caret


def _children(node: ast.AST) -> list[ast.AST]:
    """Operands of a whitelisted node, left to right."""
    if isinstance(node, ast.BinOp):
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Compare):
        return [node.left, *node.comparators]
    return list(node.args) if isinstance(node, ast.Call) else []


def _name_problem(name: str) -> str | None:
    """Why ``name`` cannot become a new variable (None if it can)."""
    if name.startswith("_"):
        return "names starting with '_' are reserved"
    if len(name) > 12:
        return "new variable names have at most 12 characters"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or hasattr(builtins, name):
        return f"'{name}' is a Python builtin or keyword"
    return None


def _binary(op: Callable, a: Any, b: Any) -> Any:
    """``op(a, b)``; for two plain Python numbers, refuse giant or complex results."""
    if type(a) in (int, float) and type(b) in (int, float):
        if op is operator.pow and type(a) is type(b) is int and b > 0 \
                and a.bit_length() * b > 1 << 16:
            a = float(a)  # raises OverflowError instead of building a giant int
        result = op(a, b)
        if isinstance(result, complex):
            raise ValueError("the result is a complex number")
        return result
    return op(a, b)


class _Parser:
    """Checks and evaluates one parsed formula; holds its name bindings."""

    def __init__(self, formula: str, source: str, where: list[int],
                 variables: dict[str, Any], namespace: Mapping[str, Callable] | None,
                 make_variable: Callable[[str], Any] | None, max_depth: int) -> None:
        self.formula, self.data, self.where = formula, source.encode("utf-8"), where
        self.variables, self.namespace = variables, namespace
        self.make_variable, self.max_depth = make_variable, max_depth
        self.function_names = list(DEFAULT_FUNCTIONS if namespace is None else namespace)
        self.env: dict[str, Any] = {}  # bare name -> value
        self.found: dict[str, Any] = {}  # variables, in order of first appearance
        self.calls: dict[str, Callable] = {}

    def pos(self, node_or_byte: ast.AST | int) -> int:
        """Formula column of a node or of a source byte offset."""
        byte = getattr(node_or_byte, "col_offset", node_or_byte)
        return self.where[min(max(byte, 0), len(self.where) - 1)]

    def text_at(self, start: int, stop: int, skip: bytes = b" ()") -> tuple[str, int]:
        """The text between two source byte offsets without ``skip`` around it,
        and its formula column (an operator, a '.', a '[' ...)."""
        gap = self.data[start:stop]
        text = gap.strip(skip)
        return text.decode("utf-8"), self.pos(start + len(gap) - len(gap.lstrip(skip)))

    def fail(self, message: str, at: ast.AST | int, hint: str | None = None) -> FormulaError:
        """A FormulaError at a node, or at a formula column given as an int."""
        column = at if isinstance(at, int) else self.pos(at)
        return FormulaError(message, self.formula, column, hint)

    def check(self, root: ast.AST) -> None:
        """Pre-order whitelist check with an explicit stack; binds names on the way."""
        stack = [(root, 1)]
        while stack:
            node, depth = stack.pop()
            children = self.check_node(node)
            if children and depth > self.max_depth:
                raise self.fail(f"formula is nested too deeply: more than {self.max_depth} "
                                "levels", node, _DEPTH_HINT)
            stack.extend((child, depth + 1) for child in reversed(children))

    def check_node(self, node: ast.AST) -> list[ast.AST]:
        """Validate one node; return its operands."""
        if isinstance(node, ast.Constant) and type(node.value) not in (int, float):
            what = _CONSTRUCTS.get(type(node.value), "this literal")
            raise self.fail(f"{what} is not allowed in a formula", node, _WHITELIST)
        if isinstance(node, ast.Name):
            self.resolve(node)
        elif isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Compare)):
            self.check_operator(node)
        elif isinstance(node, ast.Call):
            self.check_call(node)
        elif not isinstance(node, ast.Constant):
            raise self.unsupported(node)
        return _children(node)

    def unsupported(self, node: ast.AST) -> FormulaError:
        """Error naming a construct outside the whitelist, at its natural column."""
        what = _CONSTRUCTS.get(type(node), f"a {type(node).__name__} expression")
        at = node
        if isinstance(node, (ast.Attribute, ast.Subscript)):  # at the '.' or the '['
            at = self.text_at(node.value.end_col_offset, node.end_col_offset, b" )")[1]
        return self.fail(f"{what} is not allowed in a formula", at,
                         _HINTS.get(type(node), _WHITELIST))

    def check_operator(self, node: ast.BinOp | ast.UnaryOp | ast.Compare) -> None:
        """Only + - * / ** @, unary - +, and one comparison < <= > >=."""
        if isinstance(node, ast.Compare) and len(node.ops) > 1:
            at = self.text_at(node.comparators[0].end_col_offset, node.comparators[1].col_offset)
            raise self.fail("chained comparisons are not allowed", at[1],
                            "compare two values at a time, e.g. where(a < b, ...)")
        op = node.ops[0] if isinstance(node, ast.Compare) else node.op
        if type(op) in _OPS:
            return
        if isinstance(node, ast.UnaryOp):
            text, at = self.text_at(node.col_offset, node.operand.col_offset)
        else:
            right = node.right if isinstance(node, ast.BinOp) else node.comparators[0]
            text, at = self.text_at(node.left.end_col_offset, right.col_offset)
        raise self.fail(f"the operator '{text}' is not supported", at, _OPERATOR_HINT)

    def check_call(self, node: ast.Call) -> None:
        """A known function called by name with the right positional arguments."""
        func = node.func
        if not isinstance(func, ast.Name):
            if type(func) in _CONSTRUCTS:
                raise self.unsupported(func)
            at = self.text_at(func.end_col_offset, node.end_col_offset, b" )")[1]
            raise self.fail("only functions can be called, by name", at,
                            "to multiply, write '*' between the factors: (x+1)*(x-1)")
        if func.id not in self.function_names:
            raise self.unknown(func, call=True)
        if node.keywords and not self.axis_keyword(func.id, node):
            raise self.fail(f"keyword arguments are not allowed (in {func.id}(...))",
                            node.keywords[0], "pass the arguments by position: clip(x, 0, 1)")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise self.unsupported(arg)
        if func.id in DEFAULT_FUNCTIONS:
            self.check_arity(func.id, node)
        if func.id not in self.calls:
            self.calls[func.id] = self.lookup(func)
        if func.id in _PAIRWISE and len(node.args) == 2 and f"{func.id}/2" not in self.calls:
            self.calls[f"{func.id}/2"] = self.lookup(func, _PAIRWISE[func.id])

    def axis_keyword(self, name: str, node: ast.Call) -> bool:
        """``max(x, axis=1)``: the one keyword a formula may use, on a reduction with one operand."""
        arity = DEFAULT_FUNCTIONS.get(name, (None, 1))[1]
        return (isinstance(arity, tuple) and len(node.keywords) == 1 and node.keywords[0].arg == "axis"
                and len(node.args) == 1)

    def check_arity(self, name: str, node: ast.Call) -> None:
        """Argument count, and an integer axis for sum/mean/prod/max/min."""
        arity = DEFAULT_FUNCTIONS[name][1]
        low, high = (arity, arity) if isinstance(arity, int) else arity
        count = len(node.args) + len(node.keywords)
        if not low <= count <= high:
            usage = _USAGE.get(name) or (f"{name}(x)" if high == 1 else
                                         f"{name}(x) or {name}(x, axis)")
            expected = str(low) if low == high else f"{low} or {high}"
            raise self.fail(f"{name}() takes {expected} argument{'s' * (high > 1)}, "
                            f"got {count}", node, f"usage: {usage}")
        axis = node.keywords[0].value if node.keywords else (
            node.args[1] if isinstance(arity, tuple) and count == 2 and name not in _PAIRWISE else None)
        if isinstance(axis, ast.UnaryOp) and isinstance(axis.op, ast.USub):
            axis = axis.operand
        if axis is not None and not (isinstance(axis, ast.Constant) and type(axis.value) is int):
            other = (f"{name}(a, b) takes the {'larger' if name == 'max' else 'smaller'} of two values"
                     if name in _PAIRWISE else "to combine two values use a + b or a * b")
            raise self.fail(f"the axis of {name}() is a whole number such as 0 or -1", axis, other)

    def lookup(self, func: ast.Name, attr: str | None = None) -> Callable:
        """The callable for a function name (or ``attr``): from ``namespace`` or gradlab.tensor."""
        if self.namespace is not None:
            return self.namespace.get(attr or func.id) or self.namespace[func.id]
        import gradlab.tensor as gt
        attr = attr or DEFAULT_FUNCTIONS[func.id][0]
        if not hasattr(gt, attr):
            raise self.fail(f"function '{func.id}' is not available in gradlab.tensor", func)
        return getattr(gt, attr)

    def resolve(self, node: ast.Name) -> None:
        """Bind a bare name to a variable, a constant or a new variable."""
        name = node.id
        if name in self.env:
            return
        if name in self.variables:
            self.env[name] = self.found[name] = self.variables[name]
        elif name in CONSTANTS:
            self.env[name] = CONSTANTS[name]
        elif name in self.function_names:
            raise self.fail(f"'{name}' is a function: call it with arguments", node,
                            f"for example {name}(x)")
        elif self.make_variable is not None and _name_problem(name) is None:
            self.env[name] = self.found[name] = self.make_variable(name)
        else:
            raise self.unknown(node, call=False)

    def unknown(self, node: ast.Name, call: bool) -> FormulaError:
        """Error for an unknown name or function, saying what is known."""
        name = node.id
        if call and (name in self.variables or name in self.found or name in CONSTANTS):
            return self.fail(f"'{name}' is not a function", node,
                             f"to multiply, write {name}*(...)")
        more = ", ..." if len(self.function_names) > 30 else ""
        hint = f"known functions are {', '.join(self.function_names[:30])}{more}"
        known = list(self.function_names)
        if not call:
            hint += f"; variables are {', '.join(self.variables) or '(none)'}; constants are pi, e"
            known += [*self.variables, *CONSTANTS]
            problem = _name_problem(name)
            hint = f"{problem}; {hint}" if problem and self.make_variable else hint
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean '{close[0]}'? {hint}" if close else hint
        return self.fail(f"unknown {'function' if call else 'name'} '{name}'", node, hint)

    def evaluate(self, root: ast.AST) -> Any:
        """Post-order evaluation with an explicit stack of (node, operands done)."""
        values: list[Any] = []
        stack = [(root, False)]
        while stack:
            node, done = stack.pop()
            children = _children(node)
            if children and not done:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(children))
                continue
            args = values[len(values) - len(children):]
            del values[len(values) - len(children):]
            values.append(self.apply(node, args))
        return values[0]

    def apply(self, node: ast.AST, args: list[Any]) -> Any:
        """The value of one node from the values of its operands."""
        try:
            if isinstance(node, ast.Constant):
                return node.value
            if isinstance(node, ast.Name):
                return self.env[node.id]
            if isinstance(node, ast.UnaryOp):
                return _OPS[type(node.op)](args[0])
            if isinstance(node, (ast.BinOp, ast.Compare)):
                op = node.op if isinstance(node, ast.BinOp) else node.ops[0]
                return _binary(_OPS[type(op)], *args)
            if node.keywords:  # max(x, axis=1): the axis was checked to be a whole number
                return self.calls[node.func.id](*args, axis=ast.literal_eval(node.keywords[0].value))
            if node.func.id in _PAIRWISE and len(args) == 2:
                return self.calls[f"{node.func.id}/2"](*args)
            return self.calls[node.func.id](*args)
        except Exception as exc:
            text = self.formula[self.pos(node):self.pos(node.end_col_offset)]
            raise self.fail(f"cannot evaluate '{text}': {type(exc).__name__}: {exc}", node,
                            "check the types and shapes of the operands") from exc
