"""CI integrations that need more than a report format (the GitHub Action's logic)."""
