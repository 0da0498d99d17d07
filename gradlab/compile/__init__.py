"""Compilation: ``function``, shared variables, modes, and the linker."""
from gradlab.codegen.errors import InputError, NodeError, UnusedInputError  # noqa: F401
from gradlab.compile.function_module import Function, FunctionMaker, In, MissingInputError, Out, function  # noqa: F401
from gradlab.compile.modes import MODE_SETS, Mode, get_mode  # noqa: F401
from gradlab.tensor.shared import SharedVariable, shared  # noqa: F401
