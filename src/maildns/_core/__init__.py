"""What every vendor shares: the declaration, options, checks, secrets, the engine and the
generic clients (``docs/dev/facade.md``). A regular package, so that the import graph
``make lint`` checks (import-linter) sees its modules."""
