"""Secrets out of everything the Actor writes: the CoinGlass key and the webhook URL, in any case, whole or in part.

Whatever the Actor writes passes through here: dataset items (`QueryResult.item`), the `OUTPUT` record, status
messages, log records (`LogScrubber`, a filter on the log handlers), the webhook body and the text of charts; and
CoinGlass's replies are scrubbed as they are read, so nothing drawn from them (a chart's labels) can carry a secret.

A secret is hidden wherever it appears, in any letter case, and so is any part of it of MIN_PART_CHARS characters or
more: a server that echoes half the key, upper-cased, inside `data` leaks as much as one that echoes it whole. Eight
characters is the shortest part hidden because it is where a part stops being ordinary text: a key's 8 characters
are 32 bits of it or more (a guess at the rest is then 2^32 times easier), while shorter runs (`BTCUSDT`, a price,
`Binance`) would start hiding the data itself. A secret shorter than that is hidden only where it stands alone (not
inside a word or number). Of a webhook URL, the parts are its path, query and fragment pieces (the scheme and host,
`https://hooks.slack.com`, are not secret); of the key, all of it.

The secrets are registered once per run (`keep_secret`), by whoever holds them: the client for the key, the run for
the webhook URL. They stay registered for the life of the process.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Final
from urllib.parse import urlsplit

MIN_PART_CHARS: Final = 8
HIDDEN: Final = '[hidden]'
_URL_PIECES: Final = re.compile(r'[/?&=#;:@]+')


class _Secrets:
    """The secrets registered so far, and the pattern that finds them and any long enough part of them."""

    def __init__(self) -> None:
        self.whole: set[str] = set()
        self.needles: set[str] = set()
        self.tokens: set[str] = set()
        self.pattern: re.Pattern[str] | None = None
        self.shortest = MIN_PART_CHARS

    def keep(self, secret: str) -> None:
        secret = secret.strip().lower()
        if not secret or secret in self.whole:
            return
        self.whole.add(secret)
        if len(secret) < MIN_PART_CHARS:
            self.tokens.add(secret)  # too short to hide inside words: hidden where it stands alone
        else:
            self.needles.add(secret)
        for material in _materials(secret):
            self.needles.update(material[start : start + MIN_PART_CHARS] for start in range(len(material) - 7))
        alternatives = [re.escape(needle) for needle in sorted(self.needles, key=len, reverse=True)]
        alternatives += [rf'(?<![0-9a-z]){re.escape(token)}(?![0-9a-z])' for token in self.tokens]
        self.shortest = min(map(len, self.needles | self.tokens))
        self.pattern = re.compile('(?=(' + '|'.join(alternatives) + '))')


def _materials(secret: str) -> list[str]:
    """The parts of a secret whose every MIN_PART_CHARS characters are secret too.

    Of a URL, its path, query and fragment pieces and its user info of MIN_PART_CHARS or more (none: only the
    whole URL is hidden); of anything else, all of it.
    """
    if '://' not in secret:
        return [secret] if len(secret) >= MIN_PART_CHARS else []
    try:
        parts = urlsplit(secret)
    except ValueError:
        return []
    pieces = _URL_PIECES.split(f'{parts.path}?{parts.query}#{parts.fragment}')
    pieces += [parts.username or '', parts.password or '']
    return [piece for piece in pieces if len(piece) >= MIN_PART_CHARS]


_SECRETS: Final = _Secrets()


def keep_secret(secret: str | None) -> None:
    """Register a secret: from now on it (and any long enough part of it) is hidden in whatever is scrubbed."""
    if secret:
        _SECRETS.keep(secret)


def scrub(text: str) -> str:
    """`text` with every registered secret, and every part of one of MIN_PART_CHARS or more, as `[hidden]`."""
    pattern = _SECRETS.pattern
    if pattern is None or len(text) < _SECRETS.shortest:
        return text
    spans: list[list[int]] = []
    for found in pattern.finditer(text.lower()):
        start, end = found.start(), found.start() + len(found.group(1))
        if spans and start <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], end)
        else:
            spans.append([start, end])
    if not spans:
        return text
    pieces, previous = [], 0
    for start, end in spans:
        pieces += [text[previous:start], HIDDEN]
        previous = end
    return ''.join([*pieces, text[previous:]])


def scrub_value(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings, numbers) with every string in it scrubbed, keys included.

    The value is returned as it is (the same object) when nothing in it holds a secret; only what changed is copied.
    """
    if _SECRETS.pattern is None:
        return value
    return _scrubbed(value)


def _scrubbed(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        pairs = [(scrub(key) if isinstance(key, str) else key, _scrubbed(item)) for key, item in value.items()]
        same = zip(pairs, value.items(), strict=True)
        if all(new_key is key and new is item for (new_key, new), (key, item) in same):
            return value
        return dict(pairs)
    if isinstance(value, (list, tuple)):
        items = [_scrubbed(item) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items)
    return value


class LogScrubber(logging.Filter):
    """A log filter that scrubs each record's message, arguments and traceback (install it on the handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Always keep the record, with its text scrubbed."""
        if _SECRETS.pattern is None:
            return True
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = record.getMessage(), None
        for name, value in vars(record).items():  # the message, the traceback, and any extra fields
            if name not in {'args', 'exc_info'} and isinstance(value, (str, dict, list)):
                setattr(record, name, scrub_value(value))
        return True
