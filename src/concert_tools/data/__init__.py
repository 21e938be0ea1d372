"""The data set: the generator, the loader and its validation (`concert-api data ...`)."""
