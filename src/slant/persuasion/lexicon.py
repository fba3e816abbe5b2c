"""Figurative words that news propaganda aims at political actors: animals, vermin, disease, filth, puppetry.

Our own short list (not taken from any resource), used as a feature of the second-stage scorer and to make a word
from it a candidate span even where the SI head is unsure: PTC's network seldom proposes such metaphors ("a pack of
hyenas", "a cancer on the nation"), so without this they never reach the scorer. Words are matched whole, lowercased,
with a few inflected forms listed.
"""

from __future__ import annotations

import re

FIGURATIVE = frozenset("""
animal animals beast beasts brute brutes vermin rat rats rodent rodents cockroach cockroaches roach roaches
snake snakes serpent serpents viper vipers rattlesnake jackal jackals hyena hyenas vulture vultures wolf wolves
dog dogs lapdog lapdogs poodle poodles cur curs mongrel mongrels pig pigs swine hog hogs sheep sheeple
parasite parasites parasitic leech leeches bloodsucker bloodsuckers locust locusts pest pests pestilence
worm worms maggot maggots lice louse termite termites spider spiders octopus tentacles predator predators
predatory monster monsters monstrous demon demons demonic devil devils ghoul ghouls zombie zombies
virus viruses viral cancer cancerous tumor tumour tumors tumours plague plagues disease diseased diseases
infection infected infect infects contagion contagious epidemic pandemic pathogen pathogens poison poisonous
poisoned poisoning toxic toxin toxins venom venomous rot rotten rotting gangrene leprosy leper lepers sickness
sick sickening filth filthy scum garbage trash sewer cesspool swamp slime slimy stench stink stinking
puppet puppets puppeteer puppeteers pawn pawns stooge stooges lackey lackeys henchman henchmen minion minions
vassal vassals servant servants slave slaves master masters clown clowns circus thug thugs gangster gangsters
mafia mob cabal clique junta regime regimes warmonger warmongers warmongering butcher butchers
""".split())

_WORD = re.compile(r"[A-Za-z]+(?:[-'’][A-Za-z]+)*")


def figurative_words(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """``[start, end)`` of each word of ``text[start:end]`` on the list."""
    end = len(text) if end is None else end
    return [(m.start(), m.end()) for m in _WORD.finditer(text, start, end) if m.group().lower() in FIGURATIVE]
