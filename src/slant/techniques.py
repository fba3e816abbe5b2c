"""The 14 persuasion techniques of the PTC corpus, with definitions in our own words.

The names are written exactly as in the corpus (SemEval-2020 Task 11); the
definitions are what the reading view and the reports show on hover.
"""

from __future__ import annotations

TECHNIQUES: dict[str, str] = {
    "Appeal_to_Authority": "Claims something is true mainly because an expert, official or institution is said to back it.",
    "Appeal_to_fear-prejudice": "Seeks support by stirring anxiety, panic or existing prejudice about what might happen.",
    "Bandwagon,Reductio_ad_hitlerum": "Urges agreement because everyone supposedly agrees, or rejects an idea by tying it to a hated group.",
    "Black-and-White_Fallacy": "Presents two options as the only ones when more exist, or demands one side without nuance.",
    "Causal_Oversimplification": "Puts a complex outcome down to a single cause, ignoring the others.",
    "Doubt": "Questions the credibility of a person or institution without offering evidence.",
    "Exaggeration,Minimisation": "Blows something up beyond the facts, or plays it down to make it seem harmless.",
    "Flag-Waving": "Leans on national or group pride and identity to justify a position.",
    "Loaded_Language": "Uses words with strong emotional weight to sway the reader rather than inform.",
    "Name_Calling,Labeling": "Attaches a label, insult or praise word to a person or group the reader should fear, hate or love.",
    "Repetition": "Repeats the same message or phrase so that it sticks and seems accepted.",
    "Slogans": "Offers a short, catchy phrase in place of an argument.",
    "Thought-terminating_Cliches": "Uses a stock phrase that discourages further thought or discussion.",
    "Whataboutism,Straw_Men,Red_Herring": "Deflects by pointing at an opponent's faults, distorting their view, or changing the subject.",
}

NAMES: tuple[str, ...] = tuple(sorted(TECHNIQUES))


def display_name(label: str) -> str:
    """A human-readable form of a technique name: ``Name_Calling,Labeling`` -> ``Name calling, labeling``."""
    text = label.replace("_", " ").replace(",", ", ").replace("-", " / " if label == "Appeal_to_fear-prejudice" else "-")
    return text[:1].upper() + text[1:].lower() if text.isupper() else text
