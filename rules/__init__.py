"""The rule registry: every rule module, listed explicitly (a test checks it against the folder)."""

from schemalint.rules import (
    add_column_not_null_without_default,
    add_column_volatile_default,
    char_column,
    concurrent_index_in_transaction,
    create_index_non_concurrently,
    domain_check_constraint,
    drop_index_non_concurrently,
    enum_type,
    foreign_key_without_index,
    integer_key_column,
    json_column,
    money_column,
    sequential_primary_key,
    serial_column,
    set_not_null_on_existing_column,
    table_without_timestamps,
    time_with_time_zone,
    timestamp_without_time_zone,
    varchar_length_column,
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
    json_column,
    char_column,
    varchar_length_column,
    timestamp_without_time_zone,
    time_with_time_zone,
    money_column,
    integer_key_column,
    serial_column,
    enum_type,
    domain_check_constraint,
)

RULES = tuple(sorted((m.RULE.bind(m) for m in _MODULES), key=lambda r: r.code))
