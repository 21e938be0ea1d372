"""Believable, deterministic artist and venue names built from word lists.

Names are fiction: any resemblance to a real act is a coincidence of two common words.
"""

from __future__ import annotations

import numpy as np

ADJECTIVES = (
    "Velvet", "Neon", "Silver", "Electric", "Midnight", "Golden", "Crimson", "Wild", "Hollow", "Lunar",
    "Broken", "Paper", "Quiet", "Burning", "Crystal", "Faded", "Northern", "Southern", "Blue", "Black",
    "Scarlet", "Wandering", "Savage", "Gentle", "Rusty", "Atomic", "Cosmic", "Drifting", "Frozen", "Glass",
    "Iron", "Lonely", "Lost", "Magnetic", "Painted", "Restless", "Secret", "Shining", "Static", "Sugar",
    "Tender", "Violet", "Winter", "Young", "Little", "Desert", "Copper", "Emerald", "Honey", "Stone",
)  # fmt: skip
NOUNS = (
    "Harbor", "Echo", "Canyon", "Mirror", "River", "Ghost", "Signal", "Garden", "Highway", "Ocean",
    "Tiger", "Lantern", "Thunder", "Horizon", "Satellite", "Cathedral", "Compass", "Engine", "Feather",
    "Fever",
    "Harvest", "Island", "Jungle", "Kingdom", "Meadow", "Monsoon", "Orchard", "Parade", "Prairie", "Radio",
    "Rocket", "Shadow", "Summer", "Tempest", "Valley", "Voyage", "Willow", "Wolf", "Comet", "Saint",
)  # fmt: skip
PLURALS = (
    "Echoes", "Wolves", "Rivers", "Ghosts", "Kings", "Lovers", "Strangers", "Saints", "Sparrows", "Tigers",
    "Pilots", "Drifters", "Outlaws", "Dreamers", "Machines", "Shadows", "Heartbreakers", "Ramblers",
    "Satellites", "Vandals", "Horses", "Foxes", "Comets", "Thieves", "Giants", "Daughters", "Sons", "Angels",
    "Rebels", "Wanderers", "Hounds", "Ravens", "Bandits", "Monarchs", "Lions", "Preachers",
)  # fmt: skip
FIRST_NAMES = (
    "Avery", "Jordan", "Taylor", "Casey", "Riley", "Morgan", "Jamie", "Quinn", "Harper", "Rowan",
    "Emma", "Olivia", "Ava", "Mia", "Grace", "Lily", "Chloe", "Zoe", "Nora", "Ruby",
    "Liam", "Noah", "Elijah", "James", "Lucas", "Mason", "Ethan", "Caleb", "Wyatt", "Luke",
    "Marcus", "Andre", "Darius", "Jalen", "Tyrese", "Malik", "Keisha", "Imani", "Aaliyah", "Jasmine",
    "Dolly", "Hank", "Waylon", "Loretta", "Etta", "Otis", "Nina", "Miles", "Billie", "Ray",
)  # fmt: skip
LAST_NAMES = (
    "Carter", "Hayes", "Brooks", "Reed", "Monroe", "Bennett", "Sawyer", "Walker", "Ellis", "Parker",
    "Foster", "Hale", "Jennings", "Knight", "Lawson", "Mercer", "Nash", "Price", "Quinn", "Rhodes",
    "Shaw", "Turner", "Vance", "Wells", "Young", "Blake", "Cole", "Dawson", "Fletcher", "Grant",
    "Holloway", "Irving", "Jefferson", "Keller", "Lambert", "Maddox", "Norris", "Owens", "Pruitt", "Royce",
)  # fmt: skip
LATIN_FIRST = (
    "Alejandro", "Camila", "Diego", "Valentina", "Mateo", "Lucia", "Santiago", "Sofia", "Javier", "Isabela",
    "Rafael", "Marisol", "Carlos", "Elena", "Andres", "Paloma", "Gabriel", "Ximena", "Emilio", "Renata",
)  # fmt: skip
LATIN_LAST = (
    "Reyes", "Morales", "Castillo", "Vargas", "Herrera", "Mendoza", "Rios", "Navarro", "Delgado", "Ortega",
    "Fuentes", "Salazar", "Cruz", "Romero", "Ibarra", "Acosta", "Valdez", "Montoya", "Serrano", "Luna",
)  # fmt: skip
STAGE_PREFIXES = ("DJ", "MC", "Lil", "Young", "Big", "Kid")
SPONSORS = (
    "Summit Bank", "Pinecrest Credit Union", "Northstar Mutual", "Bluewater Energy", "Ironwood Insurance",
    "Keystone Financial", "Harborview Health", "Redline Wireless", "Cascade Airlines", "Golden Valley Foods",
    "Meridian Trust", "Oakridge Motors", "Silverline Telecom", "Evergreen Savings", "Frontier Federal",
    "Beacon Brewing", "Lakeshore Bank", "Crestview Energy", "Pioneer Mutual", "Atlas Logistics",
)  # fmt: skip
LANDSCAPES = ("Lakeside", "Riverfront", "Hillside", "Canyon", "Meadows", "Bayfront", "Pine Grove", "Sunset")
CLUB_NOUNS = (
    "Room",
    "Lounge",
    "Hall",
    "Club",
    "Ballroom",
    "Tavern",
    "Social",
    "Parlor",
    "Basement",
    "Cellar",
)

