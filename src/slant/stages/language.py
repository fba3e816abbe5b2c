"""``language``: which language the article is written in (lingua)."""

from __future__ import annotations

import functools

from ..doc import Doc
from ..pipeline import register

# Restricted on purpose: lingua with all 75 languages costs 1.3 GB of memory.
# These are the languages our sources are published or translated in most.
LANGUAGES = (
    "ENGLISH", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH",
    "RUSSIAN", "UKRAINIAN", "POLISH", "TURKISH", "ARABIC", "PERSIAN",
    "CHINESE", "JAPANESE", "KOREAN",
)
SAMPLE_CHARS = 4000
MIN_CONFIDENCE = 0.5


@functools.lru_cache(maxsize=1)
def _detector():  # type: ignore[no-untyped-def]
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(*(getattr(Language, n) for n in LANGUAGES)).build()


def detect(text: str) -> str | None:
    """ISO 639-1 code of ``text``'s language, or None when lingua is unsure."""
    sample = text[:SAMPLE_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None
    values = _detector().compute_language_confidence_values(sample)
    if not values or values[0].value < MIN_CONFIDENCE:
        return None
    return values[0].language.iso_code_639_1.name.lower()


class LanguageStage:
    def __call__(self, doc: Doc) -> Doc:
        found = detect(doc.text[doc.article.body_start():] or doc.text)
        # What the text says wins over what the page declares; a declared
        # language is kept only when the text is too short to tell.
        language = found or doc.article.language
        doc.article = doc.article.replace(language=language)
        return doc


@register("language", adds=("article.language",), description="detects the article's language")
def language_stage() -> LanguageStage:
    _detector()
    return LanguageStage()
