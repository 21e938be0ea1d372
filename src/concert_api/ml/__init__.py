"""The ticket-sales model as it serves: features, the price/date transform, the model, its artefacts and its
training range. Training, evaluation and packaging live in `concert_tools.model`."""
