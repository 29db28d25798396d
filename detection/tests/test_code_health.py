"""The detection app stays readable (issue 15): short functions, modules of a readable size, and
the rule table split by theme with every rule in one of the theme modules."""

import ast
from pathlib import Path

from detection import rules
from detection.rules import catalogue

APP = Path(__file__).resolve().parents[1]
MAX_FUNCTION_LINES = 60
MAX_MODULE_LINES = 800
MAX_RULE_MODULE_LINES = 400


def _sources() -> list[Path]:
    return [
        path
        for path in sorted(APP.rglob("*.py"))
        if not {"tests", "migrations"} & set(path.relative_to(APP).parts)
    ]


def test_no_function_of_the_app_is_longer_than_sixty_lines():
    long = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(APP)}:{node.lineno} {node.name} ({lines})")
    assert long == []


def test_modules_stay_under_their_size():
    big = []
    for path in _sources():
        limit = MAX_RULE_MODULE_LINES if path.parent.name == "rules" else MAX_MODULE_LINES
        count = len(path.read_text(encoding="utf-8").splitlines())
        if count > limit:
            big.append(f"{path.relative_to(APP)} ({count} > {limit})")
    assert big == []


def test_every_rule_comes_from_a_theme_module_once():
    themes = [
        getattr(catalogue, name).RULES
        for name in ("secrets", "threats", "apps", "jobs", "money", "family", "telecom")
        + ("illegal", "ordinary")
    ]
    codes = [rule.code for theme in themes for rule in theme]
    assert codes == [rule.code for rule in rules.RULES]
    assert len(set(codes)) == len(codes) == len(rules.RULES_BY_CODE)
    # A combination only needs codes that exist (a typo would silently never fire).
    for rule in rules.RULES:
        assert set(rule.needs) | set(rule.unless) <= set(rules.RULES_BY_CODE), rule.code
