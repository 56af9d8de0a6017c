"""Replay: apply migrations to an ephemeral PostgreSQL and measure what each statement does."""
