"""Index facts on the final model, shared by the schema rules (foreign-key-without-index,
redundant-index, naming-convention) and `schemalint indexes`, so that the report and the
findings never disagree."""

from __future__ import annotations

# Access methods whose index can serve an equality lookup on its leading columns.
_LOOKUP_METHODS = ("btree", "hash", "gist", "brin", "gin")


def covering_index(fk_columns: tuple, indexes):
    """The first valid index that has the foreign key's columns, as a set, as its leading
    columns (an index on (b, a) serves `a = $1 AND b = $2`), and serves every lookup the key
    makes: no predicate, or one that only excludes NULLs of those columns (`WHERE fk IS NOT
    NULL`): the referential checks look up `fk = $1`, which implies `fk IS NOT NULL` (= is
    strict), so the planner can use such a partial index for them. None when there is none."""
    want = set(fk_columns)
    n = len(want)
    for index in indexes:
        if not index.valid or index.method not in _LOOKUP_METHODS:
            continue
        if index.partial and (index.null_filter is None or not index.null_filter <= want):
            continue
        if index.method == "hash" and n != 1:
            continue
        lead = index.columns[:n]
        if len(lead) == n and None not in lead and set(lead) == want:
            return index
    return None


def covers_foreign_key(fk_columns: tuple, indexes) -> bool:
    return covering_index(fk_columns, indexes) is not None


def index_redundancy(short, long) -> str | None:
    """'duplicates' / 'is a prefix of' when `long` makes `short` unnecessary, else None."""
    if short is long or short.table != long.table or not short.elements or not long.elements:
        return None
    if short.method != long.method or short.predicate != long.predicate or short.include:
        return None
    if short.elements == long.elements and short.unique == long.unique:
        return "duplicates"
    # A unique index enforces something its longer sibling does not; only btree (and an
    # identical element list) lets the longer index answer the shorter one's lookups.
    if short.unique or short.method != "btree" or len(short.elements) >= len(long.elements):
        return None
    if long.elements[:len(short.elements)] == short.elements:
        return "is a prefix of"
    return None


def redundant_indexes(indexes):
    """(table key, index, how, the index that makes it redundant) for each redundant one of
    `indexes` (valid indexes, each table's in creation order), at most one per index. A
    PK/UNIQUE constraint's index is never the one to drop; of two exact duplicates the later
    one (or the one not backing a constraint) is."""
    by_table: dict = {}
    for idx in indexes:
        by_table.setdefault(idx.table, []).append(idx)
    for table_key, group in by_table.items():
        for i, short in enumerate(group):
            if short.constraint is not None and short.unique:
                continue
            for j, long in enumerate(group):
                how = index_redundancy(short, long)
                if how is None or (how == "duplicates" and long.constraint is None and j > i):
                    continue
                yield table_key, short, how, long
                break


def _truncate(name: str) -> str:
    """An identifier cut to NAMEDATALEN - 1 = 63 bytes, as PostgreSQL truncates names."""
    return name.encode("utf-8")[:63].decode("utf-8", errors="ignore")


def expected_name(pattern: str, table: str, columns) -> str | None:
    """A naming-convention pattern (`{table}_{columns}_idx`) filled in for a table and its
    columns; None when the pattern is empty, or needs columns an expression leaves unnamed."""
    if not pattern or ("{columns}" in pattern and (not columns or None in columns)):
        return None
    return _truncate(pattern.replace("{table}", table).replace("{columns}", "_".join(columns)))


DEFAULT_INDEX_NAME = "{table}_{columns}_idx"  # PostgreSQL's own default (ChooseIndexName)


def foreign_key_index_name(config, table: str, columns) -> str | None:
    """The name `schemalint indexes` gives the index a foreign key lacks: the naming-convention
    rule's `index` pattern as configured, else PostgreSQL's default pattern."""
    pattern = str(config.options.get("naming-convention", {}).get("index") or "")
    return expected_name(pattern, table, columns) or expected_name(DEFAULT_INDEX_NAME, table, columns)
