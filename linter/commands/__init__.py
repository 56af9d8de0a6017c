"""The subcommands (`schemalint check`, `replay`, ...): each module has `add_arguments` and
`run`; schemalint/cli.py picks one. Whether the process ends with the command:
`schemalint.process.ENDS_AFTER_COMMAND`."""
