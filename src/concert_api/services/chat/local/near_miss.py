"""Near misses: requests that mention concerts, artists, tickets or venues but ask for something the platform
cannot do — buy or book tickets, cancel, refund, change seats, transfer tickets, films at a cinema, restaurants
or parking near a venue. Each kind gets an honest "I can't do that here" and the nearest thing the assistant can
do (a concert's details, a venue's profile).

The patterns read the delexicalised message ("buy me two tickets for xartistx"), so a venue called "The Film
Room" or an artist called "Dinner Party" never looks like a film or a restaurant. The classifier's training data
holds the same kinds as out-of-scope hard negatives; the patterns make the kind explicit for the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class NearMiss:
    """One kind of request the platform cannot serve: what it is called in a reply and what is offered instead."""

    kind: str
    cannot: str
    instead: str


KINDS: dict[str, NearMiss] = {k.kind: k for k in (
    NearMiss("buy", "buy or book tickets (or merchandise)",
             "show the concert's date, venue and ticket price, so you can buy them from the venue or its ticket "
             "seller"),
    NearMiss("cancel", "cancel tickets or bookings", "show the concert's details"),
    NearMiss("refund", "handle refunds", "show the concert's details; refunds go through the seller you bought from"),
    NearMiss("seats", "change or choose seats", "tell you about the venue, its capacity and its upcoming concerts"),
    NearMiss("transfer", "transfer or resell tickets", "show the concert's details"),
    NearMiss("account", "manage orders, accounts or payments", "answer questions about concerts, venues and sales"),
    NearMiss("film", "look up films or cinema showings", "find concerts, by place, date, genre or artist"),
    NearMiss("food", "find restaurants, bars, hotels or parking", "tell you about the venue and its upcoming "
                                                                   "concerts"),
    NearMiss("listen", "play, stream or download music, or find lyrics", "find the artist's concerts and tell you "
                                                                          "about them"),
    NearMiss("person", "answer personal questions about artists", "tell you an artist's genre, popularity, home "
                                                                   "city, concerts and ticket sales"),
    NearMiss("event_info", "tell door times, set lists or venue rules", "show the concert's date, venue and ticket "
                                                                         "price"),
)}

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in (
    ("refund", r"\b(refunds?|refunded|money back|reimburs\w*|chargeback|return (my|our|the|these|those) "
               r"(tickets?|seats?))\b"),
    ("cancel", r"\b(cancel\w*|call off)\b"),
    ("transfer", r"\b(transfer\w*|resell\w*|re-sell\w*|pass (my|our) tickets?|give (away )?(my|our) tickets?|"
                 r"sell (my|our|these|those) (tickets?|seats?)|send (my|our|the) tickets?)\b"),
    ("seats", r"\b((change|swap|switch|move|upgrade|pick|choose|select|exchange)\w*\s+(\w+\s+){0,2}seats?|"
              r"seat (change|upgrade|swap|selection|map)|(better|different|other|new) seats?|seats? together|"
              r"aisle seat|front row seats?)\b"),
    ("buy", r"(?<!should i )(?<!would )(?<!will )(?<!might )(?<!may )(?<!could )(?<!fans )(?<!people )"
            r"\b(buy|purchase|order|book|reserve|get)\s+(me\s+|us\s+)?"
            r"((a|an|one|two|three|four|five|six|some|the|\d+|xcountx|a pair of|a couple of)\s+)?"
            r"(\w+\s+)?(tickets?|seats?|passes|pass)\b|"
            r"\b(checkout|check out my (cart|basket)|add (\w+ )?tickets? to (my )?(cart|basket)|"
            r"pay for .{0,40}tickets?|ticket order|my order|my booking|my reservation|"
            r"book (me|us) (in|into|for)|(buy|book|reserve|order) (it|them|those|these)|"
            r"get (me|us) (into|in to) |(buy|order|purchase|get)\b.{0,30}\b(merch|merchandise|t-?shirts?|hoodies?|"
            r"vinyl|posters?))\b"),
    ("event_info", r"\b(doors? (open|opening|time)|set ?lists?|dress code|age (limit|restriction)|bag policy|"
                   r"what time (does|do|will) .{0,40}(start|begin|end|finish)|how long (is|will) .{0,30}(show|gig|"
                   r"concert|set) (last|be)|opening act|support act|who is opening)\b"),
    ("listen", r"\b(stream\w*|spotify|apple music|playlists?|lyrics|download\w*|play (me |some |a |the )?(song|track|"
               r"album|music)|play xartistx|listen to|new album|latest album|sing (me )?(a |the )?(\w+ )?song)\b"),
    ("person", r"\b(how old|age|birthday|born|married|wife|husband|girlfriend|boyfriend|net worth|instagram|twitter|"
               r"tiktok|social media|facebook|autograph|meet and greet|fan (club|xvtypex)|newsletter|mailing list|"
               r"fan (mail|message))\b"),
    ("account", r"\b(my (account|password|login|payment|card|receipt|invoice|wallet|e-?tickets?|tickets? "
                r"(were|was|are|is|have|haven't|didn't|never))|(change|reset|update) (my )?(password|email|"
                r"account|payment)|where (are|is) my tickets?|lost my tickets?|didn't (get|receive) my tickets?|"
                r"(print|download|email) (my |the )?tickets?)\b"),
    ("film", r"\b(films?|movies?|cinemas?|screenings?|showtimes?|box office hits?|imax|multiplex|trailers?|"
             r"netflix|box set|tv (shows?|series))\b"),
    ("food", r"\b(restaurants?|eat|eating|dinner|lunch|breakfast|brunch|food|cafes?|coffee|pizza|sushi|burgers?|"
             r"(bars?|pubs?|drinks?) (near|around|close to|by|after|before)|(book|reserve) a table|"
             r"hotels?|motels?|stay(ing)? (near|close|by)|accommodation|airbnb|parking|"
             r"park (near|at|by|close)|taxi|uber|lyft|directions to|get to xvenuex|train to|bus to)\b"),
))


def near_miss(delexicalised: str) -> NearMiss | None:
    """The kind of transactional or off-platform request the (delexicalised) message makes, if any."""
    for kind, pattern in _PATTERNS:
        if pattern.search(delexicalised):
            return KINDS[kind]
    return None
