"""pp and dprint: infix text and trees with stable ids."""
import io

import pytest

import gradlab
import gradlab.tensor as gt
from gradlab import dprint, pp


def test_pp_infix_with_names_and_constants():
    x, y = gt.dscalar("x"), gt.dscalar("y")
    assert pp(x ** 2) == "(x ** 2)"
    assert pp(gt.second(x ** 2, 1.0) * 2 * x ** (gt.constant(2) - 1)) == "((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))"
    assert pp(-x) == "(-x)"
    assert pp(gt.exp(x + y)) == "exp((x + y))"
    named = (x * y)
    named.name = "xy"
    assert pp(named + 1) == "(xy + 1)"
    assert pp(named) == "(x * y)"       # the top variable shows its expression


def test_pp_of_the_seed_gradient_before_and_after_rewriting():
    x = gt.dscalar("x")
    gy = gt.grad(x ** 2, x)
    assert pp(gy) == "((fill((x ** 2), 1.0) * 2) * (x ** (2 - 1)))"
    f = gradlab.function([x], gy)
    assert pp(f.maker.fgraph.outputs[0]) == "(2.0 * x)"
    assert len(f.maker.fgraph.apply_nodes) == 1


def test_dprint_ids_are_stable_and_shared_nodes_print_once():
    x = gt.dscalar("x")
    a = x * 2
    out = a + a
    text = dprint(out, file="str")
    assert text == (
        "add [id A]\n"
        " ├─ mul [id B]\n"
        " │   ├─ x\n"
        " │   └─ 2\n"
        " └─ mul [id B] ···\n")
    assert dprint(out, file="str") == text


def test_dprint_types_depth_and_files():
    x = gt.dvector("x")
    out = gt.exp(x).sum() if hasattr(gt, "sum") else gt.exp(x)
    text = dprint(out, file="str", print_type=True)
    assert "<Tensor(float64, shape=(?,))>" in text
    shallow = dprint(gt.exp(gt.exp(x)), file="str", depth=1)
    assert shallow.strip() == "exp [id A]"
    buf = io.StringIO()
    assert dprint(gt.exp(x), file=buf) is None
    assert buf.getvalue().startswith("exp [id A]")


def test_dprint_of_a_compiled_function_shows_the_rewritten_graph():
    x = gt.dscalar("x")
    f = gradlab.function([x], gt.grad(x ** 2, x))
    assert dprint(f, file="str").startswith("mul [id A]")


def test_dprint_print_shape_and_depth_minus_one():
    x = gt.dmatrix("x")
    y = gt.specify_shape(x, (None, 3))
    text = dprint(gt.sum(y, axis=0), file="str", print_shape=True)
    assert text.splitlines()[0].endswith("shape=(3,)")
    assert "x shape=(?, ?)" in text and "shape=(?, 3)" in text
    assert dprint(gt.exp(x), file="str", depth=-1) == dprint(gt.exp(x), file="str")
    both = dprint(gt.exp(x), file="str", print_type=True, print_shape=True)
    assert both.splitlines()[0] == "exp [id A] <Tensor(float64, shape=(?, ?))> shape=(?, ?)"


def test_dprint_inner_graphs_optional_and_an_identical_one_named_once():
    x = gt.dvector("x")
    first, _ = gradlab.scan(lambda a, acc: acc + a, sequences=x, outputs_info=gt.constant(0.0))
    second, _ = gradlab.scan(lambda a, acc: acc + a, sequences=x, outputs_info=gt.constant(0.0))
    other, _ = gradlab.scan(lambda a, acc: acc * a, sequences=x, outputs_info=gt.constant(1.0))
    text = dprint([first, second, other], file="str")
    assert text.count("Inner graph of Scan") == 3
    assert "Inner graph of Scan [id D]: the same as the inner graph of Scan [id A]" in text
    assert text.count("add [id") == 1 and text.count("mul [id") == 1
    without = dprint([first, second], file="str", print_inner_graphs=False)
    assert "Inner graph" not in without and without.startswith("Scan [id A]")
    with pytest.raises(ValueError, match="print_inner_graphs"):
        dprint(first, file="str", print_inner_graphs="sometimes")
