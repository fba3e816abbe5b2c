"""Followed feeds: a collection follows RSS/Atom feeds, and the job worker polls them.

The poller (``poll.py``) runs inside the analysis worker's loop. It asks each
due feed with a conditional GET (ETag / Last-Modified), keeps a per-host gap
between requests, records every new item once, then fetches each item's page
through the library's URL fetcher (with its address checks) and adds the
article to the collection, which stores it once and queues its analysis.
Failures are kept per feed (last success, last error, backoff) and per item.
"""
