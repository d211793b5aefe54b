"""Every language says what Russian says: the same texts, each with the same {placeholders}."""

from __future__ import annotations

import string

import pytest

from handlers import texts
from handlers.texts import RUSSIAN, Texts

LANGUAGES = {name: value for name, value in vars(texts).items()
             if isinstance(value, Texts) and value is not RUSSIAN}


def attributes(t: Texts) -> dict[str, object]:
    """The language's texts by name: its public attributes that are not methods."""
    return {name: getattr(t, name) for name in dir(t)
            if not name.startswith("_") and not callable(getattr(t, name))}


def shape(value: object) -> object:
    """What a translation keeps: a text's placeholders; a dict's keys and its values' shapes; a tuple's."""
    if isinstance(value, str):
        return {field for _, field, _, _ in string.Formatter().parse(value) if field is not None}
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [shape(item) for item in value]
    return type(value).__name__


def test_there_is_a_language_besides_russian():
    assert "ENGLISH" in LANGUAGES


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_every_language_has_the_attributes_of_russian(name: str):
    # a misspelt override would be an extra attribute here, and users would see its Russian original
    ours, russian = attributes(LANGUAGES[name]).keys(), attributes(RUSSIAN).keys()
    assert ours == russian, f"{name} lacks {sorted(russian - ours)}; Russian lacks {sorted(ours - russian)}"


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_every_text_has_the_placeholders_of_its_russian_original(name: str):
    russian = attributes(RUSSIAN)
    wrong = [f"{name}.{attribute}: {shape(text)} where Russian has {shape(russian[attribute])}"
             for attribute, text in attributes(LANGUAGES[name]).items()
             if attribute in russian and shape(text) != shape(russian[attribute])]
    assert not wrong, "\n".join(wrong)


def own_texts(t: Texts) -> set[str]:
    """The texts a language writes itself: set in its own class (or a parent below Texts), not inherited from
    Russian, which a language class extends so that a missing line would quietly show Russian."""
    own: set[str] = set()
    for cls in type(t).__mro__:
        if cls is Texts:
            break
        own |= {name for name, value in vars(cls).items() if not name.startswith("_") and not callable(value)}
    return own


@pytest.mark.parametrize("name", sorted(LANGUAGES))
def test_every_text_is_written_in_every_language(name: str):
    missing = sorted(attributes(RUSSIAN).keys() - own_texts(LANGUAGES[name]))
    assert not missing, f"{name} falls back to Russian for {missing}"
