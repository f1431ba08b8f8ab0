"""Validating a lesson file against the schema, with the line of every problem.

Validation collects every problem it finds instead of stopping at the first, so
an author fixes a file in one pass. Beyond types, it checks the hint ladder the
way a student will climb it: at most :data:`~jittutor.lessons.model.MAX_HINTS`
rungs, none repeated, and no rung that marks static an argument the lesson's
code does not have. No jax, no textual here.
"""

from __future__ import annotations

import ast
import keyword
import re
from pathlib import Path
from typing import Any

from jittutor.engine.protocol import CaseSpec
from jittutor.lessons.fields import FieldReader, is_http_url, unknown_field
from jittutor.lessons.model import (
    CASE_FIELDS,
    CHECK_FIELDS,
    ID_PATTERN,
    MAX_HINTS,
    PREDICT_FIELDS,
    TOP_FIELDS,
    Checks,
    Lesson,
    Predict,
)
from jittutor.lessons.source import (
    INVALID,
    LessonError,
    LessonLoadError,
    describe,
    display_path,
    read_lesson_text,
)

# --- validation ------------------------------------------------------------------


class _Fields:
    """A lesson file's top-level values: ``required`` reports a missing one, ``optional`` defaults."""

    def __init__(self, p: FieldReader, data: dict[str, Any]) -> None:
        self.p, self.data = p, data
        for name in data:
            if name not in TOP_FIELDS:
                p.error(name, unknown_field(name, TOP_FIELDS))

    def required(self, name: str) -> Any:
        if name not in self.data:
            self.p.error(name, "missing required field")
            return INVALID
        if self.data[name] is None:
            self.p.error(name, "has no value")
            return INVALID
        return self.data[name]

    def optional(self, name: str) -> Any:
        return self.data.get(name)  # None: absent or empty, the default applies


def _validate_about(p: FieldReader, f: _Fields) -> dict[str, Any]:
    """id, title, order, docs, explanation, summary, tags."""
    lesson_id = p.string(f.required("id"), "id")
    if lesson_id is not INVALID and not ID_PATTERN.match(lesson_id):
        message = f"{lesson_id!r} is not a valid id: use lowercase letters, digits and '-', e.g. 'static-args'"
        p.error("id", message)
        lesson_id = INVALID
    docs = p.string(f.required("docs"), "docs")
    if docs is not INVALID and not is_http_url(docs.strip()):
        p.error("docs", f"expected an http(s) URL to the JAX docs section, got {docs!r}")
        docs = INVALID
    return {
        "id": lesson_id,
        "title": p.string(f.required("title"), "title"),
        "order": p.integer(f.required("order"), "order"),
        "docs": docs,
        "explanation": p.string(f.required("explanation"), "explanation"),
        "summary": "" if f.optional("summary") is None else p.string(f.data["summary"], "summary", nonempty=False),
        "tags": [] if f.optional("tags") is None else p.string_list(f.data["tags"], "tags"),
    }


def _validate_code(p: FieldReader, f: _Fields) -> dict[str, Any]:
    """entry, setup, starter, solution, starter_fails_with."""
    entry = p.string(f.required("entry"), "entry")
    if entry is not INVALID:
        entry = entry.strip()
        if not entry.isidentifier() or keyword.iskeyword(entry):
            p.error("entry", f"{entry!r} is not a Python name; give the name of a function, e.g. cond_func")
            entry = INVALID
    setup = "" if f.optional("setup") is None else p.string(f.data["setup"], "setup", nonempty=False)
    p.python(setup, "setup")
    starter = p.string(f.required("starter"), "starter")
    p.python(starter, "starter")
    solution = p.string(f.required("solution"), "solution")
    solution_code = p.python(solution, "solution")
    # A starter may leave the entry for the student to write ("missing-entry"); a solution may not.
    if solution_code is not INVALID and entry is not INVALID and entry not in solution_code.co_names:
        p.error("solution", f"never defines the entry {entry!r}")
    fails_with = p.kind(f.required("starter_fails_with"), "starter_fails_with")
    return {"entry": entry, "setup": setup, "starter": starter, "solution": solution, "starter_fails_with": fails_with}


