"""Masking of personal data (NIK, NIP, phone numbers, e-mail addresses, names).

The mask functions are pure. ``scrub_text`` finds personal data inside free text and replaces it by
its mask; besides the regex-shaped identifiers it masks names the hub has seen, which the hub
announces through ``register_names`` (a bounded, thread-safe, process-wide LRU registry).

Numeric patterns are delimited by digits only, not by letters: ``NIK3671015501900001`` is masked
too. Privacy wins over readability, so a rare hash containing 16 consecutive decimal digits will be
partly masked in logs.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Iterable

__all__ = [
    "DEFAULT_REGISTRY_SIZE",
    "NameRegistry",
    "mask_email",
    "mask_name",
    "mask_nik",
    "mask_nip",
    "mask_phone",
    "name_registry",
    "register_names",
    "scrub_text",
]

# Name keys (a name and its variants, ~1.5 per reporter) kept for masking, ~0.56 KB each. A name
# is registered when its record is read and again when its ticket is claimed for a push, so it
# only has to outlive a page and a push group in flight, not the whole backlog: 100,000 keys held
# 56 MB once a backfill had seen that many people, the only memory that grew with its size.
DEFAULT_REGISTRY_SIZE = 20_000

# re.ASCII: \d and \w must not match other scripts' digits, or "digit boundaries" would leak
# through them.
_PII = re.compile(
    r"""
    (?P<email>(?<![\w.%+-])[\w.%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,})
    | (?P<nip>(?<!\d)(?:\d{18}|\d{8}(?P<nipsep>[ .-])\d{6}(?P=nipsep)\d(?P=nipsep)\d{3})(?!\d))
    | (?P<nik>(?<!\d)(?:\d{16}|\d{4}(?P<niksep>[ .-])\d{4}(?P=niksep)\d{4}(?P=niksep)\d{4})(?!\d))
    # Mobile numbers only (08[1-9]x…): a stricter shape than "10-13 digits" keeps dates such as
    # 08-12-2024 and toll-free 0800 numbers readable. The operator prefix must be contiguous.
    # "(0812) 3456-7890" and "+62 (812) …" are how numbers are written on forms.
    | (?P<phone>(?<![\d+])(?:\+62[ .-]?\(?|62[ .-]?\(?|\(?0)8[1-9]\d\)?(?:[ .-]?\d){6,9}(?!\d))
    """,
    re.VERBOSE | re.ASCII,
)
# A mistyped NIK (15 or 17 digits, or grouped 6-6-4) is only recognisable by its label: "NIK",
# "KTP", "No. KTP", "nomor induk kependudukan". Unlabelled 15/17-digit numbers stay readable.
_LABELLED_NIK = re.compile(
    r"""
    (?P<label>(?<![A-Za-z])(?:nik|e?-?ktp|nomor\ induk\ kependudukan)(?![A-Za-z])[^\w\n]{0,6})
    (?P<value>(?<!\d)\d(?:[ .-]?\d){13,18}(?!\d))
    """,
    re.VERBOSE | re.ASCII | re.IGNORECASE,
)
_NON_DIGIT = re.compile(r"[^0-9]")
_NAME_TOKEN = re.compile(r"\w+")
# What may separate the words of a name in running text: "M. Ridwan", "Ma'ruf", "Siti-Aisyah".
_NAME_GAP = re.compile(r"[\s.'’-]{1,4}")
# Shorter names ("Al", "Li") would mask ordinary words everywhere.
_MIN_NAME_CHARS = 3
_HONORIFICS = frozenset(
    {"bapak", "bpk", "pak", "ibu", "bu", "sdr", "sdri", "tn", "ny", "nn", "dr", "drs", "dra",
     "ir", "prof", "h", "hj", "kh"}
)  # fmt: skip


def _keep_ends(value: str, head: int, tail: int) -> str:
    # Reveal the ends only when at least half of the value stays hidden.
    if len(value) < 2 * (head + tail):
        return "***" if value else ""
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def _digits(value: str) -> str:
    return _NON_DIGIT.sub("", value)


def mask_nik(nik: str) -> str:
    """``"3671015501900001"`` → ``"3671********0001"``: region code and serial stay readable."""
    return _keep_ends(_digits(nik), 4, 4)


def mask_nip(nip: str) -> str:
    """18-digit NIP → first 4 (birth year) and last 4 digits visible."""
    return _keep_ends(_digits(nip), 4, 4)


def mask_phone(phone: str) -> str:
    """``"081234567890"`` → ``"0812******90"``; ``"+62 812-3456-7890"`` → ``"+62812******90"``.

    The operator prefix and the last two digits stay visible; separators are dropped.
    """
    digits = _digits(phone)
    plus = "+" if phone.lstrip().startswith("+") else ""
    head = 5 if digits.startswith("62") else 4
    if len(digits) < head + 2 + 3:
        return "***" if digits else ""
    return plus + digits[:head] + "*" * (len(digits) - head - 2) + digits[-2:]


def mask_email(email: str) -> str:
    """``"budi.santoso@mail.id"`` → ``"b***@mail.id"``."""
    local, at, domain = email.strip().rpartition("@")
    if not at or not local:
        return "***" if email else ""
    return f"{local[0]}***@{domain}"


def mask_name(name: str) -> str:
    """``"Budi Santoso"`` → ``"B*** S***"``: one initial per word."""
    words = _NAME_TOKEN.findall(name)
    if not words:
        return "***" if name.strip() else ""
    return " ".join(f"{word[0]}***" for word in words)


class _Node:
    __slots__ = ("children", "terminal")

    def __init__(self) -> None:
        self.children: dict[str, _Node] = {}
        self.terminal = False


def _name_key(name: str) -> tuple[str, ...] | None:
    words = tuple(word.casefold() for word in _NAME_TOKEN.findall(name))
    if sum(map(len, words)) < _MIN_NAME_CHARS:
        return None
    return words


def _name_keys(name: str) -> list[tuple[str, ...]]:
    """The name as given plus its core, which is how it usually appears in running text.

    "Dr. Melinda Santoso, S.H." is written "Melinda Santoso" or "Dr. Melinda Santoso" elsewhere:
    degrees follow a comma, honorifics lead.
    """
    keys: list[tuple[str, ...]] = []
    for variant in (name, name.split(",", 1)[0]):
        key = _name_key(variant)
        if key is None:
            continue
        keys.append(key)
        start = 0
        while start < len(key) - 1 and key[start] in _HONORIFICS:
            start += 1
        core = _name_key(" ".join(key[start:]))
        if core is not None:
            keys.append(core)
    return list(dict.fromkeys(keys))


def _trie_insert(root: _Node, key: tuple[str, ...]) -> None:
    node = root
    for word in key:
        node = node.children.setdefault(word, _Node())
    node.terminal = True


def _trie_remove(root: _Node, key: tuple[str, ...]) -> None:
    path = [root]
    for word in key:
        child = path[-1].children.get(word)
        if child is None:
            return
        path.append(child)
    path[-1].terminal = False
    # Prune from the leaf up so evicted names do not leave dead branches behind.
    for depth in range(len(key), 0, -1):
        node = path[depth]
        if node.terminal or node.children:
            break
        del path[depth - 1].children[key[depth - 1]]


class NameRegistry:
    """Names to mask wherever they appear; least recently registered names are evicted first.

    Writers take a lock; readers (every log line) do not: they only call ``dict.get`` on the trie,
    which is atomic, so a concurrent eviction can at worst let one line miss a name being evicted.
    """

    def __init__(self, maxsize: int = DEFAULT_REGISTRY_SIZE) -> None:
        if maxsize < 1:
            raise ValueError("maxsize must be at least 1")
        self._maxsize = maxsize
        self._lock = threading.Lock()
        self._recent: OrderedDict[tuple[str, ...], None] = OrderedDict()
        self._root = _Node()

    def register(self, names: Iterable[str]) -> None:
        keys = [key for name in names for key in _name_keys(name)]
        with self._lock:
            for key in keys:
                if key in self._recent:
                    self._recent.move_to_end(key)
                    continue
                self._recent[key] = None
                _trie_insert(self._root, key)
                if len(self._recent) > self._maxsize:
                    evicted, _ = self._recent.popitem(last=False)
                    _trie_remove(self._root, evicted)

    def clear(self) -> None:
        with self._lock:
            self._recent.clear()
            self._root = _Node()

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _name_key(name) in self._recent

    def __len__(self) -> int:
        return len(self._recent)

    @property
    def trie(self) -> _Node:
        return self._root


name_registry = NameRegistry()


def register_names(names: Iterable[str]) -> None:
    """Remember reporter names so every later ``scrub_text`` (hence every log line) masks them."""
    name_registry.register(names)


def _mask_match(match: re.Match[str]) -> str:
    text = match.group()
    if match.group("email") is not None:
        return mask_email(text)
    if match.group("phone") is not None:
        return mask_phone(text)
    if match.group("nip") is not None:
        return mask_nip(text)
    return mask_nik(text)


def _longest_name(roots: list[_Node], words: list[re.Match[str]], start: int, text: str) -> int:
    """Index one past the last word of the longest known name starting at ``words[start]``."""
    best = -1
    for root in roots:
        node: _Node | None = root
        index = start
        while node is not None and index < len(words):
            if index > start:
                gap = text[words[index - 1].end() : words[index].start()]
                if _NAME_GAP.fullmatch(gap) is None:
                    break
            node = node.children.get(words[index].group().casefold())
            index += 1
            if node is not None and node.terminal and index > best:
                best = index
    return best


def _mask_names(text: str, roots: list[_Node]) -> str:
    words = list(_NAME_TOKEN.finditer(text))
    pieces: list[str] = []
    cursor = 0
    index = 0
    while index < len(words):
        end = _longest_name(roots, words, index, text)
        if end < 0:
            index += 1
            continue
        span_start, span_end = words[index].start(), words[end - 1].end()
        pieces.append(text[cursor:span_start])
        pieces.append(mask_name(text[span_start:span_end]))
        cursor = span_end
        index = end
    if not pieces:
        return text
    pieces.append(text[cursor:])
    return "".join(pieces)


def scrub_text(
    text: str,
    known_names: Iterable[str] = (),
    *,
    registry: NameRegistry | None = name_registry,
) -> str:
    """Replace NIKs, NIPs, mobile numbers, e-mail addresses and known names by their masks.

    Known names are the ones given plus those in ``registry`` (the process-wide one by default;
    ``None`` to skip it). Names match case-insensitively as whole words.
    """
    scrubbed = _LABELLED_NIK.sub(lambda m: m.group("label") + mask_nik(m.group("value")), text)
    scrubbed = _PII.sub(_mask_match, scrubbed)
    roots: list[_Node] = []
    if registry is not None and registry.trie.children:
        roots.append(registry.trie)
    extra = _Node()
    for name in known_names:
        for key in _name_keys(name):
            _trie_insert(extra, key)
    if extra.children:
        roots.append(extra)
    if not roots:
        return scrubbed
    return _mask_names(scrubbed, roots)
