"""`--format junit`: JUnit XML, the test-report format GitLab, Jenkins and most CI servers read.

One test suite `schemalint`; one test case per migration file checked (a clean file is a
passing test), one `<failure>` per finding with the severity as its type. Built with the
`junit-xml` package, which is imported here only.
"""

from __future__ import annotations

import warnings

from schemalint.diagnostics.rule import DOCS_URL
from schemalint.report import checked_paths


def _failure_text(d) -> str:
    lines = [f"{d.path}:{d.line}:{d.column}: {d.severity} {d.code} [{d.rule}] {d.message}"]
    if d.help:
        lines.append("help: " + d.help.rstrip())
    lines.append("see: " + DOCS_URL.format(name=d.rule))
    return "\n".join(lines)


def render(result) -> str:
    # junit-xml (and `six`, which it imports) warn about their own deprecated APIs; those
    # warnings are for its maintainers, not for people reading a lint report.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import junit_xml  # inside the filter: its own import warns

        by_path: dict[str, list] = {}
        for d in result.diagnostics:
            by_path.setdefault(d.path, []).append(d)
        cases = []
        for path in checked_paths(result):
            found = by_path.get(path, [])
            case = junit_xml.TestCase(
                name=path, classname="schemalint", file=path,
                line=found[0].line if found else None, allow_multiple_subelements=True,
            )
            for d in found:
                case.add_failure_info(
                    message=f"{d.line}:{d.column} {d.code} [{d.rule}] {d.message}",
                    output=_failure_text(d), failure_type=str(d.severity),
                )
            cases.append(case)
        suite = junit_xml.TestSuite("schemalint", cases)
        return junit_xml.to_xml_report_string([suite], prettyprint=True, encoding="utf-8")
