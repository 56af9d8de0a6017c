"""Documentation generated from the code: rule pages, the rule index, the comparison with
other linters, the configuration reference and its JSON Schema (`python -m schemalint.docs`)."""
