"""``gradlab.codegen``: turning a graph into Python source, shared by ``compile`` and ``scan``.

The low layer both compiled functions and compiled loops build on: the
linker (:mod:`.linker`: the code-generation context, the body of one
function in topological order, compiling the source) and the errors a
compiled call raises (:mod:`.errors`).  It imports only ``graph`` and
``bounded_text``.
"""
