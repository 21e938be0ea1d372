"""Plain services: the platform's business rules, independent of AWS, DuckDB and HTTP."""
