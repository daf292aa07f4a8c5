"""Entry point: `python -m src`."""

import asyncio

from src.main import main

asyncio.run(main())
