"""The schema model and the transaction state, folded statement by statement.

objects.py holds what the model is made of (tables, columns, constraints, indexes and the
sites they were written at), transaction.py the per-file session, fold.py the `Model` and
the dispatch of each statement to its fold (fold_ddl.py for the DDL), and locks.py the
table of the locks each statement takes.
"""

from schemalint.model.fold import Model
from schemalint.model.objects import (
    Column,
    Constraint,
    Index,
    IndexMap,
    Key,
    LazySite,
    Site,
    Table,
    TableMap,
    TokenSite,
    TypeSite,
)
from schemalint.model.transaction import Session

__all__ = ["Column", "Constraint", "Index", "IndexMap", "Key", "LazySite", "Model", "Session",
           "Site", "Table", "TableMap", "TokenSite", "TypeSite"]
