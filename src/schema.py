"""JSON schemas derived from the field table: the Actor's input schema, and one schema per mode for its tool.

`input_schema()` is what `.actor/input_schema.json` holds (`python scripts/generate_schemas.py` writes it; a test
holds the committed file equal to it). `mode_schema(mode)` is the input schema of the mode's MCP tool: exactly the
fields `mode` reads that a tool offers (no key, batch, chart or watch fields), with that mode's own allowed values,
the fields a caller must give marked required, each field's tool description and an example each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from src.fields import FIELD, FIELDS, InputField, fields_of
from src.kinds import spec_of
from src.modes import ENDPOINTS
from src.query import Output

if TYPE_CHECKING:
    from src.modes import Mode

INPUT_TITLE: Final = 'CoinGlass liquidation data'
INPUT_DESCRIPTION: Final = (
    'Pick a mode, fill the fields that mode uses (each field says which modes read it), and run. One dataset item '
    'per query; only successful results are charged. Leave out every field you do not use: null, "" and [] mean '
    'not set (the default applies), and so does 0 for limit and min_liquidation_amount.'
)


INPUT_SPEC: Final = 'https://apify.com/schemas/v1/input.ide.json'
# Keys of a top-level property that a list item's property may not have (the spec's sub-schema properties).
TOP_LEVEL_ONLY: Final = frozenset({'sectionCaption', 'sectionDescription', 'isSecret'})


def input_schema() -> dict[str, Any]:
    """The Actor's input schema (`.actor/input_schema.json`), every field in the table's order."""
    return {
        '$schema': INPUT_SPEC,
        'title': INPUT_TITLE,
        'description': INPUT_DESCRIPTION,
        'type': 'object',
        'schemaVersion': 1,
        'properties': {declared.name: _property(declared) for declared in FIELDS},
        'required': [declared.name for declared in FIELDS if declared.required],
    }


def _property(declared: InputField) -> dict[str, Any]:
    """One field as the Console's form shows it."""
    choices, section, suggested = declared.choices, declared.section, declared.suggestions
    optional: dict[str, Any] = {
        'editor': declared.editor,
        'dateType': declared.date_type,
        'enum': None if choices is None else list(choices.values),
        'enumSuggestedValues': list(suggested) if suggested is not None and declared.json_type == 'string' else None,
        'enumTitles': None if choices is None or choices.titles is None else list(choices.titles),
        **_bounds(declared, text_length=False),
        'default': declared.default,
        'prefill': declared.prefill,
        'unit': declared.unit,
        'pattern': declared.pattern,
        'errorMessage': None
        if declared.pattern is None
        else {'pattern': f"Input field '{declared.name}' must be {declared.allowed}."},
        'items': _items(declared),
        'maxItems': declared.maximum if declared.json_type == 'array' else None,
        'isSecret': True if declared.secret else None,
        'sectionCaption': None if section is None else section.caption,
        'sectionDescription': None if section is None else section.description,
    }
    nullable = {} if declared.required else {'nullable': True}
    return {
        'title': declared.title,
        'type': declared.json_type,
        **nullable,
        'description': declared.description,
        **{key: value for key, value in optional.items() if value is not None},
    }


def _items(declared: InputField) -> dict[str, Any] | None:
    """A list's items: their type, the values suggested for them, or the properties of object items."""
    if declared.item_type is None:
        return None
    items: dict[str, Any] = {'type': declared.item_type}
    if declared.suggestions is not None:
        items['enumSuggestedValues'] = list(declared.suggestions)
    if declared.item_fields is not None:
        items['properties'] = {field.name: _item_property(field, declared) for field in declared.item_fields()}
        if declared.item_required:
            items['required'] = list(declared.item_required)
    return items


def _item_property(field: InputField, parent: InputField) -> dict[str, Any]:
    """A property of a list's object items: as a top-level one, less the keys the spec keeps to top-level ones.

    Those are form sections and secrecy, and `nullable` for the properties every item must give.
    """
    dropped = TOP_LEVEL_ONLY | ({'nullable'} if field.name in parent.item_required else set())
    return {key: value for key, value in _property(field).items() if key not in dropped}


