"""Write the files generated from the field table (`src/fields.py`).

They are `.actor/input_schema.json`, and the echoed fields of `.actor/dataset_schema.json` (its other parts are
written by hand and kept).

    .venv/bin/python scripts/generate_schemas.py           # write them
    .venv/bin/python scripts/generate_schemas.py --check   # exit 1, naming each, when one differs from its source

A test runs the check, so a change to a field in `src/fields.py` must come with the regenerated file.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from src.schema import dataset_schema, input_schema  # noqa: E402


def generated() -> dict[Path, str]:
    """Each generated file and its text."""
    dataset = ROOT / '.actor' / 'dataset_schema.json'
    return {
        ROOT / '.actor' / 'input_schema.json': as_text(input_schema()),
        dataset: as_text(dataset_schema(json.loads(dataset.read_text()))),
    }


def as_text(document: Any) -> str:
    """JSON as the repository keeps it: 4-space indents, UTF-8, a final newline."""
    return json.dumps(document, indent=4, ensure_ascii=False) + '\n'


def main(argv: list[str]) -> int:
    """Write the files, or with `--check` report the ones that differ."""
    stale = [path for path, text in generated().items() if not path.exists() or path.read_text() != text]
    if '--check' in argv:
        for path in stale:
            print(f'{path.relative_to(ROOT)} is not what src/ generates: run scripts/generate_schemas.py')
        return 1 if stale else 0
    for path in stale:
        path.write_text(generated()[path])
        print(f'wrote {path.relative_to(ROOT)}')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
