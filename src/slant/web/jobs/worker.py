"""``python -m slant.web.jobs.worker``: one background analysis worker process."""

from __future__ import annotations

import signal
import sys
import threading


def main(argv: list[str] | None = None) -> None:
    from slant import store

    store.setup()
    from slant.web.jobs import runner
    from slant.web.jobs.runner import work

    runner.HARD_LIMIT = True  # a job stuck past its limit ends this process; `slant serve` starts another

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    args = sys.argv[1:] if argv is None else argv
    try:
        work(stop, once="--once" in args)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
