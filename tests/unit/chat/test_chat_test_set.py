"""The evaluation's test set is not the training set: no test template is a (near-)duplicate of a training
utterance, and the set keeps its documented shape."""

from __future__ import annotations

import re
from collections import Counter

from concert_api.services.chat.local.classifier import load_examples
from concert_tools.chat_evaluation.test_set import TEMPLATES

MAX_JACCARD = 0.75
"""A test template with this word overlap (or more) with a training utterance is too close to it."""


def words(text: str, *, placeholders: bool) -> frozenset[str]:
    """Lower-cased words; placeholders kept as one token each ({artist_typo} is {artist}) or dropped."""
    text = text.lower().replace("{artist_typo}", "{artist}")
    if not placeholders:
        text = re.sub(r"\{\w+\}", " ", text)
    return frozenset(re.findall(r"\{\w+\}|[a-z0-9]+", text))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


def test_no_test_template_is_a_near_duplicate_of_a_training_utterance():
    training = [ex.text for ex in load_examples()]
    too_close = []
    for intent, templates in TEMPLATES.items():
        for template in templates:
            for utterance in training:
                overlap = max(jaccard(words(template, placeholders=keep), words(utterance, placeholders=keep))
                              for keep in (True, False))
                if overlap >= MAX_JACCARD:
                    too_close.append(f"{overlap:.2f} [{intent}] {template!r} ~ {utterance!r}")
    assert too_close == [], "\n".join(too_close)


def test_the_test_set_keeps_its_shape():
    sizes = {intent: len(templates) for intent, templates in TEMPLATES.items()}
    assert all(n >= 30 for n in sizes.values())
    assert 0.15 <= sizes["out_of_scope"] / sum(sizes.values()) <= 0.25
    duplicates = [t for t, n in Counter(t.lower() for ts in TEMPLATES.values() for t in ts).items() if n > 1]
    assert duplicates == []


def test_no_near_miss_test_template_is_a_near_duplicate_of_a_training_utterance():
    from concert_tools.chat_evaluation.test_set import NEAR_MISS_TEMPLATES

    training = [ex.text for ex in load_examples()]
    too_close = [f"{template!r} ~ {utterance!r}" for template in NEAR_MISS_TEMPLATES for utterance in training
                 if max(jaccard(words(template, placeholders=keep), words(utterance, placeholders=keep))
                        for keep in (True, False)) >= MAX_JACCARD]
    assert too_close == [], "\n".join(too_close)
    assert len(NEAR_MISS_TEMPLATES) >= 30 and len(set(NEAR_MISS_TEMPLATES)) == len(NEAR_MISS_TEMPLATES)
