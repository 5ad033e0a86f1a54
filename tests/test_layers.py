"""Imports between our apps run one way (docs/architecture.md): a lower app never imports a
higher one, and no app imports the project package, which composes them."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
# What each app may import of ours. imh_toolkit, the composition root, may import anything.
ALLOWED = {
    "accounts": set(),
    "checklists": set(),
    "partnerships": {"accounts"},
    "assessments": {"accounts", "checklists", "partnerships"},
    "reports": {"accounts", "checklists", "partnerships", "assessments"},
}
OURS = {*ALLOWED, "imh_toolkit"}


def wrong_way_imports(app: str, root: Path = ROOT) -> list[str]:
    """Every import in the app's Python files of one of our packages it may not import."""
    found = []
    for path in sorted((root / app).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in OURS and top != app and top not in ALLOWED[app]:
                    found.append(f"{path.relative_to(root)}:{node.lineno} imports {module}")
    return found


@pytest.mark.parametrize("app", sorted(ALLOWED))
def test_the_app_imports_only_the_apps_below_it(app: str) -> None:
    assert wrong_way_imports(app) == []


def test_an_import_the_wrong_way_is_found(tmp_path: Path) -> None:
    (tmp_path / "checklists").mkdir()
    (tmp_path / "checklists" / "models.py").write_text(
        "from partnerships.models import Team\nimport imh_toolkit.logs\nfrom . import text\n"
    )
    assert wrong_way_imports("checklists", tmp_path) == [
        "checklists/models.py:1 imports partnerships.models",
        "checklists/models.py:2 imports imh_toolkit.logs",
    ]


def test_every_app_of_ours_is_in_the_rules() -> None:
    ours = {app.split(".")[0] for app in settings.INSTALLED_APPS if (ROOT / app).is_dir()}
    assert ours == set(ALLOWED)
