"""`schemalint rule NAME|CODE`: a rule's page (like `ruff rule`): the Markdown of
docs/rules/<name>.md, made from the same metadata by the same function, or its metadata as
JSON."""

from __future__ import annotations

import argparse
import json
import sys

from schemalint.check.catalog import by_name_or_code, suggestion
from schemalint.diagnostics.page import rule_page
from schemalint.errors import UsageError


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("rule", metavar="NAME|CODE",
                   help="a rule's name (create-index-non-concurrently) or code (SL101)")
    p.add_argument("--format", "-f", choices=("text", "json"), default="text",
                   help="text: the rule's page in Markdown (default); json: its metadata, as "
                        "`schemalint rules --format json` gives it")


def run(args, out=None) -> int:
    out = sys.stdout if out is None else out
    token = args.rule.strip()
    rule = by_name_or_code(token) or by_name_or_code(token.upper()) or by_name_or_code(token.lower())
    if rule is None:
        raise UsageError(f"unknown rule {token!r}{suggestion(token)}; `schemalint rules --all` "
                         "lists them")
    if args.format == "json":
        out.write(json.dumps(rule.metadata(), indent=2, ensure_ascii=False) + "\n")
    else:
        out.write(rule_page(rule))
    return 0
