"""nbgrader, for real: ``gradlab assignments build`` writes the student release of
assignments/source/gradients into a temporary course directory with its own sqlite
gradebook; a correct and a wrong submission are autograded by nbgrader, and the scores
and the feedback a student reads are checked.  Then the bad inputs: each one line, a
non-zero status, and the course directory left as it was."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from gradlab import cli
from gradlab.classroom import assignments, course
from gradlab.classroom.assignments import nbgrader_command, nbgrader_env

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "assignments" / "source" / "gradients" / "gradients.ipynb"

pytest.importorskip("nbgrader", reason="nbgrader is not installed (pip install -e '.[classroom]')")


def make_course(tmp_path: Path) -> Path:
    course_dir = tmp_path / "course"
    shutil.copytree(ROOT / "assignments" / "source", course_dir / "source")
    return course_dir


def tree(folder: Path) -> dict:
    """Every file under ``folder`` with its bytes (to compare before and after)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def answer_cells(nb: dict) -> dict:
    return {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
            if c["metadata"].get("nbgrader", {}).get("solution")}


def submit(course_dir: Path, student: str, answers: dict) -> None:
    """Fill the released notebook's answer cells with ``answers`` and hand it in."""
    nb = json.loads((course_dir / "release" / "gradients" / "gradients.ipynb").read_text(encoding="utf-8"))
    cells = answer_cells(nb)
    for grade_id, source in answers.items():
        cells[grade_id]["source"] = source
    folder = course_dir / "submitted" / student / "gradients"
    folder.mkdir(parents=True)
    (folder / "gradients.ipynb").write_text(json.dumps(nb), encoding="utf-8")


def nbgrader(course_dir: Path, *args: str) -> subprocess.CompletedProcess:
    run = subprocess.run(nbgrader_command(course_dir, *args), cwd=course_dir, env=nbgrader_env(),
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    return run


RIGHT = {
    "q1_answer": 'def dcost_dw(w, x, y):\n    return 2 * x * (w * x - y)\n',
    "q2_answer": 'cost = ((gt.dot(X, w) - y) ** 2).sum() + lam * (w ** 2).sum()\ng = gt.grad(cost, w)\n',
    "q3_answer": ("class Cube(Op):\n    __props__ = ()\n\n    def make_node(self, x):\n"
                  "        x = gt.as_tensor_variable(x)\n        return Apply(self, [x], [x.type()])\n\n"
                  "    def perform(self, node, inputs, output_storage):\n"
                  "        output_storage[0][0] = inputs[0] ** 3\n\n"
                  "    def grad(self, inputs, output_grads):\n"
                  "        return [3 * inputs[0] ** 2 * output_grads[0]]\n\n\ncube = Cube()\n"),
}
# A missing term (the ridge penalty left out of the cost) and a wrong gradient
# (Cube.grad ignores the incoming gradient g): right only where g happens to be 1.
WRONG = {
    "q1_answer": RIGHT["q1_answer"],
    "q2_answer": 'cost = gt.sum((gt.dot(X, w) - y) ** 2)\ng = gt.grad(cost, w)\n',
    "q3_answer": RIGHT["q3_answer"].replace("[3 * inputs[0] ** 2 * output_grads[0]]", "[3 * inputs[0] ** 2]"),
}


def test_release_submit_autograde_scores_and_feedback(tmp_path, capsys):
    course_dir = make_course(tmp_path)
    assert cli.main(["assignments", "build", "--course", str(course_dir)]) == 0
    out = capsys.readouterr().out
    assert f"released {course_dir / 'release' / 'gradients'}" in out
    assert (course_dir / "gradebook.db").is_file()
    assert not list(course_dir.glob(".gradlab-build-*")), "the scratch copy is removed"

    # The student version: solutions and hidden tests gone, visible tests kept.
    released = (course_dir / "release" / "gradients" / "gradients.ipynb").read_text(encoding="utf-8")
    assert "BEGIN SOLUTION" not in released and "2 * (w * x - y) * x" not in released
    assert "raise NotImplementedError()" in released
    assert "BEGIN HIDDEN TESTS" not in released and "w_ = np.array([-1.5" not in released
    assert "dcost_dw(1, 3, 2)" in released

    submit(course_dir, "ada", RIGHT)
    submit(course_dir, "bob", WRONG)
    nbgrader(course_dir, "autograde", "gradients")
    nbgrader(course_dir, "generate_feedback", "gradients")

    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course_dir / 'gradebook.db'}") as gb:
        scores = {student: {g.name: g.score for g in gb.find_submission_notebook("gradients", "gradients",
                                                                                  student).grades}
                  for student in ("ada", "bob")}
        totals = {student: gb.find_submission("gradients", student).score for student in ("ada", "bob")}
        assert gb.find_assignment("gradients").max_score == 10
    assert totals == {"ada": 10, "bob": 5}
    assert scores["bob"] == {"q1_visible": 1, "q1_hidden": 2, "q2_visible": 0, "q2_hidden": 0,
                             "q3_visible": 0, "q3_hidden": 2}

    # What bob reads: the failed checks, in words.
    feedback = (course_dir / "feedback" / "bob" / "gradients" / "gradients.html").read_text(encoding="utf-8")
    assert "cost leaves out the penalty term: add lam * sum(w**2) to the squared error." in feedback
    assert "g misses the penalty&#39;s gradient 2*lam*w" in feedback or "g misses the penalty's gradient" in feedback
    assert "Cube.grad ignores output_grads: multiply by g" in feedback
    ada = (course_dir / "feedback" / "ada" / "gradients" / "gradients.html").read_text(encoding="utf-8")
    assert "✗" not in ada and "✓ the gradient of sum(cube(x) * a) is right" in ada


