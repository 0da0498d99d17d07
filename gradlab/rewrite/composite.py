"""Composite: a chain of elementwise operations run as one node.

A :class:`Composite` is a scalar op whose body is a small *program*: one
instruction per fused node (the table's scalar op, its arguments — fused
inputs, earlier results or literal constants — its dtype, and whether it has
the full output shape).  :class:`FusedElemwise` is the Elemwise that runs it.

Running never evaluates Python per element: each instruction is one
whole-array numpy call.  Full-shape results go into buffers allocated once
per call (``np.empty`` of the broadcast shape) and written with ``out=``; a
buffer is reused as soon as the value it holds is dead, so
``exp(-abs(x)) / sqr(1 + exp(-abs(x)))`` needs two buffers for six calls.
``generate`` inlines exactly that code into the compiled function;
``perform`` runs the same code compiled once into a standalone function.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from gradlab.bounded_text import clip, flatten
from gradlab.graph.basic import Apply
from gradlab.graph.op import literal_source
from gradlab.tensor.elemwise import Elemwise, broadcast_checks, check_broadcast
from gradlab.tensor.scalar_ops import ScalarOp

#: a fused expression up to this long is written out in full; a longer one names its reused pieces
INLINE_CHARS = 240
#: the longest ``repr`` of a Composite (dprint lines, error messages)
REPR_CHARS = 1000


class _Binder:
    """Stand-in for the linker's context when compiling ``perform``'s function."""

    def __init__(self) -> None:
        self.globals: dict = {"np": np}
        self._n = 0

    def bind(self, obj: Any, hint: str = "g") -> str:
        for name, value in self.globals.items():
            if value is obj:
                return name
        self._n += 1
        name = f"_{hint}_{self._n}"
        self.globals[name] = obj
        return name

    def fresh(self, hint: str) -> str:
        self._n += 1
        return f"{hint}_{self._n}"


def broadcast_shapes(*shapes: tuple) -> tuple:
    """``np.broadcast_shapes``, answered in a few tuple comparisons when every
    shape is either ``()`` or one common shape (numpy's takes ~20 µs a call)."""
    result = shapes[0]
    for shape in shapes:
        if shape != result and shape:
            if result:
                return np.broadcast_shapes(*shapes)
            result = shape
    return result


def _literal_key(value: Any) -> tuple:
    if isinstance(value, np.ndarray):
        return ("s", value.dtype.str, value.tobytes())
    return ("w", type(value).__name__, repr(value))


class Composite(ScalarOp):
    """A fused elementwise expression (see the module doc).

    ``program`` is a tuple of ``(scalar_op, args, dtype, full)``; an arg is
    ``("i", k)`` (input k), ``("t", j)`` (result of instruction j) or
    ``("k", n)`` (literal n).  ``literals`` holds Python numbers (weak
    constants) and 0-d numpy arrays (typed constants).  The last instruction
    is the result.
    """

    def __init__(self, nin: int, program: Sequence[tuple], literals: Sequence[Any], out_dtype: str,
                 input_names: Optional[Sequence[str]] = None):
        self.program = tuple(program)
        self.literals = tuple(literals)
        self.input_names = tuple(input_names or (f"i{k}" for k in range(nin)))
        signature = (nin, tuple((op, args, dtype, full) for op, args, dtype, full in self.program),
                     tuple(_literal_key(v) for v in self.literals), out_dtype)
        self._runs: dict = {}
        super().__init__("composite", nin, self._call, kind="composite", differentiable=False,
                         out_dtype=out_dtype, params=signature,
                         doc="a fused chain of elementwise operations")

    def __reduce__(self) -> tuple:
        return (Composite, (self.nin, self.program, self.literals, self.out_dtype, self.input_names))

    # -- reading ------------------------------------------------------------
    def inner_pieces(self, inputs: Sequence[Any], named: Sequence[int] = (), names: Sequence[str] = ()) -> list:
        """The expression as a piece tree (see :mod:`gradlab.bounded_text`): strings,
        nested lists and the given ``inputs``.  A result read twice is one list
        referenced twice, so the tree is linear in the program however often
        pieces are reused; results listed in ``named`` read as ``names`` instead."""
        return self._trees(inputs, dict(zip(named, names)))[-1]

    def _trees(self, inputs: Sequence[Any], names: dict) -> list:
        trees: list = []
        for op, args, _, _ in self.program:
            parts = []
            for kind, n in args:
                if kind == "i":
                    parts.append([inputs[n]])
                elif kind == "t":
                    parts.append([names[n]] if n in names else trees[n])
                else:
                    parts.append([_literal_text(self.literals[n])])
            trees.append(_format(op, parts))
        return trees

    def inner_expression(self, input_names: Optional[Sequence[str]] = None,
                         max_chars: Optional[int] = None) -> str:
        """The fused expression as text, e.g. ``(exp((-x)) * 2.0)``, at most ``max_chars`` long.

        Up to :data:`INLINE_CHARS` characters it is written out in full.  A
        longer one names each result read more than once and gives the names
        after ``where`` (``(sin(t2) + t2) where t2 = …; t1 = …``), so the text is
        linear in the program; the budget is applied while building.
        """
        names = list(input_names) if input_names is not None else list(self.input_names)
        text, complete = flatten(self._trees(names, {})[-1], INLINE_CHARS)
        if complete:
            return clip(text, max_chars)
        uses = [0] * len(self.program)
        for _, args, _, _ in self.program:
            for kind, n in args:
                if kind == "t":
                    uses[n] += 1
        shared = [j for j, k in enumerate(uses) if k > 1]
        taken = set(names)
        prefix = "t"
        while any(f"{prefix}{k + 1}" in taken for k in range(len(shared))):
            prefix = "_" + prefix
        labels = {j: f"{prefix}{k + 1}" for k, j in enumerate(shared)}
        trees = self._trees(names, labels)
        pieces: list = [trees[-1]]
        for k, j in enumerate(reversed(shared)):
            pieces += [" where " if k == 0 else "; ", labels[j], " = ", trees[j]]
        return flatten(pieces, max_chars)[0]

    def __repr__(self) -> str:
        return self.bounded_str(REPR_CHARS)

    def bounded_str(self, max_chars: int) -> str:
        """``Composite{…}`` at most ``max_chars`` long (built under that budget)."""
        inner = self.inner_expression(max_chars=max(1, max_chars - len("Composite{}")))
        return f"Composite{{{inner}}}"

    # -- running --------------------------------------------------------------
    def source(self, in_names: Sequence[str], out_name: str, ctx: Any, ndim: int,
               reusable: Sequence[int] = ()) -> list:
        """Lines computing ``out_name`` from the arrays named ``in_names``.

        ``reusable`` lists inputs whose buffers (fresh, full-shape, of the
        output's dtype, read by nobody else) may be written once their last
        read is done.
        """
        n = len(self.program)
        last_use = [-1] * n
        input_last_use: dict = {}
        for pos, (_, args, _, _) in enumerate(self.program):
            for kind, j in args:
                if kind == "t":
                    last_use[j] = pos
                elif kind == "i" and j in reusable:
                    input_last_use[j] = pos
        last_use[-1] = n
        lines: list = []
        use_buffers = ndim > 0
        shape_name = shape_line = None
        if use_buffers:
            shape_name = ctx.fresh("_shape")
            shapes = ", ".join(f"{name}.shape" for name in in_names)
            shape_line = (f"{shape_name} = {ctx.bind(broadcast_shapes, 'broadcast_shapes')}({shapes})"
                          if len(in_names) > 1 else f"{shape_name} = {in_names[0]}.shape")
        free: dict = {}            # dtype -> [buffer names]
        holder: list = [None] * n  # buffer holding result j (None: not a buffer)
        names: list = [None] * n
        for pos, (op, args, dtype, full) in enumerate(self.program):
            arg_names = []
            for kind, j in args:
                if kind == "i":
                    arg_names.append(in_names[j])
                elif kind == "t":
                    arg_names.append(names[j])
                else:
                    arg_names.append(literal_source(self.literals[j], ctx))
            # buffers whose value dies here may be written by this very call
            for kind, j in args:
                if kind == "t" and last_use[j] == pos and holder[j] is not None:
                    free.setdefault(self.program[j][2], []).append(holder[j])
                    holder[j] = None
                elif kind == "i" and use_buffers and input_last_use.get(j) == pos:
                    free.setdefault(self.out_dtype, []).append(in_names[j])
                    del input_last_use[j]
            ufunc = _ufunc(op, dtype)
            if use_buffers and full and (ufunc is not None or op.name == "second"):
                pool = free.get(dtype)
                if pool:
                    buf = pool.pop()
                else:
                    buf = ctx.fresh("_buf")
                    if shape_line is not None:  # the shape is computed once, before the first buffer
                        lines.append(shape_line)
                        shape_line = None
                    lines.append(f"{buf} = np.empty({shape_name}, {dtype!r})")
                if op.name == "second":
                    lines.append(f"np.copyto({buf}, {arg_names[1]}, casting='unsafe')")
                else:
                    fn = ctx.bind(ufunc, op.name)
                    lines.append(f"{fn}({', '.join(arg_names)}, out={buf})")
                holder[pos] = buf
                names[pos] = buf
            else:
                fn = ctx.bind(op.impl, op.name)
                name = ctx.fresh("_t")
                lines.append(f"{name} = {fn}({', '.join(arg_names)})")
                names[pos] = name
        result = names[-1]
        if holder[-1] is None:
            lines.append(f"{out_name} = np.asarray({result}, dtype={self.out_dtype!r})")
        else:
            lines.append(f"{out_name} = {result}")
        return lines

    def _call(self, *arrays: Any) -> Any:
        """Run the program on arrays (``perform``), through a function compiled once."""
        with_buffers = max((np.ndim(a) for a in arrays), default=0) > 0
        run = self._runs.get(with_buffers)
        if run is None:
            binder = _Binder()
            ins = [f"a{k}" for k in range(self.nin)]
            body = self.source(ins, "result", binder, 1 if with_buffers else 0)
            src = (f"def run({', '.join(ins)}):\n" + "\n".join("    " + line for line in body)
                   + "\n    return result\n")
            namespace = dict(binder.globals)
            exec(compile(src, "<gradlab-composite>", "exec"), namespace)  # noqa: S102 - our own code
            run = self._runs[with_buffers] = namespace["run"]
        return run(*arrays)


def _ufunc(op: ScalarOp, dtype: str) -> Optional[np.ufunc]:
    """The table's ufunc column, computing ``op`` into a buffer of ``dtype`` (None: call its
    implementation).  A ufunc that stands for a non-ufunc implementation (``np.rint`` for
    ``round``) is used on floats only: on integers it would make floats, and rounding an
    integer leaves it as it is (``np.round``)."""
    if op.ufunc is not None and op.ufunc is not op.impl and np.dtype(dtype).kind not in "fc":
        return None
    return op.ufunc


def _literal_text(value: Any) -> str:
    if isinstance(value, np.ndarray):
        v = value.item()
    else:
        v = value
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e16:
        return f"{v:.1f}"
    return repr(v)


_FUNCTION_NAMES = {"second": "fill"}


def _format(op: ScalarOp, parts: list) -> list:
    """The piece tree of ``op`` applied to argument trees (infix where the table
    has a symbol); the argument trees are referenced, never copied."""
    if op.symbol is not None and op.nin == 2:
        return ["(", parts[0], f" {op.symbol} ", parts[1], ")"]
    if op.symbol is not None and op.nin == 1:
        return ["(", op.symbol, parts[0], ")"]
    name = _FUNCTION_NAMES.get(op.name, op.name)
    if op.kind == "cast":
        name = f"cast{{{getattr(op, 'dtype', '')}}}"
    out: list = [f"{name}("]
    for i, p in enumerate(parts):
        if i:
            out.append(", ")
        out.append(p)
    out.append(")")
    return out


class FusedElemwise(Elemwise):
    """The Elemwise that runs a :class:`Composite` (made by the fusion rule only)."""

    def __str__(self) -> str:
        return repr(self.scalar_op)

    def bounded_str(self, max_chars: int) -> str:
        """``Composite{…}`` at most ``max_chars`` long (see :func:`gradlab.bounded_text.op_text`)."""
        return self.scalar_op.bounded_str(max_chars)

    def generate(self, node: Apply, inputs: Sequence[str], outputs: Sequence[str], ctx: Any) -> Optional[str]:
        lines = self.scalar_op.source(list(inputs), outputs[0], ctx, node.outputs[0].ndim)
        return "\n".join(broadcast_checks(node, inputs, ctx) + lines)

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        check_broadcast(node, inputs)
        out = self.scalar_op.impl(*inputs)
        output_storage[0][0] = np.asarray(out, dtype=node.outputs[0].dtype)

    def L_op(self, inputs, outputs, output_grads):  # noqa: D401
        raise NotImplementedError("a fused Composite is made by rewriting after differentiation; "
                                  "differentiate the graph before compiling it")

    def R_op(self, inputs, eval_points):
        raise NotImplementedError("a fused Composite has no R_op; apply Rop before compiling")
