"""The one surface rule authors import from: `from schemalint.rulekit import Rule, Severity, ...`.

A rule module (rules/create_index_non_concurrently.py is the model) sees the rule's metadata
type, the statement and model facts the rules share, and message helpers; never the model's
or the parser's internals (an import-linter contract in pyproject.toml keeps it so).
"""

from schemalint.diagnostics import Edit, Fix, Severity
from schemalint.diagnostics.rule import Rule
from schemalint.lazyre import lazy
from schemalint.model.alter_locks import alter_subcommand_locks
from schemalint.model.lock_modes import LockMode, blocked_phrase, strongest
from schemalint.model.transaction import set_config_calls
from schemalint.parse.calls import call_argument, function_calls, is_true, regclass_key
from schemalint.parse.names import (
    SERIAL_TYPES,
    column_display_name,
    display_name,
    format_type,
    is_array,
    option_on,
    qualified_key,
    quote_ident,
    strings,
    type_mods,
    type_name,
)
from schemalint.rulekit.advice import (
    claim_on,
    clause_text,
    constraint_name,
    line_of,
    lock_sentence,
    named_constraint_sql,
    split_note,
    statement_site,
)
from schemalint.rulekit.breaking import (
    breaking_drops,
    clause_span,
    dropped_objects,
    existing_table_actions,
    is_down,
    name_span,
    new_before,
    replaced_after,
    stmt_site,
    swapped_in,
)
from schemalint.rulekit.extensions import (
    SPATIAL_TYPES,
    VECTOR_METHODS,
    VECTOR_TYPES,
    base_type,
    has_rows,
)
from schemalint.rulekit.facts import (
    added_column_fk_validated,
    alter_commands,
    column_constraints,
    column_default,
    concurrent_statement,
    function_name,
    id_policy,
    is_table_alter,
    key_columns,
    replace_type_fix,
    volatile_call,
    written_columns,
)
from schemalint.rulekit.identifiers import (
    IDENTIFIER_KINDS,
    NEEDS_QUOTES_AS_NAME,
    defined_identifiers,
)
from schemalint.rulekit.indexes import (
    covering_index,
    covers_foreign_key,
    expected_name,
    foreign_key_index_name,
    index_redundancy,
    redundant_indexes,
)
from schemalint.rulekit.rewrites import (
    NO_REWRITE,
    column_type_change,
    proven_not_null,
    session_timezone_utc,
)

__all__ = [
    "Edit", "Fix", "IDENTIFIER_KINDS", "LockMode", "NEEDS_QUOTES_AS_NAME", "NO_REWRITE", "Rule",
    "SERIAL_TYPES", "SPATIAL_TYPES", "Severity", "VECTOR_METHODS", "VECTOR_TYPES",
    "added_column_fk_validated", "alter_commands", "alter_subcommand_locks", "base_type",
    "blocked_phrase", "breaking_drops", "call_argument", "claim_on", "clause_span", "clause_text",
    "column_constraints", "column_default", "column_display_name", "column_type_change", "concurrent_statement",
    "constraint_name", "covering_index", "covers_foreign_key", "defined_identifiers",
    "display_name", "dropped_objects", "existing_table_actions", "expected_name",
    "foreign_key_index_name", "format_type",
    "function_calls", "function_name", "id_policy", "has_rows", "index_redundancy", "is_array", "is_down",
    "is_table_alter", "key_columns", "is_true", "lazy", "line_of", "lock_sentence", "name_span",
    "named_constraint_sql", "new_before", "option_on", "proven_not_null", "qualified_key",
    "quote_ident", "redundant_indexes", "regclass_key", "replace_type_fix", "replaced_after",
    "session_timezone_utc", "split_note", "set_config_calls", "statement_site", "stmt_site", "strings",
    "strongest", "swapped_in", "type_mods", "type_name", "volatile_call", "written_columns",
]
