"""The platform's SQL, written once in the common subset of Redshift, PostgreSQL and DuckDB.

One module per concern; every statement binds `:name` parameters (see `warehouse.base`). The cross-backend
tests run each of them on DuckDB and on PostgreSQL and compare the rows.
"""