# Solo-name genres: singers more often perform under their own names.
_SOLO_GENRES = {"pop", "country", "r&b", "jazz", "folk", "blues", "classical", "latin"}
_STAGE_GENRES = {"hip-hop", "electronic"}


def _pick(rng: np.random.Generator, words: tuple[str, ...]) -> str:
    return words[int(rng.integers(len(words)))]


def artist_name(rng: np.random.Generator, genre: str) -> str:
    """One artist or band name that sounds like the genre (a solo name, a stage name or a band name)."""
    roll = rng.random()
    if genre == "latin" and roll < 0.6:
        return f"{_pick(rng, LATIN_FIRST)} {_pick(rng, LATIN_LAST)}"
    if genre in _STAGE_GENRES and roll < 0.45:
        return f"{_pick(rng, STAGE_PREFIXES)} {_pick(rng, NOUNS)}"
    if genre in _SOLO_GENRES and roll < 0.55:
        return f"{_pick(rng, FIRST_NAMES)} {_pick(rng, LAST_NAMES)}"
    if roll < 0.70:
        return f"The {_pick(rng, ADJECTIVES)} {_pick(rng, PLURALS)}"
    if roll < 0.85:
        return f"{_pick(rng, ADJECTIVES)} {_pick(rng, NOUNS)}"
    return f"{_pick(rng, FIRST_NAMES)} & the {_pick(rng, PLURALS)}"


def artist_names(rng: np.random.Generator, genres: list[str]) -> list[str]:
    """One unique name per artist, in order; a clash is redrawn, then numbered as a last resort."""
    seen: set[str] = set()
    names = []
    for genre in genres:
        name = artist_name(rng, genre)
        for _ in range(8):
            if name not in seen:
                break
            name = artist_name(rng, genre)
        base, n = name, 2
        while name in seen:
            name, n = f"{base} {n}", n + 1
        seen.add(name)
        names.append(name)
    return names


def venue_name(rng: np.random.Generator, venue_type: str, city: str) -> str:
    """A venue name fit for its type: "The Velvet Room", "Summit Bank Arena", "Lakeside Amphitheater"."""
    roll = rng.random()
    if venue_type == "club":
        if roll < 0.5:
            return f"The {_pick(rng, ADJECTIVES)} {_pick(rng, CLUB_NOUNS)}"
        return f"{_pick(rng, NOUNS)} {_pick(rng, CLUB_NOUNS)}"
    if venue_type == "theater":
        if roll < 0.4:
            return f"The {_pick(rng, LAST_NAMES)} Theatre"
        if roll < 0.7:
            return f"{city} {_pick(rng, ('Music Hall', 'Playhouse', 'Theater', 'Auditorium'))}"
        return f"{_pick(rng, ADJECTIVES)} {_pick(rng, ('Theater', 'Music Hall', 'Palace'))}"
    if venue_type == "arena":
        return f"{_pick(rng, SPONSORS)} {'Arena' if roll < 0.7 else 'Center'}"
    if venue_type == "amphitheater":
        if roll < 0.5:
            return f"{_pick(rng, LANDSCAPES)} Amphitheater"
        return f"{_pick(rng, SPONSORS)} {'Pavilion' if roll < 0.75 else 'Amphitheatre'}"
    return f"{_pick(rng, SPONSORS)} {'Stadium' if roll < 0.75 else 'Field'}"


def venue_names(rng: np.random.Generator, venue_types: list[str], cities: list[str]) -> list[str]:
    """One name per venue, unique within its city (a clash gets the city's name appended, then a number)."""
    seen: set[tuple[str, str]] = set()
    names = []
    for venue_type, city in zip(venue_types, cities, strict=True):
        name = venue_name(rng, venue_type, city)
        if (name, city) in seen:
            name = venue_name(rng, venue_type, city)
        base, n = name, 2
        while (name, city) in seen:
            name, n = f"{base} {city}" if n == 2 else f"{base} {n}", n + 1
        seen.add((name, city))
        names.append(name)
    return names
