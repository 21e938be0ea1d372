"""Ticket-sales predictors (`base.TicketPredictor`): the local model or a SageMaker endpoint; venue forecasts."""
