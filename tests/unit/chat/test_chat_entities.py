"""Entities matched against the tiny warehouse: exact names, typos, partial names, ambiguity, places."""

from __future__ import annotations

from tests.unit.chat.chat_data import AS_OF


def _entities(assistant, text):
    extraction = assistant.matcher().extract(text, today=AS_OF)
    return extraction, {(e.type, e.value) for e in extraction.entities if e.type != "date"}


def test_full_names_with_typos_and_without_the(shared_assistant):
    catalog = shared_assistant.catalog
    artist = catalog.artists[0]["name"]
    typo = artist[:-2] + artist[-1]  # one letter dropped
    _, found = _entities(shared_assistant, f"tell me about {typo}")
    assert ("artist", artist) in found
    the_names = [a["name"] for a in catalog.artists if a["name"].startswith("The ")]
    if the_names:
        _, found = _entities(shared_assistant, f"who are {the_names[0][4:].lower()}")
        assert ("artist", the_names[0]) in found


def test_a_venue_named_after_a_city_is_the_venue(shared_assistant):
    venue = next((v for v in shared_assistant.catalog.venues if v["name"].startswith(v["city"])), None)
    if venue is None:
        return
    extraction, found = _entities(shared_assistant, f"shows at {venue['name']}")
    assert ("venue", venue["venue_id"]) in found
    assert not extraction.of("city")


def test_a_shared_word_is_an_ambiguous_mention(shared_assistant):
    from concert_tools.chat_evaluation.runner import ambiguous_artist_word

    word, names = ambiguous_artist_word(shared_assistant)
    extraction, _ = _entities(shared_assistant, f"tell me about {word}")
    (artist,) = extraction.of("artist")
    assert artist.ambiguous and sorted(label for _, label in artist.candidates) == names


def test_places_genres_and_the_delexicalised_text(shared_assistant):
    extraction, found = _entities(shared_assistant, "hip hop concerts in Chicgo, IL next Friday under $60")
    assert {("genre", "hip-hop"), ("city", "Chicago"), ("state", "IL"), ("price", 60.0)} <= found
    assert extraction.delexicalised == "xgenrex concerts in xcityx, xstatex xdatex under xpricex"


def test_common_words_are_not_names(shared_assistant):
    _, found = _entities(shared_assistant, "what are the most popular venues and how many tickets sold")
    assert found == set()
    _, found = _entities(shared_assistant, "OK what about this")  # OK is not Oklahoma here
    assert found == set()