def test_the_source_notebook_marks_points_visible_and_hidden_tests():
    nb = course.load_notebook(SOURCE)
    graded = {c["metadata"]["nbgrader"]["grade_id"]: c for c in nb["cells"]
              if c["metadata"].get("nbgrader", {}).get("grade")}
    assert sum(c["metadata"]["nbgrader"]["points"] for c in graded.values()) == 10
    hidden = [g for g, c in graded.items() if "BEGIN HIDDEN TESTS" in course.cell_source(c)]
    assert hidden == ["q1_hidden", "q2_hidden", "q3_hidden"]
    for cell in graded.values():
        assert "require(" in course.cell_source(cell), "every test reports through gradlab's checkers"
    assert all("### BEGIN SOLUTION" in course.cell_source(c) for c in answer_cells(nb).values())


# ---------------------------------------------------------------- bad input

def assert_fails_cleanly(argv, course_dir, capsys, fragment, status=2):
    before = tree(course_dir)
    assert cli.main(argv) == status
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gradlab: error: "), err
    assert fragment in err[0], err[0]
    assert tree(course_dir) == before, "nothing was written into the course directory"
    assert not list(course_dir.glob(".gradlab-build-*"))


def test_an_assignment_with_no_graded_cell(tmp_path, capsys):
    course_dir = make_course(tmp_path)
    path = course_dir / "source" / "gradients" / "gradients.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        cell["metadata"].get("nbgrader", {})["grade"] = False
    path.write_text(json.dumps(nb), encoding="utf-8")
    assert_fails_cleanly(["assignments", "build", "--course", str(course_dir)], course_dir, capsys,
                         "has no graded cell")


def test_a_notebook_that_is_not_json(tmp_path, capsys):
    course_dir = make_course(tmp_path)
    path = course_dir / "source" / "gradients" / "gradients.ipynb"
    path.write_text(path.read_text(encoding="utf-8")[:500], encoding="utf-8")
    assert_fails_cleanly(["assignments", "build", "--course", str(course_dir)], course_dir, capsys,
                         "is not a notebook: invalid JSON at line")


def test_an_assignment_that_does_not_exist(tmp_path, capsys):
    course_dir = make_course(tmp_path)
    assert_fails_cleanly(["assignments", "build", "nope", "--course", str(course_dir)], course_dir, capsys,
                         "no assignment 'nope'")


def test_missing_nbgrader(tmp_path, capsys, monkeypatch):
    course_dir = make_course(tmp_path)
    real = course.tool_missing
    monkeypatch.setattr(assignments, "tool_missing",
                        lambda module, what: real("gradlab_no_such_module", what) if module == "nbgrader"
                        else real(module, what))
    assert_fails_cleanly(["assignments", "build", "--course", str(course_dir)], course_dir, capsys,
                         "nbgrader is not installed", status=1)


def test_a_failing_nbgrader_run_changes_nothing(tmp_path, capsys, monkeypatch):
    """nbgrader itself fails (here: told to use a gradebook it cannot open): the earlier
    release and gradebook stay as they were."""
    course_dir = make_course(tmp_path)
    (course_dir / "release" / "gradients").mkdir(parents=True)
    (course_dir / "release" / "gradients" / "gradients.ipynb").write_text("the previous release")
    (course_dir / "gradebook.db").write_text("not a database")
    assert_fails_cleanly(["assignments", "build", "--course", str(course_dir)], course_dir, capsys,
                         "nbgrader generate_assignment gradients failed, nothing was changed", status=1)
