"""Offline tooling that never ships to Lambda: the `concert-api` command line, the data generator and loader,
model training and evaluation, the chat evaluation, and the deployers (package builder, IAM, SAM).

It may import anything in `concert_api`; nothing in `concert_api` imports it.
"""
