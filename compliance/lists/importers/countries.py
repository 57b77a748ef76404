"""Country names as the lists write them, to ISO 3166-1 alpha-2 codes."""

from __future__ import annotations

from functools import lru_cache

import pycountry

# Names in OFAC's spelling that pycountry's lookup does not resolve.
ALIASES = {
    "burma": "MM",
    "korea, north": "KP",
    "north korea": "KP",
    "korea, south": "KR",
    "south korea": "KR",
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "turkey": "TR",
    "west bank": "PS",
    "gaza": "PS",
    "palestinian": "PS",
    "congo, democratic republic of the": "CD",
    "congo, republic of the": "CG",
    "cote d ivoire": "CI",
    "cote d'ivoire": "CI",
    "laos": "LA",
    "vietnam": "VN",
    "venezuela": "VE",
    "bolivia": "BO",
    "tanzania": "TZ",
    "moldova": "MD",
    "macau": "MO",
    "taiwan": "TW",
    "kosovo": "XK",
    "the bahamas": "BS",
    "bahamas, the": "BS",
    "gambia, the": "GM",
    "the gambia": "GM",
    "czech republic": "CZ",
    "united kingdom": "GB",
    "united states": "US",
    "brunei": "BN",
    "micronesia, federated states of": "FM",
    "region: crimea": "UA",
    "crimea": "UA",
    "netherlands antilles": "AN",
    "yugoslavia": "RS",
    "serbia and montenegro": "RS",
    "soviet union": "RU",
    "swaziland": "SZ",
    "macedonia": "MK",
    "north macedonia": "MK",
    "cabo verde": "CV",
    "cape verde": "CV",
    "holy see": "VA",
    "vatican city": "VA",
}


@lru_cache(maxsize=1024)
def country_code(name: str) -> str:
    """The alpha-2 code for a country name, or "" when it cannot be told."""
    key = " ".join(name.replace(".", "").split()).lower()
    if not key:
        return ""
    if len(key) == 2 and pycountry.countries.get(alpha_2=key.upper()):
        return key.upper()
    if key in ALIASES:
        return ALIASES[key]
    for lookup in ("name", "common_name", "official_name"):
        found = pycountry.countries.get(**{lookup: key})
        if found:
            return found.alpha_2
    try:
        return pycountry.countries.search_fuzzy(key)[0].alpha_2
    except LookupError:
        return ""
