"""The shape of the tree (issue #13), read from the source: imports go only down the layers, handlers are
small module-level functions, and nothing builds a router, a bot or a dispatcher at import time."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from pathlib import Path

from aiogram import Router

from handlers import create_routers

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "storage", "webapp")
# the first prefix that matches names a module's layer; a higher rank may import a lower one, not the reverse
LAYERS = (
    ("bot.core", "foundation", 0),
    ("bot.plusofon", "infrastructure", 1),
    ("bot.telegram", "infrastructure", 1),
    ("storage", "infrastructure", 1),
    ("bot.services", "services", 2),
    ("handlers", "presentation", 3),
    ("webapp", "presentation", 3),
    ("bot", "shell", 4),
)
INFRASTRUCTURE = ("bot.plusofon", "bot.telegram", "storage")
MAX_HANDLER_PARAMETERS = 5


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}
TREES = {name: ast.parse(path.read_text(encoding="utf-8"), str(path)) for name, path in MODULES.items()}


def at(name: str, line: int) -> str:
    return f"{MODULES[name].relative_to(ROOT)}:{line}: {name}"


def under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def layer(name: str) -> tuple[str, int]:
    return next((layer_name, rank) for prefix, layer_name, rank in LAYERS if under(name, prefix))


def infrastructure_package(name: str) -> str | None:
    return next((prefix for prefix in INFRASTRUCTURE if under(name, prefix)), None)


def imports(name: str) -> Iterator[tuple[int, str]]:
    """(line, module) for every import of the project's own modules, wherever it stands in the module (in a
    function, under `if TYPE_CHECKING:`); `from package import module` names the module."""
    package = name if MODULES[name].name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(TREES[name]):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against this module's package
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                       for alias in node.names]
        else:
            continue
        for target in targets:
            if target.partition(".")[0] in PACKAGES:
                yield node.lineno, target


def test_the_tree_is_read():
    some = {"bot.app", "bot.core.settings", "bot.services.mirror.service", "handlers.texts", "storage.chats"}
    assert some <= set(MODULES)
    assert any(imports("bot.dispatcher"))


def test_imports_go_only_down_the_layers():
    wrong = []
    for name in MODULES:
        own, rank = layer(name)
        for line, target in imports(name):
            theirs, their_rank = layer(target)
            if their_rank > rank:
                wrong.append(f"{at(name, line)} ({own}) imports {target} ({theirs})")
    assert not wrong, "\n".join(wrong)


def test_infrastructure_packages_do_not_import_one_another():
    wrong = []
    for name in MODULES:
        own = infrastructure_package(name)
        for line, target in imports(name):
            theirs = infrastructure_package(target)
            if own and theirs and theirs != own:
                wrong.append(f"{at(name, line)} imports {target}")
    assert not wrong, "\n".join(wrong)


# ---- handlers -------------------------------------------------------------------------------------------


def routers(router: Router) -> Iterator[Router]:
    yield router
    for child in router.sub_routers:
        yield from routers(child)


def handler_callbacks() -> Iterator[tuple[str, object]]:
    """(router/event, callback) for every handler registered on the routers the bot runs."""
    for top in create_routers():
        for router in routers(top):
            for event, observer in router.observers.items():
                for handler in observer.handlers:
                    yield f"{router.name}/{event}", handler.callback


def describe(callback: object) -> str:
    return f"{getattr(callback, '__module__', '?')}.{getattr(callback, '__qualname__', repr(callback))}"


def test_there_are_handlers_to_check():
    assert sum(1 for _ in handler_callbacks()) > 20


def test_handlers_take_at_most_five_parameters():
    wrong = [f"{where}: {describe(callback)} takes {len(parameters)}: {', '.join(parameters)}"
             for where, callback in handler_callbacks()
             if len(parameters := list(inspect.signature(callback).parameters)) > MAX_HANDLER_PARAMETERS]
    assert not wrong, "\n".join(wrong)


def test_handlers_are_defined_at_module_level():
    wrong = [f"{where}: {describe(callback)} is defined inside a function"
             for where, callback in handler_callbacks()
             if "<locals>" in getattr(callback, "__qualname__", "")]
    assert not wrong, "\n".join(wrong)


# ---- what runs at import time ---------------------------------------------------------------------------


def import_time_nodes(node: ast.AST) -> Iterator[ast.AST]:
    """The nodes that run when a module is imported: not function bodies, but decorators and defaults."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = child.args
            for part in [*getattr(child, "decorator_list", []), *arguments.defaults, *arguments.kw_defaults]:
                if part is not None:
                    yield part
                    yield from import_time_nodes(part)
        else:
            yield child
            yield from import_time_nodes(child)


def calls_at_import(name: str, *constructors: str) -> Iterator[str]:
    for node in import_time_nodes(TREES[name]):
        if isinstance(node, ast.Call):
            function = node.func
            called = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", None)
            if called in constructors:
                yield f"{at(name, node.lineno)} calls {called}() at import time"


def test_handlers_modules_make_no_router_at_import():
    handlers = [name for name in MODULES if under(name, "handlers")]
    wrong = [found for name in handlers for found in calls_at_import(name, "Router")]
    assert not wrong, "\n".join(wrong)


def test_no_module_makes_a_bot_or_a_dispatcher_at_import():
    wrong = [found for name in MODULES for found in calls_at_import(name, "Bot", "Dispatcher")]
    assert not wrong, "\n".join(wrong)
