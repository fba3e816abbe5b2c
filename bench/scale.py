"""Stories at scale: 100,000 stored articles, adding one to stories, and the three reads at 4 clients.

    nice -n 10 .venv/bin/python bench/scale.py --db sqlite:////tmp/scale.sqlite3 --n 100000 [--json OUT]
    nice -n 10 .venv/bin/python bench/scale.py --db postgresql://slant:slant@127.0.0.1:5432/slant_stories --n 100000

1. The corpus (skipped when the database already holds ``--n`` articles): perturbed copies of real
   analyses (the BASIL and ECB+ cache of bench/stories_data.py, else examples/), inserted in bulk. Each
   copy gets a unique last line (so a text of its own), one of 300 outlets, a date within two years, its
   real entities, quotes and dates layers, persuasion spans put on random sentences with random
   techniques and scores (the cached analyses ran without the persuasion model), and its source's vector
   plus noise. Copies come in stories of 2-8 articles from different outlets within 5 days. All are in
   one user's collection (so every read goes through the access filter), and in the FTS table on SQLite.
2. Adding one article to stories: ``stories.add`` for 200 new copies, one at a time, with their vectors
   given (the MiniLM vector is timed apart: it is the same work whatever the store holds). Before it, the
   process's index is synced from the database (the cold start, timed).
3. Reads at 4 clients: 4 threads, each with its own connection, calling the API views through Django's
   test client (auth, access filter, JSON): a story view (a random story), an outlet profile (a random
   outlet), an attention chart (a random entity; and a random word); 100 requests per client per kind.
   Median and p95 latency in ms, wall clock (the machine is shared: see the load average printed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

TECHNIQUES = ["Loaded_Language", "Name_Calling,Labeling", "Doubt", "Exaggeration,Minimisation", "Flag-Waving",
              "Appeal_to_fear-prejudice", "Repetition", "Causal_Oversimplification"]


def sources() -> tuple[list[dict[str, Any]], np.ndarray]:
    """Real analyses and their vectors to copy."""
    import stories_data

    from slant.store.aggregates import embed

    found: list[dict[str, Any]] = []
    vecs: list[np.ndarray] = []
    for name in ("basil", "ecbplus"):
        path = stories_data.cache_dir() / f"{name}.jsonl"
        vpath = stories_data.cache_dir() / f"{name}.{embed.MODEL.replace('/', '_')}.npy"
        if path.exists() and vpath.exists():
            items = stories_data.basil() if name == "basil" else stories_data.ecbplus()
            data = {json.loads(line)["article"]["id"]: json.loads(line) for line in path.read_text().splitlines()}
            v = np.load(vpath)
            for i, it in enumerate(items):
                if it.article.id in data:
                    found.append(data.pop(it.article.id))
                    vecs.append(v[i])
    if not found:
        raise SystemExit("no cached analyses: run bench/stories.py first (it caches BASIL and ECB+ analyses)")
    return found, np.vstack(vecs)


def perturb(src: dict[str, Any], n: int, outlet: str, day: dt.date, rng: random.Random) -> dict[str, Any]:
    art = dict(src["article"])
    art["text"] = art["text"] + f"\nCopy {n}.\n"
    art.update(outlet=outlet, published=day.isoformat(), url=None)
    from slant.article import text_id

    art["id"] = text_id(art["text"])
    layers = dict(src.get("layers", {}))
    sents = layers.get("sentences", [])
    spans = []
    for _ in range(rng.randrange(0, 12)):
        if not sents:
            break
        s = sents[rng.randrange(len(sents))]
        spans.append({"start": s["start"], "end": s["end"], "label": rng.choice(TECHNIQUES),
                      "score": round(rng.random(), 3)})
    layers["persuasion"] = sorted(spans, key=lambda x: x["start"])
    return {**src, "article": art, "layers": layers}


def _insert(using: str, model: Any, objs: list[Any]) -> None:
    """Many rows of one model in one statement stream: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

    The values are what Django would write (``pre_save`` fills auto dates, ``get_db_prep_save`` adapts
    JSON and dates); an auto id left unset is left to the database.
    """
    from django.db import connections

    if not objs:
        return
    conn = connections[using]
    fields = [f for f in model._meta.concrete_fields
              if not (f.primary_key and getattr(objs[0], f.attname) is None)]
    rows = [tuple(f.get_db_prep_save(f.pre_save(o, True), conn) for f in fields) for o in objs]
    table = conn.ops.quote_name(model._meta.db_table)
    cols = ", ".join(conn.ops.quote_name(f.column) for f in fields)
    with conn.cursor() as cur:
        if conn.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for r in rows:
                    copy.write_row(r)
        else:
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(['%s'] * len(fields))})", rows)


def build(n: int, using: str, chunk: int = 5000) -> dict[str, Any]:
    """Insert copies until the database holds ``n`` articles: one transaction per chunk of ``chunk``."""
    from django.contrib.auth import get_user_model
    from django.core.management.color import no_style
    from django.db import connections, transaction
    from django.db.models import Max

    from slant.store.aggregates import embed, facts, grouping
    from slant.store.aggregates.models import (ArticleActor, ArticleEmbedding, ArticleFacts, ArticleQuoteSource,
                                               ArticleTechnique, Outlet, Story)
    from slant.store.models import Analysis, Article
    from slant.web.library.models import Collection, Entry, Membership, Role

    srcs, vecs = sources()
    made = Article.objects.using(using).count()
    rng = random.Random(made)  # a resumed build draws new copies
    nrng = np.random.default_rng(made)
    User = get_user_model()
    user, _ = User.objects.using(using).get_or_create(username="bench")
    coll, _ = Collection.objects.using(using).get_or_create(name="bench")
    Membership.objects.using(using).get_or_create(collection=coll, user=user, defaults={"role": Role.OWNER})
    outlets = [Outlet.objects.using(using).get_or_create(key=f"outlet {i}", defaults={"name": f"Outlet {i}"})[0]
               for i in range(300)]
    start = dt.date(2023, 1, 1)
    conn = connections[using]
    fts = conn.vendor == "sqlite" and "search_fts" in conn.introspection.table_names()
    next_story = (Story.objects.using(using).aggregate(m=Max("id"))["m"] or 0) + 1
    t0, c0 = time.time(), time.process_time()
    first = made
    while made < n:
        rows: dict[str, list[Any]] = {k: [] for k in ("story", "art", "ana", "fact", "tech", "act", "quote", "emb", "entry")}
        fts_rows = []
        while len(rows["art"]) < chunk and made + len(rows["art"]) < n:
            src_i = rng.randrange(len(srcs))
            size = min(rng.randrange(2, 9), n - made - len(rows["art"]))
            day0 = start + dt.timedelta(days=rng.randrange(730))
            story = Story(id=next_story, title=(srcs[src_i]["article"].get("title") or "")[:500], size=size)
            next_story += 1
            days = []
            for _ in range(size):
                k = made + len(rows["art"])
                data = perturb(srcs[src_i], k, f"Outlet {rng.randrange(300)}", day0 + dt.timedelta(days=rng.randrange(5)), rng)
                a = data["article"]
                aid = a["id"]
                o = outlets[int(a["outlet"].split()[-1])]
                pub = dt.date.fromisoformat(a["published"])
                days.append(pub)
                rows["art"].append(Article(id=aid, text=a["text"], title=a.get("title"), outlet=a["outlet"],
                                           published=pub, language="en", source="bench"))
                rows["ana"].append(Analysis(article_id=aid, pipeline="bench", data=data))
                v = vecs[src_i] + nrng.normal(0, 0.02, vecs.shape[1]).astype(np.float32)
                v /= np.linalg.norm(v)
                sig = grouping.signals(data, v)
                rows["fact"].append(ArticleFacts(article_id=aid, outlet_id=o.id, published=pub, words=facts.word_count(data),
                                                 story_id=story.id, signals=sig.to_json()))
                rows["tech"] += [ArticleTechnique(article_id=aid, technique=t, count=c) for t, c in facts.techniques(data).items()]
                rows["act"] += [ArticleActor(article_id=aid, **{kk: vv for kk, vv in x.items() if kk != "entity"}) for x in facts.actors(data)]
                rows["quote"] += [ArticleQuoteSource(article_id=aid, **q) for q in facts.quote_sources(data)]
                rows["emb"].append(ArticleEmbedding(article_id=aid, model=embed.MODEL, vector=embed.to_bytes(v)))
                rows["entry"].append(Entry(collection_id=coll.id, article_id=aid, origin="bench"))
                fts_rows.append((aid, a.get("title") or "", a["text"]))
            story.first_published, story.last_published = min(days), max(days)
            rows["story"].append(story)
        with transaction.atomic(using=using):
            for key, model in (("story", Story), ("art", Article), ("ana", Analysis), ("fact", ArticleFacts),
                               ("tech", ArticleTechnique), ("act", ArticleActor), ("quote", ArticleQuoteSource),
                               ("emb", ArticleEmbedding), ("entry", Entry)):
                _insert(using, model, rows[key])
            if fts:
                with conn.cursor() as cur:
                    cur.executemany("INSERT INTO search_fts (article_id, title, body) VALUES (%s, %s, %s)", fts_rows)
        made += len(rows["art"])
        print(f"{made} articles, {time.time() - t0:.0f} s wall, {time.process_time() - c0:.0f} s CPU, "
              f"load {os.getloadavg()[0]:.1f}", flush=True)
    if conn.vendor == "postgresql":  # explicit story ids: move the sequence past them
        with conn.cursor() as cur:
            for sql in conn.ops.sequence_reset_sql(no_style(), [Story]):
                cur.execute(sql)
            cur.execute("ANALYZE")
    else:
        with conn.cursor() as cur:
            cur.execute("ANALYZE")
    return {"built": made - first, "built_wall_s": round(time.time() - t0, 1),
            "built_cpu_s": round(time.process_time() - c0, 1)}


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def time_adds(using: str, count: int = 200) -> dict[str, Any]:
    from slant.store.aggregates import embed, stories

    srcs, vecs = sources()
    rng = random.Random(1)
    idx = stories.store_index(using)
    t = time.perf_counter()
    c = time.process_time()
    idx.sync()
    cold = {"sync_index_wall_s": round(time.perf_counter() - t, 2), "sync_index_cpu_s": round(time.process_time() - c, 2),
            "index_size": len(idx.index)}
    wall, cpu = [], []
    from django.db import connections

    pid = None
    if connections[using].vendor == "postgresql":
        with connections[using].cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            pid = cur.fetchone()[0]
    server = 0.0
    load_before = os.getloadavg()[0]
    base = time.time_ns()  # copies' texts differ from every earlier run's
    for i in range(count):
        j = rng.randrange(len(srcs))
        data = perturb(srcs[j], base + i, f"Outlet {rng.randrange(300)}",
                       dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(730)), rng)
        from slant.store.models import Analysis, Article

        a = data["article"]
        Article.objects.using(using).create(id=a["id"], text=a["text"], title=a.get("title"), outlet=a["outlet"],
                                            published=dt.date.fromisoformat(a["published"]))
        Analysis.objects.using(using).create(article_id=a["id"], pipeline="bench", data=data)
        v = vecs[j] + np.random.default_rng(i).normal(0, 0.02, vecs.shape[1]).astype(np.float32)
        v /= np.linalg.norm(v)
        t, c, s = time.perf_counter(), time.process_time(), _proc_cpu_s(pid)
        stories.add([(a["id"], data)], using=using, vectors=v[None])
        wall.append(1000 * (time.perf_counter() - t))
        cpu.append(1000 * (time.process_time() - c))
        if pid is not None:
            server += (_proc_cpu_s(pid) or 0.0) - (s or 0.0)
    texts = [srcs[rng.randrange(len(srcs))]["article"]["text"] for _ in range(20)]
    embed.vectors(texts[:1])
    t, c = time.perf_counter(), time.process_time()
    for x in texts:
        embed.vectors([x])
    emb_ms = 1000 * (time.perf_counter() - t) / len(texts)
    emb_cpu = 1000 * (time.process_time() - c) / len(texts)
    return {**cold, "adds": count, "add_ms_median": round(statistics.median(wall), 2), "add_ms_p95": round(pct(wall, 0.95), 2),
            "add_cpu_ms_median": round(statistics.median(cpu), 2), "add_cpu_ms_p95": round(pct(cpu, 0.95), 2),
            **({"add_server_cpu_ms_mean": round(1000 * server / count, 2)} if pid is not None else {}),
            "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            "minilm_vector_ms_per_article": round(emb_ms, 1), "minilm_vector_cpu_ms": round(emb_cpu, 1)}


def _proc_cpu_s(pid: int | None) -> float | None:
    """User + system CPU seconds of a local process (a PostgreSQL backend), or None."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def time_reads(using: str, clients: int = 4, per_client: int = 100) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connections
    from django.test import Client

    from django.db.models import Count

    from slant.store.aggregates.models import ArticleActor, ArticleFacts, Outlet

    user = get_user_model().objects.using(using).get(username="bench")
    rng = random.Random(2)
    story_ids = list(ArticleFacts.objects.using(using).values("story_id").annotate(c=Count("article_id"))
                     .filter(c__gt=1).values_list("story_id", flat=True)[:5000])
    outlet_ids = list(Outlet.objects.using(using).filter(key__startswith="outlet ").values_list("id", flat=True))
    sample = list(ArticleFacts.objects.using(using).values_list("article_id", flat=True)[:2000])
    entities = list(ArticleActor.objects.using(using).filter(article_id__in=sample).values_list("key", flat=True).distinct()[:500])
    words = ["election", "police", "president", "court", "rehab", "earthquake", "obama", "trump", "fire", "senate"]
    kinds = {
        "story list (a page)": lambda: f"/api/stories?page={rng.randint(1, 20)}",
        "story view": lambda: f"/api/stories/{rng.choice(story_ids)}",
        "outlet profile": lambda: f"/api/outlets/{rng.choice(outlet_ids)}",
        "attention (entity, weekly)": lambda: f"/api/attention?entity={rng.choice(entities)}&interval=week",
        "attention (word, weekly)": lambda: f"/api/attention?q={rng.choice(words)}&interval=week",
    }
    out: dict[str, Any] = {"clients": clients, "requests_per_client": per_client, "load_average_before": os.getloadavg()}
    for kind, url in kinds.items():
        urls = [[url() for _ in range(per_client)] for _ in range(clients)]
        times: list[float] = []
        cpu: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        barrier = threading.Barrier(clients)

        server_cpu: list[float] = []

        def worker(mine: list[str]) -> None:
            client = Client()
            client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
            client.get(mine[0])
            pid = None
            if connections[using].vendor == "postgresql":  # this thread's server process, for its CPU time
                with connections[using].cursor() as cur:
                    cur.execute("SELECT pg_backend_pid()")
                    pid = cur.fetchone()[0]
            before = _proc_cpu_s(pid)
            barrier.wait()
            local, local_cpu = [], []
            for u in mine:
                t, c = time.perf_counter(), time.thread_time()
                r = client.get(u)
                local.append(1000 * (time.perf_counter() - t))
                local_cpu.append(1000 * (time.thread_time() - c))
                if r.status_code != 200:
                    with lock:
                        errors.append(f"{u}: {r.status_code}")
            after = _proc_cpu_s(pid)
            with lock:
                times.extend(local)
                cpu.extend(local_cpu)
                if before is not None and after is not None:
                    server_cpu.append(after - before)
            connections.close_all()

        threads = [threading.Thread(target=worker, args=(u,)) for u in urls]
        load_before = os.getloadavg()[0]
        t0 = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        out[kind] = {"ms_median": round(statistics.median(times), 1), "ms_p95": round(pct(times, 0.95), 1),
                     "client_cpu_ms_median": round(statistics.median(cpu), 1), "client_cpu_ms_p95": round(pct(cpu, 0.95), 1),
                     "requests": len(times), "errors": len(errors), "wall_s": round(time.perf_counter() - t0, 1),
                     "load_average_1min": [round(load_before, 1), round(os.getloadavg()[0], 1)]}
        if server_cpu:  # PostgreSQL: the server's CPU for these requests, per request (10 ms clock ticks, summed)
            out[kind]["server_cpu_ms_mean"] = round(1000 * sum(server_cpu) / len(times), 1)
        print(kind, out[kind], errors[:3], flush=True)
    out["load_average_after"] = os.getloadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--db", required=True)
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--no-reads", action="store_true")
    ap.add_argument("--build-only", action="store_true", help="build the corpus up to --n and stop (time it later)")
    ap.add_argument("--per-client", type=int, default=100, help="requests per client and kind of read")
    ap.add_argument("--adds", type=int, default=200, help="articles added one at a time (0: none)")
    args = ap.parse_args()
    os.environ.setdefault("SLANT_STORIES", "1")
    from slant import store

    using = store.setup(args.db)
    from slant.store.models import Article

    result: dict[str, Any] = {"db": args.db.split("@")[-1], "n": args.n}
    if Article.objects.using(using).count() < args.n:  # (a smaller --n times what is there)
        result["build"] = build(args.n, using)
    result["articles"] = Article.objects.using(using).count()
    if args.build_only:
        print(json.dumps(result, indent=1))
        return
    if args.adds:
        result["add"] = time_adds(using, args.adds)
        print(json.dumps(result["add"]), flush=True)
    if not args.no_reads:
        result["reads"] = time_reads(using, per_client=args.per_client)
    print(json.dumps(result, indent=1))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
