"""The query-plan gate (docs/queries.md): the application's queries, planned on the replayed
database at the base and after the migrations, with the statement that changed each plan."""