def _validate(p: FieldReader, data: dict[str, Any], path: Path | None) -> Lesson | None:
    f = _Fields(p, data)
    about = _validate_about(p, f)
    code = _validate_code(p, f)
    cases = _validate_cases(p, f.required("cases"))
    hints = p.string_list(f.required("hints"), "hints", min_len=2)
    hints_by_kind = _validate_hints_by_kind(p, f.optional("hints_by_kind"))
    sources = [code["starter"], code["solution"], code["setup"]]
    _check_ladder(p, "hints", hints, sources)
    if isinstance(hints_by_kind, dict):
        for kind, rungs in hints_by_kind.items():
            _check_ladder(p, f"hints_by_kind.{kind}", rungs, sources)
    checks = _validate_checks(p, f.optional("checks"))
    predict = _validate_predict(p, f.optional("predict"))
    if p.errors:
        return None
    return Lesson(
        **{
            **about,
            "title": about["title"].strip(),
            "docs": about["docs"].strip(),
            "summary": about["summary"].strip(),
        },
        **code,
        cases=cases,
        hints=hints,
        hints_by_kind=hints_by_kind,
        checks=checks,
        predict=predict,
        path=path,
        lines=p.lines,
    )


_STATIC_NAMES = re.compile(r"static_argnames\s*=\s*[\(\[]?\s*(?P<q>[\"'])(?P<name>\w+)(?P=q)")


def _parameters(sources: list[Any]) -> set[str]:
    names: set[str] = set()
    for source in sources:
        if not isinstance(source, str):
            continue
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                args = node.args
                names.update(a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs])
    return names


def _check_ladder(p: FieldReader, path: str, rungs: Any, sources: list[Any]) -> None:
    """A ladder a student can climb: short, no rung twice, no static argument the code lacks."""
    if not isinstance(rungs, list):
        return
    if len(rungs) > MAX_HINTS:
        p.error(
            path, f"{len(rungs)} rungs; a ladder has at most {MAX_HINTS} (nudge, concept, the fix in words, in code)"
        )
    seen: set[str] = set()
    params = _parameters(sources)
    for n, rung in enumerate(rungs):
        if not isinstance(rung, str):
            continue
        if rung.strip() in seen:
            p.error(f"{path}[{n}]", "repeats an earlier rung; each rung should say something new")
        seen.add(rung.strip())
        for match in _STATIC_NAMES.finditer(rung):
            if params and match["name"] not in params:
                p.error(
                    f"{path}[{n}]",
                    f"marks {match['name']!r} static, but no function of this lesson has a parameter {match['name']!r}",
                )


def _validate_cases(p: FieldReader, value: Any) -> Any:
    if value is INVALID:
        return INVALID
    if not isinstance(value, list):
        p.error("cases", f"expected a list of cases, got {describe(value)}")
        return INVALID
    if not value:
        p.error("cases", 'needs at least one case, e.g. - args: "1.0"')
        return INVALID
    cases: list[CaseSpec] = []
    ok = True
    for i, raw in enumerate(value):
        path = f"cases[{i}]"
        case = p.mapping(raw, path, CASE_FIELDS)
        if case is INVALID:
            ok = False
            continue
        if "args" not in case:
            p.error(f"{path}.args", "missing required field", p.lines.get(path))
            ok = False
            continue
        args = p.string(case["args"], f"{path}.args", nonempty=False)
        p.python(args, f"{path}.args", "eval", "_({}\n)")
        expect = None
        if case.get("expect") is not None:
            expect = p.string(case["expect"], f"{path}.expect")
            p.python(expect, f"{path}.expect", "eval", "({}\n)")
        rtol = p.tolerance(case["rtol"], f"{path}.rtol") if case.get("rtol") is not None else None
        atol = p.tolerance(case["atol"], f"{path}.atol") if case.get("atol") is not None else None
        if INVALID in (args, expect, rtol, atol):
            ok = False
            continue
        cases.append(CaseSpec(args=args, expect=expect, rtol=rtol, atol=atol))
    return cases if ok else INVALID


