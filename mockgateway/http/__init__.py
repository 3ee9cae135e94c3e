"""aiohttp: the Montnets routes, the /_mock/ control API, and the app that joins them."""
