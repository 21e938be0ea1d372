"""Training, evaluating, reporting on and packaging the ticket-sales model (`concert-api model ...`)."""
