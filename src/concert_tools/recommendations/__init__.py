"""Offline evaluation of the recommendations (`concert-api recommendations evaluate`)."""
