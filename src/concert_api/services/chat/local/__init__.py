"""The local assistant: a TF-IDF intent classifier, entities matched against the warehouse, dialogue state and
replies built from the tools' results. Everything here may import scikit-learn, numpy and rapidfuzz; nothing
on the Lambda import path imports this package."""
