"""What the Apify platform checks on what the Actor stores, per the .actor/ schemas: each dataset item against the
dataset schema's `fields`, each key-value record against its key-value store schema collection (content type and,
for JSON, the collection's JSON schema). conftest's `MemorySink` calls these on everything an in-process run stores.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

ACTOR_DIR = Path(__file__).resolve().parent.parent / '.actor'
_ACTOR = json.loads((ACTOR_DIR / 'actor.json').read_text())
FIELDS: dict[str, Any] = json.loads((ACTOR_DIR / _ACTOR['storages']['dataset']).read_text())['fields']
COLLECTIONS: dict[str, dict[str, Any]] = json.loads((ACTOR_DIR / _ACTOR['storages']['keyValueStore']).read_text())[
    'collections'
]
_ITEMS = jsonschema.Draft7Validator(FIELDS)
PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def _problems(validator: jsonschema.Draft7Validator, value: Any) -> str:
    return '; '.join(
        f'{"/".join(map(str, error.absolute_path)) or "(top)"}: {error.message}'
        for error in validator.iter_errors(value)
    )


def check_item(item: dict[str, Any]) -> None:
    """Fail as the platform would refuse the push: the item breaks the dataset schema, or has an undescribed field."""
    problems = _problems(_ITEMS, item)
    assert not problems, f'Apify would refuse to push this item ({problems}): {json.dumps(item)[:500]}'
    undescribed = set(item) - set(FIELDS['properties'])
    assert not undescribed, f'.actor/dataset_schema.json does not describe the fields {sorted(undescribed)}'


def collection_of(key: str) -> dict[str, Any]:
    """The key-value store schema collection a record key belongs to."""
    found = [
        collection
        for collection in COLLECTIONS.values()
        if collection.get('key') == key or key.startswith(collection.get('keyPrefix', '\0'))
    ]
    assert len(found) == 1, f'record {key!r} belongs to {len(found)} collections of the key-value store schema'
    return found[0]


def check_record(key: str, value: Any) -> None:
    """Fail as the platform would refuse the record: a content type or a JSON value its collection does not take."""
    collection = collection_of(key)
    content_type = 'image/png' if isinstance(value, bytes) and value.startswith(PNG_SIGNATURE) else 'application/json'
    assert content_type in collection['contentTypes'], f'{key}: {content_type} is not in {collection["contentTypes"]}'
    if 'jsonSchema' in collection:
        problems = _problems(jsonschema.Draft7Validator(collection['jsonSchema']), value)
        assert not problems, f'Apify would refuse the record {key} ({problems}): {json.dumps(value)[:500]}'
