"""slant's web app: Django apps named for what analysts do.

    accounts   register, log in, passwords, API tokens
    library    collections, members and their roles, adding articles
    jobs       background analysis: the job table and the workers
    reader     the reading view, corrections and their exports
    search     full-text search across a user's collections
    api        the JSON API and its OpenAPI spec

Imports flow one way: api/reader/search -> library/jobs -> accounts -> store.
"""
