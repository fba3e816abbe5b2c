"""Many sources through one pipeline: in this process, a local pool, or Ray.

``run`` maps the pipeline over a stream of items (``Article``, or the
``InputError`` a reader yielded for a bad input) and yields one ``Outcome``
per item, in input order, whichever engine analyses them:

- ``engine="local"``, ``workers=1``: in this process, one article at a time;
- ``engine="local"``, ``workers=N``: N worker processes, each building the
  stages once (models load once per process) and analysing articles sent to
  it one at a time; the workers exit when the driver dies, even by ``kill -9``;
- ``engine="ray"``: N Ray actors, each holding the models, fed chunks of
  articles; on a local Ray instance by default (``num_cpus=N``) or on an
  existing cluster with ``address=``. A chunk whose actor dies (its node
  gone) is sent again to the actors left.

Any failure on one item (a reader's, a stage's, a worker's) becomes that
item's ``Failure``; the batch goes on and keeps what was done. ``ingest``
adds the store: resumable, idempotent, and counting what it really inserted.

The package: ``driver`` (the loop, outcomes, failures, ``items_from``),
``work`` (what runs where the models live), ``local`` (this process, a
process pool), ``cluster`` (Ray), ``ingesting`` (the store side).

``SLANT_TEST_DELAY_PER_ARTICLE`` (seconds, test-only) makes each article take
at least that long, so the kill tests can kill a batch mid-way.
"""

from __future__ import annotations

from .driver import ENGINES, Failure, Item, Outcome, items_from, run
from .ingesting import IngestSummary, ingest
from .work import DELAY_ENV

__all__ = ["DELAY_ENV", "ENGINES", "Failure", "IngestSummary", "Item", "Outcome", "ingest", "items_from", "run"]
