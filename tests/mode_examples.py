"""One realistic input per mode (as an agent or a user would send it), shared by the schema and MCP tool tests."""

from __future__ import annotations

from typing import Any

from src.modes import Mode

# One realistic input per mode, as an agent would send it.
EXAMPLES: dict[Mode, dict[str, Any]] = {
    Mode.SEARCH_SYMBOLS: {'mode': 'search_symbols', 'keyword': 'eth', 'exchange': 'OKX'},
    Mode.LIQUIDATION_MAP: {'mode': 'liquidation_map', 'symbol': 'Binance_BTCUSDT', 'range': '7d', 'output': 'summary'},
    Mode.COIN_LIQUIDATION_MAP: {'mode': 'coin_liquidation_map', 'coin': 'ETH', 'range': '1d'},
    Mode.PAIR_LIQUIDATION_HISTORY: {
        'mode': 'pair_liquidation_history',
        'symbol': 'OKX_BTC-USDT-SWAP',
        'interval': '4h',
        'start_time': '30 days',
        'output': 'rows',
    },
    Mode.COIN_LIQUIDATION_HISTORY: {
        'mode': 'coin_liquidation_history',
        'coin': 'BTC',
        'interval': '1h',
        'exchanges': ['Binance', 'OKX', 'Bybit'],
        'limit': 500,
    },
    Mode.LIQUIDATION_COIN_LIST: {'mode': 'liquidation_coin_list', 'exchange': 'Binance'},
    Mode.LIQUIDATION_EXCHANGE_LIST: {'mode': 'liquidation_exchange_list', 'coin': 'SOL', 'range': '4h'},
    Mode.LIQUIDATION_ORDERS: {
        'mode': 'liquidation_orders',
        'exchange': 'Bybit',
        'coin': 'BTC',
        'min_liquidation_amount': 50000,
        'start_time': '2025-11-18',
        'end_time': '2025-11-20T12:00:00Z',
    },
    Mode.PAIR_LIQUIDATION_HEATMAP: {
        'mode': 'pair_liquidation_heatmap',
        'symbol': 'Binance_ETHUSDT',
        'range': '3d',
        'model': 'model2',
    },
    Mode.COIN_LIQUIDATION_HEATMAP: {'mode': 'coin_liquidation_heatmap', 'coin': 'BTC', 'range': '30d', 'charts': True},
    Mode.LIQUIDATION_MAX_PAIN: {'mode': 'liquidation_max_pain', 'range': '24h', 'output': 'summary'},
}
BATCH_EXAMPLE: dict[str, Any] = {
    'mode': 'liquidation_map',
    'range': '1d',
    'queries': [{'symbol': 'Binance_BTCUSDT'}, {'symbol': 'OKX_ETH-USDT-SWAP', 'range': '7d'}],
}
ALL_EXAMPLES = [*EXAMPLES.values(), BATCH_EXAMPLE]
