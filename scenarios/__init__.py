"""The ready-made scenarios: copy a file from this folder to start your own.

The package ships this very folder as ``mockgateway.scenarios`` (see ``package-dir`` in
pyproject.toml), so ``mockgateway serve --scenario NAME`` reads the same files.
"""
