"""Which new passwords are accepted: NIST SP 800-63B-4, section 3.1.1.2 (the final revision 4, 2025).

A password is the only factor here, so it must have at least 15 characters (the revision's minimum for
a password used on its own); up to 200 are accepted (it asks for at least 64), of any characters, with
no composition rules. It must not be blank, nor one that a guesser tries early: zxcvbn estimates that
from its lists of common and breached passwords, words, names, keyboard patterns, repeats and dates,
and from the person's own name and email (and the co-op's name), given as ``user_inputs``. Only new
passwords are checked: an account whose password is now too weak still signs in.
"""

from __future__ import annotations

import re

from zxcvbn import zxcvbn

MIN_LENGTH = 15
MAX_LENGTH = 200
# zxcvbn's score 3 ("safely unguessable") starts at 10^8 guesses; below it a password is refused.
MIN_SCORE = 3
# zxcvbn takes at most 72 characters, and its time grows fast with length (some 150 ms at 64): a longer
# password is judged by its first 64 (the length the standard asks every verifier to accept).
_ESTIMATED_LENGTH = 64
# Context-specific words, as the standard asks: the service's own name.
SERVICE_WORDS = ("coop", "co-op", "cooperative", "co-operative", "backoffice")
_WORD = re.compile(r"[^\W_]+")


def problem(password: str, email: str = "", name: str = "") -> str | None:
    """Say why a new password is refused, or None if it is accepted (one sentence or two, for the person)."""
    if len(password) < MIN_LENGTH:
        return f"A password needs at least {MIN_LENGTH} characters: a few words in a row are easy to remember."
    if len(password) > MAX_LENGTH:
        return f"A password can have at most {MAX_LENGTH} characters."
    if not password.strip():
        return "A password cannot be only spaces."
    personal = personal_words(email, name)
    estimate = zxcvbn(password[:_ESTIMATED_LENGTH], user_inputs=[*personal, *SERVICE_WORDS])
    if _mostly_personal(estimate, personal):
        return "This password is made mostly of your own name or email: choose words nobody links to you."
    if estimate["score"] < MIN_SCORE:
        advice = [estimate["feedback"]["warning"], *estimate["feedback"]["suggestions"]]
        return " ".join(["This password is too easy to guess."] + [line for line in advice if line])
    return None


def personal_words(email: str, name: str) -> list[str]:
    """The guessable parts of who someone is: the email, its parts before the @, and the words of the name."""
    local = email.split("@", 1)[0]
    words = [email, local, name, *_WORD.findall(local), *_WORD.findall(name)]
    return sorted({word.lower() for word in words if len(word) >= 2})


def _mostly_personal(estimate: dict, personal: list[str]) -> bool:
    # The stretches zxcvbn read as one of the person's words (from whichever of its lists: "smith" is
    # also a common surname); half the password or more is too much.
    found = sum(len(match["token"]) for match in estimate["sequence"]
                if match["pattern"] == "dictionary" and match["matched_word"] in personal)
    return found * 2 >= len(estimate["password"])
