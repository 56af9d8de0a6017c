"""`schemalint schema`'s focus options and picture formats on the command line: what each
option keeps, and the clear exit-2 errors for what cannot be drawn."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from schemalint.erd import focus
from tests.erd.helpers import dump, schema_cli


def _names(data: dict) -> list[str]:
    return [f"{t['schema']}.{t['name']}" for t in data["tables"]]


def test_around_follows_foreign_keys_both_ways_to_the_depth():
    data = dump()
    assert _names(focus(data, around="orders", depth=0)) == ["public.orders"]
    # orders references customers; order_lines references orders.
    assert _names(focus(data, around="orders")) == [
        "public.customers", "public.order_lines", "public.orders"]
    assert _names(focus(data, around="orders", depth=2)) == [
        "billing.invoices", "public.customer_profiles", "public.customers",
        "public.order_lines", "public.orders"]
    assert _names(focus(data, around="billing.invoices", depth=9)) == [
        "billing.invoices", "public.customer_profiles", "public.customers",
        "public.order_lines", "public.orders"]


def test_options_narrow_together():
    data = dump()
    assert _names(focus(data, tables=("order*",), around="customers")) == ["public.orders"]
    billing = focus(data, schema="billing")
    assert _names(billing) == ["billing.invoices"] and billing["enums"] == []
    assert _names(focus(data, tables=("public.c*", "*lines"))) == [
        "public.customer_profiles", "public.customers", "public.order_lines"]


def test_json_is_focused_too():
    code, out, _ = schema_cli("--format", "json", "--tables", "customers")
    assert code == 0 and _names(json.loads(out)) == ["public.customers"]


@pytest.mark.parametrize(("args", "message"), [
    (("--around", "nowhere"), "--around nowhere: no such table in the schema"),
    (("--depth", "2"), "--depth needs --around TABLE"),
    (("--around", "orders", "--depth", "-1"), "--depth must be 0 or more, not -1"),
    (("--tables", "zz*"), "--tables zz*: no table matches"),
    (("--schema", "nope"), "--schema nope: no table in schema 'nope'"),
    (("--format", "json", "--columns", "keys"), "--columns applies to the pictures"),
    (("--format", "dbml", "--columns", "none"), "--columns applies to the pictures"),
])
def test_bad_options_are_usage_errors(args, message):
    code, out, err = schema_cli(*args)
    assert (code, out) == (2, "")
    assert err.startswith(f"schemalint: error: {message}") and "Traceback" not in err


def test_svg_without_graphviz_names_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no `dot` on it
    code, out, err = schema_cli("--format", "svg")
    assert (code, out) == (2, "")
    assert "install Graphviz (Debian/Ubuntu: apt-get install graphviz" in err


def test_svg_is_graphviz_output():
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (Debian: apt-get install graphviz)")
    code, out, err = schema_cli("--format", "svg", "--around", "customers")
    assert (code, err) == (0, "")
    assert out.lstrip().startswith("<?xml") and out.rstrip().endswith("</svg>")
    titles = re.findall(r'class="node">\s*<title>([^<]*)</title>', out)
    assert titles == ["public.customer_profiles", "public.customers", "public.orders"]
