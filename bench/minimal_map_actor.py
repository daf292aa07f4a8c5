"""The least an Apify Actor can do to answer one liquidation map query: the baseline of the cold-start benchmark.

It does what the one-query map run of `python -m src` must: start the SDK, read the input, ask CoinGlass (the
`COINGLASS_BASE_URL` the benchmark sets) for the map and the pair's latest 1-minute close over one httpx client,
push one item and write `OUTPUT`. No validation, no summary, no error handling: the Actor's own overhead is what
`python -m src` takes beyond this.
"""

from __future__ import annotations

import asyncio
import os

import httpx
from apify import Actor


async def main() -> None:
    """One map query, as plainly as the SDK allows."""
    async with Actor:
        actor_input = await Actor.get_input() or {}
        exchange, _, pair = str(actor_input.get('symbol', 'Binance_BTCUSDT')).partition('_')
        headers = {'CG-API-KEY': os.environ.get('COINGLASS_API_KEY', '')}
        async with httpx.AsyncClient(base_url=os.environ['COINGLASS_BASE_URL'], headers=headers) as client:
            levels = await client.get(
                '/api/futures/liquidation/map',
                params={'exchange': exchange, 'symbol': pair, 'range': actor_input.get('range', '1d')},
            )
            price = await client.get(
                '/api/futures/price/history',
                params={'exchange': exchange, 'symbol': pair, 'interval': '1m', 'limit': 1},
            )
        item = {'success': True, 'mode': 'liquidation_map', **actor_input, 'price': price.json()['data']}
        await Actor.push_data({**item, 'data': levels.json()['data']})
        await Actor.set_value('OUTPUT', {'queries': 1, 'results': [item]})


if __name__ == '__main__':
    asyncio.run(main())
