"""Stories, outlets and attention: what many articles say together (issue 13).

- ``stories``: articles grouped into stories as they are stored (``on_saved``, called from
  ``store.ingest.save_many``), merged and split by hand, listed;
- ``compare``: one story's outlets side by side (``story_view``);
- ``outlets``: normalised, renamable outlet names and each outlet's profile;
- ``attention``: matching articles per day or week, one series per outlet.

The signals and scoring of the grouping live in ``grouping`` (no database), the vectors in
``embed`` and the nearest-neighbour index in ``ann``. Readers take ``articles``: the article
ids the caller may see (None: the whole store).
"""
