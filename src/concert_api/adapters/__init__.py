"""Adapters: one subpackage per outside system, each behind a small protocol.

* `warehouse/`   DuckDB (embedded default), the Redshift Data API, PostgreSQL;
* `predictors/`  the local ticket-sales model, a SageMaker endpoint, and the venue forecast over either;
* `assistants/`  Bedrock Agent Runtime and the Bedrock Converse API;
* `sessions/`    where chat conversations are kept between messages;
* `probes`       read-only status calls to the AWS services, for `/health?deep=true`.

Adapters know nothing of the services above them: what they need from them is passed in.
"""
