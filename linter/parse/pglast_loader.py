"""Load pglast's C parser without paying for the rest of pglast at start-up.

schemalint calls only `pglast.parser` (`parse_sql_json`, `fingerprint`, `split`, `ParseError`)
and reads `pglast.keywords`. A plain `import pglast.parser` first runs `pglast/__init__.py`,
which imports `pglast.enums` (~1,000 Enum members), and the parser module itself runs
`from . import ast, enums` (`pglast.ast`: several hundred node classes): 20-30 ms together,
more than the whole check of a small migration (issue 6: a pre-commit run within 150 ms).
Neither is used by the functions schemalint calls; they serve `pglast.parse_sql`'s node
objects.

`submodule(name)` therefore registers the real `pglast` package module (created from its
spec, the one a normal import would create) with its `__init__` deferred, and imports the
parser module into it whichever submodule was asked for. The first access to
an attribute the package does not have yet (`pglast.parse_sql`, `pglast.__version__`,
`from pglast import enums` ...) runs `__init__` in place, so any later user of pglast sees the
complete package, the same module objects and the same exception classes. While the parser
module is imported, the package's `ast` and `enums` attributes are placeholders that import the
real module on first use (and then hold its contents), so `pglast.parser.ast`/`.enums` keep
working too.

Any surprise (another pglast layout, a partial import) falls back to the plain import.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType

PACKAGE = "pglast"


class _Deferred(ModuleType):
    """Stands for `pglast.<name>` until first used; then imports it and takes its contents."""

    def __getattr__(self, attr: str):
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)  # copy/pickle/inspection probes: do not import for them
        real = importlib.import_module(self.__name__)
        self.__dict__.update(real.__dict__)
        return getattr(real, attr)


def _run_init(package: ModuleType, spec) -> None:
    """Run the package's deferred `__init__` in place (once)."""
    namespace = package.__dict__
    if namespace.pop("__getattr__", None) is None:
        return
    # `__init__` does `from . import enums`: it must import the real module, not find a
    # placeholder.
    for name in ("ast", "enums"):
        if isinstance(namespace.get(name), _Deferred):
            del namespace[name]
    spec.loader.exec_module(package)


def _deferred_package():
    """The `pglast` package module and its spec, registered in sys.modules with `__init__`
    not yet run."""
    # Only when the parser is first needed (this module's whole purpose: see above).
    from importlib.machinery import PathFinder
    from importlib.util import module_from_spec

    spec = PathFinder.find_spec(PACKAGE)
    if spec is None or spec.loader is None or not spec.submodule_search_locations:
        raise ImportError(PACKAGE)
    package = module_from_spec(spec)

    def __getattr__(name: str):
        _run_init(package, spec)
        try:
            return package.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {PACKAGE!r} has no attribute {name!r}") from None

    package.__getattr__ = __getattr__
    sys.modules[PACKAGE] = package
    return package, spec


def _load(name: str) -> ModuleType:
    full = f"{PACKAGE}.{name}"
    if PACKAGE not in sys.modules:
        _deferred_package_with_parser()
    return importlib.import_module(full)


def _deferred_package_with_parser() -> None:
    """Register the deferred package and import its parser module at once, whichever
    submodule was asked for: with `pglast.parser` loaded, a later direct `import pglast.parser`
    (by anyone) finds it, and never runs the package's `__init__` from inside the parser's
    own initialisation (which would load the extension module a second time)."""
    package, spec = _deferred_package()
    try:
        # The parser module does `from . import Error` and `from . import ast, enums`.
        package.Error = importlib.import_module(f"{PACKAGE}.error").Error
        placeholders = {n: _Deferred(f"{PACKAGE}.{n}") for n in ("ast", "enums")}
        package.__dict__.update(placeholders)
        try:
            importlib.import_module(f"{PACKAGE}.parser")
        finally:
            for n, placeholder in placeholders.items():
                if package.__dict__.get(n) is placeholder:
                    del package.__dict__[n]
    except Exception:
        # Leave pglast as an ordinary import would have: the package initialised in place
        # (whatever was loaded so far is reused, not loaded twice).
        if sys.modules.get(PACKAGE) is package:
            _run_init(package, spec)
        raise


def submodule(name: str) -> ModuleType:
    """`pglast.<name>` ("parser", "keywords"), without running pglast's `__init__` now."""
    try:
        return _load(name)
    except Exception:  # noqa: BLE001 - any surprise: the ordinary import
        return importlib.import_module(f"{PACKAGE}.{name}")
