"""The Jinja environment over templates/ (or an organisation's own template folder).

Autoescape is always on: names, topics and notes are written by people and must appear as
text in Outlook, never as markup. Organisation-supplied folders get a sandboxed environment
(which holds only on Jinja 3.1.6 or later: pyproject.toml says why).
"""

from __future__ import annotations

import re
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import (
    Environment,
    FileSystemLoader,
    StrictUndefined,
    Template,
    select_autoescape,
)
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from service.errors import ConfigError

INSTALLED = Path(sys.prefix) / "share" / "onetoone" / "templates"
REPO_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


# Words struck through in Outlook, as the read-back keeps them (``domain.htmltext``).
_STRUCK = re.compile(r"~~((?:(?!~~).)+?)~~")
# A web or mail address in escaped text: as the read-back keeps a link ("name<url>", as
# Exchange's text does), or typed bare. Entities end it, bar "&amp;" (a query's "&"): a
# quote or an angle bracket can never reach the href.
_URL = r"[^\s&<>]*(?:&amp;[^\s&<>]*)*"
_LINK = re.compile(rf"&lt;((?:https?://|mailto:){_URL})&gt;|\b(https?://{_URL})", re.I)


def _link(m: re.Match[str]) -> str:
    if m.group(1):
        return f'&lt;<a href="{m.group(1)}">{m.group(1)}</a>&gt;'
    url = m.group(2).rstrip(".,;:!?)")  # the sentence's punctuation, not the address's
    return f'<a href="{url}">{url}</a>{m.group(2)[len(url):]}'


def struck(text: object) -> Markup:
    """``text`` escaped, with the words the manager struck through in Outlook (read back
    as ``~~words~~``) struck through again: a mail shows what they left, not our marks.
    A link they put in stays one: the words are as read back, the address clickable
    (an address in the text of an HTML mail is not a link: Outlook for Windows shows it as
    plain text)."""
    return Markup(_LINK.sub(_link, _STRUCK.sub(r"<s>\1</s>", str(escape(text)))))


def bdi(text: object) -> Markup:
    """``text`` escaped, in a ``<bdi>``: outside text set among our own words on one line (a
    name in "Mia (manager) & Rob (report)") is laid out on its own. A right-to-left name
    then cannot pull our words after it into its own order, and a bidi control in it
    (U+202E, which reverses what follows) ends where the name does, not at the end of the
    line: a record that reads "(report) Rob & (manager) Mia" misleads whoever relies on it.
    Nothing (an empty string, None) stays nothing: ``x|bdi or "(erased)"``."""
    return Markup("<bdi>%s</bdi>") % (text,) if text else Markup("")


def isolated(text: object) -> str:
    """``text`` between Unicode's first-strong isolate and its closing mark (U+2068, U+2069):
    `bdi` where no markup may go (a page's <title>)."""
    return f"\u2068{text}\u2069"


def default_folder() -> Path:
    """templates/ in a source checkout, or the copy installed under <prefix>/share."""
    return REPO_TEMPLATES if REPO_TEMPLATES.is_dir() else INSTALLED


@lru_cache(maxsize=8)
def environment(folder: str | None = None) -> Environment:
    """The rendering environment; a custom folder (organisation templates) is sandboxed."""
    if folder:
        env: Environment = SandboxedEnvironment(
            loader=FileSystemLoader([folder, str(default_folder())]),
            autoescape=select_autoescape(default_for_string=True, default=True),
            undefined=StrictUndefined,
        )
    else:
        env = Environment(
            loader=FileSystemLoader(str(default_folder())),
            autoescape=select_autoescape(default_for_string=True, default=True),
            undefined=StrictUndefined,
        )
    env.filters["struck"] = struck
    env.filters["bdi"] = bdi
    env.filters["isolated"] = isolated
    env.trim_blocks = True
    env.lstrip_blocks = True
    return env


def template(name: str, folder: str | None = None) -> Template:
    """One template by file name (the organisation's ``folder`` first). A file there that
    cannot be read (copied as root with a strict umask, a mount for another user) is named
    with what to do, not left to fail every run as a bare PermissionError."""
    try:
        return environment(folder).get_template(name)
    except OSError as exc:
        raise unreadable(Path(exc.filename or Path(folder or default_folder()) / name),
                         exc) from exc


def unreadable(path: Path, exc: OSError) -> ConfigError:
    """A template or question bank that could not be read, and what to do."""
    return ConfigError(f"{path}: cannot be read ({exc.strerror or exc}). Make it readable by "
                       "the user onetoone runs as, or remove it from the [agenda] templates "
                       "folder to use the built-in one.")


def render(name: str, folder: str | None = None, **context: Any) -> str:
    """Render one template by file name with ``context``."""
    return template(name, folder).render(**context)
