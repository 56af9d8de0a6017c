"""The rule registry: every rule module, listed explicitly (a test checks it against the folder)."""

from schemalint.rules import (
    add_column_not_null_without_default,
    add_column_volatile_default,
    concurrent_index_in_transaction,
    create_index_non_concurrently,
    drop_index_non_concurrently,
    foreign_key_without_index,
    sequential_primary_key,
    set_not_null_on_existing_column,
    table_without_timestamps,
)

_MODULES = (
    create_index_non_concurrently,
    drop_index_non_concurrently,
    concurrent_index_in_transaction,
    add_column_volatile_default,
    set_not_null_on_existing_column,
    add_column_not_null_without_default,
    foreign_key_without_index,
    table_without_timestamps,
    sequential_primary_key,
)

RULES = tuple(sorted((m.RULE.bind(m) for m in _MODULES), key=lambda r: r.code))