def _bounds(declared: InputField, *, text_length: bool = True) -> dict[str, int]:
    """A number's bounds as the schema states them (0 too, where 0 means not set), or a text's longest length.

    The input schema leaves a text's length out (`text_length=False`): the Apify MCP server would drop it from the
    batch Actor's tool, and no real value comes near it; the Actor refuses a longer one in one line.
    """
    if declared.json_type == 'string':
        return {} if declared.maximum is None or not text_length else {'maxLength': declared.maximum}
    if declared.json_type not in {'integer', 'number'}:
        return {}
    bounds = {}
    if declared.minimum is not None:
        bounds['minimum'] = 0 if declared.zero_means_unset else declared.minimum
    if declared.maximum is not None:
        bounds['maximum'] = declared.maximum
    return bounds


ECHO_NOTE: Final = (
    'Echoed as given (the default filled in) for the modes that read it; on an input failure, exactly as sent.'
)
ECHO_AFTER: Final = 'query_index'


def echoed_fields() -> tuple[InputField, ...]:
    """The fields a dataset item echoes: every field of a query but its mode, which the item carries anyway."""
    return tuple(declared for declared in FIELDS if declared.echo_description is not None)


def dataset_schema(written: dict[str, Any]) -> dict[str, Any]:
    """The dataset schema: `written` (the hand-written parts) with the echoed fields' properties from the table.

    The echoed fields come right after `query_index`, in the table's order; any property of theirs in `written` is
    replaced.
    """
    echoed = {declared.name: _echo_property(declared) for declared in echoed_fields()}
    properties: dict[str, Any] = {}
    for name, prop in written['fields']['properties'].items():
        if name not in echoed:
            properties[name] = prop
        if name == ECHO_AFTER:
            properties.update(echoed)
    return {**written, 'fields': {**written['fields'], 'properties': properties}}


def _echo_property(declared: InputField) -> dict[str, Any]:
    example = declared.example if declared.example is not None else declared.default
    return {
        'title': declared.title,
        'description': f'{declared.echo_description} {ECHO_NOTE}',
        'examples': [example],
    }


def mode_schema(mode: Mode) -> dict[str, Any]:
    """The input schema of `mode`'s tool: the fields it reads that a tool offers, with that mode's own allowed values.

    `required` lists the fields the mode's endpoint row requires that have no default (one with a default need not
    be given); each property has an example where the table gives one. `output` defaults to `tool_output(mode)`.
    """
    endpoint = ENDPOINTS[mode]
    offered = [declared for declared in fields_of(mode) if declared.in_tools] + [FIELD['output']]
    properties = {declared.name: _tool_property(declared, mode) for declared in offered}
    properties['output']['default'] = tool_output(mode).value
    return {
        'type': 'object',
        'properties': properties,
        'required': [name for name in endpoint.required if name in properties and 'default' not in properties[name]],
        'additionalProperties': False,
    }


def tool_output(mode: Mode) -> Output:
    """What a tool answers with when `output` is not given.

    The summary alone where the mode's kind has one (the compact answer an agent reads), else the data
    (search_symbols: the pairs found).
    """
    return Output.SUMMARY if spec_of(mode).summarize is not None else Output.FULL


def _tool_property(declared: InputField, mode: Mode) -> dict[str, Any]:
    description = declared.tool_description or declared.description
    if declared.tool_if_optional is not None and declared.name not in ENDPOINTS[mode].required:
        description = f'{description} {declared.tool_if_optional}'
    prop: dict[str, Any] = {'type': declared.json_type, 'description': description}
    choices = declared.mode_choices(ENDPOINTS[mode]) if declared.mode_choices is not None else None
    if choices is None and declared.choices is not None:
        choices = declared.choices.values
    if choices is not None:
        prop['enum'] = list(choices)
    prop.update(_bounds(declared))
    if declared.item_type is not None:
        prop['items'] = {'type': declared.item_type}
    if declared.default is not None:
        prop['default'] = declared.default
    if declared.example is not None:
        prop['examples'] = [declared.example]
    return prop