def _validate_hints_by_kind(p: FieldReader, value: Any) -> Any:
    if value is None:
        return {}
    if value is INVALID:
        return INVALID
    if not isinstance(value, dict):
        p.error("hints_by_kind", f"expected a mapping of kind -> list of hints, got {describe(value)}")
        return INVALID
    result: dict[str, list[str]] = {}
    for name, hints in value.items():
        path = f"hints_by_kind.{name}"
        kind = p.kind(name, path)
        hints = p.string_list(hints, path, min_len=1)
        if kind is not INVALID and hints is not INVALID:
            result[kind] = hints
    return result


def _validate_checks(p: FieldReader, value: Any) -> Any:
    if value is None:
        return Checks()
    data = p.mapping(value, "checks", CHECK_FIELDS)
    if data is INVALID:
        return INVALID
    checks = Checks()
    if data.get("max_compiles") is not None:
        checks.max_compiles = p.integer(data["max_compiles"], "checks.max_compiles", minimum=1)
    if data.get("require_jit") is not None:
        checks.require_jit = p.boolean(data["require_jit"], "checks.require_jit")
    if data.get("forbid_tracer_print") is not None:
        checks.forbid_tracer_print = p.boolean(data["forbid_tracer_print"], "checks.forbid_tracer_print")
    if data.get("wrap_entry") is not None:
        checks.wrap_entry = p.boolean(data["wrap_entry"], "checks.wrap_entry")
    return checks


def _validate_predict(p: FieldReader, value: Any) -> Any:
    if value is None:
        return None
    data = p.mapping(value, "predict", PREDICT_FIELDS)
    if data is INVALID:
        return INVALID
    for name in ("question", "choices", "answer"):
        if data.get(name) is None:
            p.error(f"predict.{name}", "missing required field", p.lines.get("predict"))
    question = p.string(data["question"], "predict.question") if data.get("question") is not None else INVALID
    choices = (
        p.string_list(data["choices"], "predict.choices", min_len=2) if data.get("choices") is not None else INVALID
    )
    answer = p.integer(data["answer"], "predict.answer", minimum=0) if data.get("answer") is not None else INVALID
    if answer is not INVALID and choices is not INVALID and answer >= len(choices):
        p.error(
            "predict.answer", f"is {answer}, but there are only {len(choices)} choices (0-based: 0..{len(choices) - 1})"
        )
        answer = INVALID
    explanation = ""
    if data.get("explanation") is not None:
        explanation = p.string(data["explanation"], "predict.explanation", nonempty=False)
    if INVALID in (question, choices, answer, explanation):
        return INVALID
    return Predict(question=question, choices=choices, answer=answer, explanation=explanation)


# --- public entry points -----------------------------------------------------------


def parse_lesson(text: str, path: str | Path = "<string>") -> Lesson:
    """Parse and validate the YAML ``text`` of one lesson.

    ``path`` names the source in messages (and becomes :attr:`Lesson.path`
    unless it is ``"<string>"``). Raises :class:`LessonLoadError` listing every
    problem found, each with its line where there is one.
    """
    shown = display_path(path)
    lesson_path = None if str(path) == "<string>" else Path(path)
    p = FieldReader(shown)
    data = p.read(text)
    lesson = _validate(p, data, lesson_path) if data is not INVALID else None
    if lesson is None:
        raise LessonLoadError(sorted(p.errors, key=lambda e: e.line or 0))
    return lesson


def load_lesson(path: Path) -> Lesson:
    """Read and validate one lesson file; raises :class:`LessonLoadError`."""
    path = Path(path)
    return parse_lesson(read_lesson_text(path, display_path(path)), path)


def validate_lesson_file(path: Path) -> list[LessonError]:
    """Every problem in one lesson file; an empty list when it is valid."""
    try:
        load_lesson(path)
    except LessonLoadError as exc:
        return exc.errors
    return []
