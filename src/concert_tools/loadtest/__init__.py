"""Load testing with Locust: `concert-api loadtest URL` drives the five endpoints with a realistic mix of
requests against the local server or a deployed API Gateway stage, headless and bounded in time, and writes
Locust's HTML report and CSV statistics."""
