"""CoinGlass liquidation data as an Apify Actor."""
