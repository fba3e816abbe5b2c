"""Built-in stages. Importing this package registers every stage module in it.

Each module registers its stages with ``slant.pipeline.register``; this file
only imports them (the registry never imports a stage back).
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
