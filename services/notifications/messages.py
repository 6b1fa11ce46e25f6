"""What each kind of notice says: its subject, and its notice, text and HTML bodies from Jinja templates.

A template is given only the data it needs, named in ``KINDS``: never a whole event or a whole row, so
that nothing confidential (a conviction, a disclosure, a restriction, a suspension's reason, a vote)
can reach an email or a notice by accident. tests/notifications/unit/test_messages.py renders every
kind with data full of such facts and checks that none appears.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")


@dataclasses.dataclass(frozen=True)
class Kind:
    """One kind of notice: its subject and the only fields its templates are given."""

    subject: str
    fields: tuple[str, ...]


KINDS = {
    "member_admitted": Kind("Welcome: you are a member", ("display_name", "member_name", "notices_url")),
    # A placeholder (wt-prefs) to test the digest with a chatty kind: the full one replaces it at the merge.
    "proposal_decided": Kind("A vote is decided", ("display_name", "notices_url")),
}

_text = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=False,
                    keep_trailing_newline=True)
_html = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                    autoescape=select_autoescape(default=True))


@dataclasses.dataclass(frozen=True)
class Message:
    subject: str
    notice: str
    text: str
    html: str


def render(kind: str, data: dict) -> Message:
    """Render one kind of notice from the fields it names (and nothing else of ``data``)."""
    spec = KINDS[kind]
    given = {name: data[name] for name in spec.fields}
    return Message(
        subject=spec.subject,
        notice=_text.get_template(f"{kind}_notice.txt").render(given).strip(),
        text=_text.get_template(f"{kind}.txt").render(given),
        html=_html.get_template(f"{kind}.html").render(subject=spec.subject, **given),
    )
