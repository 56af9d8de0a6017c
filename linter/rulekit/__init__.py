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
from schemalint.parse.names import (
    SERIAL_TYPES,
    column_display_name,
    display_name,
    format_type,
    is_array,
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
from schemalint.rulekit.facts import (
    added_column_fk_validated,
    alter_commands,
    column_constraints,
    column_default,
    concurrent_statement,
    covers_foreign_key,
    function_name,
    id_policy,
    is_table_alter,
    key_columns,
    option_on,
    replace_type_fix,
    volatile_call,
    written_columns,
)
from schemalint.rulekit.identifiers import (
    IDENTIFIER_KINDS,
    NEEDS_QUOTES_AS_NAME,
    defined_identifiers,
)
from schemalint.rulekit.rewrites import (
    NO_REWRITE,
    column_type_change,
    proven_not_null,
    session_timezone_utc,
)

__all__ = [
    "IDENTIFIER_KINDS", "NEEDS_QUOTES_AS_NAME", "NO_REWRITE", "SERIAL_TYPES", "Edit", "Fix",
    "LockMode", "Rule", "Severity", "added_column_fk_validated", "alter_commands",
    "alter_subcommand_locks", "blocked_phrase", "breaking_drops", "claim_on", "clause_span",
    "clause_text", "column_constraints", "column_default", "column_display_name",
    "column_type_change", "concurrent_statement", "constraint_name", "covers_foreign_key", "defined_identifiers", "display_name",
    "dropped_objects", "existing_table_actions", "format_type", "function_name", "id_policy", "is_array",
    "is_down", "is_table_alter", "key_columns", "lazy", "line_of", "lock_sentence", "name_span",
    "named_constraint_sql", "new_before", "option_on", "proven_not_null", "qualified_key", "quote_ident",
    "replace_type_fix", "replaced_after", "session_timezone_utc", "split_note", "statement_site", "stmt_site",
    "strings", "strongest", "swapped_in", "type_mods", "type_name", "volatile_call",
    "written_columns",
]
