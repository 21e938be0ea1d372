"""The local HTTP server: real HTTP in, API Gateway events to the very same Lambda handlers, responses out."""
