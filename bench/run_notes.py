"""The hand-written notes bench/run.py puts under its tables in docs/performance.md: how
schemalint gets its figures and where the time still goes. Edit them here; `python bench/run.py
--render bench/results/results.json` rewrites the doc with them."""

NOTES = """## How schemalint gets there

- **The JSON parse path**: `pglast.parser.parse_sql_json` + `json.loads`, never pglast's
  Python node objects.
- **No cyclic GC while checking**: the run allocates millions of small acyclic objects (the
  statements' JSON trees, the model, the findings); with the collector on, it rescanned them
  over and over. It stays off until the report is written: turned on sooner, its first pass
  walked every object of the model and the findings still alive. From the command line they
  are then frozen (`gc.freeze`) before the collector is turned back on, since the process
  ends next: its first pass would otherwise walk them all once more. Nor are they freed one
  by one: a command-line run keeps them, and ends through `process.exit_now` (the atexit
  handlers, a flush, then `os._exit`, as mypy's command line does), so the exit returns their
  memory at once. `python bench/checkpoint_stages.py --runs 9`, in process, a CI run on (b):
  0.88 s as shipped, 1.16 s with the collector walking them, 0.95 s freeing them.
- **Two processes, on request** (`--jobs 2`, `linter/speed/parallel.py`): the run is cut at the
  file where ~80% of the statements (counted by semicolons) lie before it. A forked child brings
  its model to the cut by folding those files without checking them (parsing and schema changes
  only, about half the cost of checking), then checks the rest and runs the schema rules; the
  parent checks the files before the cut. The findings are merged before the configuration,
  suppression comments and sorting are applied, so they are those of one process
  (tests/test_parallel.py). Not the default: it gains less wall time than issue 12 asks of a
  default (25% on (b)) and costs CPU time; the `--jobs 2` rows show it.
- **The cache** (`linter/speed/`, see docs/cache.md): the report of an unchanged run, per-file
  parse results, the findings of a whole run keyed by every input of the run, and checkpoints:
  where a check stood after its last migration (the model, the findings so far, the schema
  rules' findings by table), so that a run with migrations added checks only those, then the
  schema rules on the tables they changed.
- **No quadratic model updates**: indexes and foreign keys are also indexed by table, so a
  `DROP`/`RENAME` touches only that table's.
- **Findings keep a small `StatementRef`**, not the statement's tree, so memory stays bounded by
  the model, not by the number of findings.
- **Start-up**: lazy imports (a warm run imports neither pglast nor the rules; `traceback`,
  `difflib`, `hashlib` (the cache hashes with the builtin `_blake2`), `shutil`, `pathlib` and the
  YAML/TOML parsers only when needed), regexes that are cheap to compile, and patterns only some
  runs need (the psql/Jinja templating lexers, the statement splitter used for error recovery,
  the rules' fix patterns) compiled on first use (`linter/lazyre.py`): one of them took 15-20 ms
  to compile. No `@dataclass` on the start-up path: plain classes with `__slots__` and explicit
  `__init__`/`__eq__`/`__repr__` (and `replace()` where `dataclasses.replace` was used), since
  `dataclasses` imports `inspect`, `ast` and `dis` (~9 ms) and generating each class cost ~0.8 ms.
  pglast's C parser is loaded without pglast's package `__init__` and node classes
  (`linter/parse/pglast_loader.py`: its enums and `pglast.ast` took 20-30 ms; a later `import pglast`
  still gets the whole package, tests/test_pglast_loader.py). argparse's formatter measures the
  terminal only when it formats help text (HelpFormatter imports `shutil` for every argument).
  tests/test_startup_imports.py keeps these modules off the path of `check` on a small file;
  `python bench/startup.py --runs 20 A/bin/schemalint B/bin/schemalint` compares installs on
  (c) alone, alternating, with CPU time beside wall time.
- **Rule selection by identity**: `r in chosen` over lists of rules called the rules' `__eq__`
  thousands of times per start-up.
- **The JSON report** writes each finding with one f-string (fixes included) instead of
  building and walking a dict; byte-identical to `json.dumps(indent=2)`
  (tests/report/test_json_report.py).
- **Warm runs** decode only the fields of the cached findings that hold encoded values.
- **The report cache** (`linter/speed/runcache.py`, docs/cache.md): a run whose inputs are unchanged
  (command line, working directory, configuration, schemalint's code, and the content of every
  file the run read: migrations, included files, layout files, the baseline) prints the report
  it printed last time, without discovering, parsing or checking. Files are trusted on their
  `stat` when older than the stored report, else re-hashed; this is what "warm" measures.
- **Rules only meet statements they can fire on**: `node_types` may name an ALTER TABLE action
  (`AlterTableStmt.AT_AddColumn`), so an ALTER TABLE rule is not even called for other actions;
  rules run in one inlined loop; the type rules share one index of written columns by type.
- **Lazy positions**: constraint, index, table and identifier spans are located in the SQL text
  only when a finding reports them; the line index is built on first use.
- **Bounded memory**: the JSON report is written to its stream in pieces (a 30 MB report was
  held whole, plus its UTF-8 copy); the parse pack is written as files are parsed;
  no reference cycles (a run with the collector off would otherwise keep every tree alive; a
  test checks this).
- **Discovery**: one `stat` per argument, paths normalised once per directory, layouts detected
  from a directory's file names before any file is read, content sniffing by substring before
  any regex, a psql lexer that compiles in ~1 ms (was ~15 ms) and skips words in runs.

**Bytecode.** The environment this is developed in sets `PYTHONDONTWRITEBYTECODE=1`, which makes
every import recompile its module from source; installs and CI have bytecode caches. The script
therefore runs `python -m compileall` on `linter/` and `rules/` first and starts every tool with
`PYTHONDONTWRITEBYTECODE` removed from the environment, so that start-up is measured as users see
it. To measure by hand: `python -m compileall -q linter rules`, then
`env -u PYTHONDONTWRITEBYTECODE schemalint check ...`. The interpreter's own start-up here is
about 50-60 ms (`python -c pass`), of which about 35 ms come from `site`: this sandbox's
certificate `.pth` hook (imports `certifi`) and the editable install's import finder, neither
of which a regular install has.

## Where the time still goes

squawk is compiled Rust that checks each statement on its own, on every core; schemalint is
Python that folds every statement into a schema model and runs ~70 rules. Cold runs remain
several times slower than squawk. `python bench/stages.py --runs 3
bench/results/gen50000/migrations` times the stages of a serial run on (b): parsing
(`parse_sql_json`, then `json.loads` of about 4 bytes of JSON per byte of SQL) about 24%,
folding the model about 21% (one column object per column: 92,000 on (b)), the rules with the
engine around them and the 40,901 findings they build about 46%, discovery and the report the
rest; (a) splits about the same way. A profile (`python -m cProfile -s tottime`) shows no
single hot spot left.
Splitting the run between the two cores (`--jobs 2`) gains far from half of the wall time
(the lines "`--jobs 2` against one process" above): the child must parse and fold the
parent's share again before it can check its own, so the two processes do more CPU work than
one; discovery, merging the findings and the report stay serial; and on this virtual machine
two busy processes each run slower than one alone (`python bench/split.py contention`).
Compiling this code does not close the gap: a trial (bench/mypyc_trial.py, removed in issue 12
once its answer was recorded here) compiled the six core modules (parsing, the model, locks,
the engine, names, facts) with mypyc, the model's classes as mypyc's own, checked that the
report was byte for byte the same, and measured 0.90x the wall time in one process and 0.94x
split on (b) (medians of 5), and 0.91x the instructions on its first 250 files. The code
works on libpg_query's JSON as plain dicts, which compiled code handles hardly faster. Parsing alone (libpg_query's
JSON and its decoding, 1.1-1.2 s on (b) in one process: `python bench/stages.py --detail`)
is about as long as squawk's whole run. Reaching squawk's cold wall time would take a core
in a compiled language that builds the model straight from libpg_query's C tree, not more
tuning or compiling of this one.
**CI with a restored cache** (the `CI: restored cache, one new file` rows; issue 16): the GitHub
Action keeps `.schemalint_cache/` between runs (docs/github.md), so a pull request that adds one
migration starts from a fresh checkout with the base branch's cache, which holds the base
branch's checkpoint: where its check stood after its last migration, with the schema rules'
findings by table (docs/cache.md). The pull request's run restores it, checks the new file, runs
the schema rules again only on the tables the new file changed (speed/schema_delta.py) and
reports on the whole history. In the run above (seven rounds) that takes 0.79 × squawk's wall
time on (b) (1.34 s against 1.69 s) and 0.92 × on (a) (525 ms against 568 ms); CPU 0.49 × and
0.60 × (squawk spreads its parse over both cores, schemalint runs on one). The four runs of this
script before it on this session's code (three rounds each) gave 0.73 ×, 0.79 ×, 0.81 × and
0.63 × on (b), and 0.92 ×, 0.96 ×, 0.80 × and 1.13 × on (a): ahead on (b) by more than the
machine's spread between runs; on (a) ahead in the median of every run but one, by less than
that spread (squawk's median for the same files went from 476 to 573 ms over those runs). The
last session's final run (252fb90) gave 0.94 × and 0.97 ×; 0.90 × and 1.23 × at 63fecb8; at
94a2eab, before the schema rules were re-run by table, 1.88 × and 1.45 ×; before checkpoints,
3.3 × and 2.1 ×. Since 252fb90: a checkpoint stores each table's columns apart, and a restored
table builds its columns when first asked (`Table.__getattr__`, linter/speed/checkpoint.py): the
columns and their type sites are most of (b)'s model (87,000 columns of 5,915 tables), and a CI
run builds those of the few tables its new file touches; the findings of a run and of a
checkpoint are written in marshal frames of 2,048 rows (linter/speed/store.py: marshalled whole,
(b)'s were one 18 MB string that grew by copies at the end of a cold run) and the tables'
columns streamed to the file as they are pickled, which together took the cold (b) run's peak
from 285 MB to 266 MB; the JSON and SARIF writers format their exact ints in the f-string itself, and discovery
imports blake2b once. Before 252fb90: the whole run's findings, kept for the Action's second pass, are stored by
a forked child while the run gates and writes its report (`speed/parallel.beside`; a run from
scratch stores them itself, as its child's copy-on-write pages would add to its peak); the run's
objects are left to the exit; discovery reads each file with one `open`/`fstat`/`read`, stops
probing layouts once one claims a directory's files, looks for a sqitch plan only above
deploy/, revert/ or verify/ directories; the report cache keeps a file skipped unread by its
presence; a checkpoint's integrity check is a CRC-32; the JSON report escapes a rule's text once.
`python bench/checkpoint_stages.py --runs 9` times the stages of this run on (b) in process
(medians, on the final code at 23:41): restoring the state of 50,000 statements (the model
without its tables' columns, and 37,000 findings) 289 ms, the new file 1 ms, the schema rules on
the tables it changed under 1 ms (650 ms on every table, which now includes building every
table's columns), the report of 37,000 findings 319 ms, 879 ms in all; storing the findings in
this process instead of a child, 963 ms; freeing the run's objects instead of leaving them to
the exit, 951 ms; the collector walking them, 1,164 ms. The same script gave a restore of 373 ms
and 894 ms in all at 252fb90, with every column built, and 237 ms and 788 ms at f705c6d; the
machine's spread is wide (two more runs of the final code in slower minutes: restore 283-409
ms). What is left
grows with the history: restoring the findings and writing their report, and on (a)
discovering and hashing 3,050 files named one by one (each its own directory group), then the
interpreter and imports. Tried and dropped: rendering
a long report half in a forked child (reverted in 190c887): with a variant of
bench/checkpoint_stages.py not kept, 1,046 ms against 1,061 ms without it (medians of 9, within
noise: two busy processes on this machine's two cores each ran slower), and bench/run.py at
a4558fe measured the cold (b) run's processes at 345 MB PSS with it, over the 300 MB target. The GitHub
Action runs two passes on a pull request (a SARIF file of the whole history, then the changed
files' annotations and the PR comment with the schema review): `python bench/pieces.py --only
ci-action-b` measured them together on (b) at 63fecb8, 7.1 s, 15.5 s without checkpoints; the
SARIF writer and the review's model at the merge base (taken from the checkpoint) were most of
it before. The model is loaded with a function written per class that sets its slots one
attribute store each, faster than `object.__setattr__` mapped over the slot names.
A run that starts from a checkpoint and checks less than a tenth of the history's
statements stores none; a cold run stores one (about 1 s on (b)), which the `cold` rows
include. Tried and dropped: storing it from a forked child while the parent runs the schema
rules and saves the parse results (bench/run.py at aebfa77, since reverted), because the child's
copy-on-write pages took the cold run's processes together to 435 MB (PSS), over the 300 MB
target. `one new file` adds `zz_new.sql` in another directory: on (b) it comes last and
starts from the checkpoint; on (a) it sorts first in apply order (a file without a version
before the versioned ones), so no checkpoint applies and the history is checked again. A run on
unchanged files (a re-run, a push that adds no migration) takes the findings whole, as `warm`
does. With `changed-since` and no `sarif-file`, the Action's only pass starts from the same
checkpoint.

Warm runs (the report cache) and the pre-commit case (c) are within the targets. For (c),
start-up is the whole cost: the interpreter (about 12 ms in a regular install, 50-60 ms in this
sandbox's editable install, see above), about 10 ms for the 74 rule modules, about 5 ms for
argparse with gettext and locale, and the parser, model and engine modules. Wall times on a
loaded machine (see the load average above) are well above CPU times: the CPU column is the
steadier comparison.
"""
