"""``{@object.*}``: JS ``Object`` statics and prototype methods over JSON-shaped values.

Keys are strings as in JS (``object.set(o, 5, x)`` writes key ``'5'``) and dict key order
follows JS enumeration (array-index keys first). Property descriptors exist only as far as
JSON can show them: a property defined non-enumerable is invisible to keys, JSON and
persistence, so the port simply does not store it. Freeze/seal marks live in memory for
the current evaluation (:mod:`hotmesh_pg.pipe.integrity`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hotmesh_pg.pipe import integrity
from hotmesh_pg.pipe.errors import PipeRangeError, PipeTypeError
from hotmesh_pg.pipe.js import (
    UNDEFINED,
    JSDate,
    get_property,
    is_array_index,
    is_nullish,
    is_object,
    own_keys,
    to_number,
    to_property_key,
    to_string,
    to_uint32,
    truthy,
    typeof,
    utf16_units,
)

__all__ = ["FUNCTIONS", "set_property"]


def _keys(obj: Any) -> list[str]:
    """Own enumerable string keys (Object.keys after ToObject)."""
    if isinstance(obj, dict):
        return own_keys(obj)
    if isinstance(obj, list):
        return [str(i) for i in range(len(obj))]
    if isinstance(obj, str):
        return [str(i) for i in range(len(utf16_units(obj)))]
    return []


def _require_object_coercible(obj: Any) -> None:
    if is_nullish(obj):
        raise PipeTypeError("Cannot convert undefined or null to object")


def set_property(obj: Any, prop: Any, value: Any) -> None:
    """``obj[prop] = value`` in strict mode, for the containers JSON can hold."""
    key = to_property_key(prop)
    if isinstance(obj, dict):
        existing = key in obj
        integrity.check_mutable(obj, key, adding=not existing)
        obj[key] = value
    elif isinstance(obj, list):
        if is_array_index(key):
            index = int(key)
            integrity.check_mutable(obj, key, adding=index >= len(obj))
            if index >= len(obj):
                obj.extend([UNDEFINED] * (index + 1 - len(obj)))
            obj[index] = value
        elif key == "length":
            number = to_number(value)
            if to_uint32(number) != number:
                raise PipeRangeError("Invalid array length")
            integrity.check_mutable(obj, key, adding=False)
            size = int(number)
            del obj[size:]
            obj.extend([UNDEFINED] * (size - len(obj)))
        # other keys on an array are invisible to JSON and persistence: nothing to keep
    elif isinstance(obj, JSDate):
        pass
    else:
        raise PipeTypeError(
            f"Cannot create property '{key}' on {typeof(obj)} '{to_string(obj)}'"
        )


def get(obj: Any = UNDEFINED, prop: Any = UNDEFINED, *_: Any) -> Any:
    return get_property(obj, prop)


def set_(obj: Any = UNDEFINED, prop: Any = UNDEFINED, value: Any = UNDEFINED, *_: Any) -> Any:
    target = obj if truthy(obj) else {}
    set_property(target, prop, value)
    return target


def create(*args: Any) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for i in range(0, len(args), 2):
        result[to_property_key(args[i])] = args[i + 1] if i + 1 < len(args) else UNDEFINED
    return result


def keys(obj: Any = UNDEFINED, *_: Any) -> list[str]:
    return _keys(obj) if truthy(obj) else []


def values(obj: Any = UNDEFINED, *_: Any) -> list[Any]:
    return [get_property(obj, key) for key in _keys(obj)] if truthy(obj) else []


def entries(obj: Any = UNDEFINED, *_: Any) -> list[list[Any]]:
    return [[key, get_property(obj, key)] for key in _keys(obj)] if truthy(obj) else []


def from_entries(iterable: Any = UNDEFINED, *_: Any) -> dict[str, Any]:
    if isinstance(iterable, str):
        items: list[Any] = list(iterable)
    elif isinstance(iterable, list):
        items = iterable
    else:
        shown = to_string(iterable) if not is_object(iterable) else "object"
        raise PipeTypeError(f"{shown} is not iterable")
    result: dict[str, Any] = {}
    for entry in items:
        if not is_object(entry):
            raise PipeTypeError(f"Iterator value {to_string(entry)} is not an entry object")
        result[to_property_key(get_property(entry, "0"))] = get_property(entry, "1")
    return result


def assign(target: Any = UNDEFINED, *sources: Any) -> Any:
    if truthy(target) and not is_object(target):
        # JS boxes the primitive; a string's characters are read-only own properties
        if isinstance(target, str):
            for source in sources:
                if is_nullish(source):
                    continue
                for key in _keys(source):
                    if _owns(target, key):
                        raise PipeTypeError(f"Cannot assign to read only property '{key}' of"
                                            " object '[object String]'")
        # JS returns the primitive's wrapper object; it converts, compares and serialises
        # (JSON.stringify) as the primitive itself, and props added to it are invisible
        # to JSON, so the primitive is the faithful JSON-visible result
        return target
    result = target if truthy(target) else {}
    for source in sources:
        if is_nullish(source):
            continue
        for key in _keys(source):
            set_property(result, key, get_property(source, key))
    return result


def get_own_property_names(obj: Any = UNDEFINED, *_: Any) -> list[str]:
    if not truthy(obj):
        return []
    names = _keys(obj)
    return [*names, "length"] if isinstance(obj, list | str) else names


def get_own_property_symbols(obj: Any = UNDEFINED, *_: Any) -> list[Any]:
    return []  # JSON data has no symbol keys


def _owns(obj: Any, key: str) -> bool:
    if isinstance(obj, dict):
        return key in obj or (is_array_index(key) and int(key) in obj)
    if isinstance(obj, list):
        return key == "length" or (is_array_index(key) and int(key) < len(obj))
    if isinstance(obj, str):
        return key == "length" or (is_array_index(key) and int(key) < len(utf16_units(obj)))
    return False


def get_own_property_descriptor(obj: Any = UNDEFINED, prop: Any = UNDEFINED,
                                *_: Any) -> Any:
    target = obj if truthy(obj) else {}
    key = to_property_key(prop)
    if not _owns(target, key):
        return UNDEFINED
    level = integrity.level_of(target)
    is_length = key == "length" and isinstance(target, list | str)
    writable = not isinstance(target, str) and level != "frozen"
    return {
        "value": get_property(target, key),
        "writable": writable,
        "enumerable": not is_length,
        "configurable": (not is_length and not isinstance(target, str)
                         and level not in ("sealed", "frozen")),
    }


def define_property(obj: Any = UNDEFINED, prop: Any = UNDEFINED,
                    descriptor: Any = UNDEFINED, *_: Any) -> Any:
    if not is_object(obj):
        raise PipeTypeError("Object.defineProperty called on non-object")
    if not is_object(descriptor):
        raise PipeTypeError(f"Property description must be an object: {to_string(descriptor)}")
    key = to_property_key(prop)
    has_value = isinstance(descriptor, dict) and "value" in descriptor
    value = get_property(descriptor, "value")
    enumerable = get_property(descriptor, "enumerable")
    if _owns(obj, key):
        if enumerable is not UNDEFINED and not truthy(enumerable) and isinstance(obj, dict):
            # now non-enumerable: gone from keys, JSON and storage
            integrity.check_mutable(obj, key, adding=False, removing=True)
            obj.pop(key, None)
        elif has_value:
            set_property(obj, key, value)
    elif truthy(enumerable):
        set_property(obj, key, value)
    else:
        integrity.check_mutable(obj, key, adding=True)
    return obj


def define_properties(obj: Any = UNDEFINED, props: Any = UNDEFINED, *_: Any) -> Any:
    if not is_object(obj):
        raise PipeTypeError("Object.defineProperties called on non-object")
    _require_object_coercible(props)
    for key in _keys(props):
        define_property(obj, key, get_property(props, key))
    return obj


def _marker(level: integrity.Level) -> Callable[..., Any]:
    def mark(obj: Any = UNDEFINED, *_: Any) -> Any:
        if is_object(obj):
            integrity.mark(obj, level)
        return obj

    return mark


def _no_props(obj: Any) -> bool:
    return not _keys(obj)


def is_frozen(obj: Any = UNDEFINED, *_: Any) -> bool:
    if not is_object(obj):
        return True
    level = integrity.level_of(obj)
    if level == "frozen":
        return True
    # a non-extensible dict with no properties is frozen; a list keeps a writable length
    return level != "extensible" and isinstance(obj, dict | JSDate) and _no_props(obj)


def is_sealed(obj: Any = UNDEFINED, *_: Any) -> bool:
    if not is_object(obj):
        return True
    level = integrity.level_of(obj)
    if level in ("sealed", "frozen"):
        return True
    return level == "non-extensible" and _no_props(obj)


def is_extensible(obj: Any = UNDEFINED, *_: Any) -> bool:
    return is_object(obj) and integrity.level_of(obj) == "extensible"


def has_own_property(obj: Any = UNDEFINED, prop: Any = UNDEFINED, *_: Any) -> bool:
    _require_object_coercible(obj)
    return _owns(obj, to_property_key(prop))


def is_prototype_of(obj: Any = UNDEFINED, other: Any = UNDEFINED, *_: Any) -> bool:
    if not is_object(other):
        return False
    _require_object_coercible(obj)
    return False  # JSON values are never one another's prototype


def property_is_enumerable(obj: Any = UNDEFINED, prop: Any = UNDEFINED, *_: Any) -> bool:
    _require_object_coercible(obj)
    key = to_property_key(prop)
    if key == "length" and isinstance(obj, list | str):
        return False
    return _owns(obj, key)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "get": get,
    "set": set_,
    "create": create,
    "keys": keys,
    "values": values,
    "entries": entries,
    "fromEntries": from_entries,
    "assign": assign,
    "getOwnPropertyNames": get_own_property_names,
    "getOwnPropertySymbols": get_own_property_symbols,
    "getOwnPropertyDescriptor": get_own_property_descriptor,
    "defineProperty": define_property,
    "defineProperties": define_properties,
    "freeze": _marker("frozen"),
    "isFrozen": is_frozen,
    "seal": _marker("sealed"),
    "isSealed": is_sealed,
    "preventExtensions": _marker("non-extensible"),
    "isExtensible": is_extensible,
    "hasOwnProperty": has_own_property,
    "isPrototypeOf": is_prototype_of,
    "propertyIsEnumerable": property_is_enumerable,
}
