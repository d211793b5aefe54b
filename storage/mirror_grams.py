"""The words of the copy's short-term index (`mirror_grams`, see its migration): every character and every pair of
neighbouring characters of a number's search columns, as one word each, so that a term of 1–2 characters (which
has no trigram) is found and counted from the index instead of by reading every row of the account.

A word is a tag (`d`: the digits of either phone; `w`: the description casefolded) and the hex code points of
the characters joined by `x`: "ив" in a description is `w438x432`. Only letters and digits, so FTS5's own
tokenizer keeps each word whole.

SQLite calls `gram_words` from the triggers that keep the index, so every connection that writes
mirror_numbers must have it (storage.database.connect registers it). The index is contentless: to delete a row
it is given the words again, computed from the row's old values; changing what `gram_words` returns therefore
needs a migration that rebuilds mirror_grams.
"""

from __future__ import annotations

FUNCTION = "gram_words"
SHORTEST_TRIGRAM = 3  # a term this long or longer goes to the trigram index instead


_WORDS: dict[str, str] = {}  # tag + gram -> its word: the grams of real text repeat, formatting them does not pay
_KEPT_WORDS = 100_000


def word(tag: str, gram: str) -> str:
    key = tag + gram
    if (known := _WORDS.get(key)) is not None:
        return known
    if len(_WORDS) >= _KEPT_WORDS:
        _WORDS.clear()
    _WORDS[key] = made = tag + "x".join(f"{ord(character):x}" for character in gram)
    return made


def grams(*texts: str) -> list[str]:
    """The characters and the pairs of neighbouring characters of the texts, each once, in order of appearance."""
    found: dict[str, None] = {}
    for text in texts:
        found.update(dict.fromkeys(text))
        found.update(dict.fromkeys(map(str.__add__, text, text[1:])))
    return list(found)


def gram_words(digits_x: str | None, digits_b: str | None, folded: str | None) -> str:
    """The words of one number (SQLite calls it once for each row written, so it is kept lean)."""
    return " ".join([word("d", gram) for gram in grams(digits_x or "", digits_b or "")]
                    + [word("w", gram) for gram in grams(folded or "")])


def query(*, digits: str = "", words: str = "") -> str:
    """An FTS5 query of mirror_grams for rows whose digits hold `digits` or whose description holds `words`
    (each of 1–2 characters, or empty: not looked for)."""
    assert 0 < len(digits or words) and len(digits) < SHORTEST_TRIGRAM and len(words) < SHORTEST_TRIGRAM
    return " OR ".join([word("d", digits)] * bool(digits) + [word("w", words)] * bool(words))
