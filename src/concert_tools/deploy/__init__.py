"""Deploying the five Lambda functions: the package builder, the IAM policy builder, the deployer and the SAM
template generator. Nothing here is imported on the Lambda path; `concert_tools` is never shipped in the zip.
"""
