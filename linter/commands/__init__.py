"""The subcommands (`schemalint check`, `replay`, ...): each module has `add_arguments` and
`run`; schemalint/cli.py picks one."""

# True when the process ends once the command returns: `main()` run from the command line
# (the console script, `python -m schemalint`), not a test or a library calling
# `main([...])`. check's pipeline then leaves the objects of its run to the exit instead of
# to the cyclic collector (pipeline.check).
PROCESS_ENDS_AFTER_COMMAND = False
