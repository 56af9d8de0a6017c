"""`schemalint indexes`: the static index report of the schema the migrations leave (every
foreign key and its covering index, redundant indexes, unique indexes that repeat a
constraint, tables without a primary key), from the index facts the schema rules use
(schemalint.rulekit.indexes): the report and the findings never disagree."""

from schemalint.indexes.report import index_report

__all__ = ["index_report"]
