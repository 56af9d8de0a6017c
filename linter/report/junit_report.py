"""`--format junit`: JUnit XML, the test-report format GitLab, Jenkins and most CI servers read.

One test suite `schemalint`. One test case per migration file checked: it fails with one
`<failure>` per finding at or above `--fail-on` (the severity as its type), and passes
otherwise, so the test report agrees with the exit code. Each finding below the threshold is a
test case of its own, `<skipped>` with the finding as its message: GitLab's merge-request
test report and Jenkins list skipped cases with that message, whereas both ignore
`<properties>` of a test case, which would hide the finding. Built with the `junit-xml`
package, which is imported here only. Text from the files goes through `escape.printable`
(junit-xml would drop the control characters XML forbids, and keep C1 ones).
"""

from __future__ import annotations

import warnings

from schemalint.diagnostics.rule import DOCS_URL
from schemalint.report import checked_paths, threshold
from schemalint.report.escape import printable


def _failure_text(d) -> str:
    lines = [f"{printable(d.path, True)}:{d.line}:{d.column}: {d.severity} {d.code} [{d.rule}] "
             f"{printable(d.message, True)}"]
    if d.help:
        lines.append("help: " + printable(d.help.rstrip()))
    lines.append("see: " + DOCS_URL.format(name=d.rule))
    return "\n".join(lines)


def _message(d) -> str:
    return f"{d.line}:{d.column} {d.code} [{d.rule}] {printable(d.message, True)}"


def render(result) -> str:
    # junit-xml (and `six`, which it imports) warn about their own deprecated APIs; those
    # warnings are for its maintainers, not for people reading a lint report.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import junit_xml  # inside the filter: its own import warns

        level = threshold(result.fail_on)
        by_path: dict[str, list] = {}
        for d in result.diagnostics:
            by_path.setdefault(d.path, []).append(d)
        cases = []
        for path in checked_paths(result):
            found = by_path.get(path, [])
            failing = [d for d in found if level is not None and d.severity >= level]
            shown = printable(path, True)
            case = junit_xml.TestCase(
                name=shown, classname="schemalint", file=shown,
                line=failing[0].line if failing else None, allow_multiple_subelements=True,
            )
            for d in failing:
                case.add_failure_info(message=_message(d), output=_failure_text(d),
                                      failure_type=str(d.severity))
            cases.append(case)
            for d in found:
                if level is None or d.severity < level:
                    below = junit_xml.TestCase(
                        name=f"{shown}:{d.line}:{d.column} {d.code} [{d.rule}]",
                        classname="schemalint", file=shown, line=d.line)
                    below.add_skipped_info(
                        message=f"{d.severity} below --fail-on {result.fail_on}: {_message(d)}",
                        output=_failure_text(d))
                    cases.append(below)
        suite = junit_xml.TestSuite("schemalint", cases)
        return junit_xml.to_xml_report_string([suite], prettyprint=True, encoding="utf-8")
