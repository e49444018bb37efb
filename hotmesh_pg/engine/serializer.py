"""Job state <-> the flat, symbol-compressed fields of a job hash (engine-model 6).

HotMesh keeps a job as one hash of ``field -> text``. Field names are 3-letter key symbols
(per-app tables, assigned at deploy) plus, for activity paths, the dimensional address of
the activity instance (``aCf,0,1``); values carry a type prefix (``/t`` ``/f`` ``/d`` ``/n``
``/s``) or are plain strings, and strings an app declares in its schemas (enum/examples/
default values over 5 characters) are replaced by 2-letter value symbols. Reproducing this
exactly is what makes our exports and raw job hashes read like HotMesh's.

Pure functions do the value encoding and the path <-> tree conversion; :class:`Serializer`
holds one activity's symbol tables and dimension map, as HotMesh's SerializerService does
after ``resetSymbols``. Numbers follow JavaScript: integers beyond 2**53 lose precision the
way they would in HotMesh. Two reference quirks are kept on purpose (deviation 29): empty
strings are never written, and strings that begin with ``/t`` ``/f`` ``/d`` ``/n`` ``/s``
are stored unescaped and so read back altered; reading a ``/s`` value that is not JSON
returns the raw text instead of failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from ..pipe.errors import PipeError
from ..pipe.js import UNDEFINED, json_parse, json_stringify, num, number_to_string, to_number
from ..pipe.jsdate import JSDate

__all__ = [
    "ACTIVITY_METADATA_KEYS",
    "ACTIVITY_UPDATE_KEYS",
    "DATA_SLOTS",
    "JOB_METADATA_KEYS",
    "JOB_UPDATE_KEYS",
    "METADATA_SLOTS",
    "RANGE_SIZE",
    "SYMKEY_MAX",
    "SYMVAL_MAX",
    "Serializer",
    "decode_value",
    "encode_value",
    "filter_sym_vals",
    "get_by_path",
    "is_job_path",
    "restore_hierarchy",
    "sym_key",
    "sym_val",
]

ALPHABET: Final = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
METADATA_SLOTS: Final = 26
"""Symbols reserved per target for metadata paths."""
DATA_SLOTS: Final = 260
"""Symbols reserved per target for data paths."""
RANGE_SIZE: Final = METADATA_SLOTS + DATA_SLOTS
SYMKEY_MAX: Final = 52**3 - 1
SYMVAL_MAX: Final = 52**2 - 1

JOB_METADATA_KEYS: Final = ("ngn", "tpc", "pj", "pg", "pd", "px", "pa", "key", "app", "vrs",
                            "jid", "gid", "aid", "ts", "jc", "ju", "js", "err", "trc")
JOB_UPDATE_KEYS: Final = ("ju", "err")
ACTIVITY_METADATA_KEYS: Final = ("aid", "dad", "as", "atp", "stp", "ac", "au", "err",
                                 "l1s", "l2s")
ACTIVITY_UPDATE_KEYS: Final = ("au", "err", "l2s")

_NEEDS_ESCAPE: Final = re.compile(r":*[A-Za-z]{2}")
_ESCAPED: Final = re.compile(r":+[A-Za-z]{2}")
_DATE_JSON: Final = re.compile(r'"\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:\.\d{3})?Z)?"')


# -- symbols ------------------------------------------------------------------------------

def sym_key(number: int) -> str:
    """The 3-letter key symbol of ``number`` (HotMesh's unusual digit order: 1 -> ``aba``)."""
    if number < 0 or number > SYMKEY_MAX:
        raise ValueError("Number out of range")
    q1, r1 = divmod(number, 52)
    q2, r2 = divmod(q1, 52)
    return ALPHABET[q2] + ALPHABET[r1] + ALPHABET[r2]


def sym_val(number: int) -> str:
    """The 2-letter value symbol of ``number`` (0 -> ``aa``, 2703 -> ``ZZ``)."""
    if number < 0 or number > SYMVAL_MAX:
        raise ValueError("Number out of range")
    q, r = divmod(number, 52)
    return ALPHABET[q] + ALPHABET[r]


def filter_sym_vals(
    start: int, maximum: int, existing: Mapping[str, str], proposed: Iterable[str]
) -> dict[str, str]:
    """New value symbols (symbol -> value) for proposed values not yet registered.

    Numbering continues at ``start``; past ``maximum`` the rest are silently skipped.
    """
    known = set(existing.values())
    new: dict[str, str] = {}
    for value in proposed:
        if value in known:
            continue
        if start > maximum:
            break
        new[sym_val(start)] = value
        known.add(value)
        start += 1
    return new


# -- values ---------------------------------------------------------------------------------

def encode_value(value: Any) -> str | None:
    """HotMesh's ``toString``: a JS value as stored text; ``None`` means "do not write"."""
    if value is UNDEFINED:
        return None
    if isinstance(value, str):
        return value
    if value is True:
        return "/t"
    if value is False:
        return "/f"
    if isinstance(value, int | float):
        return "/d" + number_to_string(value)
    if value is None:
        return "/n"
    text = json_stringify(value)
    return None if text is UNDEFINED else "/s" + str(text)


def decode_value(text: str | None) -> Any:
    """HotMesh's ``fromString``: stored text back to a value (``UNDEFINED`` for ``None``)."""
    if not isinstance(text, str):
        return UNDEFINED
    prefix, rest = text[:2], text[2:]
    if prefix == "/t":
        return True
    if prefix == "/f":
        return False
    if prefix == "/d":
        return num(to_number(rest))
    if prefix == "/n":
        return None
    if prefix == "/s":
        try:
            if _DATE_JSON.fullmatch(rest):
                return JSDate.parse(json_parse(rest))
            return json_parse(rest)
        except PipeError:
            return text  # tolerant read (deviation 29): the raw text, not a crash
    return text


# -- paths ----------------------------------------------------------------------------------

def is_job_path(path: str) -> bool:
    """Job-level paths carry no dimension suffix."""
    return path.startswith(("data/", "metadata/"))


def get_by_path(obj: Any, path: str) -> Any:
    """Walk ``/``-separated segments (dict keys, list indexes); ``UNDEFINED`` when absent.

    A ``None`` met before the last segment also gives ``UNDEFINED`` (the reference would
    throw reading a property of null).
    """
    node = obj
    for part in path.split("/"):
        if isinstance(node, dict):
            if part not in node:
                return UNDEFINED
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return UNDEFINED
        if node is UNDEFINED:
            return UNDEFINED
    return node


def restore_hierarchy(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Rebuild a tree from ``/``-separated paths; later paths win, ``UNDEFINED`` skipped."""
    root: dict[str, Any] = {}
    for path, value in flat.items():
        if value is UNDEFINED:
            continue
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return root


# -- the stateful service ---------------------------------------------------------------

class Serializer:
    """Symbol tables and dimension ids for one state read or write.

    ``sym_keys``: symbol-set id (``$<topic>`` or an activity id) -> {long path -> symbol};
    ``sym_vals``: value symbol -> value (the ``sym:vals:`` hash as stored);
    ``dids``: activity id -> dimensional address (``,0,1``), plus ``$ADJACENT`` for
    pre-authorised children.
    """

    needs_escape: re.Pattern[str] = _NEEDS_ESCAPE
    """Stored text that would read as a value symbol (gets a ``:`` prefix); fullmatch."""
    escaped: re.Pattern[str] = _ESCAPED
    """Stored text carrying that ``:`` prefix; fullmatch."""

    @staticmethod
    def encode(value: Any) -> str | None:
        """One value as stored text (``None``: not written); :func:`encode_value`."""
        return encode_value(value)

    def __init__(
        self,
        sym_keys: Mapping[str, Mapping[str, str]] | None = None,
        sym_vals: Mapping[str, str] | None = None,
        dids: Mapping[str, str] | None = None,
    ) -> None:
        self.reset_symbols(sym_keys or {}, sym_vals or {}, dids or {})

    def reset_symbols(
        self,
        sym_keys: Mapping[str, Mapping[str, str]],
        sym_vals: Mapping[str, str],
        dids: Mapping[str, str],
    ) -> None:
        self.sym_keys: dict[str, dict[str, str]] = {k: dict(v) for k, v in sym_keys.items()}
        self._reverse_keys: dict[str, dict[str, str]] = {}
        self.sym_vals: dict[str, str] = dict(sym_vals)
        self.sym_vals_reverse: dict[str, str] = {v: k for k, v in self.sym_vals.items()}
        self.dids: dict[str, str] = dict(dids)

    # -- field names ------------------------------------------------------------------
    def resolve_dimensional_index(self, path: str) -> str:
        """``''`` for job paths, else the dad of the path's activity (``,0`` fallback)."""
        if is_job_path(path):
            return ""
        head = path.split("/", 1)[0]
        if head in self.dids:
            return self.dids[head]
        if "$ADJACENT" in self.dids:
            return self.dids["$ADJACENT"]
        return ",0"

    def abbreviate(
        self, consumes: Mapping[str, Iterable[str]], symbol_names: Iterable[str],
        fields: list[str] | None = None,
    ) -> list[str]:
        """Field names to HMGET for ``consumes`` (appended to ``fields``, e.g. ``[':']``).

        Like the reference, a path without a symbol is requested by its bare long path
        (no dimension suffix).
        """
        out = fields if fields is not None else []
        for name in symbol_names:
            table = self.sym_keys.get(name, {})
            for path in consumes.get(name, ()):
                symbol = table.get(path)
                out.append(f"{symbol}{self.resolve_dimensional_index(path)}" if symbol
                           else path)
        return out

    def _reverse(self, name: str) -> dict[str, str]:
        found = self._reverse_keys.get(name)
        if found is None:
            found = {sym: path for path, sym in self.sym_keys.get(name, {}).items()}
            self._reverse_keys[name] = found
        return found

    def compress(self, document: Mapping[str, str], ids: Iterable[str]) -> dict[str, str]:
        """Long paths -> symbol + dimension; ``-``/``_`` literals kept; others dropped."""
        if not self.sym_keys:
            return dict(document)
        result: dict[str, str] = {}
        for set_id in ids:
            table = self.sym_keys.get(set_id)
            if table is None:
                continue
            is_job_set = set_id.startswith("$")
            for key, text in document.items():
                if key.startswith(set_id + "/") or (
                    is_job_set and key.split("/", 1)[0] in ("data", "metadata")
                ):
                    result[table.get(key, key) + self.resolve_dimensional_index(key)] = text
                elif key not in result and key.startswith(("-", "_")):
                    result[key] = text
        return result

    def decompress(
        self, document: Mapping[str, str | None], ids: Iterable[str]
    ) -> dict[str, str | None]:
        """Symbol fields -> long paths (the dimension suffix is dropped)."""
        result = dict(document)
        if not self.sym_keys:
            return result
        for set_id in ids:
            if set_id not in self.sym_keys:
                continue
            reverse = self._reverse(set_id)
            for key in list(result):
                long = reverse.get(key.split(",", 1)[0])
                if long:
                    result[long] = result.pop(key)
        return result

    # -- values -----------------------------------------------------------------------
    def stringify(self, document: Mapping[str, Any]) -> dict[str, str]:
        """Encode each value; escape 2-letter strings; swap in value symbols."""
        result: dict[str, str] = {}
        for key, value in document.items():
            text = self.encode(value)
            if not text:
                continue  # undefined and '' are never written
            if self.needs_escape.fullmatch(text):
                text = ":" + text
            else:
                text = self.sym_vals_reverse.get(text, text)
            result[key] = text
        return result

    def parse(self, document: Mapping[str, str | None]) -> dict[str, Any]:
        """Decode each stored text (``None`` entries, i.e. absent fields, are skipped)."""
        result: dict[str, Any] = {}
        for key, text in document.items():
            if text is None:
                continue
            if self.escaped.fullmatch(text):
                result[key] = text[1:]
                continue
            if len(text) == 2 and text in self.sym_vals:
                text = self.sym_vals[text]
            result[key] = decode_value(text)
        return result

    def package(self, state: Mapping[str, Any], ids: Iterable[str]) -> dict[str, str]:
        """Flat state (path -> value) -> hash fields (name -> text)."""
        return self.compress(self.stringify(state), list(ids))

    def unpackage(self, document: Mapping[str, str | None], ids: Iterable[str]) -> dict[str, Any]:
        """Hash fields -> flat state (path -> value)."""
        return self.parse(self.decompress(document, list(ids)))

    def export(self) -> dict[str, dict[str, str]]:
        """A copy of the key symbol tables."""
        return {k: dict(v) for k, v in self.sym_keys.items()}
